"""The funnel plot's figures: clinics' rates against their number of courses, with control
limits around the national rate, so a small clinic sees whether a difference is signal or
noise (Spiegelhalter, *Funnel plots for comparing institutional performance*, 2005).

**The limits** are the binomial's normal approximation: for a unit with ``n`` courses and the
national rate ``p`` (a proportion), the limits are ``p ± z·√(p(1−p)/n)``, cut to 0–100 %, with
``z = 1.959964`` (95 %: two-sided, 1 in 20 units outside by chance) and ``z = 3.090232``
(99.8 %: 1 in 500). A rate is written in percent with two decimals, rounded half up. The
approximation is the usual one where n is not tiny; it is why units with fewer than
``disclosure.MIN_CELL`` courses are not drawn at all (the disclosure rule).

**Who is drawn** (``reports.disclosure.drawn_in_funnel``): every clinic with at least
``MIN_CELL`` courses of the kind, as an unlabelled dot (no name, no id, no value of its own in
any title, the JSON or the CSV), and the clinic reading the report, marked, whatever its n
(its own figure). The plot is shown only when enough clinics are drawn
(``disclosure.enough_clinics``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, Literal

Z95 = 1.959964
"""z of the two-sided 95 % limits."""
Z998 = 3.090232
"""z of the two-sided 99.8 % limits."""

Band = Literal["above_998", "above_95", "within", "below_95", "below_998"]
BANDS: tuple[Band, ...] = ("above_998", "above_95", "within", "below_95", "below_998")


def _pct(fraction: float) -> Decimal:
    return Decimal(repr(fraction * 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def limit(rate: float, n: int, z: float) -> tuple[float, float]:
    """The lower and upper limit (proportions, cut to 0–1) for ``n`` courses at ``rate``."""
    if n <= 0:
        return 0.0, 1.0
    spread = z * math.sqrt(rate * (1 - rate) / n)
    return max(0.0, rate - spread), min(1.0, rate + spread)


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the national rate (``valid`` of ``courses``), the other clinics' points
    (``points``: courses and valid courses; drawn, never labelled, never handed out), this
    clinic's point (``marked``) and how many clinics were not drawn (fewer than the cell
    threshold of courses)."""

    valid: int
    courses: int
    points: tuple[tuple[int, int], ...]
    marked: tuple[int, int] | None
    omitted: int = 0
    axis_da: str = "Strukturerede forløb (n)"
    axis_en: str = "Structured courses (n)"
    """What the x axis counts (the drawing's words; not part of the figures handed out)."""

    @property
    def rate(self) -> float:
        return self.valid / self.courses if self.courses else 0.0

    @property
    def rate_percent(self) -> Decimal:
        return _pct(self.rate)

    def limits(self, n: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """The 99.8 % lower, 95 % lower, 95 % upper and 99.8 % upper limit at ``n``, in %."""
        low95, high95 = limit(self.rate, n, Z95)
        low998, high998 = limit(self.rate, n, Z998)
        return _pct(low998), _pct(low95), _pct(high95), _pct(high998)

    def band(self, n: int, valid: int) -> Band:
        """Where a unit with ``valid`` of ``n`` lies against the limits (exact, not rounded)."""
        value = valid / n if n else 0.0
        low95, high95 = limit(self.rate, n, Z95)
        low998, high998 = limit(self.rate, n, Z998)
        if value > high998:
            return "above_998"
        if value > high95:
            return "above_95"
        if value < low998:
            return "below_998"
        if value < low95:
            return "below_95"
        return "within"

    def counts(self) -> dict[Band, int]:
        """How many drawn clinics (this one included) lie in each band."""
        return dict(self._counts)

    @cached_property
    def _counts(self) -> dict[Band, int]:
        found: dict[Band, int] = dict.fromkeys(BANDS, 0)
        for n, valid in (*self.points, *([self.marked] if self.marked else [])):
            if n:
                found[self.band(n, valid)] += 1
        return found

    @property
    def drawn(self) -> int:
        return len(self.points) + (1 if self.marked and self.marked[0] else 0)

    def as_dict(self) -> dict[str, Any]:
        """The plot's figures that may be handed out: the national rate, this clinic's point
        and the clinics per band — never the other clinics' points."""
        marked = None
        if self.marked is not None and self.marked[0]:
            n, valid = self.marked
            marked = {"courses": n, "valid": valid, "rate": f"{_pct(valid / n):.2f}"}
        return {
            "rate": f"{self.rate_percent:.2f}",
            "courses": self.courses,
            "clinics_drawn": self.drawn,
            "clinics_omitted": self.omitted,
            "clinic": marked,
            "bands": self.counts(),
            "limits": "normal approximation to the binomial, z 1.959964 (95 %) and 3.090232 "
            "(99.8 %)",
        }
