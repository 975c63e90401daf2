"""Median indicators of a declared report (``DeclaredIndicator`` of kind ``median``): the
median of a number the record type's cells carry (``Source.numbers``; for ``outcome`` the
change end − baseline of each course's pair), over the indicator's population and
denominator, with its n — the clinic's beside its quality network's (where it is a member of
one), the region's and the nation's (``reports.declared_scopes``).

A group's median is read off its summed cells (the cells keep the number in their key), so a
region or the nation needs nothing but sums, as the coding development's median days.
Disclosure is ``reports.disclosure``'s, called: a level with fewer than ``MIN_CLINICS``
contributing clinics shows nothing (``enough_clinics``), and a median behind fewer than
``MIN_CELL`` courses is "<5" (``count_shown``); the clinic's own median is its own figure.

``reports.declared`` measures them (``DeclaredReport``) and this module lays out their
headline figure (``median_figure``: value, n, the levels', the previous period of the same
length and the change, the direction and the target, as a share's) and their section: one
table (CSV, JSON, print and PDF follow from it as for every table). No funnel plot: see
``reports.declared_funnels``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sentinel.reports.disclosure import (
    LABEL,
    MIN_CELL,
    MIN_CLINICS,
    SUPPRESSED,
    count_shown,
    enough_clinics,
)
from sentinel.reports.engine import CellValue, Column, Figure, Section, Table
from sentinel.reports.indicators import Cell, Declared
from sentinel.reports.tables import Text

CENT = Decimal("0.01")
NETWORK_NOTE = (
    " Netværkets tal kommer fra de medlemsklinikker, der har bidraget med data i perioden; "
    "ingen klinik i netværket nævnes.",
    " The network's figures come from the member clinics that contributed data in the "
    "period; no member is named.",
)
BETTER = {
    "higher": ("Højere er bedre", "Higher is better"),
    "lower": ("Lavere er bedre", "Lower is better"),
}


def weighted_median(counts: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """The median of values given with their counts (the mean of the two middle ones for an
    even count), to two decimals; None without any."""
    ordered = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _value, n in ordered)
    if total == 0:
        return None

    def nth(index: int) -> Decimal:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)  # pragma: no cover - index < total

    middle = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return middle.quantize(CENT, rounding=ROUND_HALF_UP)


def median_of(
    declared: Declared, cells: Iterable[Cell], months: tuple[dt.date, ...]
) -> tuple[Decimal | None, int]:
    """(median, n) of the indicator's number over the cells of ``months`` that are in its
    denominator and carry the number."""
    wanted = set(months)
    found: Counter[Decimal] = Counter()
    for month, values, n in cells:
        raw = values.get(declared.value, "")
        if month in wanted and raw != "" and declared.in_denominator(values):
            found[Decimal(raw)] += n
    return weighted_median(found.items()), sum(found.values())


@dataclass(frozen=True)
class LevelMedian:
    """A comparison level's median as the rules allow it, or why there is none."""

    level: str
    name_da: str
    name_en: str
    value: CellValue
    note_da: str = ""
    note_en: str = ""


def level_median(
    level: str, name_da: str, name_en: str, clinics: int, median: Decimal | None, n: int
) -> LevelMedian:
    if not enough_clinics(clinics):
        return LevelMedian(
            level,
            name_da,
            name_en,
            None,
            f"færre end {MIN_CLINICS} klinikker har bidraget",
            f"fewer than {MIN_CLINICS} clinics contributed",
        )
    if median is None:
        return LevelMedian(level, name_da, name_en, None, "ingen forløb", "no courses")
    return LevelMedian(level, name_da, name_en, median if count_shown(n) else SUPPRESSED)


@dataclass(frozen=True)
class MeasuredMedian:
    """One median indicator's figures: the clinic's now and in the previous period of the
    same length (``previous_span``), and each level's now."""

    declared: Declared
    span: tuple[str, str]
    median: Decimal | None
    n: int
    levels: tuple[LevelMedian, ...]
    previous: Decimal | None = None
    previous_n: int = 0
    previous_span: tuple[str, str] = ("", "")


