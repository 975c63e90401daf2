"""Diagnosekodning's coding completeness compared: the clinic's completeness of the structured
courses per course type and in total beside its region's and the nation's (``Scope.by_type``,
from the benchmark cells, shown as the disclosure rule allows: ``disclosure.hidden_rates``),
and the funnel plot of every clinic's completeness against its number of structured courses
(``reports.funnel``) with the numbers in two tables.

The funnel's points are the clinics' own aggregate cells (``ReportCell``, structured courses
of speciale 51), read once per benchmark refresh and project into per-clinic running sums
over the months (``_ClinicRates``, cached by the refresh time like the benchmark's snapshot),
so a tab sums any period from memory. The national rate at the funnel's centre is the sum over
the same clinics.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from django.db.models import Q, Sum

from sentinel.lib import icpc2
from sentinel.lib.shares import percent
from sentinel.reports.diagnosekodning.benchmark import Scope
from sentinel.reports.diagnosekodning.labels import (
    STRUCTURED_SPECIALE,
    TOTAL_DA,
    course_type_label,
    required_codes,
)
from sentinel.reports.disclosure import (
    LABEL,
    MIN_CELL,
    MIN_CLINICS,
    SUPPRESSED,
    drawn_in_funnel,
    enough_clinics,
    hidden_rates,
    suppressed_parts,
)
from sentinel.reports.engine import (
    CellValue,
    Chart,
    Column,
    ReportContext,
    Section,
    Table,
)
from sentinel.reports.funnel import BANDS, Funnel
from sentinel.reports.funnel_svg import BAND_WORDS, LIMIT_COLUMNS
from sentinel.reports.models import ReportCell
from sentinel.reports.tables import Text

# --- every clinic's structured and validly coded courses, month by month ---------------------


def _valid_filter() -> Q:
    valid = Q()
    for course_type, codes in icpc2.COURSE_TYPES.items():
        valid |= Q(course_type=course_type, code__in=sorted(codes))
    return valid


@dataclass(frozen=True)
class _ClinicRates:
    """Per clinic, running sums over the project's months of its structured courses and of
    those validly coded: the sums over any months are two subtractions."""

    months: tuple[dt.date, ...]
    clinics: tuple[int, ...]
    structured: tuple[tuple[int, ...], ...]
    valid: tuple[tuple[int, ...], ...]

    @classmethod
    def read(cls, project_id: int) -> _ClinicRates:
        rows = list(
            ReportCell.objects.filter(
                project_id=project_id,
                speciale=STRUCTURED_SPECIALE,
                course_type__in=sorted(icpc2.COURSE_TYPES),
                episodes__gt=0,
            )
            .values_list("clinic_id", "month")
            .annotate(n=Sum("episodes"), valid=Sum("episodes", filter=_valid_filter()))
            .order_by()
        )
        months = tuple(sorted({month for _c, month, _n, _v in rows}))
        clinics = tuple(sorted({clinic for clinic, _m, _n, _v in rows}))
        month_at = {m: i for i, m in enumerate(months)}
        clinic_at = {c: i for i, c in enumerate(clinics)}
        structured = [[0] * len(months) for _ in clinics]
        valid = [[0] * len(months) for _ in clinics]
        for clinic, month, n, v in rows:
            structured[clinic_at[clinic]][month_at[month]] += int(n or 0)
            valid[clinic_at[clinic]][month_at[month]] += int(v or 0)
        return cls(
            months,
            clinics,
            tuple(tuple(accumulate(row, initial=0)) for row in structured),
            tuple(tuple(accumulate(row, initial=0)) for row in valid),
        )

    def over(self, first: dt.date, last: dt.date) -> dict[int, tuple[int, int]]:
        """Each clinic's (structured, valid) courses over the months ``first``–``last``."""
        start, end = bisect_left(self.months, first), bisect_right(self.months, last)
        found = {}
        for i, clinic in enumerate(self.clinics):
            n = self.structured[i][end] - self.structured[i][start]
            if n:
                found[clinic] = (n, self.valid[i][end] - self.valid[i][start])
        return found


@lru_cache(maxsize=4)
def _rates(project_id: int, refreshed_at: object) -> _ClinicRates:
    return _ClinicRates.read(project_id)


@lru_cache(maxsize=256)
def _cached_funnel(
    project_id: int, clinic_id: int, first: dt.date, last: dt.date, refreshed_at: object
) -> Funnel:
    return _funnel(_rates(project_id, refreshed_at).over(first, last), clinic_id)


def _funnel(per_clinic: dict[int, tuple[int, int]], clinic_id: int) -> Funnel:
    points = []
    omitted = 0
    for clinic, (n, valid) in per_clinic.items():
        if clinic == clinic_id:
            continue
        if drawn_in_funnel(n):
            points.append((n, valid))
        else:
            omitted += 1
    points.sort()
    return Funnel(
        valid=sum(v for _n, v in per_clinic.values()),
        courses=sum(n for n, _v in per_clinic.values()),
        points=tuple(points),
        marked=per_clinic.get(clinic_id, (0, 0)),
        omitted=omitted,
    )


