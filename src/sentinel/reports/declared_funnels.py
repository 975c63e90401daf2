"""The funnel plots of a declared report (``reports.declared``): for each share indicator
compared with the nation, every clinic's share against its denominator (``reports.funnel``;
drawn as ``disclosure.drawn_in_funnel`` and ``enough_clinics`` allow, the other clinics' points
never leave the SVG), with its figures in a table.

Only share indicators have one. A median indicator (``reports.declared_medians``) has none: the
funnel's limits are those of a proportion around the national rate, p ± z·√(p(1−p)/n), and a
median of a score change has no such binomial spread — its limits would need the distribution
of the change, which the cells do not model. Its figures (n, median, the levels') are in the
headline and the medians' table instead (docs/adr/0017-declared-networks-medians.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache

from sentinel.lib.shares import percent
from sentinel.reports.disclosure import MIN_CELL, MIN_CLINICS, drawn_in_funnel, enough_clinics
from sentinel.reports.engine import Chart, Column, ReportContext, Section, Table
from sentinel.reports.funnel import BANDS, Funnel
from sentinel.reports.funnel_svg import BAND_WORDS, LIMIT_COLUMNS
from sentinel.reports.indicators import Declared, meets, source_for
from sentinel.reports.tables import Text


def funnel_section(
    ctx: ReportContext, measured: Sequence[tuple[Declared, tuple[dt.date, ...]]]
) -> Section | None:
    """A funnel plot per share indicator compared with the nation (``measured``: each with
    its months), where enough clinics are drawn (``disclosure.drawn_in_funnel`` and
    ``enough_clinics``); None without any indicator compared with the nation."""
    compared = [(d, months) for d, months in measured if "nation" in d.levels]
    if not compared:
        return None
    tables, charts, missing_da, missing_en = [], [], [], []
    for d, months in compared:
        cells = _clinics_cells(
            d.record_type,
            ctx.project.pk,
            months[0],
            months[-1],
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
            *LIMIT_COLUMNS,
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
