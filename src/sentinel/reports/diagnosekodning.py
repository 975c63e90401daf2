"""The Diagnosekodning report: how a clinic codes its courses (forløb) with ICPC-2.

Read from the aggregate tables only (``ReportCell`` for the clinic, ``BenchmarkCell`` and
``BenchmarkContributor`` for region and nation), over the months the engine hands over. The
sections, in order:

- ``diagnoses`` — the clinic's ten most used current codes (code, Danish title, courses,
  share %) with "Øvrige" for the rest, and the same by ICPC-2 chapter. Shares are taken over
  the *coded* courses and add up to exactly 100.00 (largest remainder, ``lib.shares``). Courses
  without a code are shown on their own line, "Uden kode", outside the shares. Ties in the
  ranking go to the lower code (alphabetically), so the table is stable.
- ``completeness`` — coding completeness for the mandatory structured courses of speciale 51
  (``icpc2.COURSE_TYPES``): a course counts as validly coded when its current code is one of
  its type's codes. Per course type and per month.
- ``trend`` — per month: courses, coded courses, share coded.
- ``benchmark`` — the clinic's top-code shares beside its region's and the nation's, same
  months. A scope's shares are over all its coded courses (the clinic's top codes, then
  "Øvrige"), by largest remainder, shown as the disclosure rule allows (``disclosure``: small
  cells and their complement as "<5"; a scope with too few contributing clinics in those
  months gets no comparison at all, with a note saying why).

The worklist (``worklist``) is separate: it is person-identifiable, reads the clinic's own
``Episode`` rows and writes an audit row every time it is built.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, RegionCode, Vendor
from sentinel.collection.models import Episode
from sentinel.lib import icpc2
from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError
from sentinel.lib.pseudonym import CprCipher
from sentinel.lib.shares import percent, shares
from sentinel.projects.models import Project
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
    Period,
    Prepared,
    ReportContext,
    ReportDefinition,
    Section,
    Series,
    Suppressed,
    Table,
    prepare,
    register,
)
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
    BenchmarkState,
    ReportCell,
)

PROJECT_CODE = "diagnosekodning"
TOP = 10
"""How many codes the top table names before "Øvrige"."""
STRUCTURED_SPECIALE = "51"

COURSE_TYPE_LABELS_DA: dict[str, str] = {
    "cervical_radiculopathy": "Cervikal nerverodspåvirkning",
    "lumbar_radiculopathy": "Lumbal nerverodspåvirkning",
    "lumbar_spinal_stenosis": "Lumbal spinalstenose",
    "hip_osteoarthritis": "Hofteartrose",
    "knee_osteoarthritis": "Knæartrose",
    "low_back_pain": "Primære lændesmerter",
}
COURSE_TYPE_LABELS_EN: dict[str, str] = {
    "cervical_radiculopathy": "Cervical nerve root affection",
    "lumbar_radiculopathy": "Lumbar nerve root affection",
    "lumbar_spinal_stenosis": "Lumbar spinal stenosis",
    "hip_osteoarthritis": "Hip osteoarthritis",
    "knee_osteoarthritis": "Knee osteoarthritis",
    "low_back_pain": "Primary low back pain",
}
_MONTHS_DA = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

OTHERS_DA = "Øvrige"
TOTAL_DA = "I alt"
UNCODED_DA = "Uden kode"


def month_label(month: dt.date) -> str:
    """A month as the report shows it: ``jan 2026``."""
    return f"{_MONTHS_DA[month.month - 1]} {month.year}"


def required_codes(course_type: str) -> str:
    return "/".join(sorted(icpc2.COURSE_TYPES[course_type]))


def code_title(code: str) -> str:
    known = icpc2.codes().get(code)
    return known.title_da if known else "(ukendt kode)"


def code_chapter(code: str) -> str:
    known = icpc2.codes().get(code)
    return known.chapter if known else code[:1]


@dataclass(frozen=True)
class _Cell:
    month: dt.date
    speciale: str
    course_type: str
    code: str
    episodes: int


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Keys by count, largest first; equal counts by key."""
    return sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------

_SHARE_COLUMNS = (
    Column("episodes", "Forløb", "Courses", "count"),
    Column("share", "Andel (%)", "Share (%)", "percent"),
)


