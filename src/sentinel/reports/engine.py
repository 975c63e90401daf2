"""The report engine: one tab per project a clinic is (or was) enrolled in.

A project names its report by registering a *report definition* under its code
(``@register("diagnosekodning")``); a new project adds a module with its definition and touches
nothing else. Every definition produces the same generic, frozen output types — ``Report`` →
``Section`` → ``Table`` / ``Chart`` — which hold no Django objects, so the portal's HTML, the
CSV export, the SVG charts and the JSON API all render the same object.

The rules the engine owns for every report:

- **Period.** The user picks since enrolment (the default), the last 12 months, a calendar year
  or a from–to range of months. Aggregates are monthly, so a period covers whole months. The
  report says which days its data covers: from the later of the period's first day and the
  enrolment date, to the earliest of the period's last day, today and the day before an
  unenrolment ("Data fra 12.01.2026 til 24.11.2026"). Months before the enrolment month are
  never read. The benchmark follows the same months.
- **Opening.** A report opens at max(the project's "reports open from", latest of the first DPA
  signature, the first consent approval and the enrolment + the project's first-report delay)
  — ``clinics.status.reports_open_on``, the same function the status check uses, so the check
  and the tab never disagree. Before that day the report has no sections and says when it
  opens and why.
- **Once per render.** What the rule needs about a clinic (its enrolments, its first DPA
  signature and consent approval) is read once as a ``Standing`` (two queries, however many
  projects); ``prepare`` turns it into a ``Prepared`` report (enrolment, opening, context) that
  the tabs, ``build_report`` and a report's worklist all take, so a tab evaluates the rule
  once.
- **Which enrolment.** The period in force today, or else the most recent one (an unenrolled
  clinic still sees the report of the time it took part).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import import_module
from typing import Any, ClassVar, Literal

from django.utils import timezone

from sentinel.clinics.contacts import Contact
from sentinel.clinics.models import Clinic
from sentinel.lib.dates import add_months, format_da
from sentinel.lib.errors import DomainError
from sentinel.lib.reasons import Reason
from sentinel.projects import explanations as words
from sentinel.projects.models import Enrolment, Project
from sentinel.projects.participation import Participation, ReportKind, ReportState

# --------------------------------------------------------------------------------------------
# Output types
# --------------------------------------------------------------------------------------------


class Suppressed:
    """A benchmark cell under the suppression threshold: shown as "<5", never as its value."""

    _instance: ClassVar[Suppressed | None] = None
    text: ClassVar[str] = "<5"

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __reduce__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed()
"""The one ``Suppressed`` value (``Suppressed()`` returns it too)."""

CellValue = str | int | Decimal | Suppressed | None
"""What a table cell holds: text, a count, a percentage (Decimal, 2 decimals), "<5", or empty."""

ColumnKind = Literal["text", "count", "percent"]


def cell_json(value: CellValue) -> str | int | None:
    """A cell in the JSON form: counts as numbers, percentages as strings with exactly two
    decimals (``"33.33"``: no binary floating point), suppressed cells as ``"<5"``."""
    if isinstance(value, Suppressed):
        return value.text
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label_da: str
    label_en: str
    kind: ColumnKind = "text"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label_da": self.label_da,
            "label_en": self.label_en,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Table:
    """Rows of cells in column order. A row's first cell is its label."""

    key: str
    title_da: str
    title_en: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    footnote_da: str = ""
    footnote_en: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.key}: a row has {len(row)} cells, not {len(self.columns)}"
                )

    def column(self, key: str) -> list[CellValue]:
        """The cells of one column, top to bottom."""
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def as_dict(self) -> dict[str, Any]:
        keys = [c.key for c in self.columns]
        return {
            "key": self.key,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "columns": [c.as_dict() for c in self.columns],
            "rows": [
                {k: cell_json(v) for k, v in zip(keys, row, strict=True)} for row in self.rows
            ],
            "footnote_da": self.footnote_da,
            "footnote_en": self.footnote_en,
        }


ChartValue = int | Decimal | Suppressed | None
"""A chart point: a count, a percentage, "<5" (``SUPPRESSED``), or None (no value)."""