ABSENT = ("ikke med i sammenligningen", "not compared")


def median_figure(m: MeasuredMedian) -> Figure:
    """The indicator's headline figure: the clinic's median with its n, each level's median
    as the rules allow, and the clinic's median in the previous period (the change and its
    words are ``Figure``'s, in the indicator's own unit, never percent)."""
    by_level = {found.level: found for found in m.levels}
    region, nation, network = (by_level.get(k) for k in ("region", "nation", "network"))
    return Figure(
        indicator=m.declared.indicator,
        value=m.median,
        n=m.n,
        region=region.value if region else None,
        nation=nation.value if nation else None,
        region_name_da=region.name_da if region else "Regionen",
        region_name_en=region.name_en if region else "Region",
        region_note_da=region.note_da if region else ABSENT[0],
        region_note_en=region.note_en if region else ABSENT[1],
        nation_note_da=nation.note_da if nation else ABSENT[0],
        nation_note_en=nation.note_en if nation else ABSENT[1],
        network=network.value if network else None,
        network_name=network.name_da if network else "",
        network_note_da=network.note_da if network else "",
        network_note_en=network.note_en if network else "",
        previous=m.previous,
        previous_n=m.previous_n,
        previous_label_da=m.previous_span[0],
        previous_label_en=m.previous_span[1],
    )


def median_section(measured: list[MeasuredMedian]) -> Section:
    """The medians' section: per indicator its period, the clinic's n and median, each
    level's median, and which way is better."""
    names: dict[str, tuple[str, str]] = {}
    for m in measured:
        for found in m.levels:
            names.setdefault(found.level, (found.name_da, found.name_en))
    network = "network" in names
    columns = [
        Column("indicator", "Indikator", "Indicator"),
        Column("period", "Periode", "Period"),
        Column("n", "Klinikken: n", "Clinic: n", "count"),
        Column("clinic", "Klinikken (median)", "Clinic (median)", "number"),
        *(
            Column(level, f"{da} (median)", f"{en} (median)", "number")
            for level, (da, en) in names.items()
        ),
        Column("better", "Retning", "Direction"),
        Column("target", "Mål", "Target"),
    ]
    rows: list[tuple[CellValue, ...]] = []
    notes_da: list[str] = []
    notes_en: list[str] = []
    for m in measured:
        by_level = {found.level: found for found in m.levels}
        rows.append(
            (
                Text(m.declared.label_da, m.declared.label_en or m.declared.label_da),
                Text(*m.span),
                m.n,
                m.median,
                *(by_level[level].value if level in by_level else None for level in names),
                Text(*BETTER.get(m.declared.better, ("", ""))),
                Text(m.declared.indicator.target_da, m.declared.indicator.target_en),
            )
        )
        for found in m.levels:
            if found.note_da:
                notes_da.append(f"{m.declared.label_da}, {found.name_da}: {found.note_da}.")
                notes_en.append(
                    f"{m.declared.label_en or m.declared.label_da}, {found.name_en}: "
                    f"{found.note_en}."
                )
    table = Table(
        key="medians",
        title_da="Ændringer: medianer, klinikken sammenlignet",
        title_en="Changes: medians, the clinic compared",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=(
            "Medianen af ændringen (slut minus start) over de forløb, der har en måling ved "
            "både start og afslutning; n er antallet af disse forløb. Regionens og landets "
            f"tal kommer kun fra tilmeldte klinikker.{NETWORK_NOTE[0] * network} '{LABEL}' "
            f"betyder, at medianen bygger på færre end {MIN_CELL} forløb."
        ),
        footnote_en=(
            "The median of the change (end minus start) over the courses measured at both "
            "baseline and end; n is the number of those courses. Region and nation come from "
            f"enrolled clinics only.{NETWORK_NOTE[1] * network} '{LABEL}' means the median "
            f"rests on fewer than {MIN_CELL} courses."
        ),
    )
    return Section(
        key="medians",
        title_da="Ændringer (median)",
        title_en="Changes (median)",
        tables=(table,),
        note_da=" ".join(notes_da),
        note_en=" ".join(notes_en),
    )
