"""The report of a project whose indicators are declared as data (``reports.indicators``).

The engine builds it for every project with published indicators and no report definition
of its own (``engine.definition_for``); no line of the project's own code. For the indicators
in force on the report's last day of data (the data specification version in force then):

- the **headline**: one ``Figure`` per indicator — the clinic's share (numerator of
  denominator) over the indicator's period, n, the region's and the nation's as the
  indicator's comparison levels name them, the previous period of the same length, the
  direction and the target;
- ``indicators`` — a table of every indicator (clinic: numerator, denominator, share; region
  and nation: share) and a bar chart of the shares;
- ``trend`` — the clinic's share of each indicator per month of the report;
- ``funnel`` — for each indicator compared with the nation, the funnel plot of every
  clinic's share against its denominator (``reports.funnel``; drawn as
  ``disclosure.drawn_in_funnel`` and ``enough_clinics`` allow, the other clinics' points
  never leave the SVG) with its figures in a table.

Region and nation are shown as ``reports.disclosure`` allows, called, never copied: nothing
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
from functools import lru_cache

from sentinel.clinics.models import RegionCode
from sentinel.lib.dates import add_months
from sentinel.lib.shares import percent
from sentinel.reports.declared_medians import (
    MeasuredMedian,
    level_median,
    median_of,
    median_section,
)
from sentinel.reports.disclosure import (
    LABEL,
    MIN_CELL,
    MIN_CLINICS,
    SUPPRESSED,
    Suppressed,
    drawn_in_funnel,
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
from sentinel.reports.funnel import BANDS, Funnel
from sentinel.reports.funnel_svg import BAND_WORDS
from sentinel.reports.indicators import (
    LEVELS,
    PERIOD_MONTHS,
    Cell,
    Declared,
    in_force,
    meets,
    source_for,
)
from sentinel.reports.models import NATION, BenchmarkState
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
class Scope:
    """A comparison level's cells and contributing clinics over an indicator's months."""

    level: str
    name_da: str
    name_en: str
    clinics: int
    cells: tuple[Cell, ...]

    @property
    def compared(self) -> bool:
        return enough_clinics(self.clinics)


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


def _scope_share(scope: Scope, part: int, whole: int) -> tuple[CellValue, str, str]:
    if not scope.compared:
        return (
            None,
            f"færre end {MIN_CLINICS} klinikker har bidraget",
            f"fewer than {MIN_CLINICS} clinics contributed",
        )
    if whole == 0:
        return None, "ingen forløb", "no courses"
    return shown_shares([part, whole - part])[0], "", ""


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
        measured = self._measure(ctx, shares)
        self._courses = self._population(ctx, shares) if shares else None
        figures = tuple(self._figure(m) for m in measured)
        sections = [self._table_section(measured)] if measured else []
        if medians:
            sections.append(self._medians(ctx, medians))
        sections.append(self._trend(ctx, shares))
        funnels = self._funnels(ctx, measured)
        if funnels is not None:
            sections.append(funnels)
        return sections, figures

    # --- reading -------------------------------------------------------------------------

    def _measure(self, ctx: ReportContext, declared: tuple[Declared, ...]) -> list[Measured]:
        """Each indicator's figures: one read of the clinic's cells per record type (the
        report's months and as many before), one of each level's per record type and months."""
        first = previous_months(ctx.months)[0]
        own: dict[str, list[Cell]] = {}
        levels: dict[tuple[str, str, tuple[dt.date, ...]], Scope] = {}
        region = ctx.clinic.region_code
        region_name = RegionCode(region).label if region in RegionCode.values else region
        found = []
        for d in declared:
            source = source_for(d.record_type)
            if d.record_type not in own:
                own[d.record_type] = source.clinic_cells(
                    ctx.project.pk, ctx.clinic.pk, first, ctx.last_month
                )
            months = measured_months(d, ctx.months)
            before = previous_months(months)
            part, whole = d.count(own[d.record_type], months)
            scopes = []
            for level in d.levels:
                key = (d.record_type, level, months)
                if key not in levels:
                    code = NATION if level == "nation" else region
                    clinics, cells = (
                        _scope_figures(
                            d.record_type, ctx.project.pk, region, code, months[0], months[-1],
                            ctx.benchmark_refreshed_at,
                        )
                        if code
                        else (0, ())
                    )  # fmt: skip
                    da, en = LEVELS[level]
                    if level == "region" and region_name:
                        da = en = str(region_name)
                    levels[key] = Scope(level, da, en, clinics, cells)
                scope = levels[key]
                scope_part, scope_whole = d.count(scope.cells, months)
                scopes.append((scope, *_scope_share(scope, scope_part, scope_whole)))
            found.append(
                Measured(
                    d,
                    months,
                    part,
                    whole,
                    d.count(own[d.record_type], before),
                    before,
                    tuple(scopes),
                )
            )
        self._own = own
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

    def _medians(self, ctx: ReportContext, medians: tuple[Declared, ...]) -> Section:
        """The median indicators (``reports.declared_medians``): the clinic's cells as read
        for the shares (or once more per record type), each level's as the benchmark keeps
        them (per refresh, like the shares' levels)."""
        region = ctx.clinic.region_code
        region_name = RegionCode(region).label if region in RegionCode.values else region
        found = []
        for d in medians:
            if d.record_type not in self._own:
                self._own[d.record_type] = source_for(d.record_type).clinic_cells(
                    ctx.project.pk, ctx.clinic.pk, ctx.months[0], ctx.last_month
                )
            months = measured_months(d, ctx.months)
            median, n = median_of(d, self._own[d.record_type], months)
            levels = []
            for level in d.levels:
                code = NATION if level == "nation" else region
                clinics, cells = (
                    _scope_figures(
                        d.record_type, ctx.project.pk, region, code, months[0], months[-1],
                        ctx.benchmark_refreshed_at,
                    )
                    if code
                    else (0, ())
                )  # fmt: skip
                da, en = LEVELS[level]
                if level == "region" and region_name:
                    da = en = str(region_name)
                levels.append(level_median(level, da, en, clinics, *median_of(d, cells, months)))
            found.append(MeasuredMedian(d, _span(months), median, n, tuple(levels)))
        return median_section(found)

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
            previous=previous,
            previous_n=before_whole,
            previous_label_da=label_da,
            previous_label_en=label_en,
        )

    # --- sections ----------------------------------------------------------------------------

    def _table_section(self, measured: list[Measured]) -> Section:
        levels = [level for level in LEVELS if any(level in m.declared.levels for m in measured)]
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
                f"landets tal kommer kun fra tilmeldte klinikker. '{LABEL}' betyder færre end "
                f"{MIN_CELL} forløb eller et tal, der er skjult, så et lille tal ikke kan regnes "
                f"ud af de andre. Der vises ingen sammenligning, hvor færre end {MIN_CLINICS} "
                "klinikker bidrager."
            ),
            footnote_en=(
                "Numerator and denominator are the clinic's own courses in the indicator's "
                "period. Region and nation come from enrolled clinics only. "
                f"'{LABEL}' means fewer than {MIN_CELL} courses, or a figure hidden so that a "
                f"small one cannot be worked out from the others. No comparison where fewer "
                f"than {MIN_CLINICS} clinics contribute."
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
            title_da="Indikatorer: klinikken, regionen og landet",
            title_en="Indicators: clinic, region and nation",
            description_da=(
                "Søjler for hver indikator: klinikkens andel ved siden af regionens og landets. "
                "Tallene står også i tabellen under diagrammet."
            ),
            description_en="For each indicator, the clinic's share beside region and nation.",
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

    def _funnels(self, ctx: ReportContext, measured: list[Measured]) -> Section | None:
        """A funnel plot per indicator compared with the nation, where enough clinics are
        drawn (``disclosure.drawn_in_funnel`` and ``enough_clinics``); None without any
        indicator compared with the nation."""
        compared = [m for m in measured if "nation" in m.declared.levels]
        if not compared:
            return None
        tables, charts, missing_da, missing_en = [], [], [], []
        for m in compared:
            d = m.declared
            cells = _clinics_cells(
                d.record_type,
                ctx.project.pk,
                m.months[0],
                m.months[-1],
                ctx.benchmark_refreshed_at,
            )
            funnel = _funnel_of(d, cells, ctx.clinic.pk)
            label = Text(d.label_da, d.label_en or d.label_da)
            if not (funnel.courses and enough_clinics(funnel.drawn)):
                missing_da.append(label.da)
                missing_en.append(label.en)
                continue
            tables += _funnel_tables(d.key, label, funnel)
            charts.append(
                Chart(
                    key=f"funnel_chart_{d.key}",
                    kind="funnel",
                    title_da=f"Tragtdiagram: {label.da}",
                    title_en=f"Funnel plot: {label.en}",
                    description_da=(
                        "Hver prik er en klinik (uden navn); klinikken selv er markeret. "
                        "Linjerne er landets andel og 95 %- og 99,8 %-grænserne omkring den."
                    ),
                    description_en=(
                        "Each dot is a clinic (unnamed); this clinic is marked. The lines are "
                        "the national rate and the 95 % and 99.8 % limits around it."
                    ),
                    categories=(),
                    series=(),
                    table_key=f"funnel_{d.key}",
                    unit="percent",
                    funnel=funnel,
                )
            )
        note_da = note_en = ""
        if missing_da:
            note_da = (
                f"Intet tragtdiagram for {', '.join(missing_da)}: færre end {MIN_CLINICS} "
                f"klinikker med mindst {MIN_CELL} i nævneren i perioden."
            )
            note_en = (
                f"No funnel plot for {', '.join(missing_en)}: fewer than {MIN_CLINICS} clinics "
                f"with at least {MIN_CELL} in the denominator in the period."
            )
        return Section(
            key="funnel",
            title_da="Tragtdiagrammer: klinikken mod landet",
            title_en="Funnel plots: the clinic against the nation",
            tables=tuple(tables),
            charts=tuple(charts),
            note_da=note_da,
            note_en=note_en,
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


def _funnel_of(
    declared: Declared, per_clinic: list[tuple[int, Mapping[str, str], int]], clinic_id: int
) -> Funnel:
    """The indicator's funnel: every clinic's (denominator, numerator), this one marked."""
    sums: dict[int, tuple[int, int]] = {}
    for clinic, values, n in per_clinic:
        if declared.in_denominator(values):
            whole, part = sums.get(clinic, (0, 0))
            sums[clinic] = (whole + n, part + (n if meets(declared.numerator, values) else 0))
    points, omitted = [], 0
    for clinic, (whole, part) in sums.items():
        if clinic == clinic_id or not whole:
            continue
        if drawn_in_funnel(whole):
            points.append((whole, part))
        else:
            omitted += 1
    return Funnel(
        valid=sum(p for _w, p in sums.values()),
        courses=sum(w for w, _p in sums.values()),
        points=tuple(sorted(points)),
        marked=sums.get(clinic_id, (0, 0)),
        omitted=omitted,
        axis_da="Nævner (n)",
        axis_en="Denominator (n)",
    )


@lru_cache(maxsize=1024)
def _cached_scope_figures(
    record_type: str,
    project_id: int,
    region: str,
    scope: str,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    return _read_scope_figures(record_type, project_id, region, scope, first, last)


def _read_scope_figures(
    record_type: str, project_id: int, region: str, scope: str, first: dt.date, last: dt.date
) -> tuple[int, tuple[Cell, ...]]:
    source = source_for(record_type)
    contributors = source.contributors(project_id, region, first, last)
    level = "nation" if scope == NATION else "region"
    return contributors[level], tuple(source.scope_cells(project_id, scope, first, last))


def _scope_figures(
    record_type: str,
    project_id: int,
    region: str,
    scope: str,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    """A level's contributing clinics and cells over the months: the benchmark changes only
    when it is refreshed, so they are kept per refresh (read afresh before the first)."""
    if refreshed_at is None:
        return _read_scope_figures(record_type, project_id, region, scope, first, last)
    return _cached_scope_figures(record_type, project_id, region, scope, first, last, refreshed_at)


@lru_cache(maxsize=64)
def _cached_clinics_cells(
    record_type: str, project_id: int, first: dt.date, last: dt.date, refreshed_at: object
) -> list[tuple[int, Mapping[str, str], int]]:
    return source_for(record_type).clinics_cells(project_id, first, last)


def _clinics_cells(
    record_type: str, project_id: int, first: dt.date, last: dt.date, refreshed_at: object
) -> list[tuple[int, Mapping[str, str], int]]:
    """Every clinic's cells over the months: read once per benchmark refresh (the funnel's
    points change with it, as the comparison does), afresh before the first refresh."""
    if refreshed_at is None:
        return source_for(record_type).clinics_cells(project_id, first, last)
    return _cached_clinics_cells(record_type, project_id, first, last, refreshed_at)


def _funnel_tables(key: str, label: Text, funnel: Funnel) -> list[Table]:
    """The funnel's figures (the clinic against the national limits) and the clinics drawn
    per band, in two tables."""
    whole, part = funnel.marked or (0, 0)
    low998, low95, high95, high998 = funnel.limits(whole) if whole else (None,) * 4
    band = BAND_WORDS[funnel.band(whole, part)] if whole else ("", "")
    counts = funnel.counts()
    bands = Table(
        key=f"funnel_bands_{key}",
        title_da=f"Klinikker i tragtdiagrammet efter placering: {label.da}",
        title_en=f"Clinics in the funnel plot by where they lie: {label.en}",
        columns=(
            Column("band", "Placering", "Where"),
            Column("clinics", "Klinikker", "Clinics", "count"),
        ),
        rows=(
            *((Text(*BAND_WORDS[b]), counts[b]) for b in BANDS),
            (Text("I alt", "Total"), funnel.drawn),
        ),
        footnote_da=(
            f"Klinikker med mindst {MIN_CELL} i nævneren, klinikken selv medregnet; "
            f"{funnel.omitted} klinikker med færre er ikke vist."
        ),
        footnote_en=(
            f"Clinics with at least {MIN_CELL} in the denominator, this one included; "
            f"{funnel.omitted} clinics with fewer are not drawn."
        ),
    )
    limits = Table(
        key=f"funnel_{key}",
        title_da=f"Tragtdiagrammets tal: {label.da}",
        title_en=f"The funnel plot's figures: {label.en}",
        columns=(
            Column("who", "Hvem", "Who"),
            Column("courses", "Nævner", "Denominator", "count"),
            Column("share", "Andel (%)", "Share (%)", "percent"),
            Column("lower_998", "Nedre 99,8 %-grænse", "Lower 99.8 % limit", "percent"),
            Column("lower_95", "Nedre 95 %-grænse", "Lower 95 % limit", "percent"),
            Column("upper_95", "Øvre 95 %-grænse", "Upper 95 % limit", "percent"),
            Column("upper_998", "Øvre 99,8 %-grænse", "Upper 99.8 % limit", "percent"),
            Column("band", "Placering", "Where", "text"),
        ),
        rows=(
            (
                Text("Klinikken", "The clinic"),
                whole,
                percent(part, whole),
                low998,
                low95,
                high95,
                high998,
                Text(*band) if whole else None,
            ),
            (
                Text("Hele landet", "Nation"),
                funnel.courses,
                funnel.rate_percent,
                None,
                None,
                None,
                None,
                None,
            ),
        ),
        footnote_da=(
            "Grænserne ved klinikkens nævner n: landets andel p ± z·√(p(1−p)/n), z = 1,96 for "
            "95 % og 3,09 for 99,8 %, afgrænset til 0–100 %."
        ),
        footnote_en=(
            "The limits at the clinic's denominator n: the national rate p ± z·√(p(1−p)/n), "
            "z = 1.96 for 95 % and 3.09 for 99.8 %, cut to 0–100 %."
        ),
    )
    return [limits, bands]


def _in_population(declared: Declared, values: Mapping[str, str]) -> bool:
    return declared.in_denominator(values)


def _point(value: CellValue) -> ChartValue:
    return value if isinstance(value, int | Decimal | Suppressed) else None