def _top_codes(coded: dict[str, int], uncoded: int) -> tuple[Table, list[str]]:
    ranked = _ranked(coded)
    top, rest = ranked[:TOP], ranked[TOP:]
    counts = [n for _, n in top] + ([sum(n for _, n in rest)] if rest else [])
    pct = shares(counts)
    rows: list[tuple[CellValue, ...]] = [
        (code, code_title(code), n, share) for (code, n), share in zip(top, pct, strict=False)
    ]
    if rest:
        rows.append((OTHERS_DA, f"{len(rest)} andre koder", counts[-1], pct[-1]))
    total = sum(counts)
    rows.append((TOTAL_DA, "Forløb med kode", total, sum(pct) if total else None))
    rows.append((UNCODED_DA, "Forløb uden diagnosekode", uncoded, None))
    table = Table(
        key="top_codes",
        title_da=f"De {TOP} mest brugte diagnoser",
        title_en=f"The {TOP} most used diagnoses",
        columns=(
            Column("code", "Kode", "Code"),
            Column("title", "Diagnose", "Diagnosis"),
            *_SHARE_COLUMNS,
        ),
        rows=tuple(rows),
        footnote_da=(
            "Forløbenes nuværende ICPC-2-kode. Andelene er beregnet af forløb med kode og "
            "summer til 100,00 (største-rest-metoden); forløb uden kode indgår ikke i andelene."
        ),
        footnote_en=(
            "The courses' current ICPC-2 code. Shares are of coded courses and add up to "
            "100.00 (largest remainder); courses without a code are not in the shares."
        ),
    )
    return table, [code for code, _ in top]


def _chapters(coded: dict[str, int]) -> Table:
    by_chapter: dict[str, int] = defaultdict(int)
    for code, n in coded.items():
        by_chapter[code_chapter(code)] += n
    ranked = _ranked(by_chapter)
    pct = shares([n for _, n in ranked])
    rows: list[tuple[CellValue, ...]] = [
        (letter, icpc2.chapter_name_da(letter), n, share)
        for (letter, n), share in zip(ranked, pct, strict=True)
    ]
    total = sum(n for _, n in ranked)
    rows.append((TOTAL_DA, "Forløb med kode", total, sum(pct) if total else None))
    return Table(
        key="chapters",
        title_da="Diagnoser efter ICPC-2-kapitel",
        title_en="Diagnoses by ICPC-2 chapter",
        columns=(
            Column("chapter", "Kapitel", "Chapter"),
            Column("name", "Kapitelnavn", "Chapter name"),
            *_SHARE_COLUMNS,
        ),
        rows=tuple(rows),
        footnote_da="Alle kapitler med mindst ét forløb. Forløb uden kode indgår ikke.",
        footnote_en="Every chapter with at least one course. Courses without a code are left out.",
    )


