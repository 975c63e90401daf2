"""Diagnosekodning's benchmark: the clinic's top-code shares beside its region's and the
nation's, read from ``BenchmarkCell`` and ``BenchmarkContributor`` and shown as the disclosure
rule allows (``reports.disclosure``)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, Q, Sum

from sentinel.clinics.models import RegionCode
from sentinel.lib import icpc2
from sentinel.lib.shares import shares
from sentinel.reports.diagnosekodning.labels import (
    OTHERS_DA,
    STRUCTURED_SPECIALE,
    code_title,
)
from sentinel.reports.disclosure import (
    LABEL,
    MIN_CELL,
    MIN_CLINICS,
    enough_clinics,
    shown_shares,
)
from sentinel.reports.engine import (
    CellValue,
    Chart,
    ChartValue,
    Column,
    ReportContext,
    Section,
    Series,
    Suppressed,
    Table,
    network_cells,
)
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
)
from sentinel.reports.tables import Text


@dataclass(frozen=True)
class Totals:
    """A scope's courses over some months: all, with a code, structured (speciale 51 with a
    course type) and of those validly coded (``icpc2.COURSE_TYPES``)."""

    courses: int = 0
    coded: int = 0
    structured: int = 0
    valid: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.courses + other.courses,
            self.coded + other.coded,
            self.structured + other.structured,
            self.valid + other.valid,
        )

    @classmethod
    def of(cls, speciale: str, course_type: str, code: str, n: int) -> Totals:
        allowed = icpc2.COURSE_TYPES.get(course_type)
        structured = speciale == STRUCTURED_SPECIALE and allowed is not None
        return cls(
            n,
            n if code else 0,
            n if structured else 0,
            n if structured and allowed is not None and code in allowed else 0,
        )


@dataclass(frozen=True)
class Scope:
    """The clinic's region or the nation over the report's months: its contributing clinics,
    its coded courses per code and its totals."""

    column: str
    name_da: str
    name_en: str
    clinics: int
    counts: dict[str, int]
    totals: Totals = Totals()
    by_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Structured courses and of those validly coded, per course type."""

    @property
    def compared(self) -> bool:
        return enough_clinics(self.clinics)


_TotalsRow = tuple[str, int, int, int, int]
_TypeRow = tuple[str, str, int, int]
"""(scope, course type, structured courses, validly coded)"""
_Figures = tuple[
    int, int, tuple[tuple[str, str, int], ...], tuple[_TotalsRow, ...], tuple[_TypeRow, ...]
]


def _fold(
    rows: list[tuple[str, str, str, str, int]],
) -> tuple[tuple[tuple[str, str, int], ...], tuple[_TotalsRow, ...], tuple[_TypeRow, ...]]:
    """(scope, speciale, course type, code, courses) rows → coded courses per scope and code,
    each scope's totals, and its structured and validly coded courses per course type."""
    codes: dict[tuple[str, str], int] = {}
    totals: dict[str, Totals] = {}
    types: dict[tuple[str, str], Totals] = {}
    for scope, speciale, course_type, code, n in rows:
        if code:
            codes[(scope, code)] = codes.get((scope, code), 0) + n
        cell = Totals.of(speciale, course_type, code, n)
        totals[scope] = totals.get(scope, Totals()) + cell
        if cell.structured:
            types[(scope, course_type)] = types.get((scope, course_type), Totals()) + cell
    return (
        tuple((scope, code, n) for (scope, code), n in codes.items() if n),
        tuple((scope, t.courses, t.coded, t.structured, t.valid) for scope, t in totals.items()),
        tuple((scope, ct, t.structured, t.valid) for (scope, ct), t in types.items()),
    )


@lru_cache(maxsize=256)
def _fold_network(
    cells: tuple[tuple[str, str, str, int], ...],
) -> tuple[tuple[tuple[str, str, int], ...], tuple[_TotalsRow, ...], tuple[_TypeRow, ...]]:
    """``_fold`` of a network's cells (kept per refresh by ``network_cells``: the same cells
    are folded once)."""
    return _fold([("N", sp, ct, code, n) for sp, ct, code, n in cells])


