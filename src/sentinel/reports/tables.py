"""The report's output types: ``Section`` → ``Table`` / ``Chart``, and their cells.

Frozen, with no Django objects, so the portal's HTML, the CSV export, the SVG charts and the
JSON API all render the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sentinel.reports.disclosure import Suppressed
from sentinel.reports.funnel import Funnel


class Text(str):
    """Words in a table cell or a chart category, in Danish (the string itself, so every door
    that reads Danish is unchanged) with their English beside it (``en``)."""

    en: str

    def __new__(cls, da: str, en: str = "") -> Text:
        text = super().__new__(cls, da)
        text.en = en or da
        return text

    def __reduce__(self) -> tuple[type[Text], tuple[str, str]]:
        return (Text, (str(self), self.en))

    @property
    def da(self) -> str:
        return str(self)


def in_english(value: str) -> str:
    """``value``'s English when it is ``Text``; other text as it is."""
    return value.en if isinstance(value, Text) else value


CellValue = str | int | Decimal | Suppressed | None
"""What a table cell holds: text (``Text`` when it has an English of its own), a count, a
percentage (Decimal, 2 decimals), "<5", or empty."""


def english_cell(value: CellValue) -> CellValue:
    """A cell as the English report shows it: ``Text`` in English, anything else as it is."""
    return value.en if isinstance(value, Text) else value


ColumnKind = Literal["text", "count", "percent", "number"]


def cell_json(value: CellValue) -> str | int | None:
    """A cell in the JSON form: counts as numbers, percentages as strings with exactly two
    decimals (``"33.33"``: no binary floating point), suppressed cells as ``"<5"``."""
    if isinstance(value, Suppressed):
        return value.text
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str):
        return str(value)  # plain text: ``Text`` gives its Danish
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label_da: str
    label_en: str
    kind: ColumnKind = "text"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label_da": self.label_da,
            "label_en": self.label_en,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Table:
    """Rows of cells in column order. A row's first cell is its label."""

    key: str
    title_da: str
    title_en: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    footnote_da: str = ""
    footnote_en: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.key}: a row has {len(row)} cells, not {len(self.columns)}"
                )

    def column(self, key: str) -> list[CellValue]:
        """The cells of one column, top to bottom."""
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def as_dict(self) -> dict[str, Any]:
        keys = [c.key for c in self.columns]
        return {
            "key": self.key,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "columns": [c.as_dict() for c in self.columns],
            "rows": [
                {k: cell_json(v) for k, v in zip(keys, row, strict=True)} for row in self.rows
            ],
            "rows_en": [
                {k: cell_json(english_cell(v)) for k, v in zip(keys, row, strict=True)}
                for row in self.rows
            ],
            "footnote_da": self.footnote_da,
            "footnote_en": self.footnote_en,
        }


ChartValue = int | Decimal | Suppressed | None
"""A chart point: a count, a percentage, "<5" (``SUPPRESSED``), or None (no value)."""


@dataclass(frozen=True)
class Series:
    """One line or set of bars. ``counts`` (for shares) are the courses behind each value:
    a chart writes them beside the value and marks the points that stand on few courses."""

    name_da: str
    values: tuple[ChartValue, ...]
    name_en: str = ""
    counts: tuple[int | None, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name_da": self.name_da,
            "name_en": self.name_en,
            "values": [cell_json(v) for v in self.values],
            "counts": list(self.counts),
        }


@dataclass(frozen=True)
class Chart:
    """A chart of numbers that also stand in the table ``table_key`` (accessibility)."""

    key: str
    kind: Literal["bar", "line", "funnel"]
    title_da: str
    description_da: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    table_key: str
    title_en: str = ""
    description_en: str = ""
    unit: Literal["count", "percent"] = "count"
    incomplete: tuple[str, ...] = ()
    """Categories (months) whose data is not complete yet: drawn as provisional."""
    funnel: Funnel | None = None
    """A funnel plot's figures (kind ``funnel``; no categories or series)."""

    def __post_init__(self) -> None:
        for s in self.series:
            if s.counts and len(s.counts) != len(self.categories):
                raise ValueError(f"chart {self.key}: series {s.name_da!r} has too few counts")
            if len(s.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.key}: series {s.name_da!r} has {len(s.values)} "
                    f"values for {len(self.categories)} categories"
                )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "unit": self.unit,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "description_da": self.description_da,
            "description_en": self.description_en,
            "categories": [str(c) for c in self.categories],
            "categories_en": [str(in_english(c)) for c in self.categories],
            "series": [s.as_dict() for s in self.series],
            "table_key": self.table_key,
            "incomplete": [str(c) for c in self.incomplete],
            "funnel": self.funnel.as_dict() if self.funnel is not None else None,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title_da: str
    title_en: str
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    note_da: str = ""
    note_en: str = ""

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "note_da": self.note_da,
            "note_en": self.note_en,
            "tables": [t.as_dict() for t in self.tables],
            "charts": [c.as_dict() for c in self.charts],
        }
