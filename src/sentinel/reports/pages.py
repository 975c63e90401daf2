"""A clinic's report pages as HTML: the project tab, its print view and the CSV downloads.

Everything here renders a ``Report`` from the engine; nothing computes a figure. The same
functions serve the demo pages (``sentinel.demo``, demo mode only) and the portal, which mounts
them behind its login: a portal view loads the clinic of the logged-in user, checks that the
project is one of its tabs, and then either places ``render_tab_html`` (an HTML fragment) in
its own page or answers with ``tab_response(..., print_view=True)`` / ``csv_response``, passing
its own ``ReportLinks`` and the logged-in user as ``worklist_by``.

The print view leaves the worklist out unless the user ticks "Medtag arbejdslisten" on it
(``?arbejdsliste=med``, ``PRINT_WORKLIST``): a report printed for a staff meeting carries no
patient's CPR by default, and a printed worklist writes a ``report.worklist_printed`` audit row
beside the ``report.worklist_viewed`` row every build of it writes.

What the tab shows: a row of tabs (one per project the clinic is or was enrolled in), the
"Data fra … til …" line, the period chooser (a plain GET form), each section's charts and
tables with a CSV link per table, the benchmark note, and a print link. Before the report
opens it shows the day it opens and why. The worklist (person-identifiable) is shown only when
a viewer is given (``worklist_by``); building it writes an audit row, and so does every CSV
download of it. Every response is ``Cache-Control: no-store``.

A tab is rendered from one ``Prepared`` report (the clinic's standing read once), and the
templates do no per-row work: a table's rows are written as HTML beforehand
(``reports.presenting``, every text escaped), so a tab costs a handful of queries whatever the
data (DESIGN.md §6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.core.pdf import PDF_CONTENT_TYPE
from sentinel.lib.dates import format_day
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.projects.opening import ReportKind
from sentinel.projects.participation import Participation
from sentinel.reports.engine import (
    Period,
    Prepared,
    Report,
    Tab,
    Table,
    build_report,
    build_worklist,
    definition_for,
    prepare,
    tabs_for,
)
from sentinel.reports.exports import CONTENT_TYPE, csv_filename, table_csv
from sentinel.reports.figures_view import figure_view
from sentinel.reports.pdf import meeting_pack, pdf_filename
from sentinel.reports.presenting import (
    ReportLinks,
    SectionView,
    TabView,
    english_chosen,
    period_form,
    refreshed_text,
    section_view,
    table_view,
)

WORKLIST_KEY = "worklist"
PRINT_WORKLIST = ("arbejdsliste", "med")
"""The print view's query parameter that includes the worklist (the user ticked it)."""
NO_STORE = "no-store"


# --- rendering ------------------------------------------------------------------------------