def _query_figures(
    project_id: int, region: str, first_month: dt.date, last_month: dt.date
) -> _Figures:
    """Contributing clinics (nation, region) and coded courses per scope and code."""
    months = {"month__gte": first_month, "month__lte": last_month}
    contributors = BenchmarkContributor.objects.filter(project_id=project_id, **months).aggregate(
        nation=Count("clinic", distinct=True),
        region=Count("clinic", distinct=True, filter=Q(region_code=region)),
    )
    rows = (
        BenchmarkCell.objects.filter(
            project_id=project_id, scope__in=[NATION, *([region] if region else [])], **months
        )
        .values_list("scope", "speciale", "course_type", "code")
        .annotate(n=Sum("episodes"))
        .order_by()
    )
    codes, totals, types = _fold([(sc, sp, ct, code, int(n or 0)) for sc, sp, ct, code, n in rows])
    return (
        int(contributors["nation"] or 0),
        int(contributors["region"] or 0) if region else 0,
        codes,
        totals,
        types,
    )


@dataclass(frozen=True)
class _Snapshot:
    """A region's and the nation's benchmark of a project as one refresh left it, month by
    month: per scope a row of coded courses per code for every month, and the contributing
    clinics per month (all, and the region's). Their figures over any months are summed from
    it without a query."""

    region: str
    months: tuple[dt.date, ...]
    codes: tuple[str, ...]
    cells: dict[str, tuple[tuple[int, ...], ...]]
    clinics: tuple[frozenset[int], ...]
    regional: tuple[frozenset[int], ...]
    totals: dict[str, tuple[Totals, ...]]
    types: dict[tuple[str, str], tuple[Totals, ...]] = field(default_factory=dict)

    @classmethod
    def read(cls, project_id: int, region: str) -> _Snapshot:
        sums = (
            BenchmarkCell.objects.filter(
                project_id=project_id, scope__in=[NATION, *([region] if region else [])]
            )
            .values_list("month", "scope", "speciale", "course_type", "code")
            .annotate(n=Sum("episodes"))
            .order_by()
        )
        every = [(m, sc, sp, ct, code, int(n or 0)) for m, sc, sp, ct, code, n in sums]
        counted = [(m, sc, code, n) for m, sc, _sp, _ct, code, n in every if code]
        contributors = list(
            BenchmarkContributor.objects.filter(project_id=project_id).values_list(
                "month", "clinic_id", "region_code"
            )
        )
        months = tuple(sorted({row[0] for row in every} | {row[0] for row in contributors}))
        codes = tuple(sorted({row[2] for row in counted}))
        month_at = {month: i for i, month in enumerate(months)}
        code_at = {code: i for i, code in enumerate(codes)}
        grid: dict[str, list[list[int]]] = {}
        for month, scope, code, n in counted:
            if scope not in grid:
                grid[scope] = [[0] * len(codes) for _ in months]
            grid[scope][month_at[month]][code_at[code]] += n
        totals: dict[str, list[Totals]] = {}
        types: dict[tuple[str, str], list[Totals]] = {}
        for month, scope, speciale, course_type, code, n in every:
            per_month = totals.setdefault(scope, [Totals()] * len(months))
            cell = Totals.of(speciale, course_type, code, n)
            per_month[month_at[month]] += cell
            if cell.structured:
                of_type = types.setdefault((scope, course_type), [Totals()] * len(months))
                of_type[month_at[month]] += cell
        everyone: list[set[int]] = [set() for _ in months]
        regional: list[set[int]] = [set() for _ in months]
        for month, clinic_id, where in contributors:
            everyone[month_at[month]].add(clinic_id)
            if region and where == region:
                regional[month_at[month]].add(clinic_id)
        return cls(
            region=region,
            months=months,
            codes=codes,
            cells={scope: tuple(map(tuple, rows)) for scope, rows in grid.items()},
            clinics=tuple(map(frozenset, everyone)),
            regional=tuple(map(frozenset, regional)),
            totals={scope: tuple(rows) for scope, rows in totals.items()},
            types={key: tuple(rows) for key, rows in types.items()},
        )

    def figures(self, first_month: dt.date, last_month: dt.date) -> _Figures:
        """The figures ``_query_figures`` reads for this region, for the months
        ``first_month`` to ``last_month`` (codes without courses left out)."""
        start = bisect_left(self.months, first_month)
        end = bisect_right(self.months, last_month)
        rows: list[tuple[str, str, int]] = []
        for scope, per_month in self.cells.items():
            totals = map(sum, zip(*per_month[start:end], strict=True))
            rows += [(scope, code, n) for code, n in zip(self.codes, totals, strict=False) if n]
        summed: list[_TotalsRow] = []
        for scope, months in self.totals.items():
            t = sum(months[start:end], Totals())
            if t.courses:
                summed.append((scope, t.courses, t.coded, t.structured, t.valid))
        types: list[_TypeRow] = []
        for (scope, course_type), months in self.types.items():
            t = sum(months[start:end], Totals())
            if t.structured:
                types.append((scope, course_type, t.structured, t.valid))
        return (
            len(frozenset().union(*self.clinics[start:end])),
            len(frozenset().union(*self.regional[start:end])),
            tuple(rows),
            tuple(summed),
            tuple(types),
        )


