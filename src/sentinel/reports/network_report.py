"""The network's report: what a quality network's coordinator (and its members) see — the
network's aggregate and each member's figures, per project with a report — built from the
members' own reports (``engine.build_report``: the same figures and the same disclosure rules
as every tab), never from patient data and never with a worklist.

It is a ``Report`` like a clinic's, so the portal shows it and the meeting pack renders it with
the same renderer (``reports.pdf``). Members are named as ``networks.members`` calls them
inside the network ("Klinik A", … unless a member consented to be named); a member figure
behind fewer than ``MIN_CELL`` courses is suppressed ("<5")."""

from __future__ import annotations

import datetime as dt

from sentinel.lib.errors import DomainError
from sentinel.networks.members import Member, members
from sentinel.networks.models import Network
from sentinel.projects.models import Project
from sentinel.reports.disclosure import MIN_CELL, MIN_CLINICS, SUPPRESSED, count_shown
from sentinel.reports.engine import (
    CellValue,
    Column,
    Figure,
    Period,
    Report,
    Section,
    Table,
    build_report,
    definitions,
    prepare,
)
from sentinel.reports.periods import first_of_month


def network_projects(network: Network, today: dt.date) -> list[Project]:
    """The projects with a report that at least one current member is (or was) enrolled in."""
    codes = set(definitions())
    found: dict[int, Project] = {}
    for member in members(network, ""):
        for enrolment in member.clinic.enrolments.select_related("project"):
            if enrolment.project.code in codes:
                found[enrolment.project.pk] = enrolment.project
    return sorted(found.values(), key=lambda p: p.name)


def period_key(period: Period, today: dt.date) -> str:
    """The key the letters are stable for: the period and the month it is read in."""
    return f"{period}:{first_of_month(today):%Y-%m}"


def _member_report(
    member: Member, project: Project, period: Period, today: dt.date
) -> Report | None:
    try:
        prepared = prepare(member.clinic, project, period, today=today)
    except DomainError:
        return None
    if prepared.context is None:
        return None
    return build_report(member.clinic, project, prepared=prepared)


def _value(figure: Figure) -> CellValue:
    if not count_shown(figure.n):
        return SUPPRESSED if figure.n else None
    return figure.value


def build_network_report(
    network: Network, project: Project, period: Period, *, today: dt.date
) -> Report:
    """The network's report of ``project`` over ``period`` as of ``today``."""
    found = [
        (m, _member_report(m, project, period, today))
        for m in members(network, period_key(period, today))
    ]
    open_reports = [(m, r) for m, r in found if r is not None and r.is_open]
    indicators = []
    if open_reports:
        indicators = [
            f.indicator for f in open_reports[0][1].headline if f.indicator.kind == "percent"
        ]
    columns = [Column("member", "Klinik", "Clinic")]
    for indicator in indicators:
        columns += [
            Column(
                indicator.key, f"{indicator.label_da} (%)", f"{indicator.label_en} (%)", "percent"
            ),
            Column(
                f"{indicator.key}_n",
                f"{indicator.label_da}: n",
                f"{indicator.label_en}: n",
                "count",
            ),
        ]
    rows: list[tuple[CellValue, ...]] = []
    network_row: list[CellValue] = ["Netværket"]
    network_figures: dict[str, Figure] = {}
    for _m, opened in open_reports:
        for figure in opened.headline:
            if figure.network_name and figure.indicator.key not in network_figures:
                network_figures[figure.indicator.key] = figure
    for indicator in indicators:
        aggregate = network_figures.get(indicator.key)
        network_row += [aggregate.network if aggregate is not None else None, None]
    rows.append(tuple(network_row))
    for member, report in found:
        by_key = {f.indicator.key: f for f in report.headline} if report is not None else {}
        row: list[CellValue] = [member.label]
        for indicator in indicators:
            own = by_key.get(indicator.key)
            if own is None:
                row += [None, None]
            else:
                row += [_value(own), own.n]
        rows.append(tuple(row))
    notes_da = [f"{len(found)} klinikker er medlem af netværket."]
    notes_en = [f"{len(found)} clinics are members of the network."]
    if not network_figures or all(f.network is None for f in network_figures.values()):
        notes_da.append(
            f"Netværket: ingen samlet sammenligning, fordi færre end {MIN_CLINICS} klinikker "
            "har bidraget med data i perioden."
        )
        notes_en.append(
            f"Network: no aggregate, fewer than {MIN_CLINICS} clinics contributed data in the "
            "period."
        )
    table = Table(
        key="members",
        title_da=f"{network.name}: netværket og hver klinik",
        title_en=f"{network.name}: the network and each clinic",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=(
            "Klinikker, der ikke har givet samtykke til at blive navngivet i netværket, står som "
            f"Klinik A, B, …. Et tal bag færre end {MIN_CELL} forløb vises som '<{MIN_CELL}'. "
            "Ingen persondata og ingen arbejdsliste."
        ),
        footnote_en=(
            "Clinics that have not consented to be named in the network are shown as Klinik A, "
            f"B, …. A figure behind fewer than {MIN_CELL} courses is shown as '<{MIN_CELL}'. "
            "No personal data and no worklist."
        ),
    )
    section = Section(
        key="network",
        title_da="Netværkets tal",
        title_en="The network's figures",
        tables=(table,),
        note_da=" ".join(notes_da),
        note_en=" ".join(notes_en),
    )
    data_from = min((r.data_from for _m, r in open_reports if r.data_from), default=None)
    data_to = max((r.data_to for _m, r in open_reports if r.data_to), default=None)
    refreshed = max(
        (r.benchmark_refreshed_at for _m, r in open_reports if r.benchmark_refreshed_at),
        default=None,
    )
    return Report(
        project_code=project.code,
        project_name=project.name,
        clinic_ydernummer=f"netvaerk-{network.pk}",
        clinic_name=network.name,
        period=period,
        data_from=data_from,
        data_to=data_to,
        is_open=bool(open_reports),
        opens_on=None,
        sections=(section,),
        generated_on=today,
        benchmark_refreshed_at=refreshed,
    )
