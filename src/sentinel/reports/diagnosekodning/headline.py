"""Diagnosekodning's headline: coding completeness of the structured courses, the share of
courses with a code, the most used code and the coding development — the clinic's, its quality
network's (where it is in one), its region's and the nation's, and the clinic's in the previous
period of the same length.

The network's, the region's and the nation's figures are shown as the disclosure rule allows
(``reports.disclosure``): nothing where fewer than five clinics contributed, and a share of two
parts (coded / not coded) through ``shown_shares``, so a small count is "<5" and never comes
back by subtraction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sentinel.lib.shares import percent
from sentinel.reports.development import Development
from sentinel.reports.diagnosekodning.benchmark import Scope, Totals
from sentinel.reports.diagnosekodning.labels import (
    Cell,
    by_count,
    code_title,
    month_label,
)
from sentinel.reports.disclosure import MIN_CLINICS, SUPPRESSED, count_shown, shown_shares
from sentinel.reports.headline import Figure, Indicator
from sentinel.reports.tables import CellValue, Section

COMPLETENESS = Indicator(
    key="completeness",
    label_da="Kodningsgrad, strukturerede forløb",
    label_en="Coding completeness, structured courses",
    better="higher",
    target=(Decimal("95.00"), Decimal("100.00")),
    definition_da=(
        "Andelen af de strukturerede forløb under speciale 51 (nerverodspåvirkning, lumbal "
        "spinalstenose, hofte- og knæartrose, primære lændesmerter), hvis nuværende "
        "ICPC-2-kode er en af forløbstypens krævede koder. n er antallet af strukturerede "
        "forløb, der startede i perioden."
    ),
    definition_en=(
        "The share of the structured courses of speciale 51 (nerve root affection, lumbar "
        "spinal stenosis, hip and knee osteoarthritis, primary low back pain) whose current "
        "ICPC-2 code is one of the codes their type requires. n is the number of structured "
        "courses that started in the period."
    ),
    n_da="strukturerede forløb",
    n_en="structured courses",
)
CODED_SHARE = Indicator(
    key="coded_share",
    label_da="Forløb med diagnosekode",
    label_en="Courses with a code",
    better="higher",
    definition_da=(
        "Andelen af alle forløb, der startede i perioden, som har en ICPC-2-kode (hvilken som "
        "helst). n er antallet af forløb."
    ),
    definition_en=(
        "The share of all courses that started in the period that have an ICPC-2 code (any "
        "code). n is the number of courses."
    ),
)
TOP_CODE = Indicator(
    key="top_code",
    label_da="Mest brugte diagnose",
    label_en="Most used code",
    better="none",
    kind="code",
    definition_da=(
        "Den nuværende kode, flest af periodens forløb har, og dens andel af forløbene med "
        "kode (største-rest-metoden, som i tabellen over de mest brugte diagnoser). Ved lige "
        "mange forløb vælges den laveste kode."
    ),
    definition_en=(
        "The current code most of the period's courses have, and its share of the coded "
        "courses (largest remainder, as in the table of the most used diagnoses). Equal counts "
        "go to the lower code."
    ),
)
REFINED_SHARE = Indicator(
    key="refined_share",
    label_da="Symptomkode skiftet til diagnose",
    label_en="Symptom code refined to a diagnosis",
    better="higher",
    definition_da=(
        "Af de strukturerede forløb under speciale 51, hvis første kode var en symptomkode "
        "(ICPC-2 L01–L29) og hvis forløbstype kræver en diagnosekode, andelen hvis endelige "
        "kode er en diagnosekode (L70–L99). Læst af den diagnosehistorik, der aldrig slettes "
        "i. n er antallet af forløb, der startede med en symptomkode."
    ),
    definition_en=(
        "Of the structured courses of speciale 51 whose first code was a symptom code "
        "(ICPC-2 L01–L29) and whose course type requires a disease code, the share whose "
        "final code is a disease code (L70–L99). Read from the append-only diagnosis history. "
        "n is the number of courses that started with a symptom code."
    ),
    n_da="forløb startet med symptomkode",
    n_en="courses started with a symptom code",
)
DAYS_TO_FINAL = Indicator(
    key="days_to_final_code",
    label_da="Dage til endelig kode (median)",
    label_en="Days to the final code (median)",
    better="none",
    kind="days",
    definition_da=(
        "Medianen af dagene fra et struktureret forløbs start til den dag, dets endelige "
        "kode blev registreret (første gang efter sidste kodeskift). n er antallet af "
        "strukturerede forløb med kode."
    ),
    definition_en=(
        "The median of the days from a structured course's start to the day its final code "
        "was recorded (first time after the last change of code). n is the number of coded "
        "structured courses."
    ),
    n_da="strukturerede forløb med kode",
    n_en="coded structured courses",
)
INDICATORS = (COMPLETENESS, CODED_SHARE, TOP_CODE, REFINED_SHARE, DAYS_TO_FINAL)
"""The report's indicators, in the order of its headline (``ReportDefinition.indicators``)."""


