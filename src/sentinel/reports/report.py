"""A built report and its tab: what every door renders (``Report``, its ``Notice``, ``Tab``).

Frozen, with no Django objects; the engine (``reports.engine``) builds them from the
participation model's state and a report definition's sections.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sentinel.clinics.contacts import Contact
from sentinel.lib.dates import format_da, format_en
from sentinel.lib.reasons import Reason
from sentinel.projects import explanations as words
from sentinel.projects.opening import ReportKind, ReportState
from sentinel.reports.headline import Figure
from sentinel.reports.periods import Period
from sentinel.reports.tables import Section


@dataclass(frozen=True)
class Notice:
    """What a report leads with when collection is not running: the participation model's
    state (``blocked`` or ``unenrolled``), since when, why, what to do and whom to call.
    ``check`` names the failing status line (``activation``, ``dpa``, ``consent``,
    ``enrolment``) so a door can link to where it is fixed."""

    kind: str
    check: str
    reason: str
    since: dt.date | None
    heading_da: str
    text_da: str
    heading_en: str
    text_en: str
    action_da: str = ""
    action_en: str = ""
    contact: Contact | None = None

    @classmethod
    def of(cls, state: ReportState) -> Notice | None:
        if state.kind is ReportKind.UNENROLLED:
            texts = words.unenrolled_notice(state.project, state.enrolment)
            return cls(
                state.kind.value, "enrolment", Reason.AFTER_UNENROLMENT.value,
                state.unenrolled_on, *texts,
            )  # fmt: skip
        if state.blocker is None:
            return None
        line = state.blocker.line
        return cls(
            state.kind.value,
            line.check,
            state.blocker.reason.value,
            state.blocker.since,
            *words.blocked_notice(state.project, line, state.blocker.since),
            action_da=line.action_da,
            action_en=line.action_en,
            contact=line.contact,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.kind,
            "check": self.check,
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "heading_da": self.heading_da,
            "text_da": self.text_da,
            "heading_en": self.heading_en,
            "text_en": self.text_en,
            "action_da": self.action_da,
            "action_en": self.action_en,
            "contact": self.contact.as_dict() if self.contact else None,
        }


@dataclass(frozen=True)
class Report:
    """One clinic's report for one project and period, ready to render in any form.

    ``state`` is the participation model's (open, not yet open, blocked, unenrolled) and
    ``notice`` what the report leads with when collection is not running; ``courses`` the
    number of courses in the period when the definition counts them (0: nothing to show)."""

    project_code: str
    project_name: str
    clinic_ydernummer: str
    clinic_name: str
    period: Period
    data_from: dt.date | None
    data_to: dt.date | None
    is_open: bool
    opens_on: dt.date | None
    closed_reason_da: str = ""
    closed_reason_en: str = ""
    sections: tuple[Section, ...] = ()
    generated_on: dt.date | None = None
    enrolled_on: dt.date | None = None
    benchmark_refreshed_at: dt.datetime | None = None
    state: str = ReportKind.OPEN.value
    notice: Notice | None = None
    courses: int | None = None
    headline: tuple[Figure, ...] = ()
    """The few figures the tab leads with (``reports.headline``); none before it opens."""

    @property
    def has_data(self) -> bool:
        return self.courses is None or self.courses > 0

    @property
    def data_range_da(self) -> str:
        """The line at the top of the report: "Data fra 12.01.2026 til 24.11.2026"."""
        if self.data_from is None or self.data_to is None:
            return ""
        return f"Data fra {format_da(self.data_from)} til {format_da(self.data_to)}"

    @property
    def data_range_en(self) -> str:
        if self.data_from is None or self.data_to is None:
            return ""
        return f"Data from {format_en(self.data_from)} to {format_en(self.data_to)}"

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.date | dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "project": self.project_code,
            "project_name": self.project_name,
            "ydernummer": self.clinic_ydernummer,
            "clinic": self.clinic_name,
            "period": self.period.as_dict(),
            "data_from": iso(self.data_from),
            "data_to": iso(self.data_to),
            "data_range_da": self.data_range_da,
            "data_range_en": self.data_range_en,
            "is_open": self.is_open,
            "opens_on": iso(self.opens_on),
            "closed_reason_da": self.closed_reason_da,
            "closed_reason_en": self.closed_reason_en,
            "generated_on": iso(self.generated_on),
            "enrolled_on": iso(self.enrolled_on),
            "benchmark_refreshed_at": iso(self.benchmark_refreshed_at),
            "state": self.state,
            "notice": self.notice.as_dict() if self.notice else None,
            "courses": self.courses,
            "sections": [s.as_dict() for s in self.sections],
            "headline": [f.as_dict() for f in self.headline],
        }


@dataclass(frozen=True)
class Tab:
    """A project tab in a clinic's report page: the participation model's ``ReportState``."""

    project_code: str
    project_name: str
    enrolled_on: dt.date
    unenrolled_on: dt.date | None
    is_open: bool
    opens_on: dt.date | None
    kind: ReportKind = ReportKind.OPEN

    @classmethod
    def of(cls, state: ReportState) -> Tab:
        return cls(
            project_code=state.project.code,
            project_name=state.project.name,
            enrolled_on=state.enrolment.enrolled_on,
            unenrolled_on=state.enrolment.unenrolled_on,
            is_open=state.is_open,
            opens_on=state.opens_on,
            kind=state.kind,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project_code,
            "name": self.project_name,
            "enrolled_on": self.enrolled_on.isoformat(),
            "unenrolled_on": self.unenrolled_on.isoformat() if self.unenrolled_on else None,
            "is_open": self.is_open,
            "opens_on": self.opens_on.isoformat() if self.opens_on else None,
            "state": self.kind.value,
        }