@lru_cache(maxsize=8)
def _snapshot(project_id: int, region: str, refreshed_at: object) -> _Snapshot:
    return _Snapshot.read(project_id, region)


@lru_cache(maxsize=1024)
def _cached_figures(
    project_id: int, region: str, first_month: dt.date, last_month: dt.date, refreshed_at: object
) -> _Figures:
    return _snapshot(project_id, region, refreshed_at).figures(first_month, last_month)


def read_scopes(ctx: ReportContext, refreshed_at: dt.datetime | None) -> list[Scope]:
    """The clinic's region and the nation: their contributing clinics and coded courses per
    code over the report's months. A clinic without a region gets a region scope with no
    clinics (so no comparison).

    The benchmark changes only when it is refreshed, so after a refresh a region's and the
    nation's benchmark is read once (two queries) and kept per (project, region, refresh
    time); the figures for any months are summed from it in memory and cached per (project,
    region, months, refresh time). A refresh changes the key. Before the first refresh
    nothing is cached and the figures are read with two queries."""
    region = ctx.clinic.region_code
    key = (ctx.project.pk, region, ctx.first_month, ctx.last_month)
    nation_clinics, region_clinics, rows, summed, types = (
        _cached_figures(*key, refreshed_at) if refreshed_at else _query_figures(*key)
    )
    by_type: dict[str, dict[str, tuple[int, int]]] = {NATION: {}, region: {}}
    for scope, course_type, structured, valid in types:
        by_type.setdefault(scope, {})[course_type] = (structured, valid)
    counts: dict[str, dict[str, int]] = {NATION: {}, region: {}}
    for scope, code, n in rows:
        counts[scope][code] = n
    totals = {scope: Totals(*figures) for scope, *figures in summed}
    region_name = RegionCode(region).label if region in RegionCode.values else region
    region_totals = totals.get(region, Totals()) if region else Totals()
    network = [_network_scope(ctx)] if ctx.network is not None else []
    return [
        *network,
        Scope(
            "region",
            region_name or "Regionen",
            region_name or "Region",
            region_clinics,
            counts[region],
            region_totals,
            by_type[region] if region else {},
        ),
        Scope(
            "nation",
            "Hele landet",
            "Nation",
            nation_clinics,
            counts[NATION],
            totals.get(NATION, Totals()),
            by_type[NATION],
        ),
    ]


def _network_scope(ctx: ReportContext) -> Scope:
    """The clinic's quality network over the report's months, from its members' cells as
    the last refresh summed them (``reports.network_scope``)."""
    assert ctx.network is not None  # noqa: S101 - the caller checks
    found = network_cells(
        ctx.project.pk, ctx.network.id, ctx.first_month, ctx.last_month, ctx.benchmark_refreshed_at
    )
    codes, summed, types = _fold_network(found.cells)
    totals = Totals(*summed[0][1:]) if summed else Totals()
    return Scope(
        "network",
        ctx.network.name,
        ctx.network.name,
        found.clinics,
        {code: n for _scope, code, n in codes},
        totals,
        {ct: (structured, valid) for _scope, ct, structured, valid in types},
    )


