"""The demo's own pages (demo mode only, ``SENTINEL_DEMO=true``): the synthetic nation's
overview with who to log in as, a clinic's status check, and its report pages without a login.

The product's pages render them (``collection.status``, ``reports.pages``); nothing here
computes a figure. Outside demo mode every page here is 404.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic
from sentinel.collection.status import StatusReport, check_status
from sentinel.demo.mail import kept_mails, mail_dir
from sentinel.demo.oidc import demo_users
from sentinel.portal.access import login_url
from sentinel.projects.participation import Participation
from sentinel.reports.engine import tabs_for
from sentinel.reports.pages import ReportLinks, csv_response, pdf_response, tab_response

DEMO_VIEWER = Actor.system("demo")
"""Who views the demo's worklists: Sentinel's demo, not a clinic user, so the demo shows the
practice systems' source ids and never a CPR number (even synthetic ones)."""


def _demo_clinic(ydernummer: str) -> Clinic:
    if not settings.DEMO:
        raise Http404("only in demo mode")
    return get_object_or_404(Clinic, ydernummer=ydernummer)


def report_links(clinic: Clinic) -> ReportLinks:
    return ReportLinks(reverse("demo:report_index", kwargs={"ydernummer": clinic.ydernummer}))


PAGE_SIZE = 15
"""Clinics a page of the overview: each row runs the clinic's status check, so the page stays
fast (DESIGN §6: the demo overview under 300 ms; ``sentinel bench demo`` measures it)."""


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Whom to log in as, and the nation's clinics a page at a time, each with the first point
    of its status check that is not in order (the product's check, run for the rows shown)."""
    if not settings.DEMO:
        raise Http404("only in demo mode")
    clinics = Clinic.objects.order_by("ydernummer")
    page = Paginator(clinics, PAGE_SIZE).get_page(request.GET.get("side"))
    shown = list(page.object_list)
    standings = Participation.read_many(shown)  # each row's standing, in four queries
    rows = []
    for clinic in shown:
        report = check_status(clinic, standing=standings[clinic.pk])
        rows.append(
            {"clinic": clinic, "problem": next((c for c in report.checks if not c.ok), None)}
        )
    return render(
        request,
        "demo/overview.html",
        {
            "rows": rows,
            "page": page,
            "clinic_count": page.paginator.count,
            "users": demo_users(),
            "issuer": settings.SENTINEL_OIDC_ISSUER,
            "login_href": login_url(reverse("portal:clinics")),
        },
    )


def _rows(clinic: Clinic, report: StatusReport) -> list[dict[str, object]]:
    """The status check's lines as the portal shows them; only an open report links (to the
    demo's own report pages: the portal's pages need a login)."""
    rows: list[dict[str, object]] = []
    for check in report.checks:
        href = ""
        if check.check == "report" and check.ok and check.project:
            href = report_links(clinic).tab(check.project)
        rows.append({"check": check, "href": href, "link_text": "Se rapporten" if href else ""})
    return rows


@require_GET
def mail(request: HttpRequest) -> HttpResponse:
    """Every mail the demo sent (its own SMTP server keeps them), newest first."""
    if not settings.DEMO:
        raise Http404("only in demo mode")
    return render(request, "demo/mail.html", {"mails": kept_mails(), "maildir": mail_dir() / "new"})


@require_GET
def clinic_status(request: HttpRequest, ydernummer: str) -> HttpResponse:
    clinic = _demo_clinic(ydernummer)
    report = check_status(clinic)
    users = [u for u in demo_users() if u.ydernummer == clinic.ydernummer]
    return render(
        request,
        "demo/status.html",
        {"clinic": clinic, "report": report, "rows": _rows(clinic, report), "users": users},
    )


@require_GET
def report_index(request: HttpRequest, ydernummer: str) -> HttpResponse:
    """The clinic's first report tab, or a page saying there are no reports and why."""
    clinic = _demo_clinic(ydernummer)
    tabs = tabs_for(clinic)
    if tabs:
        return redirect(report_links(clinic).tab(tabs[0].project_code))
    return render(request, "reports/no_reports.html", {"clinic": clinic})


@require_GET
def report_tab(request: HttpRequest, ydernummer: str, project: str) -> HttpResponse:
    clinic = _demo_clinic(ydernummer)
    return tab_response(
        request, clinic, project, links=report_links(clinic), worklist_by=DEMO_VIEWER
    )


@require_GET
def report_print(request: HttpRequest, ydernummer: str, project: str) -> HttpResponse:
    clinic = _demo_clinic(ydernummer)
    return tab_response(
        request,
        clinic,
        project,
        links=report_links(clinic),
        worklist_by=DEMO_VIEWER,
        print_view=True,
    )


@require_GET
def report_csv(request: HttpRequest, ydernummer: str, project: str, table: str) -> HttpResponse:
    clinic = _demo_clinic(ydernummer)
    return csv_response(request, clinic, project, table, worklist_by=DEMO_VIEWER)


@require_GET
def report_pdf(request: HttpRequest, ydernummer: str, project: str) -> HttpResponse:
    return pdf_response(request, _demo_clinic(ydernummer), project)
