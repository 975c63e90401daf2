"""A clinic's report pages as HTML: the project tab, its print view and the CSV downloads.

Everything here renders a ``Report`` from the engine; nothing computes a figure. The same
functions serve the demo pages (``sentinel.demo``, demo mode only) and the portal, which mounts
them behind its login: a portal view loads the clinic of the logged-in user, checks that the
project is one of its tabs, and then either places ``render_tab_html`` (an HTML fragment) in
its own page or answers with ``tab_response(..., print_view=True)`` / ``csv_response``, passing
its own ``ReportLinks`` and the logged-in user as ``worklist_by``.

What the tab shows: a row of tabs (one per project the clinic is or was enrolled in), the
"Data fra … til …" line, the period chooser (a plain GET form), each section's charts and
tables with a CSV link per table, the benchmark note, and a print link. Before the report
opens it shows the day it opens and why. The worklist (person-identifiable) is shown only when
a viewer is given (``worklist_by``); building it writes an audit row, and so does every CSV
download of it. Every response is ``Cache-Control: no-store``.

A tab is rendered from one ``Prepared`` report (the clinic's standing read once), and the
templates do no per-row work: a table's rows are written as HTML here (``rows_html``, every
text escaped), so a tab costs a handful of queries whatever the data (DESIGN.md §6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic, Vendor
from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.projects.opening import ReportKind
from sentinel.projects.participation import Participation
from sentinel.reports.charts import chart_svg
from sentinel.reports.engine import (
    CellValue,
    Chart,
    Period,
    Prepared,
    Report,
    Section,
    Suppressed,
    Tab,
    Table,
    build_report,
    build_worklist,
    definition_for,
    prepare,
    tabs_for,
)
from sentinel.reports.exports import CONTENT_TYPE, csv_filename, number_da, table_csv

WORKLIST_KEY = "worklist"
EMPTY_CELL = "–"
NO_STORE = "no-store"

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
    return f'<td class="num">{text}</td>' if cell.numeric else f"<td>{text}</td>"


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
    rows = []
    for row in table.rows:
        cells = [cell_view(value, kind) for value, kind in zip(row, kinds, strict=True)]
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


def _period_form(
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


# --- rendering ------------------------------------------------------------------------------


def _tab_status(tab: Tab) -> str:
    """The tab's word on its state, beside its name."""
    if tab.kind is ReportKind.UNENROLLED:
        return "frameldt"
    if tab.kind is ReportKind.BLOCKED:
        return "ingen dataopsamling"
    if not tab.is_open:
        return f"åbner {format_da(tab.opens_on)}" if tab.opens_on else "ikke åben endnu"
    return ""


def render_tab_html(
    clinic: Clinic,
    project: Project,
    period: Period | None,
    *,
    request: HttpRequest | None = None,
    worklist_by: Actor | None = None,
    worklist_vendor: Vendor | None = None,
    links: ReportLinks,
    tabs: Sequence[Tab] | None = None,
    today: dt.date | None = None,
    print_view: bool = False,
    error_da: str = "",
    standing: Participation | None = None,
) -> str:
    """One project's report tab for ``clinic`` as an HTML fragment to place in a page (the
    tabs row, the project's heading at level 2, the report); with ``print_view`` the whole
    print page instead (same content, no navigation, no forms or download links).

    ``period`` defaults to since enrolment. ``links`` says where the clinic's report pages are
    ; ``tabs`` and the clinic's ``standing`` (``Participation.read``) may be
    passed when the caller has them already. With ``worklist_by`` the page includes the
    worklist of courses lacking a required code, built for (and audited as viewed by) that
    actor; with ``worklist_vendor`` only the courses that vendor sent (``clinics.reach``).
    Raises ``DomainError("not_enrolled")`` for a project the clinic never took part in.

    The clinic's enrolments and agreements are read once and the opening rule evaluated once
    (``engine.prepare``); the tabs, the report and the worklist all use that.
    """
    day = standing.today if standing is not None else today or timezone.localdate()
    standing = standing or Participation.read(clinic, day)
    period = period or Period.since_enrolment()
    all_tabs = list(tabs) if tabs is not None else tabs_for(clinic, standing=standing)
    current_tab = next((t for t in all_tabs if t.project_code == project.code), None)
    report: Report | None = None
    prepared: Prepared | None = None
    try:
        definition_for(project.code)
        prepared = prepare(clinic, project, period, today=day, standing=standing)
        report = build_report(clinic, project, period, day, prepared=prepared)
    except DomainError as exc:
        if exc.code != "empty_period":
            raise
        error_da = error_da or exc.message_da
    sections: list[SectionView] = []
    if report is not None and prepared is not None and report.is_open and report.has_data:
        sections = [
            section_view(s, report=report, links=links, print_view=print_view)
            for s in report.sections
        ]
        if worklist_by is not None:
            listed = _worklist_section(
                prepared,
                report,
                by=worklist_by,
                vendor=worklist_vendor,
                links=links,
                print_view=print_view,
            )
            if listed is not None:
                sections.append(listed)
    context: dict[str, Any] = {
        "clinic": clinic,
        "project": project,
        "report": report,
        "period": period,
        "period_form": _period_form(report, period, current_tab, day),
        "sections": sections,
        "tabs": [
            TabView(
                name=t.project_name,
                url=links.tab(t.project_code),
                current=t.project_code == project.code,
                status=_tab_status(t),
            )
            for t in all_tabs
        ],
        "tab_url": links.tab(project.code),
        "print_url": links.print(project.code, period),
        "back_url": links.tab(project.code, period),
        "print_view": print_view,
        "error_da": error_da,
        "opens_on": report.opens_on if report else None,
        "notice": report.notice if report else None,
        "notice_url": links.actions.get(report.notice.check, "")
        if report and report.notice
        else "",
        "benchmark_refreshed_at": (
            timezone.localtime(report.benchmark_refreshed_at)
            if report and report.benchmark_refreshed_at
            else None
        ),
        "today": day,
    }
    template = "reports/print.html" if print_view else "reports/tab.html"
    return render_to_string(template, context, request=request)