def _completeness(cells: list[_Cell], months: tuple[dt.date, ...]) -> Section:
    by_type: dict[str, list[int]] = {t: [0, 0] for t in icpc2.COURSE_TYPES}
    by_month: dict[dt.date, list[int]] = {m: [0, 0] for m in months}
    for c in cells:
        allowed = icpc2.COURSE_TYPES.get(c.course_type)
        if c.speciale != STRUCTURED_SPECIALE or allowed is None:
            continue
        valid = c.episodes if c.code in allowed else 0
        for bucket in (by_type[c.course_type], by_month[c.month]):
            bucket[0] += c.episodes
            bucket[1] += valid
    total, total_valid = (sum(v[0] for v in by_type.values()), sum(v[1] for v in by_type.values()))
    type_rows: list[tuple[CellValue, ...]] = [
        (COURSE_TYPE_LABELS_DA[t], required_codes(t), n, valid, percent(valid, n))
        for t, (n, valid) in by_type.items()
    ]
    type_rows.append((TOTAL_DA, "", total, total_valid, percent(total_valid, total)))
    month_rows: list[tuple[CellValue, ...]] = [
        (month_label(m), n, valid, percent(valid, n)) for m, (n, valid) in by_month.items()
    ]
    month_rows.append((TOTAL_DA, total, total_valid, percent(total_valid, total)))
    count_columns = (
        Column("episodes", "Forløb", "Courses", "count"),
        Column("valid", "Med gyldig kode", "With a valid code", "count"),
        Column("share", "Andel med gyldig kode (%)", "Share validly coded (%)", "percent"),
    )
    by_type_table = Table(
        key="completeness_by_type",
        title_da="Kodningsgrad pr. forløbstype",
        title_en="Coding completeness by course type",
        columns=(
            Column("course_type", "Forløbstype", "Course type"),
            Column("codes", "Krævet kode", "Required code"),
            *count_columns,
        ),
        rows=tuple(type_rows),
        footnote_da=(
            "Strukturerede forløb under speciale 51, hvor diagnosekodning er obligatorisk. Et "
            "forløb er gyldigt kodet, når dets nuværende kode er forløbstypens kode."
        ),
        footnote_en=(
            "Structured courses under speciale 51, where coding is mandatory. A course is "
            "validly coded when its current code is its type's code."
        ),
    )
    by_month_table = Table(
        key="completeness_by_month",
        title_da="Kodningsgrad pr. måned",
        title_en="Coding completeness by month",
        columns=(Column("month", "Måned", "Month"), *count_columns),
        rows=tuple(month_rows),
        footnote_da="Forløbene er talt i den måned, de startede.",
        footnote_en="Courses count in the month they started.",
    )
    chart = Chart(
        key="completeness_chart",
        kind="line",
        unit="percent",
        title_da="Kodningsgrad pr. måned",
        title_en="Coding completeness by month",
        description_da=(
            "Andelen af de strukturerede forløb, der har en gyldig diagnosekode, måned for "
            "måned. Tallene står også i tabellen 'Kodningsgrad pr. måned'."
        ),
        description_en="The share of structured courses with a valid code, month by month.",
        categories=tuple(month_label(m) for m in months),
        series=(
            Series(
                "Andel med gyldig kode (%)",
                tuple(percent(valid, n) for n, valid in by_month.values()),
                "Share validly coded (%)",
            ),
        ),
        table_key="completeness_by_month",
    )
    return Section(
        key="completeness",
        title_da="Kodningsgrad for strukturerede forløb",
        title_en="Coding completeness of structured courses",
        tables=(by_type_table, by_month_table),
        charts=(chart,),
        note_da=(
            "Diagnosekodning er obligatorisk for de strukturerede forløb under speciale 51: "
            "nerverodspåvirkning (L83, L86), lumbal spinalstenose (L84 eller L86), hofte- og "
            "knæartrose (L89, L90) og primære lændesmerter (L03)."
            + ("" if total else " Der er ingen strukturerede forløb i perioden.")
        ),
        note_en=(
            "Coding is mandatory for the structured courses of speciale 51."
            + ("" if total else " There are no structured courses in the period.")
        ),
    )


def _trend(cells: list[_Cell], months: tuple[dt.date, ...]) -> Section:
    by_month: dict[dt.date, list[int]] = {m: [0, 0] for m in months}
    for c in cells:
        by_month[c.month][0] += c.episodes
        if c.code:
            by_month[c.month][1] += c.episodes
    rows: list[tuple[CellValue, ...]] = [
        (month_label(m), n, coded, percent(coded, n)) for m, (n, coded) in by_month.items()
    ]
    total = sum(v[0] for v in by_month.values())
    total_coded = sum(v[1] for v in by_month.values())
    rows.append((TOTAL_DA, total, total_coded, percent(total_coded, total)))
    table = Table(
        key="trend",
        title_da="Forløb og kodede forløb pr. måned",
        title_en="Courses and coded courses by month",
        columns=(
            Column("month", "Måned", "Month"),
            Column("episodes", "Forløb", "Courses", "count"),
            Column("coded", "Forløb med kode", "Coded courses", "count"),
            Column("share", "Andel med kode (%)", "Share coded (%)", "percent"),
        ),
        rows=tuple(rows),
        footnote_da="Forløbene er talt i den måned, de startede, med deres nuværende kode.",
        footnote_en="Courses count in the month they started, with their current code.",
    )
    chart = Chart(
        key="trend_chart",
        kind="line",
        title_da="Forløb og kodede forløb pr. måned",
        title_en="Courses and coded courses by month",
        description_da=(
            "Antal forløb og antal forløb med diagnosekode, måned for måned. Tallene står også "
            "i tabellen 'Forløb og kodede forløb pr. måned'."
        ),
        description_en="Courses and coded courses, month by month.",
        categories=tuple(month_label(m) for m in months),
        series=(
            Series("Forløb", tuple(v[0] for v in by_month.values()), "Courses"),
            Series("Forløb med kode", tuple(v[1] for v in by_month.values()), "Coded courses"),
        ),
        table_key="trend",
    )
    return Section(
        key="trend",
        title_da="Udvikling pr. måned",
        title_en="Monthly trend",
        tables=(table,),
        charts=(chart,),
    )


