"""Courses counted apart as exceptions: open items the practice system answered "not
applicable" with a reason (``reports.open_items``), like QOF's personalised care adjustments.

Read from the clinic's own ``OpenItemException`` rows of the courses that started in the
report's days and whose item is still open (a course coded since counts as coded): a handful
of rows per clinic, no personal data in the table (counts by reason).
"""

from __future__ import annotations

from collections import Counter

from sentinel.reports.diagnosekodning.open_items import still_open
from sentinel.reports.engine import Column, ReportContext, Section, Table
from sentinel.reports.models import OpenItemException
from sentinel.reports.open_items import KINDS_EN, REASONS_EN, Kind, Reason
from sentinel.reports.tables import CellValue, Text


def exceptions_section(ctx: ReportContext) -> Section:
    # A handful of rows per clinic: the still-open rule is applied here rather than as a
    # filter of several hundred symptom codes in the query.
    counted: Counter[tuple[str, str]] = Counter(
        (kind, reason)
        for kind, reason, speciale, course_type, code in OpenItemException.objects.filter(
            clinic=ctx.clinic,
            project=ctx.project,
            episode__start_date__gte=ctx.data_from,
            episode__start_date__lte=ctx.data_to,
        ).values_list(
            "kind",
            "reason",
            "episode__speciale",
            "episode__course_type",
            "episode__current_code",
        )
        if still_open(kind, speciale, course_type, code)
    )
    rows: list[tuple[CellValue, ...]] = []
    for kind, kind_da in Kind.choices:
        for reason, reason_da in Reason.choices:
            n = counted.get((kind, reason), 0)
            if n:
                rows.append(
                    (
                        Text(str(kind_da), KINDS_EN[kind]),
                        Text(str(reason_da), REASONS_EN[reason]),
                        n,
                    )
                )
    total = sum(counted.values())
    rows.append((Text("I alt", "Total"), "", total))
    table = Table(
        key="exceptions",
        title_da="Forløb undtaget som ikke relevante",
        title_en="Courses excepted as not applicable",
        columns=(
            Column("kind", "Åbent punkt", "Open item"),
            Column("reason", "Begrundelse", "Reason"),
            Column("courses", "Forløb", "Courses", "count"),
        ),
        rows=tuple(rows),
        footnote_da=(
            "Praksissystemet har svaret 'ikke relevant' med en begrundelse fra en fast liste. "
            "Forløbene tælles her for sig og står på arbejdslisten med begrundelsen."
        ),
        footnote_en=(
            "The practice system answered 'not applicable' with a reason from a fixed list. "
            "The courses are counted here apart and shown on the worklist with the reason."
        ),
    )
    return Section(
        key="exceptions",
        title_da="Undtagelser",
        title_en="Exceptions",
        tables=(table,),
        note_da=f"{total} forløb i perioden er undtaget." if total else "Ingen undtagelser.",
        note_en=f"{total} courses in the period are excepted." if total else "No exceptions.",
    )
