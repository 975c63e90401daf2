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

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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
from sentinel.reports.headline import Figure

EMPTY_CELL = "–"

PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("since_enrolment", "Siden tilmelding"),
    ("last_12_months", "Seneste 12 måneder"),
    ("year", "Kalenderår"),
    ("range", "Fra måned til måned"),
)


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


@dataclass(frozen=True)
class FigureView:
    """One headline figure as the tab writes it (Danish)."""

    key: str
    label: str
    value: str
    code_title: str
    n: str
    region_name: str
    region: str
    nation: str
    change: str
    verdict: str
    better: str
    target: str
    in_target: str


def _share_da(value: CellValue, note: str) -> str:
    if isinstance(value, Suppressed):
        return f"{value.text} %"
    if isinstance(value, Decimal):
        return f"{number_da(value.quantize(Decimal('0.01')))} %"
    return f"ingen tal ({note})" if note else "ingen tal"


def figure_view(figure: Figure) -> FigureView:
    """A headline figure in Danish words: the value with its n, region and nation beside it,
    the change since the previous period (an arrow with words), which direction is better
    and the target."""
    indicator = figure.indicator
    value = _share_da(figure.value, "ingen forløb")
    if indicator.kind == "code":
        value = f"{figure.code} ({value})" if figure.code else "ingen kode"
        n = f"{number_da(figure.n)} forløb med koden"
    else:
        unit = "strukturerede forløb" if indicator.key == "completeness" else "forløb"
        n = f"{number_da(figure.n)} {unit}"
    in_target = "" if figure.in_target is None else "inden for målet"
    if figure.in_target is False:
        in_target = "uden for målet"
    return FigureView(
        key=indicator.key,
        label=indicator.label_da,
        value=value,
        code_title=figure.code_title_da,
        n=n,
        region_name=figure.region_name_da,
        region=_share_da(figure.region, figure.region_note_da),
        nation=_share_da(figure.nation, figure.nation_note_da),
        change=figure.change_da,
        verdict=figure.verdict,
        better=figure.better_da,
        target=indicator.target_da,
        in_target=in_target,
    )


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


def cell_view(value: CellValue, kind: str) -> CellView:
    """One cell as the page shows it: numbers with a decimal comma, "<5", or a dash."""
    if value is None or value == "":
        return CellView(EMPTY_CELL, numeric=kind != "text", empty=True)
    if isinstance(value, Suppressed):
        return CellView(value.text, numeric=True, suppressed=True)
    if isinstance(value, Decimal):
        return CellView(number_da(value.quantize(Decimal("0.01"))), numeric=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return CellView(number_da(value), numeric=True)
    return CellView(str(value), numeric=False)


def _cell_html(cell: CellView) -> str:
    text: str = escape(cell.text)
    if cell.suppressed:
        text = f'<abbr title="færre end 5">{text}</abbr>'
    elif cell.empty:
        text = f'<span aria-hidden="true">{text}</span><span class="sr-only">ingen værdi</span>'
    if cell.numeric:
        return f'<td class="num">{text}</td>'
    return f'<td class="id">{text}</td>' if cell.identifier else f"<td>{text}</td>"


def rows_html(rows: Sequence[RowView], column_count: int) -> SafeString:
    """A table's body rows as HTML, every text escaped: the row's label as its row header,
    "<5" as an abbreviation, an empty cell as a dash with "ingen værdi" for screen readers,
    and "Ingen forløb i perioden." for a table without rows."""
    if not rows:
        return mark_safe(  # noqa: S308 - fixed text and a number
            f'\n    <tr><td colspan="{column_count}">Ingen forløb i perioden.</td></tr>\n  '
        )
    parts = []
    for row in rows:
        opening = '<tr class="total">' if row.total else "<tr>"
        header = escape(row.header.text)
        cells = "".join(map(_cell_html, row.cells))
        parts.append(
            f'\n    {opening}\n      <th scope="row">{header}</th>\n      {cells}\n    </tr>\n  '
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def table_view(
    table: Table, *, csv_url: str, charts: Sequence[ChartView] = (), title: str | None = None
) -> TableView:
    kinds = [c.kind for c in table.columns]
    ids = [c.key in IDENTIFIER_KEYS for c in table.columns]
    rows = []
    for row in table.rows:
        cells = [
            replace(cell, identifier=True) if is_id and not cell.numeric else cell
            for cell, is_id in zip(
                (cell_view(value, kind) for value, kind in zip(row, kinds, strict=True)),
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
        title=title or table.title_da,
        columns=tuple((c.label_da, c.kind != "text") for c in table.columns),
        rows=tuple(rows),
        footnote=table.footnote_da,
        csv_url=csv_url,
        charts=tuple(charts),
        body=rows_html(rows, len(table.columns)),
        identifiers_first=bool(ids and ids[0]),
    )


def _category_labels(chart: Chart, table: Table | None) -> dict[str, str]:
    """Longer labels for a bar chart's categories from its table: "L03 Symptom/klage fra lænd"
    when the table's first column holds the categories and its second is text."""
    if table is None or len(table.columns) < 2 or table.columns[1].kind != "text":
        return {}
    wanted = set(chart.categories)
    return {
        str(row[0]): f"{row[0]} {row[1]}"
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
    section: Section, *, report: Report, links: ReportLinks | None, print_view: bool
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
                    labels=_category_labels(chart, table) if chart.kind == "bar" else None,
                )
            ),
            table_title=table.title_da if table else "",
            title=chart.title_da,
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
        )
        for t in section.tables
    )
    return SectionView(
        key=section.key,
        title=section.title_da,
        note=section.note_da,
        tables=tables,
        charts=tuple(loose),
    )


def period_form(
    report: Report | None, period: Period, tab: Tab | None, today: dt.date
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
    )