def read_funnel(ctx: ReportContext) -> Funnel:
    """Every clinic's completeness over the report's months (this clinic marked). Cached per
    benchmark refresh like the benchmark (``benchmark.read_scopes``); read afresh before the
    first refresh."""
    refreshed_at = ctx.benchmark_refreshed_at
    if refreshed_at is None:
        rates = _ClinicRates.read(ctx.project.pk)
        return _funnel(rates.over(ctx.first_month, ctx.last_month), ctx.clinic.pk)
    return _cached_funnel(
        ctx.project.pk, ctx.clinic.pk, ctx.first_month, ctx.last_month, refreshed_at
    )


# --- the section -----------------------------------------------------------------------------


def _scope_column(
    scope: Scope, types: list[str]
) -> tuple[list[CellValue], list[CellValue], str, str]:
    """A scope's courses and completeness per course type and in total (last), as the
    disclosure rule allows, and the note when there is no comparison."""
    if not scope.compared:
        none: list[CellValue] = [None] * (len(types) + 1)
        return (
            none,
            list(none),
            f"{scope.name_da}: ingen sammenligning, fordi færre end {MIN_CLINICS} klinikker har "
            "bidraget med data i perioden.",
            f"{scope.name_en}: no comparison, fewer than {MIN_CLINICS} clinics contributed data "
            "in the period.",
        )
    groups = [(scope.by_type.get(t, (0, 0))[1], scope.by_type.get(t, (0, 0))[0]) for t in types]
    total_valid, total = sum(v for v, _n in groups), sum(n for _v, n in groups)
    total_hidden = suppressed_parts([total_valid, total - total_valid])[0] if total else False
    hidden = hidden_rates(groups, total_shown=not total_hidden)
    whole_hidden = suppressed_parts([n for _v, n in groups])
    counts: list[CellValue] = [
        SUPPRESSED if h else n for (_v, n), h in zip(groups, whole_hidden, strict=True)
    ]
    rates: list[CellValue] = [
        SUPPRESSED if h else percent(v, n) for (v, n), h in zip(groups, hidden, strict=True)
    ]
    counts.append(SUPPRESSED if suppressed_parts([total], total_shown=False)[0] else total)
    rates.append(SUPPRESSED if total_hidden else percent(total_valid, total))
    return (
        counts,
        rates,
        f"{scope.name_da}: {scope.clinics} klinikker har bidraget.",
        (f"{scope.name_en}: {scope.clinics} clinics contributed."),
    )


def completeness_compared(
    ctx: ReportContext, by_type: dict[str, tuple[int, int]], scopes: list[Scope], funnel: Funnel
) -> Section:
    """The clinic's completeness per course type and in total beside region and nation, and
    the funnel plot. ``by_type``: the clinic's (structured, valid) courses per course type."""
    types = list(icpc2.COURSE_TYPES)
    own = [by_type.get(t, (0, 0)) for t in types]
    own_total = (sum(n for n, _v in own), sum(v for _n, v in own))
    columns = [
        Column("course_type", "Forløbstype", "Course type"),
        Column("codes", "Krævet kode", "Required code"),
        Column("clinic_courses", "Klinikken: forløb", "Clinic: courses", "count"),
        Column("clinic", "Klinikken (%)", "Clinic (%)", "percent"),
    ]
    per_scope = []
    notes_da, notes_en = [], []
    for scope in scopes:
        counts, rates, note_da, note_en = _scope_column(scope, types)
        per_scope.append((counts, rates))
        notes_da.append(note_da)
        notes_en.append(note_en)
        columns += [
            Column(
                f"{scope.column}_courses",
                f"{scope.name_da}: forløb",
                f"{scope.name_en}: courses",
                "count",
            ),
            Column(scope.column, f"{scope.name_da} (%)", f"{scope.name_en} (%)", "percent"),
        ]
    rows: list[tuple[CellValue, ...]] = []
    for i, t in enumerate([*types, ""]):
        n, valid = own[i] if t else own_total
        label = course_type_label(t) if t else TOTAL_DA
        cells: list[CellValue] = [label, required_codes(t) if t else "", n, percent(valid, n)]
        for counts, rates in per_scope:
            cells += [counts[i], rates[i]]
        rows.append(tuple(cells))
    table = Table(
        key="completeness_compared",
        title_da="Kodningsgrad pr. forløbstype: klinikken, regionen og landet",
        title_en="Coding completeness by course type: clinic, region and nation",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=(
            "Andel af de strukturerede forløb (speciale 51) i perioden, hvis nuværende kode er "
            "forløbstypens krævede kode. Regionens og landets tal kommer kun fra tilmeldte "
            f"klinikker. '{LABEL}' betyder færre end {MIN_CELL} forløb eller et tal, der er "
            "skjult, så et lille tal ikke kan regnes ud af de andre."
        ),
        footnote_en=(
            "The share of the structured courses (speciale 51) in the period whose current code "
            "is the code their type requires. Region and nation come from enrolled clinics only. "
            f"'{LABEL}' means fewer than {MIN_CELL} courses, or a figure hidden so that a small "
            "one cannot be worked out from the others."
        ),
    )
    tables = [table]
    charts = []
    if funnel.courses and enough_clinics(funnel.drawn):
        tables += _funnel_tables(funnel)
        charts.append(_funnel_chart(funnel))
        notes_da.append(
            "Tragtdiagrammet viser hver kliniks kodningsgrad mod dens antal strukturerede "
            "forløb: inden for grænserne kan en forskel fra landet skyldes tilfældigheder."
        )
        notes_en.append(
            "The funnel plot shows each clinic's completeness against its number of structured "
            "courses: within the limits, a difference from the nation may be chance."
        )
    else:
        notes_da.append(
            f"Intet tragtdiagram: færre end {MIN_CLINICS} klinikker med mindst {MIN_CELL} "
            "strukturerede forløb i perioden."
        )
        notes_en.append(
            f"No funnel plot: fewer than {MIN_CLINICS} clinics with at least {MIN_CELL} "
            "structured courses in the period."
        )
    return Section(
        key="completeness_compared",
        title_da="Kodningsgrad sammenlignet med region og land",
        title_en="Coding completeness compared with region and nation",
        tables=tuple(tables),
        charts=tuple(charts),
        note_da=" ".join(notes_da),
        note_en=" ".join(notes_en),
    )