@dataclass(frozen=True)
class _Scope:
    column: str
    name_da: str
    name_en: str
    clinics: int
    counts: dict[str, int]

    @property
    def compared(self) -> bool:
        return enough_clinics(self.clinics)


_Figures = tuple[int, int, tuple[tuple[str, str, int], ...]]


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
        .exclude(code="")
        .values_list("scope", "code")
        .annotate(n=Sum("episodes"))
    )
    return (
        int(contributors["nation"] or 0),
        int(contributors["region"] or 0) if region else 0,
        tuple((scope, code, int(n or 0)) for scope, code, n in rows),
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

    @classmethod
    def read(cls, project_id: int, region: str) -> _Snapshot:
        sums = (
            BenchmarkCell.objects.filter(
                project_id=project_id, scope__in=[NATION, *([region] if region else [])]
            )
            .exclude(code="")
            .values_list("month", "scope", "code")
            .annotate(n=Sum("episodes"))
            .order_by()
        )
        counted = [(month, scope, code, int(n or 0)) for month, scope, code, n in sums]
        contributors = list(
            BenchmarkContributor.objects.filter(project_id=project_id).values_list(
                "month", "clinic_id", "region_code"
            )
        )
        months = tuple(sorted({row[0] for row in counted} | {row[0] for row in contributors}))
        codes = tuple(sorted({row[2] for row in counted}))
        month_at = {month: i for i, month in enumerate(months)}
        code_at = {code: i for i, code in enumerate(codes)}
        grid: dict[str, list[list[int]]] = {}
        for month, scope, code, n in counted:
            if scope not in grid:
                grid[scope] = [[0] * len(codes) for _ in months]
            grid[scope][month_at[month]][code_at[code]] = n
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
        return (
            len(frozenset().union(*self.clinics[start:end])),
            len(frozenset().union(*self.regional[start:end])),
            tuple(rows),
        )


@lru_cache(maxsize=8)
def _snapshot(project_id: int, region: str, refreshed_at: object) -> _Snapshot:
    return _Snapshot.read(project_id, region)


@lru_cache(maxsize=1024)
def _cached_figures(
    project_id: int, region: str, first_month: dt.date, last_month: dt.date, refreshed_at: object
) -> _Figures:
    return _snapshot(project_id, region, refreshed_at).figures(first_month, last_month)


def _scopes(ctx: ReportContext, refreshed_at: dt.datetime | None) -> list[_Scope]:
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
    nation_clinics, region_clinics, rows = (
        _cached_figures(*key, refreshed_at) if refreshed_at else _query_figures(*key)
    )
    counts: dict[str, dict[str, int]] = {NATION: {}, region: {}}
    for scope, code, n in rows:
        counts[scope][code] = n
    region_name = RegionCode(region).label if region in RegionCode.values else region
    return [
        _Scope(
            "region", region_name or "Regionen", region or "Region", region_clinics, counts[region]
        ),
        _Scope("nation", "Hele landet", "Nation", nation_clinics, counts[NATION]),
    ]


def _benchmark(
    ctx: ReportContext,
    coded: dict[str, int],
    top_codes: list[str],
    refreshed_at: dt.datetime | None,
) -> Section:
    """The clinic's top codes and "Øvrige" beside the region's and the nation's shares.

    Every column is a distribution of that scope's coded courses over the same rows (the
    clinic's top codes, then all other codes), so each adds up to 100.00."""
    scopes = _scopes(ctx, refreshed_at)
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
            title = code_title(label) if label != OTHERS_DA else "Øvrige koder"
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
            "Andel af forløb med kode i samme periode. Regionens og landets tal kommer kun fra "
            f"tilmeldte klinikker. '{LABEL}' betyder færre end {MIN_CELL} forløb eller et tal, "
            "der er skjult, så et lille tal ikke kan regnes ud af de andre. Der vises ingen "
            f"sammenligning, hvor færre end {MIN_CLINICS} klinikker bidrager."
        ),
        footnote_en=(
            "Share of coded courses in the same period, from enrolled clinics only. "
            f"'{LABEL}' means fewer than {MIN_CELL} courses, or a figure hidden so that a small "
            f"one cannot be worked out from the others. No comparison where fewer than "
            f"{MIN_CLINICS} clinics contribute."
        ),
    )
    top = len(top_codes)
    series = [Series("Klinikken", tuple(_chart_value(v) for v in clinic_shares[:top]), "Clinic")]
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


