"""Disclosure control: what of a count built from other clinics' courses may be shown.

Every figure Sentinel shows or hands out that is built from more than one clinic's courses —
the report's benchmark (region and nation), its JSON, its charts, and the aggregated
data-sharing exports — follows this one rule:

1. **Cell threshold.** A count under ``MIN_CELL`` (5; 0–4) is not shown, nor any share
   computed from it: the field is empty and flagged as suppressed (``SUPPRESSED``, written
   "<5").
2. **Contributor threshold.** A group — a benchmark scope over the report's months, an
   export's month × region — to which fewer than ``MIN_CLINICS`` (5) distinct clinics
   contributed is left out altogether: no counts, no shares.
3. **Complementary suppression.** A suppressed count must not come back by subtraction from a
   total that is shown. When the parts of a shown total (the shares of a column, which add up
   to 100; a count beside its total) leave exactly one unknown — a suppressed part, or a rest
   that is never shown — and that unknown is 1–4, the smallest shown part (by count; of
   equals the later) is suppressed too. A 0 that comes back stands for nobody and is not
   protected.

4. **Rates beside their total.** Rates of several groups shown with their total (coding
   completeness per course type and in total) follow rules 1 and 3 in each row (its part and
   its rest) and in the column of wholes, and one hidden rate beside a shown total takes a
   second with it (``hidden_rates``).
5. **Funnel plots.** A clinic with fewer than ``MIN_CELL`` courses is not drawn; the plot is
   shown only when at least ``MIN_CLINICS`` clinics are drawn; no dot is labelled
   (``drawn_in_funnel``).

A clinic's figures about itself (its own counts and shares) are not subject to the rule.
``suppressed_parts`` applies 1 and 3, ``enough_clinics`` applies 2, ``hidden_rates`` 4 and
``drawn_in_funnel`` 5; no other module compares a count with these thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from sentinel.lib.shares import shares

MIN_CELL = 5
"""A count under this (0–4) is not shown."""
MIN_CLINICS = 5
"""A group needs at least this many contributing clinics to be shown at all."""
LABEL = f"<{MIN_CELL}"
"""How a suppressed cell is written everywhere: in tables, charts, JSON and CSV."""
RULE_EN = (
    f"counts under {MIN_CELL} are empty with the …_suppressed column true, and so is a count "
    "that would give a suppressed count back by subtraction from a total beside it (a count "
    f"whose unshown rest of the total is 1–{MIN_CELL - 1}); months × regions with fewer than "
    f"{MIN_CLINICS} contributing clinics are left out"
)
"""The rule in one sentence, for an export's manifest."""


class Suppressed:
    """A cell under the cell threshold: shown as "<5", never as its value."""

    _instance: ClassVar[Suppressed | None] = None
    text: ClassVar[str] = LABEL

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __reduce__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed()
"""The one ``Suppressed`` value (``Suppressed()`` returns it too)."""


def count_shown(courses: int) -> bool:
    """Rule 1 for one figure on its own: may a count, or a figure computed from this many
    courses, be shown (else it is written ``LABEL``)?"""
    return courses >= MIN_CELL


def enough_clinics(clinics: int) -> bool:
    """Rule 2: may a group with this many contributing clinics be shown at all?"""
    return clinics >= MIN_CLINICS


def suppressed_parts(
    parts: Sequence[int], *, total_shown: bool = True, rest: int | None = None
) -> list[bool]:
    """Rules 1 and 3: which of ``parts`` must not be shown.

    ``parts`` are the shown-or-suppressed counts of one total; ``total_shown`` says whether
    that total can be read (it is written beside them, or their shares add up to 100);
    ``rest`` is a count in the total that is never shown (the total is ``sum(parts) + rest``),
    for example the courses not validly coded beside the courses and the validly coded ones."""
    if any(n < 0 for n in parts) or (rest is not None and rest < 0):
        raise ValueError("counts must not be negative")
    hidden = [n < MIN_CELL for n in parts]
    if not total_shown:
        return hidden
    unknown = [n for n, h in zip(parts, hidden, strict=True) if h]
    if rest is not None:
        unknown.append(rest)
    if len(unknown) == 1 and 0 < unknown[0] < MIN_CELL:
        shown = [i for i, h in enumerate(hidden) if not h]
        if shown:
            hidden[min(shown, key=lambda i: (parts[i], -i))] = True
    return hidden


def shown_shares(counts: Sequence[int]) -> list[Decimal | Suppressed]:
    """The shares of a group's counts (adding up to 100.00, ``lib.shares``), with every
    share the rule hides replaced by ``SUPPRESSED``. The group must have enough clinics."""
    hidden = suppressed_parts(counts)
    return [SUPPRESSED if h else share for h, share in zip(hidden, shares(counts), strict=True)]


def hidden_rates(groups: Sequence[tuple[int, int]], *, total_shown: bool = True) -> list[bool]:
    """Rule 4: which of the rates ``part / whole`` of ``groups`` (``(part, whole)`` each; the
    rows beside a total row that is their sum) must not be shown.

    A rate is hidden when its whole is hidden as a part of the total (rule 1 and 3 on the
    wholes), or when its part or its rest (the whole less the part) is 1–4 (rules 1 and 3 on
    the row: a 0 rest stands for nobody and leaves a rate of 100 % shown). When exactly one
    row with courses has its rate hidden and the total row's rate is shown (``total_shown``),
    it would come back by subtraction, so the rate of the shown row with the fewest courses
    is hidden too."""
    if any(p < 0 or p > w for p, w in groups):
        raise ValueError("a part must be between 0 and its whole")
    wholes = suppressed_parts([w for _p, w in groups], total_shown=total_shown)
    hidden = [
        bool(w) and (whole_hidden or suppressed_parts([p, w - p])[0])
        for (p, w), whole_hidden in zip(groups, wholes, strict=True)
    ]
    unknown = [i for i, h in enumerate(hidden) if h]
    if total_shown and len(unknown) == 1:
        shown = [i for i, (_p, w) in enumerate(groups) if w and not hidden[i]]
        if shown:
            hidden[min(shown, key=lambda i: (groups[i][1], -i))] = True
    return hidden


def drawn_in_funnel(courses: int) -> bool:
    """Rule 5: may a clinic with this many courses be drawn as a dot in a funnel plot?"""
    return courses >= MIN_CELL
