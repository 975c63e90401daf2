"""How a report is presented to the templates: links, cell, row, table, chart, section and
tab views, and the period chooser's state.

Nothing here computes a figure; it turns the engine's ``Report`` into what the templates
write. A table's rows are written as HTML here (``rows_html``, every text escaped), so the
templates do no per-row work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from sentinel.lib.dates import format_da, format_en
from sentinel.reports.charts import chart_svg
from sentinel.reports.engine import (
    CellValue,
    Chart,
    Period,
    Report,
    Section,
    Suppressed,
    Tab,
    Table,
)
from sentinel.reports.exports import number_da
from sentinel.reports.svg import escape
from sentinel.reports.tables import english_cell

EMPTY_CELL = "–"

PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("since_enrolment", "Siden tilmelding"),
    ("last_12_months", "Seneste 12 måneder"),
    ("year", "Kalenderår"),
    ("range", "Fra måned til måned"),
)
PERIOD_CHOICES_EN: tuple[tuple[str, str], ...] = (
    ("since_enrolment", "Since enrolment"),
    ("last_12_months", "The last 12 months"),
    ("year", "Calendar year"),
    ("range", "From month to month"),
)


def english_chosen() -> bool:
    """Has the user chosen English (the active language)? The report's words, numbers and
    dates follow it."""
    return (translation.get_language() or "da").startswith("en")


def refreshed_text(report: Report | None, *, english: bool = False) -> str:
    """When the region's and nation's figures were refreshed, in the page's language:
    ``12.01.2026 kl. 14.05`` or ``12 Jan 2026 at 14:05``."""
    if report is None or report.benchmark_refreshed_at is None:
        return ""
    moment = timezone.localtime(report.benchmark_refreshed_at)
    if english:
        return f"{format_en(moment.date())} at {moment:%H:%M}"
    return f"{format_da(moment.date())} kl. {moment:%H.%M}"


def number_text(value: int | Decimal, *, english: bool = False) -> str:
    """A number as the page writes it: ``33,33`` in Danish, ``33.33`` in English (never a
    thousands separator, like the CSV)."""
    text = number_da(value)
    return text.replace(",", ".") if english else text


def pick(obj: object, name: str, english: bool) -> str:
    """``obj.<name>_en`` in English (when set), else ``obj.<name>_da``."""
    if english:
        value = getattr(obj, f"{name}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, f"{name}_da", "") or "")


# --- links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLinks:
    """Where one clinic's report pages live. ``base`` ends with a slash; a project's tab is
    ``base + code + "/"``, its CSV files ``…/csv/<table>/`` and its print view ``…/print/``,
    each with the period as query parameters."""

    base: str
    actions: Mapping[str, str] = field(default_factory=dict)
    """Where a door fixes what a report's notice names, by status check (``dpa``, ``consent``,
    ``enrolment``): the portal's signing pages and Administrer; none in the demo."""

    @staticmethod
    def _query(period: Period | None) -> str:
        if period is None or period.kind == "since_enrolment":
            return ""
        return "?" + urlencode(period.as_query())

    def tab(self, project_code: str, period: Period | None = None) -> str:
        return f"{self.base}{project_code}/{self._query(period)}"

    def csv(self, project_code: str, table_key: str, period: Period | None = None) -> str:
        return f"{self.base}{project_code}/csv/{table_key}/{self._query(period)}"

    def print(self, project_code: str, period: Period | None = None) -> str:
        return f"{self.base}{project_code}/print/{self._query(period)}"

    def pdf(self, project_code: str, period: Period | None = None) -> str:
        """The meeting pack (``reports.pdf``): ``…/rapporter/<project>.pdf``."""
        return f"{self.base}{project_code}.pdf{self._query(period)}"


# --- what the templates get -------------------------------------------------------------------


@dataclass(frozen=True)
class CellView:
    text: str
    numeric: bool = False
    suppressed: bool = False
    empty: bool = False
    identifier: bool = False
    """A code, a month, a CPR number or an id: never broken across lines."""


IDENTIFIER_KEYS = frozenset(
    {"code", "chapter", "month", "cpr", "source_id", "start_date", "current_code", "required"}
)
"""Columns whose values are identifiers or codes: the page keeps each on one line (a narrow
window scrolls the table instead)."""


@dataclass(frozen=True)
class RowView:
    header: CellView
    cells: tuple[CellView, ...]
    total: bool = False


