"""When a clinic's report of a project opens, and what state it is in on a day.

``report_opens_on`` is the opening rule (DESIGN.md §3); ``ReportState`` is the participation
model's answer for one project and day (``Participation.report``), which every door shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from sentinel.lib.dates import add_months
from sentinel.projects.models import Enrolment, Project

if TYPE_CHECKING:
    from sentinel.projects.participation import Blocker


def report_opens_on(
    *,
    reports_open_from: dt.date,
    delay_months: int,
    dpa_first_signed: dt.date | None,
    consent_first_approved: dt.date | None,
    enrolled_on: dt.date,
) -> dt.date | None:
    """The day a project's first report opens for a clinic: max(the project's "reports open
    from", the latest of first DPA signature, first consent approval and the enrolment + the
    project's first-report delay). None while DPA or consent is still missing (the clock has
    not started). The first signature counts, not a re-signature of a newer version: an open
    report does not close again because a new version was published (collection pauses)."""
    if dpa_first_signed is None or consent_first_approved is None:
        return None
    all_in_place = max(dpa_first_signed, consent_first_approved, enrolled_on)
    return max(reports_open_from, add_months(all_in_place, delay_months))


class ReportKind(StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    BLOCKED = "blocked"
    UNENROLLED = "unenrolled"


@dataclass(frozen=True)
class ReportState:
    """A clinic's report of one project on one day.

    ``enrolment`` is the period the report shows (the one in force, else the latest that has
    started); ``opens_on`` the day the first report opens (None while the DPA or the consent
    has never been signed); ``blocker`` what stops collection on the day, if anything. ``kind``
    is what the tab leads with: a clinic that has left the project is told so first, then a
    blocked collection, then a report not yet open.
    """

    project: Project
    enrolment: Enrolment
    today: dt.date
    opens_on: dt.date | None
    blocker: Blocker | None
    reason_da: str = ""
    reason_en: str = ""

    @property
    def is_open(self) -> bool:
        return self.opens_on is not None and self.today >= self.opens_on

    @property
    def unenrolled_on(self) -> dt.date | None:
        return self.enrolment.unenrolled_on if self.enrolment.ended_by(self.today) else None

    @property
    def kind(self) -> ReportKind:
        if self.unenrolled_on is not None:
            return ReportKind.UNENROLLED
        if self.blocker is not None:
            return ReportKind.BLOCKED
        if not self.is_open:
            return ReportKind.NOT_YET_OPEN
        return ReportKind.OPEN

    @property
    def period_from(self) -> dt.date:
        """The report shows data from the enrolment date on."""
        return self.enrolment.enrolled_on

    @property
    def period_to(self) -> dt.date | None:
        """The last day the report can show data of (the day before unenrolment), if any."""
        end = self.enrolment.unenrolled_on
        return end - dt.timedelta(days=1) if end is not None else None
