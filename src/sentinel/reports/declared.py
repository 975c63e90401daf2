"""The report of a project whose indicators are declared as data (``reports.indicators``).

The engine builds it for every project with published indicators and no report definition
of its own (``engine.definition_for``); no line of the project's own code. For the indicators
in force on the report's last day of data (the data specification version in force then):

- the **headline**: one ``Figure`` per indicator, shares and medians in their declared order —
  the clinic's share (numerator of denominator) or median over the indicator's period, n,
  its quality network's, region's and nation's figure (``reports.declared_scopes``: the
  network where the clinic is a member, the region and nation as the indicator's comparison
  levels name them), the previous period of the same length, the direction and the target;
- ``indicators`` — a table of every share indicator (clinic: numerator, denominator, share;
  network, region and nation: share) and a bar chart of the shares;
- ``medians`` — the median indicators' table (``reports.declared_medians``);
- ``trend`` — the clinic's share of each indicator per month of the report;
- ``funnel`` — for each share indicator compared with the nation, the funnel plot
  (``reports.declared_funnels``; a median has none).

Network, region and nation are shown as ``reports.disclosure`` allows, called, never copied: nothing
for a scope with fewer than ``MIN_CLINICS`` contributing clinics (``enough_clinics``), and a
share of two parts (numerator, the rest of the denominator) through ``shown_shares``, so a
small count is "<5" and never comes back by subtraction. An indicator whose disclosure rule is
``own_small_hidden`` hides the clinic's own share the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sentinel.lib.dates import add_months
from sentinel.lib.shares import percent
from sentinel.reports.declared_funnels import funnel_section
from sentinel.reports.declared_medians import (
    NETWORK_NOTE,
    MeasuredMedian,
    level_median,
    median_figure,
    median_of,
    median_section,
)
from sentinel.reports.declared_scopes import Levels, Scope, scope_share
from sentinel.reports.disclosure import (
    LABEL,
    MIN_CELL,
    MIN_CLINICS,
    SUPPRESSED,
    Suppressed,
    enough_clinics,
    shown_shares,
    suppressed_parts,
)
from sentinel.reports.engine import (
    CellValue,
    Chart,
    ChartValue,
    Column,
    Figure,
    ReportContext,
    ReportDefinition,
    Section,
    Series,
    Table,
)
from sentinel.reports.indicators import (
    LEVELS,
    NETWORK,
    PERIOD_MONTHS,
    Cell,
    Declared,
    in_force,
    source_for,
)
from sentinel.reports.models import BenchmarkState
from sentinel.reports.tables import Text

_MONTHS_DA = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _month(month: dt.date) -> Text:
    return Text(
        f"{_MONTHS_DA[month.month - 1]} {month.year}", f"{_MONTHS_EN[month.month - 1]} {month.year}"
    )


def _span(months: tuple[dt.date, ...]) -> tuple[str, str]:
    if not months:
        return "", ""
    first, last = _month(months[0]), _month(months[-1])
    if months[0] == months[-1]:
        return first.da, first.en
    return f"{first.da}–{last.da}", f"{first.en}–{last.en}"


def measured_months(declared: Declared, months: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
    """The months an indicator is measured over: the report's, or its last 3 or 12."""
    wanted = PERIOD_MONTHS[declared.period]
    return months if wanted is None else months[-wanted:]