def _tab_status(tab: Tab, english: bool = False) -> str:
    """The tab's word on its state, beside its name."""
    if tab.kind is ReportKind.UNENROLLED:
        return _("frameldt")
    if tab.kind is ReportKind.BLOCKED:
        return _("ingen dataopsamling")
    if not tab.is_open:
        if tab.opens_on:
            return _("åbner %(day)s") % {"day": format_day(tab.opens_on, english=english)}
        return _("ikke åben endnu")
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
    print_worklist: bool = False,
) -> str:
    """One project's report tab for ``clinic`` as an HTML fragment to place in a page (the
    tabs row, the project's heading at level 2, the report); with ``print_view`` the whole
    print page instead (same content, no navigation, no forms or download links).

    ``period`` defaults to since enrolment. ``links`` says where the clinic's report pages are
    ; ``tabs`` and the clinic's ``standing`` (``Participation.read``) may be
    passed when the caller has them already. With ``worklist_by`` the page includes the
    worklist of courses lacking a required code, built for (and audited as viewed by) that
    actor; with ``worklist_vendor`` only the courses that vendor sent (``clinics.reach``).
    The print view includes it only with ``print_worklist`` (the user asked), and audits that.
    Raises ``DomainError("not_enrolled")`` for a project the clinic never took part in.

    The clinic's enrolments and agreements are read once and the opening rule evaluated once
    (``engine.prepare``); the tabs, the report and the worklist all use that.
    """
    english = english_chosen()
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
            section_view(s, report=report, links=links, print_view=print_view, english=english)
            for s in report.sections
        ]
        if worklist_by is not None and (print_worklist or not print_view):
            listed = _worklist_section(
                prepared,
                report,
                by=worklist_by,
                vendor=worklist_vendor,
                links=links,
                print_view=print_view,
                english=english,
            )
            if listed is not None:
                sections.append(listed)
    context: dict[str, Any] = {
        "clinic": clinic,
        "project": project,
        "report": report,
        "period": period,
        "period_form": period_form(report, period, current_tab, day, english=english),
        "sections": sections,
        "english": english,
        "data_range": (report.data_range_en if english else report.data_range_da)
        if report is not None
        else "",
        "period_label": period.label_en if english else period.label_da,
        "opens_on_text": format_day(report.opens_on, english=english) if report else "",
        "enrolled_on_text": format_day(report.enrolled_on, english=english) if report else "",
        "today_text": format_day(day, english=english),
        "pdf_url": links.pdf(project.code, period),
        "headline": [figure_view(f, english=english) for f in report.headline]
        if report is not None and report.is_open and report.has_data
        else [],
        "tabs": [
            TabView(
                name=t.project_name,
                url=links.tab(t.project_code),
                current=t.project_code == project.code,
                status=_tab_status(t, english),
            )
            for t in all_tabs
        ],
        "tab_url": links.tab(project.code),
        "print_url": links.print(project.code, period),
        "back_url": links.tab(project.code, period),
        "print_view": print_view,
        "print_worklist": print_worklist,
        "print_worklist_offered": worklist_by is not None,
        "print_worklist_param": PRINT_WORKLIST[0],
        "print_worklist_value": PRINT_WORKLIST[1],
        "period_query": period.as_query() if period.kind != "since_enrolment" else {},
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
        "benchmark_refreshed_text": refreshed_text(report, english=english),
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
    english: bool = False,
) -> SectionView | None:
    definition = definition_for(prepared.project.code)
    # A printed worklist's two audit rows are written together (no savepoint on the screen).
    with transaction.atomic() if print_view else nullcontext():
        table = definition.worklist(prepared, by=by, vendor=vendor)
        if table is not None and print_view:
            record(
                by=by,
                action=AuditEvent.Action.WORKLIST_PRINTED,
                clinic=prepared.clinic,
                details={
                    "project": prepared.project.code,
                    "rows": len(table.rows),
                    "period": str(prepared.period),
                    **({"vendor": vendor.slug} if vendor is not None else {}),
                },
            )
    if table is None:
        return None
    view = table_view(
        table,
        csv_url="" if print_view else links.csv(report.project_code, table.key, report.period),
        english=english,
    )
    return SectionView(
        key=WORKLIST_KEY,
        title=_("Arbejdsliste"),
        note=definition.worklist_note_en(table) if english else definition.worklist_note_da(table),
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


def wants_printed_worklist(request: HttpRequest) -> bool:
    """Did the user tick "Medtag arbejdslisten" on the print view?"""
    name, value = PRINT_WORKLIST
    return request.GET.get(name) == value


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
        print_worklist=print_view and wants_printed_worklist(request),
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


def pdf_response(request: HttpRequest, clinic: Clinic, project_code: str) -> HttpResponse:
    """The tab's meeting pack (``reports.pdf``) for the period asked for, in the chosen
    language, as a PDF download. Never the worklist. 404 for a project that is not one of the
    clinic's tabs, for a bad period and for a report that is not open."""
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
    pdf = meeting_pack(report, clinic, english=english_chosen())
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    return _private(response)


def _find_table(report: Report, key: str) -> Table | None:
    for section in report.sections:
        for table in section.tables:
            if table.key == key:
                return table
    return None