@dataclass(frozen=True)
class Series:
    name_da: str
    values: tuple[ChartValue, ...]
    name_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name_da": self.name_da,
            "name_en": self.name_en,
            "values": [cell_json(v) for v in self.values],
        }


@dataclass(frozen=True)
class Chart:
    """A chart of numbers that also stand in the table ``table_key`` (accessibility)."""

    key: str
    kind: Literal["bar", "line"]
    title_da: str
    description_da: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    table_key: str
    title_en: str = ""
    description_en: str = ""
    unit: Literal["count", "percent"] = "count"

    def __post_init__(self) -> None:
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.key}: series {s.name_da!r} has {len(s.values)} "
                    f"values for {len(self.categories)} categories"
                )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "unit": self.unit,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "description_da": self.description_da,
            "description_en": self.description_en,
            "categories": list(self.categories),
            "series": [s.as_dict() for s in self.series],
            "table_key": self.table_key,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title_da: str
    title_en: str
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    note_da: str = ""
    note_en: str = ""

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "note_da": self.note_da,
            "note_en": self.note_en,
            "tables": [t.as_dict() for t in self.tables],
            "charts": [c.as_dict() for c in self.charts],
        }


# --------------------------------------------------------------------------------------------
# Period
# --------------------------------------------------------------------------------------------

