"""The report engine: one tab per project a clinic is (or was) enrolled in.

A project names its report by registering a *report definition* under its code
(``@register("diagnosekodning")``); a new project adds a module with its definition and touches
nothing else. Every definition produces the same generic, frozen output types — ``Report`` →
``Section`` → ``Table`` / ``Chart`` — which hold no Django objects, so the portal's HTML, the
CSV export, the SVG charts and the JSON API all render the same object.

The rules the engine owns for every report:

- **Period** (``reports.periods``). The user picks since enrolment (the default), the last 12
  months, a calendar year or a from–to range of whole months; the report says which days its
  data covers.
- **State and opening.** Whether a report is open, not yet open (and when it opens), blocked
  (and why, since when) or left, is the participation model's (``projects.participation``),
  the same answer the status check, the menu and the API give. Before it opens the report has
  no sections and says when it opens and why; when collection is blocked or the clinic left the
  project, it leads with a ``Notice``.
- **Once per render.** The clinic's standing is read once (``Participation.read``);
  ``prepare`` turns it into a ``Prepared`` report (enrolment, state, context) that the tabs,
  ``build_report`` and a report's worklist all take.
- **Which enrolment.** The period in force today, or else the most recent one (an unenrolled
  clinic still sees the report of the time it took part).

The output types are in ``reports.tables``, the built report in ``reports.report`` and the
period in ``reports.periods``; all are imported here too, so a definition needs only this
module. A definition owns its worklist (``ReportDefinition.worklist``): a door asks for it
through ``build_worklist`` and never imports a project's module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from django.db.models import QuerySet
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import Episode
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Enrolment, Project
from sentinel.projects.opening import ReportState
from sentinel.projects.participation import Participation
from sentinel.reports.disclosure import SUPPRESSED, Suppressed
from sentinel.reports.headline import Figure, Indicator
from sentinel.reports.indicators import declared_project_codes
from sentinel.reports.network_scope import NetworkCells, NetworkRef, network_cells
from sentinel.reports.periods import (
    Period,
    data_range,
    first_of_month,
    last_of_month,
    months_between,
)
from sentinel.reports.report import Notice, Report, Tab
from sentinel.reports.tables import (
    CellValue,
    Chart,
    ChartValue,
    Column,
    Section,
    Series,
    Table,
)
from sentinel.reports.targets import with_targets

if TYPE_CHECKING:
    from sentinel.reports.open_items import OpenItem

# A definition needs only this module: the output types and the period are imported from here.
__all__ = [
    "SUPPRESSED",
    "CellValue",
    "Chart",
    "ChartValue",
    "Column",
    "Figure",
    "Indicator",
    "NetworkCells",
    "NetworkRef",
    "Notice",
    "Period",
    "Prepared",
    "Report",
    "ReportContext",
    "ReportDefinition",
    "Section",
    "Series",
    "Suppressed",
    "Tab",
    "Table",
    "build_report",
    "build_worklist",
    "data_range",
    "definition_for",
    "definitions",
    "network_cells",
    "prepare",
    "register",
    "tabs_for",
]


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
    network: NetworkRef | None = None
    """The quality network the clinic is compared with (beside region and nation), if it is
    a member of one (``reports.network_scope``); set by the engine."""

    @property
    def incomplete_month(self) -> dt.date | None:
        """The report's last month when it is still running (the data reaches today and
        today is not the month's last day): its figures are provisional, never a drop."""
        if self.data_to != self.today or self.today == last_of_month(self.today):
            return None
        month = first_of_month(self.today)
        return month if month in self.months else None

    @property
    def first_month(self) -> dt.date:
        return self.months[0]

    @property
    def last_month(self) -> dt.date:
        return self.months[-1]


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
    """The project's report definition: its own, registered in code, or else — when the
    project has published indicators — the report built from them (``reports.declared``)."""
    cls = definitions().get(project_code)
    if cls is None and declared_project_codes([project_code]):
        declared: type[ReportDefinition] = import_module("sentinel.reports.declared").DeclaredReport
        return declared()
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
    indicators: ClassVar[tuple[Indicator, ...]] = ()
    """The report's headline figures as data: what each is, which direction is better, its
    target range (``reports.headline``) — the defaults; the operator's per project version
    are applied by ``build`` (``reports.targets``)."""

    def sections(self, ctx: ReportContext) -> list[Section]:
        raise NotImplementedError

    def contents(self, ctx: ReportContext) -> tuple[list[Section], tuple[Figure, ...]]:
        """The sections and the headline (one ``Figure`` per indicator). By default the
        sections and no headline; a definition with a headline builds both from one read."""
        return self.sections(ctx), ()

    def benchmark_refreshed_at(self, ctx: ReportContext) -> dt.datetime | None:
        return None

    def courses(self, sections: list[Section]) -> int | None:
        """How many courses the report's period holds, read off its ``sections`` (None when
        the definition does not count them); 0 makes every door say there are none."""
        return None

    def worklist(self, prepared: Prepared, *, by: Actor, vendor: Vendor | None) -> Table | None:
        """The report's person-identifiable worklist for a prepared, open report, built for
        (and audited as viewed by) ``by``; with ``vendor`` only what that vendor sent. None
        when the report has no worklist (the default)."""
        return None

    def worklist_note_da(self, table: Table) -> str:
        """The line above the worklist on the clinic's page."""
        return f"{len(table.rows)} forløb på arbejdslisten." if table.rows else "Ingen forløb."

    def worklist_note_en(self, table: Table) -> str:
        return f"{len(table.rows)} courses on the worklist." if table.rows else "No courses."

    def open_items(self, episodes: QuerySet[Episode], *, today: dt.date) -> list[OpenItem]:
        """What the project still expects of ``episodes`` (one vendor's courses of one clinic)
        as of ``today``, answered or not (``reports.open_items`` leaves the answered out).
        None by default."""
        return []

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
        sections, headline = self.contents(ctx)
        # The targets and directions in force on the last day of the report's data.
        headline = with_targets(headline, project, ctx.data_to)
        return replace(
            closed,
            data_from=ctx.data_from,
            data_to=ctx.data_to,
            is_open=True,
            sections=tuple(sections),
            headline=headline,
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
            network=NetworkRef.of(clinic),
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


def build_worklist(
    clinic: Clinic,
    project: Project,
    period: Period,
    *,
    by: Actor,
    vendor: Vendor | None = None,
    today: dt.date,
    prepared: Prepared | None = None,
) -> Table | None:
    """The worklist of ``project``'s report for ``clinic`` over ``period`` as of ``today``
    (its definition's ``worklist``), or None when the report has none. Raises ``DomainError``
    as ``build_report`` does, and ``report_not_open`` for a report that is not open."""
    definition = definition_for(project.code)
    if prepared is None:
        prepared = prepare(clinic, project, period, today=today)
    else:
        prepared.check(clinic, project, period, today)
    return definition.worklist(prepared, by=by, vendor=vendor)


def tabs_for(
    clinic: Clinic, today: dt.date | None = None, *, standing: Participation | None = None
) -> list[Tab]:
    """One tab per project with a report that the clinic is or was enrolled in (by name).
    ``standing`` may be passed when the caller has read it already (same clinic and day)."""
    day = standing.today if standing is not None else today or timezone.localdate()
    standing = standing or Participation.read(clinic, day)
    registered = set(definitions())
    # Projects without a report module of their own: a tab when they have declared indicators
    # (a query only for a clinic enrolled in such a project).
    others = {e.project.code for e in standing.enrolments} - registered
    codes = registered | (declared_project_codes(others) if others else set())
    return [Tab.of(state) for state in standing.reports(codes, day)]