def _funnel_chart(funnel: Funnel) -> Chart:
    return Chart(
        key="funnel_chart",
        kind="funnel",
        title_da="Tragtdiagram: kodningsgrad mod antal strukturerede forløb",
        title_en="Funnel plot: coding completeness against the number of structured courses",
        description_da=(
            "Hver prik er en klinik (uden navn); klinikken selv er markeret. Linjerne er landets "
            "andel og 95 %- og 99,8 %-grænserne omkring den."
        ),
        description_en=(
            "Each dot is a clinic (unnamed); this clinic is marked. The lines are the national "
            "rate and the 95 % and 99.8 % limits around it."
        ),
        categories=(),
        series=(),
        table_key="funnel",
        unit="percent",
        funnel=funnel,
    )


def _funnel_tables(funnel: Funnel) -> list[Table]:
    n, valid = funnel.marked or (0, 0)
    low998, low95, high95, high998 = funnel.limits(n) if n else (None, None, None, None)
    band = BAND_WORDS[funnel.band(n, valid)] if n else ("", "")
    rows: list[tuple[CellValue, ...]] = [
        (
            Text("Klinikken", "The clinic"),
            n,
            percent(valid, n),
            low998,
            low95,
            high95,
            high998,
            Text(band[0], band[1]) if n else None,
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
    ]
    limits = Table(
        key="funnel",
        title_da="Tragtdiagrammets tal: klinikken mod landets grænser",
        title_en="The funnel plot's figures: the clinic against the national limits",
        columns=(
            Column("who", "Klinik", "Clinic"),
            Column("courses", "Strukturerede forløb", "Structured courses", "count"),
            Column("share", "Kodningsgrad (%)", "Completeness (%)", "percent"),
            *LIMIT_COLUMNS,
        ),
        rows=tuple(rows),
        footnote_da=(
            "Grænserne ved klinikkens antal forløb n: landets andel p ± z·√(p(1−p)/n) "
            "(normalfordelingstilnærmelse til binomialfordelingen), z = 1,96 for 95 % og "
            "z = 3,09 for 99,8 %, afgrænset til 0–100 %. Uden for 99,8 %-grænserne er en "
            "forskel næppe tilfældig."
        ),
        footnote_en=(
            "The limits at the clinic's number of courses n: the national rate p ± "
            "z·√(p(1−p)/n) (normal approximation to the binomial), z = 1.96 for 95 % and "
            "z = 3.09 for 99.8 %, cut to 0–100 %. Outside the 99.8 % limits a difference is "
            "unlikely to be chance."
        ),
    )
    counts = funnel.counts()
    bands = Table(
        key="funnel_bands",
        title_da="Klinikker i tragtdiagrammet efter placering",
        title_en="Clinics in the funnel plot by where they lie",
        columns=(
            Column("band", "Placering", "Where"),
            Column("clinics", "Klinikker", "Clinics", "count"),
        ),
        rows=(
            *((Text(*BAND_WORDS[b]), counts[b]) for b in BANDS),
            (TOTAL_DA, funnel.drawn),
        ),
        footnote_da=(
            f"Klinikker med mindst {MIN_CELL} strukturerede forløb i perioden, klinikken selv "
            f"medregnet; {funnel.omitted} klinikker med færre er ikke vist."
        ),
        footnote_en=(
            f"Clinics with at least {MIN_CELL} structured courses in the period, this one "
            f"included; {funnel.omitted} clinics with fewer are not drawn."
        ),
    )
    return [limits, bands]