@register(PROJECT_CODE)
class DiagnosekodningReport(ReportDefinition):
    """Issue 4 §2: top diagnoses, chapters, completeness, trend and benchmark."""

    def sections(self, ctx: ReportContext) -> list[Section]:
        cells = [
            _Cell(*row)
            for row in ReportCell.objects.filter(
                clinic=ctx.clinic,
                project=ctx.project,
                month__gte=ctx.first_month,
                month__lte=ctx.last_month,
            ).values_list("month", "speciale", "course_type", "code", "episodes")
        ]
        coded: dict[str, int] = defaultdict(int)
        uncoded = 0
        for c in cells:
            if c.code:
                coded[c.code] += c.episodes
            else:
                uncoded += c.episodes
        top_table, top_codes = _top_codes(coded, uncoded)
        diagnoses = Section(
            key="diagnoses",
            title_da="Mest brugte diagnoser",
            title_en="Most used diagnoses",
            tables=(top_table, _chapters(coded)),
            note_da=(f"{uncoded} forløb i perioden har ingen diagnosekode." if uncoded else ""),
            note_en=(f"{uncoded} courses in the period have no code." if uncoded else ""),
        )
        return [
            diagnoses,
            _completeness(cells, ctx.months),
            _trend(cells, ctx.months),
            _benchmark(ctx, coded, top_codes, ctx.benchmark_refreshed_at),
        ]

    def courses(self, sections: list[Section]) -> int | None:
        """The courses of the period: the total of the monthly trend."""
        total = next(s for s in sections if s.key == "trend").table("trend").rows[-1][1]
        return total if isinstance(total, int) else None

    def worklist(self, prepared: Prepared, *, by: Actor, vendor: Vendor | None) -> Table:
        return worklist(
            prepared.clinic,
            prepared.project,
            prepared.period,
            by=by,
            vendor=vendor,
            today=prepared.today,
            prepared=prepared,
        )

    def worklist_note_da(self, table: Table) -> str:
        return (
            f"{len(table.rows)} forløb mangler en krævet diagnosekode."
            if table.rows
            else "Alle strukturerede forløb i perioden har en gyldig diagnosekode."
        )

    def benchmark_refreshed_at(self, ctx: ReportContext) -> dt.datetime | None:
        return (
            BenchmarkState.objects.filter(project=ctx.project)
            .values_list("refreshed_at", flat=True)
            .first()
        )


# --------------------------------------------------------------------------------------------
# Worklist
# --------------------------------------------------------------------------------------------