def previous_months(months: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
    """The months of the same length just before ``months``."""
    count = len(months)
    return tuple(add_months(months[0], i - count) for i in range(count)) if months else ()


@dataclass(frozen=True)
class Measured:
    """One indicator's figures over its months: the clinic's and each level's."""

    declared: Declared
    months: tuple[dt.date, ...]
    part: int
    whole: int
    previous: tuple[int, int]
    previous_months: tuple[dt.date, ...]
    scopes: tuple[tuple[Scope, CellValue, str, str], ...]
    """(scope, the share as the rule allows, why there is none in Danish and English)."""

    @property
    def own(self) -> CellValue:
        """The clinic's share: its own figure, hidden only under ``own_small_hidden``."""
        if self.whole == 0:
            return None
        if self.declared.disclosure == "own_small_hidden":
            return shown_shares([self.part, self.whole - self.part])[0]
        return percent(self.part, self.whole)


class DeclaredReport(ReportDefinition):
    """A report built from its project's declared indicators (no project code)."""

    def __init__(self) -> None:
        self._courses: int | None = None
        self._own: dict[str, list[Cell]] = {}

    def benchmark_refreshed_at(self, ctx: ReportContext) -> dt.datetime | None:
        return (
            BenchmarkState.objects.filter(project=ctx.project)
            .values_list("refreshed_at", flat=True)
            .first()
        )

    def courses(self, sections: list[Section]) -> int | None:
        return self._courses

    def sections(self, ctx: ReportContext) -> list[Section]:
        return self.contents(ctx)[0]

    def contents(self, ctx: ReportContext) -> tuple[list[Section], tuple[Figure, ...]]:
        declared = in_force(ctx.project, ctx.data_to)
        if not declared:
            self._courses = None
            return [
                Section(
                    key="indicators",
                    title_da="Indikatorer",
                    title_en="Indicators",
                    note_da="Projektet har ingen indikatorer for rapportens periode.",
                    note_en="The project has no indicators for the report's period.",
                )
            ], ()
        shares = tuple(d for d in declared if d.kind != "median")
        medians = tuple(d for d in declared if d.kind == "median")
        self._own = {}
        levels = Levels(ctx)
        measured = self._measure(ctx, shares, levels)
        self._courses = self._population(ctx, shares) if shares else None
        found = self._medians(ctx, medians, levels)
        # The headline holds every indicator in its declared order: shares and medians.
        by_key = {m.declared.key: self._figure(m) for m in measured}
        by_key.update({m.declared.key: median_figure(m) for m in found})
        figures = tuple(by_key[d.key] for d in declared)
        sections = [self._table_section(measured)] if measured else []
        if found:
            sections.append(median_section(found))
        sections.append(self._trend(ctx, shares))
        # Shares only: a median has no funnel plot (``reports.declared_funnels``).
        funnels = funnel_section(ctx, [(m.declared, m.months) for m in measured])
        if funnels is not None:
            sections.append(funnels)
        return sections, figures

    # --- reading -------------------------------------------------------------------------

    def _cells(self, ctx: ReportContext, record_type: str) -> list[Cell]:
        """The clinic's cells of a record type over the report's months and as many before
        (read once per render)."""
        if record_type not in self._own:
            self._own[record_type] = source_for(record_type).clinic_cells(
                ctx.project.pk, ctx.clinic.pk, previous_months(ctx.months)[0], ctx.last_month
            )
        return self._own[record_type]

    def _measure(
        self, ctx: ReportContext, declared: tuple[Declared, ...], levels: Levels
    ) -> list[Measured]:
        """Each share indicator's figures: one read of the clinic's cells per record type,
        one of each level's per record type and months (``reports.declared_scopes``)."""
        found = []
        for d in declared:
            own = self._cells(ctx, d.record_type)
            months = measured_months(d, ctx.months)
            before = previous_months(months)
            part, whole = d.count(own, months)
            scopes = tuple(
                (scope, *scope_share(scope, *d.count(scope.cells, months)))
                for scope in levels.of(d, months)
            )
            found.append(Measured(d, months, part, whole, d.count(own, before), before, scopes))
        return found

    def _population(self, ctx: ReportContext, declared: tuple[Declared, ...]) -> int:
        """The clinic's records in any indicator's population over the report's months, of
        the record types that are courses (all when none is)."""
        wanted = set(ctx.months)
        counted = {t for t in self._own if source_for(t).counts_courses} or set(self._own)
        total = 0
        for record_type, cells in self._own.items():
            if record_type not in counted:
                continue
            of_type = [d for d in declared if d.record_type == record_type]
            for month, values, n in cells:
                if month in wanted and any(_in_population(d, values) for d in of_type):
                    total += n
        return total

    def _medians(
        self, ctx: ReportContext, medians: tuple[Declared, ...], levels: Levels
    ) -> list[MeasuredMedian]:
        """The median indicators (``reports.declared_medians``): the clinic's median now and
        in the previous period of the same length, each level's as the benchmark keeps it."""
        found = []
        for d in medians:
            own = self._cells(ctx, d.record_type)
            months = measured_months(d, ctx.months)
            before = previous_months(months)
            median, n = median_of(d, own, months)
            compared = tuple(
                level_median(
                    s.level, s.name_da, s.name_en, s.clinics, *median_of(d, s.cells, months)
                )
                for s in levels.of(d, months)
            )
            found.append(
                MeasuredMedian(
                    d, _span(months), median, n, compared, *median_of(d, own, before), _span(before)
                )
            )
        return found

    # --- the headline ----------------------------------------------------------------------

    def _figure(self, m: Measured) -> Figure:
        label_da, label_en = _span(m.previous_months)
        value = m.own
        before_part, before_whole = m.previous
        previous = percent(before_part, before_whole)
        if (
            m.declared.disclosure == "own_small_hidden"
            and before_whole
            and suppressed_parts([before_part, before_whole - before_part])[0]
        ):
            previous = None
        by_level = {scope.level: (scope, share, da, en) for scope, share, da, en in m.scopes}
        region = by_level.get("region")
        nation = by_level.get("nation")
        network = by_level.get(NETWORK)
        absent = ("ikke med i sammenligningen", "not compared")
        return Figure(
            indicator=m.declared.indicator,
            value=value if isinstance(value, Decimal) else None,
            n=m.whole,
            region=region[1] if region else None,
            nation=nation[1] if nation else None,
            region_name_da=region[0].name_da if region else "Regionen",
            region_name_en=region[0].name_en if region else "Region",
            region_note_da=region[2] if region else absent[0],
            region_note_en=region[3] if region else absent[1],
            nation_note_da=nation[2] if nation else absent[0],
            nation_note_en=nation[3] if nation else absent[1],
            network=network[1] if network else None,
            network_name=network[0].name_da if network else "",
            network_note_da=network[2] if network else "",
            network_note_en=network[3] if network else "",
            previous=previous,
            previous_n=before_whole,
            previous_label_da=label_da,
            previous_label_en=label_en,
        )

    # --- sections ----------------------------------------------------------------------------

    def _table_section(self, measured: list[Measured]) -> Section:
        levels = [
            level
            for level in (NETWORK, *LEVELS)
            if any(s.level == level for m in measured for s, *_ in m.scopes)
        ]
        columns = [
            Column("indicator", "Indikator", "Indicator"),
            Column("period", "Periode", "Period"),
            Column("numerator", "Klinikken: tæller", "Clinic: numerator", "count"),
            Column("denominator", "Klinikken: nævner", "Clinic: denominator", "count"),
            Column("clinic", "Klinikken (%)", "Clinic (%)", "percent"),
        ]
        names = {
            level: next(
                (s.name_da, s.name_en) for m in measured for s, *_ in m.scopes if s.level == level
            )
            for level in levels
        }
        columns += [
            Column(level, f"{names[level][0]} (%)", f"{names[level][1]} (%)", "percent")
            for level in levels
        ]
        columns.append(Column("target", "Mål", "Target"))
        network = NETWORK in levels
        rows: list[tuple[CellValue, ...]] = []
        notes_da: list[str] = []
        notes_en: list[str] = []
        for m in measured:
            indicator = m.declared.indicator
            by_level = {scope.level: share for scope, share, *_ in m.scopes}
            own = m.own
            hidden = own is SUPPRESSED
            span = _span(m.months)
            rows.append(
                (
                    Text(indicator.label_da, indicator.label_en),
                    Text(*span),
                    SUPPRESSED if hidden and m.part else m.part,
                    m.whole,
                    own,
                    *(by_level.get(level) for level in levels),
                    Text(indicator.target_da, indicator.target_en),
                )
            )
        for level in levels:
            clinics = {s.clinics for m in measured for s, *_ in m.scopes if s.level == level}
            name_da, name_en = names[level]
            if any(enough_clinics(c) for c in clinics):
                shown = max(clinics)
                notes_da.append(f"{name_da}: {shown} klinikker har bidraget.")
                notes_en.append(f"{name_en}: {shown} clinics contributed.")
            else:
                notes_da.append(
                    f"{name_da}: ingen sammenligning, fordi færre end {MIN_CLINICS} klinikker "
                    "har bidraget med data i perioden."
                )
                notes_en.append(
                    f"{name_en}: no comparison, fewer than {MIN_CLINICS} clinics contributed "
                    "data in the period."
                )
        table = Table(
            key="indicators",
            title_da="Indikatorer: klinikken sammenlignet",
            title_en="Indicators: the clinic compared",
            columns=tuple(columns),
            rows=tuple(rows),
            footnote_da=(
                "Tæller og nævner er klinikkens egne forløb i indikatorens periode. Regionens og "
                f"landets tal kommer kun fra tilmeldte klinikker.{NETWORK_NOTE[0] * network} "
                f"'{LABEL}' betyder færre end "
                f"{MIN_CELL} forløb eller et tal, der er skjult, så et lille tal ikke kan regnes "
                f"ud af de andre. Der vises ingen sammenligning, hvor færre end {MIN_CLINICS} "
                "klinikker bidrager."
            ),
            footnote_en=(
                "Numerator and denominator are the clinic's own courses in the indicator's "
                "period. Region and nation come from enrolled clinics only."
                f"{NETWORK_NOTE[1] * network} '{LABEL}' means fewer than {MIN_CELL} courses, "
                "or a figure hidden so that a small one cannot be worked out from the others. "
                f"No comparison where fewer than {MIN_CLINICS} clinics contribute."
            ),
        )
        series = [
            Series(
                "Klinikken",
                tuple(_point(m.own) for m in measured),
                "Clinic",
                counts=tuple(m.whole for m in measured),
            )
        ]
        for level in levels:
            values = [
                next((share for s, share, *_ in m.scopes if s.level == level), None)
                for m in measured
            ]
            if any(v is not None for v in values):
                series.append(
                    Series(names[level][0], tuple(_point(v) for v in values), names[level][1])
                )
        chart = Chart(
            key="indicators_chart",
            kind="bar",
            unit="percent",
            title_da=f"Indikatorer: klinikken, {'netværket, ' * network}regionen og landet",
            title_en=f"Indicators: clinic, {'network, ' * network}region and nation",
            description_da=(
                "Søjler for hver indikator: klinikkens andel ved siden af "
                f"{'netværkets, ' * network}regionens og landets. Tallene står også i tabellen "
                "under diagrammet."
            ),
            description_en=(
                f"For each indicator, the clinic's share beside {'network, ' * network}"
                "region and nation."
            ),
            categories=tuple(Text(m.declared.label_da, m.declared.label_en) for m in measured),
            series=tuple(series),
            table_key="indicators",
        )
        return Section(
            key="indicators",
            title_da="Indikatorer",
            title_en="Indicators",
            tables=(table,),
            charts=(chart,),
            note_da=" ".join(notes_da),
            note_en=" ".join(notes_en),
        )

    def _trend(self, ctx: ReportContext, declared: tuple[Declared, ...]) -> Section:
        columns = [Column("month", "Måned", "Month")]
        for d in declared:
            columns.append(Column(f"{d.key}_n", f"{d.label_da}: n", f"{d.label_en}: n", "count"))
            columns.append(
                Column(d.key, f"{d.label_da} (%)", f"{d.label_en or d.label_da} (%)", "percent")
            )
        rows: list[tuple[CellValue, ...]] = []
        for month in ctx.months:
            cells: list[CellValue] = [_month(month)]
            for d in declared:
                part, whole = d.count(self._own[d.record_type], (month,))
                share: CellValue = percent(part, whole)
                if d.disclosure == "own_small_hidden" and whole:
                    share = shown_shares([part, whole - part])[0]
                cells += [whole, share]
            rows.append(tuple(cells))
        note_da = note_en = ""
        if ctx.incomplete_month is not None:
            note_da = f"{_month(ctx.incomplete_month).da} er ikke slut: tallene er foreløbige."
            note_en = f"{_month(ctx.incomplete_month).en} is not over: its figures are provisional."
        return Section(
            key="trend",
            title_da="Udvikling pr. måned",
            title_en="By month",
            tables=(
                Table(
                    key="trend",
                    title_da="Klinikkens indikatorer pr. måned",
                    title_en="The clinic's indicators by month",
                    columns=tuple(columns),
                    rows=tuple(rows),
                ),
            ),
            note_da=note_da,
            note_en=note_en,
        )


def _in_population(declared: Declared, values: Mapping[str, str]) -> bool:
    return declared.in_denominator(values)


def _point(value: CellValue) -> ChartValue:
    return value if isinstance(value, int | Decimal | Suppressed) else None
