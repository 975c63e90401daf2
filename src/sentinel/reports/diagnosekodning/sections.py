"""Diagnosekodning's own sections: top diagnoses, chapters, completeness and trend, from
the clinic's ``ReportCell`` rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sentinel.lib import icpc2
from sentinel.lib.shares import percent, shares
from sentinel.reports.diagnosekodning.labels import (
    OTHERS_DA,
    STRUCTURED_SPECIALE,
    TOP,
    TOTAL_DA,
    UNCODED_DA,
    Cell,
    by_count,
    code_chapter,
    code_title,
    course_type_label,
    month_label,
    required_codes,
)
from sentinel.reports.engine import (
    CellValue,
    Chart,
    Column,
    Section,
    Series,
    Table,
)
from sentinel.reports.tables import Text

CODED_COURSES = Text("Forløb med kode", "Coded courses")
UNCODED_COURSES = Text("Forløb uden diagnosekode", "Courses without a code")

_SHARE_COLUMNS = (
    Column("episodes", "Forløb", "Courses", "count"),
    Column("share", "Andel (%)", "Share (%)", "percent"),
)


def rounding_note(rows: list[tuple[str, int, Decimal]]) -> tuple[str, str]:
    """The words under a table of shares where equal counts got shares that differ in the
    last digit (``lib.shares``' largest remainder gives the last hundredths to some of them,
    so the shares add up to exactly 100.00); empty when there are none. ``rows`` are
    (label, count, share)."""
    by_n: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for label, n, share in rows:
        by_n[n].append((label, share))
    uneven = [group for group in by_n.values() if len({share for _l, share in group}) > 1]
    if not uneven:
        return "", ""
    names = "; ".join(", ".join(label for label, _s in group) for group in uneven)
    return (
        f" Lige mange forløb, forskellig sidste decimal ({names}): for at andelene summer til "
        "præcis 100,00, får de rækker med den største rest den sidste 0,01 "
        "(største-rest-metoden).",
        f" Equal counts, different last digit ({names}): so that the shares add up to exactly "
        "100.00, the rows with the largest remainder get the last 0.01 (largest remainder).",
    )


def top_codes_table(coded: dict[str, int], uncoded: int) -> tuple[Table, list[str]]:
    ranked = by_count(coded)
    top, rest = ranked[:TOP], ranked[TOP:]
    counts = [n for _, n in top] + ([sum(n for _, n in rest)] if rest else [])
    pct = shares(counts)
    rows: list[tuple[CellValue, ...]] = [
        (code, code_title(code), n, share) for (code, n), share in zip(top, pct, strict=False)
    ]
    if rest:
        rows.append(
            (
                OTHERS_DA,
                Text(f"{len(rest)} andre koder", f"{len(rest)} other codes"),
                counts[-1],
                pct[-1],
            )
        )
    note_da, note_en = rounding_note(
        [(code, n, share) for (code, n), share in zip(top, pct, strict=False)]
    )
    total = sum(counts)
    rows.append((TOTAL_DA, CODED_COURSES, total, sum(pct) if total else None))
    rows.append(
        (UNCODED_DA, Text("Forløb uden diagnosekode", "Courses without a code"), uncoded, None)
    )
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
            + note_da
        ),
        footnote_en=(
            "The courses' current ICPC-2 code. Shares are of coded courses and add up to "
            "100.00 (largest remainder); courses without a code are not in the shares." + note_en
        ),
    )
    return table, [code for code, _ in top]


def chapters(coded: dict[str, int]) -> Table:
    by_chapter: dict[str, int] = defaultdict(int)
    for code, n in coded.items():
        by_chapter[code_chapter(code)] += n
    ranked = by_count(by_chapter)
    pct = shares([n for _, n in ranked])
    rows: list[tuple[CellValue, ...]] = [
        (letter, Text(icpc2.chapter_name_da(letter), icpc2.chapter_name_en(letter)), n, share)
        for (letter, n), share in zip(ranked, pct, strict=True)
    ]
    total = sum(n for _, n in ranked)
    rows.append((TOTAL_DA, CODED_COURSES, total, sum(pct) if total else None))
    note_da, note_en = rounding_note(
        [(letter, n, share) for (letter, n), share in zip(ranked, pct, strict=True)]
    )
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
        footnote_da="Alle kapitler med mindst ét forløb. Forløb uden kode indgår ikke." + note_da,
        footnote_en="Every chapter with at least one course. Courses without a code are left out."
        + note_en,
    )


def _incomplete_note(incomplete: dt.date | None) -> tuple[str, str]:
    """The line under a monthly table or chart whose last month is still running."""
    if incomplete is None:
        return "", ""
    return (
        f" {month_label(incomplete).capitalize()} er ikke slut endnu: månedens tal er "
        "foreløbige og stiger, efterhånden som forløbene kommer ind.",
        f" {month_label(incomplete).en} is not over yet: its figures are provisional and will "
        "rise as courses come in.",
    )


def completeness(
    cells: list[Cell], months: tuple[dt.date, ...], incomplete: dt.date | None = None
) -> Section:
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
        (course_type_label(t), required_codes(t), n, valid, percent(valid, n))
        for t, (n, valid) in by_type.items()
    ]
    type_rows.append((TOTAL_DA, "", total, total_valid, percent(total_valid, total)))
    month_rows: list[tuple[CellValue, ...]] = [
        (month_label(m), n, valid, percent(valid, n)) for m, (n, valid) in by_month.items()
    ]
    month_rows.append((TOTAL_DA, total, total_valid, percent(total_valid, total)))
    note_da, note_en = _incomplete_note(incomplete)
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
        footnote_da="Forløbene er talt i den måned, de startede." + note_da,
        footnote_en="Courses count in the month they started." + note_en,
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
                counts=tuple(n for n, _valid in by_month.values()),
            ),
        ),
        table_key="completeness_by_month",
        incomplete=(month_label(incomplete),) if incomplete in by_month else (),
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


def trend(
    cells: list[Cell], months: tuple[dt.date, ...], incomplete: dt.date | None = None
) -> Section:
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
    note_da, note_en = _incomplete_note(incomplete)
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
        footnote_da="Forløbene er talt i den måned, de startede, med deres nuværende kode."
        + note_da,
        footnote_en="Courses count in the month they started, with their current code." + note_en,
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
        incomplete=(month_label(incomplete),) if incomplete in by_month else (),
    )
    return Section(
        key="trend",
        title_da="Udvikling pr. måned",
        title_en="Monthly trend",
        tables=(table,),
        charts=(chart,),
    )
