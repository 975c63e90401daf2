"""Diagnosekodning's words and small helpers: codes, titles, months, course types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sentinel.lib import icpc2
from sentinel.reports.tables import Text

PROJECT_CODE = "diagnosekodning"
TOP = 10
"""How many codes the top table names before "Øvrige"."""
STRUCTURED_SPECIALE = "51"

_MONTHS_DA = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

OTHERS_DA = Text("Øvrige", "Others")
TOTAL_DA = Text("I alt", "Total")
UNCODED_DA = Text("Uden kode", "No code")


def course_type_label(course_type: str) -> Text:
    return Text(icpc2.COURSE_TYPE_LABELS_DA[course_type], icpc2.COURSE_TYPE_LABELS_EN[course_type])


def month_label(month: dt.date) -> Text:
    """A month as the report shows it: ``jan 2026`` (``Jan 2026`` in English)."""
    return Text(
        f"{_MONTHS_DA[month.month - 1]} {month.year}",
        f"{_MONTHS_EN[month.month - 1]} {month.year}",
    )


def required_codes(course_type: str) -> str:
    return "/".join(sorted(icpc2.COURSE_TYPES[course_type]))


def code_title(code: str) -> str:
    known = icpc2.codes().get(code)
    return known.title_da if known else "(ukendt kode)"


def code_chapter(code: str) -> str:
    known = icpc2.codes().get(code)
    return known.chapter if known else code[:1]


@dataclass(frozen=True)
class Cell:
    month: dt.date
    speciale: str
    course_type: str
    code: str
    episodes: int


def by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Keys by count, largest first; equal counts by key."""
    return sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
