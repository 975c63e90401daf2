"""Percentages that add up: shares with two decimals that sum to exactly 100.00.

``shares`` uses the largest-remainder (Hamilton) method in hundredths of a percent: every
share starts at its exact value rounded down to 0.01; the hundredths still missing to reach
100.00 go one each to the shares with the largest remainders. Ties are broken, in this order,
by the larger remainder, then the larger count, then the *later* position in the given order —
so 1, 1, 1 gives 33.33, 33.33, 33.34 (the extra hundredth lands on the last of equals, and a
table sorted by count keeps its visible order). Every share is within 0.01 of its exact value.

``percent`` is a single ratio (a share coded, a completeness rate) rounded half up to 0.01;
ratios of different wholes do not need to add up to anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")
_WHOLE = 10_000  # 100.00 % in hundredths


def shares(counts: Sequence[int]) -> list[Decimal]:
    """The percentage of each count in their total, 2 decimals, summing to exactly 100.00.

    A total of 0 gives 0.00 for every count. Counts must not be negative.
    """
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    total = sum(counts)
    if total == 0:
        return [Decimal("0.00") for _ in counts]
    floors = [c * _WHOLE // total for c in counts]
    remainders = [c * _WHOLE % total for c in counts]
    missing = _WHOLE - sum(floors)
    order = sorted(
        range(len(counts)),
        key=lambda i: (remainders[i], counts[i], i),
        reverse=True,
    )
    for i in order[:missing]:
        floors[i] += 1
    return [(Decimal(f) / 100).quantize(HUNDREDTH) for f in floors]


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in %, rounded half up to 2 decimals; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
