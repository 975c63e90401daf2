"""Rapporter: the report engine's tabs behind the portal's login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from sentinel.clinics.models import Clinic
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.clinic_pages import page_context
from sentinel.projects.participation import Participation
from sentinel.reports import therapists
from sentinel.reports.engine import tabs_for
from sentinel.reports.pages import (
    ReportLinks,
    csv_response,
    parse_period,
    pdf_response,
    render_tab_html,
    tab_for_project,
    tab_response,
)

# --- Rapporter: the report engine's tabs behind the portal's login ----------------------------
#
# The reports app renders; the portal loads the clinic (``clinic_page``), passes its own links
# and the person as ``worklist_by``, so every worklist shown or downloaded here is audited as
# that clinic user (``report.worklist_viewed``).


def _report_links(clinic: Clinic) -> ReportLinks:
    yd = [clinic.ydernummer]
    return ReportLinks(
        reverse("portal:reports", args=yd),
        actions={
            "dpa": reverse("portal:dpa", args=yd),
            "consent": reverse("portal:consent", args=yd),
            "enrolment": reverse("portal:administer", args=yd),
        },
    )


@require_GET
@clinic_page
def reports(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The clinic's report tabs: the first one, or why there are none yet."""
    tabs = tabs_for(clinic)
    if tabs:
        return HttpResponseRedirect(
            reverse("portal:report_tab", args=[clinic.ydernummer, tabs[0].project_code])
        )
    return render(
        request, "portal/reports.html", page_context(clinic, user, "reports", tab_html="")
    )


@require_GET
@clinic_page
def report_tab(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """One project's report tab, rendered by the reports app, inside the portal's page."""
    standing = Participation.read(clinic, timezone.localdate())  # read once for both
    chosen, tabs = tab_for_project(clinic, project, standing=standing)
    period, error_da = parse_period(request)
    html = render_tab_html(
        clinic,
        chosen,
        period,
        request=request,
        worklist_by=user.actor(clinic),
        worklist_vendor=user.worklist_vendor(clinic),
        links=_report_links(clinic),
        tabs=tabs,
        error_da=error_da,
        standing=standing,
    )
    therapists_link = (
        reverse("portal:report_therapists", args=[clinic.ydernummer, chosen.code])
        if therapists.collects_initials(chosen)
        and therapists.may_see(clinic, is_owner=user.owner(clinic) is not None)
        else ""
    )
    return render(
        request,
        "portal/reports.html",
        page_context(
            clinic,
            user,
            "reports",
            tab_html=mark_safe(html),  # noqa: S308 - rendered by the reports app's templates
            therapists_url=therapists_link,
        ),
        status=400 if error_da else 200,
    )


@require_GET
@clinic_page
def report_print(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """The print view of one tab (the reports app's page, without navigation or forms)."""
    return tab_response(
        request,
        clinic,
        project,
        links=_report_links(clinic),
        worklist_by=user.actor(clinic),
        worklist_vendor=user.worklist_vendor(clinic),
        print_view=True,
    )


@require_GET
@clinic_page
def report_csv(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str, table: str
) -> HttpResponse:
    """One table of one tab as a CSV download (the worklist audited as this user's)."""
    return csv_response(
        request,
        clinic,
        project,
        table,
        worklist_by=user.actor(clinic),
        worklist_vendor=user.worklist_vendor(clinic),
    )


@require_GET
@clinic_page
def report_pdf(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """One tab's meeting pack as a PDF (A4; never the worklist)."""
    return pdf_response(request, clinic, project)