def totals_of(cells: list[Cell]) -> Totals:
    """The clinic's own totals of some cells (its own figures: no disclosure rule)."""
    total = Totals()
    for c in cells:
        total += Totals.of(c.speciale, c.course_type, c.code, c.episodes)
    return total


def coded_by_code(cells: list[Cell]) -> dict[str, int]:
    coded: dict[str, int] = defaultdict(int)
    for c in cells:
        if c.code:
            coded[c.code] += c.episodes
    return coded


def _period_label(months: tuple[dt.date, ...]) -> tuple[str, str]:
    if not months:
        return "", ""
    first, last = months[0], months[-1]
    if first == last:
        return month_label(first), f"{first:%Y-%m}"
    return f"{month_label(first)}–{month_label(last)}", f"{first:%Y-%m} to {last:%Y-%m}"


def _scope_share(scope: Scope, part: int, whole: int) -> tuple[CellValue, str, str]:
    """A scope's share of ``part`` in ``whole`` as the disclosure rule allows, and why not."""
    if not scope.compared:
        return (
            None,
            f"færre end {MIN_CLINICS} klinikker har bidraget",
            f"fewer than {MIN_CLINICS} clinics contributed",
        )
    if whole == 0:
        return None, "ingen forløb", "no courses"
    return shown_shares([part, whole - part])[0], "", ""


def _compared(
    figure: Figure, region: Scope, nation: Scope, part_whole: str, network: Scope | None = None
) -> Figure:
    """The figure with its region's and nation's shares (``part_whole``: which totals), and
    its network's when the clinic is in one."""
    values = []
    for scope in (region, nation, *([network] if network is not None else [])):
        t = scope.totals
        part, whole = (t.valid, t.structured) if part_whole == "valid" else (t.coded, t.courses)
        values.append(_scope_share(scope, part, whole))
    (r, r_da, r_en), (n, n_da, n_en) = values[:2]
    w, w_da, w_en = values[2] if network is not None else (None, "", "")
    return Figure(
        indicator=figure.indicator,
        value=figure.value,
        n=figure.n,
        region=r,
        nation=n,
        region_name_da=region.name_da,
        region_name_en=region.name_en,
        region_note_da=r_da,
        region_note_en=r_en,
        nation_note_da=n_da,
        nation_note_en=n_en,
        network=w,
        network_name=network.name_da if network is not None else "",
        network_note_da=w_da,
        network_note_en=w_en,
        previous=figure.previous,
        previous_n=figure.previous_n,
        previous_label_da=figure.previous_label_da,
        previous_label_en=figure.previous_label_en,
    )


def headline(
    cells: list[Cell],
    previous_cells: list[Cell],
    previous_months: tuple[dt.date, ...],
    compared: list[Scope],
    benchmark: Section,
    development_figures: tuple[Figure, ...] = (),
) -> tuple[Figure, ...]:
    """The three headline figures over the report's ``cells`` (and ``previous_cells``, the
    clinic's cells of ``previous_months``), with the region's and the nation's (``compared``,
    the benchmark's scopes); the top code's region and nation shares are the benchmark
    table's (``benchmark``), already through the disclosure rule. ``development_figures``
    (``development_figures``) follow."""
    by_column = {scope.column: scope for scope in compared}
    region, nation, network = by_column["region"], by_column["nation"], by_column.get("network")
    now, before = totals_of(cells), totals_of(previous_cells)
    label_da, label_en = _period_label(previous_months)
    completeness = _compared(
        Figure(
            COMPLETENESS,
            percent(now.valid, now.structured),
            now.structured,
            previous=percent(before.valid, before.structured),
            previous_n=before.structured,
            previous_label_da=label_da,
            previous_label_en=label_en,
        ),
        region,
        nation,
        "valid",
        network,
    )
    coded_share = _compared(
        Figure(
            CODED_SHARE,
            percent(now.coded, now.courses),
            now.courses,
            previous=percent(before.coded, before.courses),
            previous_n=before.courses,
            previous_label_da=label_da,
            previous_label_en=label_en,
        ),
        region,
        nation,
        "coded",
        network,
    )
    top = _top_code(cells, previous_cells, benchmark, (label_da, label_en))
    return (completeness, coded_share, top, *development_figures)