def _worklist_section(
    prepared: Prepared,
    report: Report,
    *,
    by: Actor,
    vendor: Vendor | None,
    links: ReportLinks,
    print_view: bool,
) -> SectionView | None:
    definition = definition_for(prepared.project.code)
    table = definition.worklist(prepared, by=by, vendor=vendor)
    if table is None:
        return None
    view = table_view(
        table,
        csv_url="" if print_view else links.csv(report.project_code, table.key, report.period),
    )
    return SectionView(
        key=WORKLIST_KEY,
        title="Arbejdsliste",
        note=definition.worklist_note_da(table),
        tables=(view,),
        person_identifiable=True,
    )


# --- doors (the portal's and the demo's views call these) -------------------------------


def parse_period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for in the query string, or since enrolment and the Danish reason
    why the asked-for period cannot be used."""
    try:
        return Period.parse(request.GET), ""
    except DomainError as exc:
        return Period.since_enrolment(), exc.message_da


def tab_for_project(
    clinic: Clinic, project_code: str, *, standing: Participation | None = None
) -> tuple[Project, list[Tab]]:
    """The project of a tab the clinic has, and all its tabs; 404 for any other project.
    ``standing`` may be passed when the caller has read it already."""
    tabs = tabs_for(clinic, standing=standing)
    if project_code not in {t.project_code for t in tabs}:
        raise Http404("the clinic has no report tab for this project")
    return Project.objects.get(code=project_code), tabs


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def tab_response(
    request: HttpRequest,
    clinic: Clinic,
    project_code: str,
    *,
    links: ReportLinks,
    worklist_by: Actor | None = None,
    worklist_vendor: Vendor | None = None,
    print_view: bool = False,
    page_template: str = "reports/page.html",
) -> HttpResponse:
    """The tab inside ``page_template`` (given ``clinic``, ``project`` and ``tab_html``), or
    the print view; 400 with the page and the reason for a bad period."""
    standing = Participation.read(clinic, timezone.localdate())
    project, tabs = tab_for_project(clinic, project_code, standing=standing)
    period, error_da = parse_period(request)
    html = render_tab_html(
        clinic,
        project,
        period,
        request=request,
        worklist_by=worklist_by,
        worklist_vendor=worklist_vendor,
        links=links,
        tabs=tabs,
        print_view=print_view,
        error_da=error_da,
        standing=standing,
    )
    status = 400 if error_da else 200
    if print_view:
        return _private(HttpResponse(html, status=status))
    context = {
        "clinic": clinic,
        "project": project,
        "tab_html": mark_safe(html),  # noqa: S308 - rendered by our templates, auto-escaped
    }
    return _private(render(request, page_template, context, status=status))


def csv_response(
    request: HttpRequest,
    clinic: Clinic,
    project_code: str,
    table_key: str,
    *,
    worklist_by: Actor | None = None,
    worklist_vendor: Vendor | None = None,
) -> HttpResponse:
    """One table of the report as a CSV download. 404 for a table the report does not have
    (the worklist only with a viewer), for a report that is not open and for a bad period."""
    standing = Participation.read(clinic, timezone.localdate())
    project, _tabs = tab_for_project(clinic, project_code, standing=standing)
    period, error_da = parse_period(request)
    if error_da:
        raise Http404("invalid period")
    try:
        prepared = prepare(clinic, project, period, today=standing.today, standing=standing)
        report = build_report(clinic, project, prepared=prepared)
    except DomainError:
        raise Http404("no report for this period") from None
    if not report.is_open:
        raise Http404("the report is not open yet")
    table = _find_table(report, table_key)
    if table is None and table_key == WORKLIST_KEY and worklist_by is not None:
        table = build_worklist(
            clinic,
            project,
            period,
            by=worklist_by,
            vendor=worklist_vendor,
            today=standing.today,
            prepared=prepared,
        )
    if table is None:
        raise Http404("the report has no such table")
    response = HttpResponse(table_csv(table), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(report, table)}"'
    return _private(response)


def _find_table(report: Report, key: str) -> Table | None:
    for section in report.sections:
        for table in section.tables:
            if table.key == key:
                return table
    return None