def _format_cpr(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


def worklist(
    clinic: Clinic,
    project: Project,
    period: Period,
    *,
    by: Actor,
    vendor: Vendor | None = None,
    today: dt.date | None = None,
    prepared: Prepared | None = None,
) -> Table:
    """The clinic's own structured courses (speciale 51, with a course type) that started in
    the report's period and whose current code is not one their type requires.

    Person-identifiable, so: only ever the given clinic's ``Episode`` rows; only while the
    report is open; and every call writes a ``report.worklist_viewed`` audit row (with the
    number of rows) in the same transaction. The patient is shown by CPR only to a clinic user
    (``by`` is a clinic user, whom the caller has checked belongs to ``clinic``), only if the
    project's data specification in force allows a person-identifiable worklist, and only for
    courses whose CPR was stored (encrypted); everyone else — a vendor, staff — sees the
    practice system's source id only. With ``vendor`` (the vendor itself, or a launch session
    it opened) only the courses that vendor sent are listed (``clinics.reach``).

    ``prepared`` (``engine.prepare`` for the same clinic, project, period and day, as the
    report's page has it) spares reading the enrolment and opening again.
    """
    if prepared is None:
        day = today or timezone.localdate()
        prepared = prepare(clinic, project, period, today=day)
    else:
        day = today or prepared.today
        prepared.check(clinic, project, period, day)
    ctx = prepared.context
    if ctx is None:
        raise DomainError(
            "report_not_open",
            "the report is not open yet; " + prepared.opening.reason_en,
            prepared.opening.reason_da,
        )
    specification = project.specification(day)
    show_cpr = (
        by.kind == AuditEvent.ActorKind.CLINIC_USER
        and specification is not None
        and specification.parsed.person_identifiable_worklist
    )
    missing = Q()
    for course_type, allowed in icpc2.COURSE_TYPES.items():
        missing |= Q(course_type=course_type) & ~Q(current_code__in=sorted(allowed))
    episodes = (
        Episode.objects.filter(
            clinic=clinic,
            project=project,
            start_date__gte=ctx.data_from,
            start_date__lte=ctx.data_to,
            speciale=STRUCTURED_SPECIALE,
        )
        .filter(missing)
        .filter(**({"vendor": vendor} if vendor is not None else {}))
        .order_by("start_date", "source_id", "id")
        .only(
            "source_id",
            "course_type",
            "start_date",
            "current_code",
            "patient_cpr_encrypted",
            "cpr_key_id",
        )
    )
    cipher = (
        CprCipher(settings.SENTINEL_CPR_KEYS, settings.SENTINEL_CPR_KEY_ID) if show_cpr else None
    )
    rows: list[tuple[CellValue, ...]] = []
    unreadable = 0
    with transaction.atomic():
        for episode in episodes:
            cells: list[CellValue] = []
            if cipher is not None:
                cpr: str | None = None
                if episode.patient_cpr_encrypted:
                    try:
                        cpr = _format_cpr(
                            cipher.decrypt(
                                bytes(episode.patient_cpr_encrypted),
                                key_id=episode.cpr_key_id,
                                clinic_id=clinic.pk,
                            )
                        )
                    except (KeyError, InvalidTag):
                        unreadable += 1
                cells.append(cpr)
            cells += [
                episode.source_id,
                COURSE_TYPE_LABELS_DA[episode.course_type],
                format_da(episode.start_date),
                episode.current_code or None,
                required_codes(episode.course_type),
            ]
            rows.append(tuple(cells))
        record(
            by=by,
            action=AuditEvent.Action.WORKLIST_VIEWED,
            clinic=clinic,
            details={
                "project": project.code,
                "rows": len(rows),
                "period": str(period),
                "cpr_shown": show_cpr,
                **({"vendor": vendor.slug} if vendor is not None else {}),
            },
        )
    columns = [
        Column("source_id", "Forløbs-id i praksissystemet", "Source id in the practice system"),
        Column("course_type", "Forløbstype", "Course type"),
        Column("start_date", "Startdato", "Start date"),
        Column("current_code", "Nuværende kode", "Current code"),
        Column("required", "Krævet kode", "Required code"),
    ]
    if show_cpr:
        columns.insert(0, Column("cpr", "CPR-nummer", "CPR number"))
    footnote_da = (
        "Klinikkens egne strukturerede forløb (speciale 51) i perioden uden en gyldig "
        "diagnosekode. Listen er personhenførbar; hver visning logges."
    )
    if unreadable:
        footnote_da += f" CPR-nummeret kan ikke vises for {unreadable} forløb."
    return Table(
        key="worklist",
        title_da="Arbejdsliste: forløb der mangler en krævet diagnosekode",
        title_en="Worklist: courses lacking a required code",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=footnote_da,
        footnote_en=(
            "The clinic's own structured courses (speciale 51) in the period without a valid "
            "code. Person-identifiable; every view is logged."
        ),
    )