def _top_code(
    cells: list[Cell], previous_cells: list[Cell], benchmark: Section, labels: tuple[str, str]
) -> Figure:
    coded = coded_by_code(cells)
    ranked = by_count(coded)
    previous = by_count(coded_by_code(previous_cells))
    previous_code = previous[0][0] if previous else ""
    if not ranked:
        return Figure(
            TOP_CODE,
            None,
            0,
            previous_code=previous_code,
            previous_label_da=labels[0],
            previous_label_en=labels[1],
        )
    code, n = ranked[0]
    table = benchmark.table("benchmark")
    row = next((r for r in table.rows if r[0] == code), None)
    keys = [c.key for c in table.columns]
    # The clinic's share is the tables' (largest remainder), so the headline and the tables
    # never differ in the last digit.
    share = row[keys.index("clinic")] if row is not None else None
    region = row[keys.index("region")] if row is not None else None
    nation = row[keys.index("nation")] if row is not None else None
    note_da = "" if region is not None else "ingen sammenligning, se nedenfor"
    note_en = "" if region is not None else "no comparison, see below"
    region_col = table.columns[keys.index("region")]
    network_name = network_note_da = network_note_en = ""
    network: CellValue = None
    if "network" in keys:
        network_col = table.columns[keys.index("network")]
        network_name = network_col.label_da.removesuffix(" (%)")
        network = row[keys.index("network")] if row is not None else None
        network_note_da = "" if network is not None else "ingen sammenligning, se nedenfor"
        network_note_en = "" if network is not None else "no comparison, see below"
    return Figure(
        TOP_CODE,
        share if isinstance(share, Decimal) else percent(n, sum(coded.values())),
        n,
        region=region,
        nation=nation,
        region_name_da=region_col.label_da.removesuffix(" (%)"),
        region_name_en=region_col.label_en.removesuffix(" (%)"),
        region_note_da=note_da,
        region_note_en=note_en,
        nation_note_da="" if nation is not None else "ingen sammenligning, se nedenfor",
        nation_note_en="" if nation is not None else "no comparison, see below",
        network=network,
        network_name=network_name,
        network_note_da=network_note_da,
        network_note_en=network_note_en,
        code=code,
        code_title_da=code_title(code),
        previous_code=previous_code,
        previous_label_da=labels[0],
        previous_label_en=labels[1],
    )


def _days_figure(scope: Scope, found: Development) -> tuple[CellValue, str, str]:
    """A scope's median days as the disclosure rule allows: nothing from fewer than five
    clinics, "<5" from fewer than five courses."""
    if not scope.compared:
        return (
            None,
            f"færre end {MIN_CLINICS} klinikker har bidraget",
            f"fewer than {MIN_CLINICS} clinics contributed",
        )
    if found.coded == 0:
        return None, "ingen forløb", "no courses"
    if not count_shown(found.coded):
        return SUPPRESSED, "", ""
    return found.median_days, "", ""


def development_figures(
    clinic: Development,
    previous: Development,
    scopes: tuple[Development, Development],
    compared: list[Scope],
    previous_months: tuple[dt.date, ...],
    network: Development | None = None,
) -> tuple[Figure, Figure]:
    """The coding development's two figures: the share of the courses started with a symptom
    code that were refined to a disease code, and the median days to the final code — the
    clinic's, its region's and the nation's (``scopes``: region, nation, summed from their
    clinics' cells), its quality network's where the clinic is in one (``network``, summed
    from the contributing members' cells; its contributing clinics are the network scope's of
    ``compared``), and the clinic's in ``previous_months``. Every compared value follows the
    disclosure rule: nothing from fewer than five clinics, "<5" from fewer than five
    courses."""
    by_column = {scope.column: scope for scope in compared}
    region, nation = by_column["region"], by_column["nation"]
    network_scope = by_column.get("network") if network is not None else None
    labels = _period_label(previous_months)
    shares, days = [], []
    pairs = [(region, scopes[0]), (nation, scopes[1])]
    if network_scope is not None and network is not None:
        pairs.append((network_scope, network))
    for scope, found in pairs:
        shares.append(_scope_share(scope, found.refined, found.symptom_first))
        days.append(_days_figure(scope, found))
    figures = []
    for indicator, value, n, before, before_n, compared_values in (
        (
            REFINED_SHARE,
            percent(clinic.refined, clinic.symptom_first),
            clinic.symptom_first,
            percent(previous.refined, previous.symptom_first),
            previous.symptom_first,
            shares,
        ),
        (
            DAYS_TO_FINAL,
            clinic.median_days,
            clinic.coded,
            previous.median_days,
            previous.coded,
            days,
        ),
    ):
        (r, r_da, r_en), (m, m_da, m_en) = compared_values[:2]
        w, w_da, w_en = compared_values[2] if len(compared_values) > 2 else (None, "", "")
        figures.append(
            Figure(
                indicator,
                value,
                n,
                region=r,
                nation=m,
                region_name_da=region.name_da,
                region_name_en=region.name_en,
                region_note_da=r_da,
                region_note_en=r_en,
                nation_note_da=m_da,
                nation_note_en=m_en,
                network=w,
                network_name=network_scope.name_da if network_scope is not None else "",
                network_note_da=w_da,
                network_note_en=w_en,
                previous=before,
                previous_n=before_n,
                previous_label_da=labels[0],
                previous_label_en=labels[1],
            )
        )
    return figures[0], figures[1]