@dataclass(frozen=True)
class ChartView:
    key: str
    svg: SafeString
    table_title: str
    title: str = ""


@dataclass(frozen=True)
class TableView:
    key: str
    title: str
    columns: tuple[tuple[str, bool], ...]
    rows: tuple[RowView, ...]
    footnote: str
    csv_url: str
    charts: tuple[ChartView, ...] = ()
    body: SafeString = field(default_factory=SafeString)
    """The rows as HTML (``rows_html``): the template places it, it does no per-row work."""
    identifiers_first: bool = False
    """The row headers are codes, months or ids (kept on one line)."""


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    note: str
    tables: tuple[TableView, ...]
    charts: tuple[ChartView, ...] = ()
    person_identifiable: bool = False


@dataclass(frozen=True)
class TabView:
    name: str
    url: str
    current: bool
    status: str


@dataclass
class PeriodForm:
    """The period chooser's state: the chosen kind and the values to show in its fields."""

    kind: str
    year: str
    start: str
    end: str
    years: list[str] = field(default_factory=list)
    choices: Sequence[tuple[str, str]] = PERIOD_CHOICES


_TOTAL_LABELS = {"I alt"}


def cell_view(value: CellValue, kind: str, *, english: bool = False) -> CellView:
    """One cell as the page shows it: numbers with a decimal comma (a point in English),
    "<5", or a dash; words in the page's language."""
    if value is None or value == "":
        return CellView(EMPTY_CELL, numeric=kind != "text", empty=True)
    if isinstance(value, Suppressed):
        return CellView(value.text, numeric=True, suppressed=True)
    if isinstance(value, Decimal):
        return CellView(number_text(value.quantize(Decimal("0.01")), english=english), numeric=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return CellView(number_text(value, english=english), numeric=True)
    return CellView(str(english_cell(value) if english else value), numeric=False)


_CELL_WORDS = {
    False: ("færre end 5", "ingen værdi", "Ingen forløb i perioden."),
    True: ("fewer than 5", "no value", "No courses in the period."),
}


def _cell_html(cell: CellView, english: bool = False) -> str:
    fewer, no_value, _none = _CELL_WORDS[english]
    text: str = escape(cell.text)
    if cell.suppressed:
        text = f'<abbr title="{fewer}">{text}</abbr>'
    elif cell.empty:
        text = f'<span aria-hidden="true">{text}</span><span class="sr-only">{no_value}</span>'
    if cell.numeric:
        return f'<td class="num">{text}</td>'
    return f'<td class="id">{text}</td>' if cell.identifier else f"<td>{text}</td>"


def rows_html(rows: Sequence[RowView], column_count: int, *, english: bool = False) -> SafeString:
    """A table's body rows as HTML, every text escaped: the row's label as its row header,
    "<5" as an abbreviation, an empty cell as a dash with "ingen værdi" for screen readers,
    and "Ingen forløb i perioden." for a table without rows (in English when asked)."""
    if not rows:
        return mark_safe(  # noqa: S308 - fixed text and a number
            f'\n    <tr><td colspan="{column_count}">{_CELL_WORDS[english][2]}</td></tr>\n  '
        )
    parts = []
    for row in rows:
        opening = '<tr class="total">' if row.total else "<tr>"
        header = escape(row.header.text)
        cells = "".join(_cell_html(cell, english) for cell in row.cells)
        parts.append(
            f'\n    {opening}\n      <th scope="row">{header}</th>\n      {cells}\n    </tr>\n  '
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def table_view(
    table: Table,
    *,
    csv_url: str,
    charts: Sequence[ChartView] = (),
    title: str | None = None,
    english: bool = False,
) -> TableView:
    kinds = [c.kind for c in table.columns]
    ids = [c.key in IDENTIFIER_KEYS for c in table.columns]
    rows = []
    for row in table.rows:
        cells = [
            replace(cell, identifier=True) if is_id and not cell.numeric else cell
            for cell, is_id in zip(
                (
                    cell_view(value, kind, english=english)
                    for value, kind in zip(row, kinds, strict=True)
                ),
                ids,
                strict=True,
            )
        ]
        rows.append(
            RowView(
                header=cells[0],
                cells=tuple(cells[1:]),
                total=isinstance(row[0], str) and row[0] in _TOTAL_LABELS,
            )
        )
    return TableView(
        key=table.key,
        title=title or pick(table, "title", english),
        columns=tuple((pick(c, "label", english), c.kind != "text") for c in table.columns),
        rows=tuple(rows),
        footnote=pick(table, "footnote", english),
        csv_url=csv_url,
        charts=tuple(charts),
        body=rows_html(rows, len(table.columns), english=english),
        identifiers_first=bool(ids and ids[0]),
    )


def _category_labels(chart: Chart, table: Table | None, english: bool = False) -> dict[str, str]:
    """Longer labels for a bar chart's categories from its table: "L03 Symptom/klage fra lænd"
    when the table's first column holds the categories and its second is text."""
    if table is None or len(table.columns) < 2 or table.columns[1].kind != "text":
        return {}
    wanted = set(chart.categories)
    return {
        str(row[0]): f"{english_cell(row[0]) if english else row[0]} "
        f"{english_cell(row[1]) if english else row[1]}"
        for row in table.rows
        if isinstance(row[0], str) and row[0] in wanted and isinstance(row[1], str) and row[1]
    }


def with_suppressed(chart: Chart, table: Table | None) -> Chart:
    """The chart with "<5" put back where its table shows a suppressed cell.

    A report's chart holds only numbers (a suppressed cell is ``None`` there), but the bar
    chart should say "<5" where the table does. A series is matched to the table column
    labelled with its name (``"Region Hovedstaden"`` ↔ ``"Region Hovedstaden (%)"``) and a
    category to the row that starts with it; anything that does not match stays as it is."""
    if table is None:
        return chart
    rows = {row[0]: row for row in table.rows if isinstance(row[0], str)}
    series = []
    changed = False
    for s in chart.series:
        index = next(
            (
                i
                for i, c in enumerate(table.columns)
                if c.label_da in (s.name_da, f"{s.name_da} (%)")
            ),
            None,
        )
        values: list[Any] = list(s.values)
        if index is not None:
            for i, category in enumerate(chart.categories):
                row = rows.get(category)
                if values[i] is None and row is not None and isinstance(row[index], Suppressed):
                    values[i] = row[index]
                    changed = True
        series.append(replace(s, values=tuple(values)))
    return replace(chart, series=tuple(series)) if changed else chart


def section_view(
    section: Section,
    *,
    report: Report,
    links: ReportLinks | None,
    print_view: bool,
    english: bool = False,
) -> SectionView:
    """A section with each chart placed just above the table that holds its numbers."""
    tables_by_key = {t.key: t for t in section.tables}
    charts_for: dict[str, list[ChartView]] = {}
    loose: list[ChartView] = []
    for chart in section.charts:
        table = tables_by_key.get(chart.table_key)
        view = ChartView(
            key=chart.key,
            svg=mark_safe(  # noqa: S308 - chart_svg escapes every text it writes
                chart_svg(
                    with_suppressed(chart, table) if chart.kind == "bar" else chart,
                    id_prefix=f"{section.key}-{chart.key}",
                    labels=_category_labels(chart, table, english) if chart.kind == "bar" else None,
                    english=english,
                )
            ),
            table_title=pick(table, "title", english) if table else "",
            title=pick(chart, "title", english),
        )
        if table is None:
            loose.append(view)
        else:
            charts_for.setdefault(table.key, []).append(view)
    tables = tuple(
        table_view(
            t,
            csv_url=""
            if print_view or links is None
            else links.csv(report.project_code, t.key, report.period),
            charts=charts_for.get(t.key, ()),
            english=english,
        )
        for t in section.tables
    )
    return SectionView(
        key=section.key,
        title=pick(section, "title", english),
        note=pick(section, "note", english),
        tables=tables,
        charts=tuple(loose),
    )


def period_form(
    report: Report | None, period: Period, tab: Tab | None, today: dt.date, *, english: bool = False
) -> PeriodForm:
    enrolled = (report.enrolled_on if report else None) or (tab.enrolled_on if tab else today)
    years = [str(y) for y in range(today.year, enrolled.year - 1, -1)]
    start = period.start or (report.data_from if report and report.data_from else enrolled)
    end = period.end or today
    return PeriodForm(
        kind=period.kind,
        year=str(period.year or today.year),
        start=f"{start:%Y-%m}",
        end=f"{end:%Y-%m}",
        years=years,
        choices=PERIOD_CHOICES_EN if english else PERIOD_CHOICES,
    )
