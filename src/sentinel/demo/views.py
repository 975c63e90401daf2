"""The demo's own pages (demo mode only, ``SENTINEL_DEMO=true``): the synthetic nation's
overview with who to log in as, a clinic's status check, and its report pages without a login.

The product's pages render them (``collection.status``, ``reports.pages``); nothing here
computes a figure. Outside demo mode every page here is 404.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic
from sentinel.collection.status import check_status
from sentinel.demo.mail import kept_mails, mail_dir
from sentinel.demo.oidc import demo_users
from sentinel.lib import refdata
from sentinel.portal.access import login_url
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


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO:
        raise Http404("only in demo mode")
    clinics = list(Clinic.objects.order_by("region_code", "ydernummer"))
    region_names = {code: r.name for code, r in refdata.regions().items()}
    outcomes: Counter[str] = Counter()
    rows = []
    for clinic in clinics:
        report = check_status(clinic)
        first_problem = next((c for c in report.checks if not c.ok), None)
        if first_problem is None:
            outcome = "ok"
        else:
            outcome = f"{first_problem.check}:{first_problem.state.value}"
        outcomes[outcome] += 1
        rows.append({"clinic": clinic, "report": report, "first_problem": first_problem})
    return render(
        request,
        "demo/overview.html",
        {
            "rows": rows,
            "outcomes": sorted(outcomes.items()),
            "region_names": region_names,
            "clinic_count": len(clinics),
            "users": demo_users(),
            "issuer": settings.SENTINEL_OIDC_ISSUER,
            "login_href": login_url(reverse("portal:clinics")),
        },
    )


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
    return render(request, "portal/status.html", {"clinic": clinic, "report": report})


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