def benchmark_section(
    ctx: ReportContext,
    coded: dict[str, int],
    top_codes: list[str],
    refreshed_at: dt.datetime | None,
    compared: list[Scope] | None = None,
) -> Section:
    """The clinic's top codes and "Øvrige" beside the region's and the nation's shares
    (``compared``: the ``scopes`` when the caller has read them already).

    Every column is a distribution of that scope's coded courses over the same rows (the
    clinic's top codes, then all other codes), so each adds up to 100.00."""
    scopes = compared if compared is not None else read_scopes(ctx, refreshed_at)
    labels = [*top_codes, OTHERS_DA]

    def counts_of(per_code: dict[str, int]) -> list[int]:
        others = sum(n for code, n in per_code.items() if code not in top_codes)
        return [per_code.get(code, 0) for code in top_codes] + [others]

    clinic_counts = counts_of(coded)
    clinic_shares: list[CellValue] = (
        list(shares(clinic_counts)) if sum(clinic_counts) else [None] * len(labels)
    )
    columns = [
        Column("code", "Kode", "Code"),
        Column("title", "Diagnose", "Diagnosis"),
        Column("clinic", "Klinikken (%)", "Clinic (%)", "percent"),
    ]
    scope_cells: list[list[CellValue]] = []
    notes_da: list[str] = []
    notes_en: list[str] = []
    for scope in scopes:
        columns.append(
            Column(scope.column, f"{scope.name_da} (%)", f"{scope.name_en} (%)", "percent")
        )
        if not scope.compared:
            scope_cells.append([None] * len(labels))
            if scope.column == "region" and not ctx.clinic.region_code:
                notes_da.append(
                    "Klinikken har ingen region registreret: ingen regional sammenligning."
                )
                notes_en.append("The clinic has no region on record: no regional comparison.")
                continue
            notes_da.append(
                f"{scope.name_da}: ingen sammenligning, fordi færre end {MIN_CLINICS} klinikker "
                "har bidraget med data i perioden."
            )
            notes_en.append(
                f"{scope.name_en}: no comparison, fewer than {MIN_CLINICS} clinics contributed "
                "data in the period."
            )
            continue
        scope_cells.append(list(shown_shares(counts_of(scope.counts))))
        notes_da.append(f"{scope.name_da}: {scope.clinics} klinikker har bidraget.")
        notes_en.append(f"{scope.name_en}: {scope.clinics} clinics contributed.")
    rows: list[tuple[CellValue, ...]] = []
    if top_codes:
        for i, label in enumerate(labels):
            title = code_title(label) if label != OTHERS_DA else Text("Øvrige koder", "Other codes")
            rows.append((label, title, clinic_shares[i], *(cells[i] for cells in scope_cells)))
    else:
        notes_da.insert(0, "Klinikken har ingen forløb med kode i perioden.")
        notes_en.insert(0, "The clinic has no coded courses in the period.")
    table = Table(
        key="benchmark",
        title_da="Klinikkens mest brugte diagnoser sammenlignet med region og land",
        title_en="The clinic's most used diagnoses compared with region and nation",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=(
            f"Andel af forløb med kode i samme periode; klinikkens andele står på "
            f"{sum(clinic_counts)} forløb med kode (antallet pr. kode står i tabellen over de "
            "mest brugte diagnoser). Regionens og landets tal kommer kun fra "
            f"tilmeldte klinikker. '{LABEL}' betyder færre end {MIN_CELL} forløb eller et tal, "
            "der er skjult, så et lille tal ikke kan regnes ud af de andre. Der vises ingen "
            f"sammenligning, hvor færre end {MIN_CLINICS} klinikker bidrager."
        ),
        footnote_en=(
            f"Share of coded courses in the same period; the clinic's shares are of "
            f"{sum(clinic_counts)} coded courses (the count per code is in the top codes "
            "table). Region and nation come from enrolled clinics only. "
            f"'{LABEL}' means fewer than {MIN_CELL} courses, or a figure hidden so that a small "
            f"one cannot be worked out from the others. No comparison where fewer than "
            f"{MIN_CLINICS} clinics contribute."
        ),
    )
    top = len(top_codes)
    series = [
        Series(
            "Klinikken",
            tuple(_chart_value(v) for v in clinic_shares[:top]),
            "Clinic",
            counts=tuple(clinic_counts[:top]),
        )
    ]
    for scope, cells in zip(scopes, scope_cells, strict=True):
        if scope.compared:
            series.append(
                Series(scope.name_da, tuple(_chart_value(v) for v in cells[:top]), scope.name_en)
            )
    chart = Chart(
        key="benchmark_chart",
        kind="bar",
        unit="percent",
        title_da="Mest brugte diagnoser: klinikken, regionen og landet",
        title_en="Most used diagnoses: clinic, region and nation",
        description_da=(
            "Søjler for hver af klinikkens mest brugte diagnoser: klinikkens andel ved siden af "
            "regionens og landets. Tallene står også i tabellen under diagrammet."
        ),
        description_en=(
            "For each of the clinic's top diagnoses, its share beside region and nation."
        ),
        categories=tuple(top_codes),
        series=tuple(series),
        table_key="benchmark",
    )
    return Section(
        key="benchmark",
        title_da="Sammenligning med region og land",
        title_en="Compared with region and nation",
        tables=(table,),
        charts=(chart,),
        note_da=" ".join(notes_da),
        note_en=" ".join(notes_en),
    )


def _chart_value(value: CellValue) -> ChartValue:
    """A table cell as a chart point: numbers and "<5" stay, anything else is no point."""
    return value if isinstance(value, int | Decimal | Suppressed) else None
