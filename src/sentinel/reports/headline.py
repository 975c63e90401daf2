"""A report's headline: the few figures at the top of a tab that answer "how are we doing".

A report definition declares its indicators as data (``Indicator``: which direction is better,
an optional target range — the definition's defaults; the operator can set others per project
version, ``reports.targets``); its headline is one ``Figure`` per indicator — the clinic's value,
the number of courses behind it, the region's and the nation's value beside it (as the
disclosure rule allows, ``reports.disclosure``: the definition passes what it may show), and
the clinic's value in the previous period of the same length. The change and its words (an
arrow with words, never colour alone) are worked out here, once, for every door: the tab, the
print view and the JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sentinel.lib.dates import format_da, format_en
from sentinel.reports.tables import CellValue, cell_json

Better = Literal["higher", "lower", "none"]

_BETTER_DA: dict[str, str] = {
    "higher": "Højere er bedre.",
    "lower": "Lavere er bedre.",
    "none": "Hverken højere eller lavere er bedre.",
}
_BETTER_EN: dict[str, str] = {
    "higher": "Higher is better.",
    "lower": "Lower is better.",
    "none": "Neither higher nor lower is better.",
}


def _pct_da(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _days_da(value: Decimal) -> str:
    return f"{value:.1f} dage".replace(".", ",")


def _days_en(value: Decimal) -> str:
    return f"{value:.1f} days"


def _number_da(value: Decimal) -> str:
    """A median in its own unit: two decimals and a decimal comma, as in the tables."""
    return f"{value:.2f}".replace(".", ",")


def _number_en(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class Indicator:
    """One headline figure of a report, declared on its definition: what it is, which
    direction is better and, when there is one, the target range (percent, both ends
    included)."""

    key: str
    label_da: str
    label_en: str
    better: Better = "higher"
    target: tuple[Decimal, Decimal] | None = None
    kind: Literal["percent", "code", "days", "median"] = "percent"
    """A share in percent, a code with its share, a number of days (one decimal), or a median
    of a number in its own unit (two decimals; a declared median indicator)."""
    definition_da: str = ""
    definition_en: str = ""
    """What the figure is, exactly: counted how, of which courses (the PDF's definitions)."""
    n_da: str = ""
    n_en: str = ""
    """What ``n`` counts, in words ("strukturerede forløb"); courses when empty."""
    target_version: int | None = None
    """The data specification version whose stored target and direction these are
    (``reports.targets``); None while the definition's own apply."""
    target_from: dt.date | None = None
    """The day that version came into force (None with the definition's own)."""

    @property
    def target_da(self) -> str:
        if self.target is None:
            return ""
        low, high = self.target
        if self.kind == "median":
            return f"Mål: fra {_number_da(low)} til {_number_da(high)}"
        return f"Mål: {_pct_da(low)}–{_pct_da(high)} %"

    @property
    def target_en(self) -> str:
        if self.target is None:
            return ""
        low, high = self.target
        if self.kind == "median":
            return f"Target: from {_number_en(low)} to {_number_en(high)}"
        return f"Target: {low:.2f}–{high:.2f} %"

    @property
    def target_source_da(self) -> str:
        """Where the target and direction come from, in words (the PDF's definitions)."""
        if self.kind not in ("percent", "median"):
            return ""
        if self.target_version is None:
            return "Mål og retning er rapportens standard."
        return (
            f"Mål og retning er fastsat for dataspecifikationens version {self.target_version} "
            f"(gælder fra {format_da(self.target_from)})."
        )

    @property
    def target_source_en(self) -> str:
        if self.kind not in ("percent", "median"):
            return ""
        if self.target_version is None:
            return "Target and direction are the report's default."
        return (
            f"Target and direction set for version {self.target_version} of the data "
            f"specification (in force from {format_en(self.target_from)})."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label_da": self.label_da,
            "label_en": self.label_en,
            "better": self.better,
            "target": [f"{t:.2f}" for t in self.target] if self.target else None,
            "kind": self.kind,
            "definition_da": self.definition_da,
            "definition_en": self.definition_en,
            "target_version": self.target_version,
            "target_from": self.target_from.isoformat() if self.target_from else None,
        }


@dataclass(frozen=True)
class Figure:
    """One headline figure as every door shows it.

    ``value`` is the clinic's percentage (``kind`` percent), its median (``kind`` median, in
    the number's own unit) or, for a code, the share of the courses with that code, with the
    code in ``code``; ``n`` the courses behind it;
    ``region``/``nation`` the same figure there (``None`` with ``*_note`` saying why, or "<5");
    ``previous`` the clinic's value in ``previous_label``, the period of the same length just
    before (``previous_code`` for a code)."""

    indicator: Indicator
    value: Decimal | None
    n: int
    region: CellValue = None
    nation: CellValue = None
    region_name_da: str = "Regionen"
    region_name_en: str = "Region"
    region_note_da: str = ""
    region_note_en: str = ""
    nation_note_da: str = ""
    nation_note_en: str = ""
    network: CellValue = None
    network_name: str = ""
    """The quality network compared with (empty: the clinic is in none)."""
    network_note_da: str = ""
    network_note_en: str = ""
    previous: Decimal | None = None
    previous_n: int = 0
    previous_label_da: str = ""
    previous_label_en: str = ""
    code: str = ""
    code_title_da: str = ""
    previous_code: str = ""

    @property
    def change(self) -> Decimal | None:
        """The change since the previous period in percentage points (``None`` without a
        value in both periods, and for a code, whose change is in words)."""
        if self.indicator.kind == "code" or self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> Literal["up", "down", "same", "none"]:
        if self.indicator.kind == "code":
            if not self.code or not self.previous_code:
                return "none"
            return "same" if self.code == self.previous_code else "none"
        change = self.change
        if change is None:
            return "none"
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def verdict(self) -> Literal["better", "worse", "same", "none"]:
        """Is the change for the better, by the indicator's direction?"""
        direction, better = self.direction, self.indicator.better
        if direction == "same":
            return "same"
        if direction not in ("up", "down") or better == "none":
            return "none"
        return "better" if (direction == "up") == (better == "higher") else "worse"

    @property
    def in_target(self) -> bool | None:
        target = self.indicator.target
        if target is None or self.value is None:
            return None
        return target[0] <= self.value <= target[1]

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→"}.get(self.direction, "")

    @property
    def change_da(self) -> str:
        """The change in words, with its arrow: "↑ 7,35 procentpoint højere end i forrige
        periode (75,00 %): bedre"."""
        if self.indicator.kind == "code":
            if not self.previous_code:
                return "Ingen forløb med kode i forrige periode."
            if self.code == self.previous_code:
                return f"→ Den samme som i forrige periode ({self.previous_label_da})."
            return f"Forrige periode ({self.previous_label_da}): {self.previous_code}."
        if self.value is None:
            return ""
        if self.previous is None:
            return f"Ingen forløb i forrige periode ({self.previous_label_da})."
        change = self.value - self.previous
        if self.indicator.kind == "median":
            before = f"i forrige periode ({self.previous_label_da}: {_number_da(self.previous)})"
            verdict = {"better": " – bedre", "worse": " – dårligere"}.get(self.verdict, "")
            if change == 0:
                return f"→ Uændret fra {before}."
            word = "højere" if change > 0 else "lavere"
            return f"{self.arrow} {_number_da(abs(change))} {word} end {before}{verdict}."
        if self.indicator.kind == "days":
            before = f"i forrige periode ({self.previous_label_da}: {_days_da(self.previous)})"
            verdict = {"better": " – bedre", "worse": " – dårligere"}.get(self.verdict, "")
            if change == 0:
                return f"→ Uændret fra {before}."
            word = "flere" if change > 0 else "færre"
            return f"{self.arrow} {_days_da(abs(change))} {word} end {before}{verdict}."
        before = f"i forrige periode ({self.previous_label_da}: {_pct_da(self.previous)} %)"
        verdict = {"better": " – bedre", "worse": " – dårligere"}.get(self.verdict, "")
        if change == 0:
            return f"→ Uændret fra {before}."
        word = "højere" if change > 0 else "lavere"
        return f"{self.arrow} {_pct_da(abs(change))} procentpoint {word} end {before}{verdict}."

    @property
    def change_en(self) -> str:
        if self.indicator.kind == "code":
            if not self.previous_code:
                return "No coded courses in the previous period."
            if self.code == self.previous_code:
                return f"→ The same as in the previous period ({self.previous_label_en})."
            return f"Previous period ({self.previous_label_en}): {self.previous_code}."
        if self.value is None:
            return ""
        if self.previous is None:
            return f"No courses in the previous period ({self.previous_label_en})."
        change = self.value - self.previous
        if self.indicator.kind == "median":
            before = (
                f"in the previous period ({self.previous_label_en}: {_number_en(self.previous)})"
            )
            verdict = {"better": " – better", "worse": " – worse"}.get(self.verdict, "")
            if change == 0:
                return f"→ Unchanged from {before}."
            word = "higher" if change > 0 else "lower"
            return f"{self.arrow} {_number_en(abs(change))} {word} than {before}{verdict}."
        if self.indicator.kind == "days":
            before = f"in the previous period ({self.previous_label_en}: {_days_en(self.previous)})"
            verdict = {"better": " – better", "worse": " – worse"}.get(self.verdict, "")
            if change == 0:
                return f"→ Unchanged from {before}."
            word = "more" if change > 0 else "fewer"
            return f"{self.arrow} {_days_en(abs(change))} {word} than {before}{verdict}."
        before = f"in the previous period ({self.previous_label_en}: {self.previous:.2f} %)"
        verdict = {"better": " – better", "worse": " – worse"}.get(self.verdict, "")
        if change == 0:
            return f"→ Unchanged from {before}."
        word = "higher" if change > 0 else "lower"
        return f"{self.arrow} {abs(change):.2f} percentage points {word} than {before}{verdict}."

    @property
    def better_da(self) -> str:
        return _BETTER_DA[self.indicator.better]

    @property
    def better_en(self) -> str:
        return _BETTER_EN[self.indicator.better]

    def as_dict(self) -> dict[str, Any]:
        change = self.change
        return {
            **self.indicator.as_dict(),
            "value": cell_json(self.value),
            "n": self.n,
            "code": self.code or None,
            "code_title_da": self.code_title_da,
            "region": cell_json(self.region),
            "region_name_da": self.region_name_da,
            "region_name_en": self.region_name_en,
            "region_note_da": self.region_note_da,
            "region_note_en": self.region_note_en,
            "nation": cell_json(self.nation),
            "nation_note_da": self.nation_note_da,
            "nation_note_en": self.nation_note_en,
            "network": cell_json(self.network),
            "network_name": self.network_name,
            "network_note_da": self.network_note_da,
            "network_note_en": self.network_note_en,
            "previous": cell_json(self.previous),
            "previous_n": self.previous_n,
            "previous_code": self.previous_code or None,
            "previous_period_da": self.previous_label_da,
            "previous_period_en": self.previous_label_en,
            "change": cell_json(change),
            "direction": self.direction,
            "verdict": self.verdict,
            "in_target": self.in_target,
            "change_da": self.change_da,
            "change_en": self.change_en,
            "better_da": self.better_da,
            "better_en": self.better_en,
        }