PeriodKind = Literal["since_enrolment", "last_12_months", "year", "range"]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_of_month(day: dt.date) -> dt.date:
    return add_months(first_of_month(day), 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first``'s month to ``last``'s month, inclusive."""
    months = []
    month = first_of_month(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _period_error(detail_en: str, detail_da: str) -> DomainError:
    return DomainError(
        "invalid_period",
        f"invalid report period: {detail_en}. Use period=since_enrolment, "
        "period=last_12_months, period=year&year=YYYY or period=range&from=YYYY-MM&to=YYYY-MM",
        f"Ugyldig periode: {detail_da}. Vælg 'siden tilmelding', 'seneste 12 måneder', "
        "et kalenderår eller en periode fra måned til måned.",
    )


def _parse_month(text: str, name: str) -> dt.date:
    match = _MONTH.match(text.strip())
    if match is None:
        raise _period_error(
            f"{name} must be a month as YYYY-MM, got {text[:20]!r}",
            f"'{name}' skal være en måned som ÅÅÅÅ-MM",
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise _period_error(
            f"{name} is not a month from year 2000 on: {text[:20]!r}",
            f"'{name}' er ikke en gyldig måned",
        )
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class Period:
    """The period a report covers, in whole months.

    ``kind``: ``since_enrolment`` (the default), ``last_12_months`` (the current month and the
    11 before it), ``year`` (a calendar year) or ``range`` (from a month to a month, both
    included). ``start``/``end`` are set for ``year`` and ``range`` only (first days of months).
    """

    kind: PeriodKind = "since_enrolment"
    year: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def since_enrolment(cls) -> Period:
        return cls("since_enrolment")

    @classmethod
    def last_12_months(cls) -> Period:
        return cls("last_12_months")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls("year", year=year, start=dt.date(year, 1, 1), end=dt.date(year, 12, 1))

    @classmethod
    def months(cls, start: dt.date, end: dt.date) -> Period:
        first, last = first_of_month(start), first_of_month(end)
        if last < first:
            raise _period_error(
                f"'to' ({last:%Y-%m}) is before 'from' ({first:%Y-%m})",
                f"'til' ({last:%m.%Y}) ligger før 'fra' ({first:%m.%Y})",
            )
        return cls("range", start=first, end=last)

    @classmethod
    def parse(cls, query: Mapping[str, Any] | str | None) -> Period:
        """A period from URL query parameters (``period``, ``year``, ``from``, ``to``) or from
        its short text form (``since_enrolment``, ``last_12_months``, ``2025``,
        ``2025-01..2025-06``). Nothing given means since enrolment. Bad input raises
        ``DomainError("invalid_period")``."""
        if query is None:
            return cls.since_enrolment()
        if isinstance(query, str):
            return cls._parse_text(query)
        params = {k: ("" if v is None else str(v)).strip() for k, v in query.items()}
        kind = params.get("period", "")
        if kind in ("", "since_enrolment"):
            return cls.since_enrolment()
        if kind == "last_12_months":
            return cls.last_12_months()
        if kind == "year":
            year = params.get("year", "")
            if not _YEAR.match(year) or int(year) < 2000:
                raise _period_error(
                    f"year must be a year as YYYY from 2000 on, got {year[:20]!r}",
                    "året skal angives som ÅÅÅÅ",
                )
            return cls.calendar_year(int(year))
        if kind == "range":
            if not params.get("from") or not params.get("to"):
                raise _period_error(
                    "a range needs both 'from' and 'to'", "angiv både 'fra' og 'til'"
                )
            return cls.months(
                _parse_month(params["from"], "from"), _parse_month(params["to"], "to")
            )
        return cls._parse_text(kind)

    @classmethod
    def _parse_text(cls, text: str) -> Period:
        value = text.strip()
        if value in ("", "since_enrolment"):
            return cls.since_enrolment()
        if value == "last_12_months":
            return cls.last_12_months()
        if _YEAR.match(value):
            return cls.parse({"period": "year", "year": value})
        if ".." in value:
            start, _, end = value.partition("..")
            return cls.parse({"period": "range", "from": start, "to": end})
        raise _period_error(f"unknown period {value[:30]!r}", "ukendt periode")

    def as_query(self) -> dict[str, str]:
        """The URL query parameters that ``parse`` turns back into this period."""
        if self.kind == "year":
            return {"period": "year", "year": str(self.year)}
        if self.kind == "range" and self.start and self.end:
            return {"period": "range", "from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}"}
        return {"period": self.kind}

    def __str__(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "range" and self.start and self.end:
            return f"{self.start:%Y-%m}..{self.end:%Y-%m}"
        return self.kind

    @property
    def label_da(self) -> str:
        if self.kind == "since_enrolment":
            return "Siden tilmelding"
        if self.kind == "last_12_months":
            return "Seneste 12 måneder"
        if self.kind == "year":
            return f"Kalenderåret {self.year}"
        assert self.start and self.end  # noqa: S101 - set for every range
        return f"{self.start:%m.%Y}–{self.end:%m.%Y}"

    def bounds(self, *, enrolled_on: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
        """The period's first and last day, before clamping to enrolment and today."""
        if self.kind == "since_enrolment":
            return enrolled_on, today
        if self.kind == "last_12_months":
            return add_months(first_of_month(today), -11), today
        assert self.start and self.end  # noqa: S101 - set for year and range
        return self.start, last_of_month(self.end)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": str(self), "query": self.as_query()}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


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
        return f"Data from {self.data_from.isoformat()} to {self.data_to.isoformat()}"

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


@dataclass(frozen=True)
class ReportContext:
    """What the engine has worked out before a definition builds its sections.

    ``months`` are the first days of the months the report reads (from the month of
    ``data_from`` to the month of ``data_to``); the definition reads exactly these.
    """

    clinic: Clinic
    project: Project
    enrolment: Enrolment
    period: Period
    today: dt.date
    data_from: dt.date
    data_to: dt.date
    months: tuple[dt.date, ...] = field(default_factory=tuple)
    benchmark_refreshed_at: dt.datetime | None = None
    """When the benchmark was last refreshed (``ReportDefinition.benchmark_refreshed_at``),
    set by the engine before it asks for the sections."""

    @property
    def first_month(self) -> dt.date:
        return self.months[0]

    @property
    def last_month(self) -> dt.date:
        return self.months[-1]


# --------------------------------------------------------------------------------------------
# The data range (the opening rule is the participation model's)
# --------------------------------------------------------------------------------------------


def data_range(period: Period, enrolment: Enrolment, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a report's data covers: max(period start, enrolment) … min(period end, today,
    the day before unenrolment). Raises ``DomainError("empty_period")`` if none."""
    start, end = period.bounds(enrolled_on=enrolment.enrolled_on, today=today)
    data_from = max(start, enrolment.enrolled_on)
    data_to = min(end, today)
    if enrolment.unenrolled_on is not None:
        data_to = min(data_to, enrolment.unenrolled_on - dt.timedelta(days=1))
    if data_to < data_from:
        if start > today:
            raise DomainError(
                "empty_period",
                f"the period {period} lies in the future",
                f"Perioden ({period.label_da.lower()}) ligger i fremtiden.",
            )
        raise DomainError(
            "empty_period",
            f"the period {period} lies outside the enrolment "
            f"({enrolment.enrolled_on.isoformat()}"
            + (f" to {enrolment.unenrolled_on.isoformat()}" if enrolment.unenrolled_on else "")
            + "); the report shows data from the enrolment date on",
            f"Perioden ({period.label_da.lower()}) ligger uden for din tilmelding (fra "
            f"{format_da(enrolment.enrolled_on)}"
            + (f" til {format_da(enrolment.unenrolled_on)}" if enrolment.unenrolled_on else "")
            + "). Rapporten viser data fra tilmeldingsdatoen.",
        )
    return data_from, data_to


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

DEFINITION_MODULES = ("sentinel.reports.diagnosekodning",)
"""Modules that register report definitions (imported on first use)."""

_registry: dict[str, type[ReportDefinition]] = {}


def register(project_code: str) -> Callable[[type[ReportDefinition]], type[ReportDefinition]]:
    """Class decorator: the report definition of the project ``project_code``."""

    def decorate(cls: type[ReportDefinition]) -> type[ReportDefinition]:
        existing = _registry.get(project_code)
        if existing is not None and existing is not cls:
            raise ValueError(f"project {project_code!r} already has a report: {existing!r}")
        cls.project_code = project_code
        _registry[project_code] = cls
        return cls

    return decorate


def definitions() -> dict[str, type[ReportDefinition]]:
    """Every registered report definition by project code."""
    for module in DEFINITION_MODULES:
        import_module(module)
    return dict(_registry)


def definition_for(project_code: str) -> ReportDefinition:
    cls = definitions().get(project_code)
    if cls is None:
        raise DomainError(
            "no_report",
            f"project {project_code!r} has no report",
            f"Projektet '{project_code}' har ingen rapport.",
        )
    return cls()


class ReportDefinition:
    """A project's report. Subclasses implement ``sections``; the engine does the rest
    (enrolment, opening rule, period and data range)."""

    project_code: ClassVar[str] = ""

    def sections(self, ctx: ReportContext) -> list[Section]:
        raise NotImplementedError

    def benchmark_refreshed_at(self, ctx: ReportContext) -> dt.datetime | None:
        return None

    def courses(self, sections: list[Section]) -> int | None:
        """How many courses the report's period holds, read off its ``sections`` (None when
        the definition does not count them); 0 makes every door say there are none."""
        return None

    def build(
        self,
        clinic: Clinic,
        project: Project,
        period: Period,
        *,
        today: dt.date,
        prepared: Prepared | None = None,
    ) -> Report:
        """The report; with ``prepared`` (from ``prepare`` for the same clinic, project,
        period and day) nothing about enrolment and opening is read again."""
        if prepared is None:
            prepared = prepare(clinic, project, period, today=today)
        else:
            prepared.check(clinic, project, period, today)
        state, enrolment, ctx = prepared.opening, prepared.enrolment, prepared.context
        closed = Report(
            project_code=project.code,
            project_name=project.name,
            clinic_ydernummer=clinic.ydernummer,
            clinic_name=clinic.name,
            period=period,
            data_from=None,
            data_to=None,
            is_open=False,
            opens_on=state.opens_on,
            closed_reason_da=state.reason_da,
            closed_reason_en=state.reason_en,
            generated_on=today,
            enrolled_on=enrolment.enrolled_on,
            state=state.kind.value,
            notice=Notice.of(state),
        )
        if ctx is None:
            return closed
        refreshed_at = self.benchmark_refreshed_at(ctx)
        ctx = replace(ctx, benchmark_refreshed_at=refreshed_at)
        sections = self.sections(ctx)
        return replace(
            closed,
            data_from=ctx.data_from,
            data_to=ctx.data_to,
            is_open=True,
            sections=tuple(sections),
            benchmark_refreshed_at=refreshed_at,
            courses=self.courses(sections),
        )


@dataclass(frozen=True)
class Prepared:
    """What one render works out once about a clinic's report of a project over a period, as
    of a day: the clinic's standing, the enrolment shown, the opening and (when open) the
    context a definition reads. ``prepare`` makes it; the tabs, ``build_report`` and the
    worklist all take it, so a render reads enrolments and agreements once."""

    standing: Participation
    project: Project
    period: Period
    enrolment: Enrolment
    opening: ReportState
    context: ReportContext | None

    @property
    def clinic(self) -> Clinic:
        return self.standing.clinic

    @property
    def today(self) -> dt.date:
        return self.standing.today

    def check(self, clinic: Clinic, project: Project, period: Period, today: dt.date) -> None:
        """Refuse (a programming error) to serve another clinic, project, period or day."""
        if (clinic.pk, project.pk, period, today) != (
            self.clinic.pk,
            self.project.pk,
            self.period,
            self.today,
        ):
            raise ValueError(
                f"prepared for clinic {self.clinic.pk}, project {self.project.code}, "
                f"{self.period} on {self.today}; asked for clinic {clinic.pk}, project "
                f"{project.code}, {period} on {today}"
            )


def prepare(
    clinic: Clinic,
    project: Project,
    period: Period,
    *,
    today: dt.date,
    standing: Participation | None = None,
) -> Prepared:
    """The enrolment a report shows, whether it is open, and (if open) what it reads.
    ``standing`` may be passed when the caller has read it already (same clinic and day).

    Raises ``DomainError("not_enrolled")`` for a clinic that never took part in the project
    and ``DomainError("empty_period")`` for a period with no day in the enrolment."""
    if standing is None:
        standing = Participation.read(clinic, today)
    elif (standing.clinic.pk, standing.today) != (clinic.pk, today):
        raise ValueError(
            f"standing of clinic {standing.clinic.pk} on {standing.today}, "
            f"asked for clinic {clinic.pk} on {today}"
        )
    state = standing.report(project, today)
    if state is None:
        raise DomainError(
            "not_enrolled",
            f"clinic {clinic.ydernummer} has never been enrolled in {project.code}",
            f"Klinikken har ikke været tilmeldt {project.name}, så der er ingen rapport.",
        )
    enrolment = state.enrolment
    ctx: ReportContext | None = None
    if state.is_open:
        data_from, data_to = data_range(period, enrolment, today)
        ctx = ReportContext(
            clinic=clinic,
            project=project,
            enrolment=enrolment,
            period=period,
            today=today,
            data_from=data_from,
            data_to=data_to,
            months=tuple(months_between(data_from, data_to)),
        )
    return Prepared(standing, project, period, enrolment, state, ctx)


def build_report(
    clinic: Clinic,
    project: Project,
    period: Period | None = None,
    today: dt.date | None = None,
    *,
    prepared: Prepared | None = None,
) -> Report:
    """The report of ``project`` for ``clinic`` over ``period`` (since enrolment by default),
    as of ``today``. Raises ``DomainError`` for a project without a report or a clinic that
    never took part, and for a period with no days in the enrolment. With ``prepared`` (from
    ``prepare``) the period and day default to its own."""
    definition = definition_for(project.code)
    if prepared is not None:
        period, today = period or prepared.period, today or prepared.today
    return definition.build(
        clinic,
        project,
        period or Period.since_enrolment(),
        today=today or timezone.localdate(),
        prepared=prepared,
    )


def tabs_for(
    clinic: Clinic, today: dt.date | None = None, *, standing: Participation | None = None
) -> list[Tab]:
    """One tab per project with a report that the clinic is or was enrolled in (by name).
    ``standing`` may be passed when the caller has read it already (same clinic and day)."""
    day = standing.today if standing is not None else today or timezone.localdate()
    standing = standing or Participation.read(clinic, day)
    return [Tab.of(state) for state in standing.reports(definitions(), day)]
