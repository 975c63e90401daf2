"""Tjek status and Kom godt i gang."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.clinics.models import Clinic
from sentinel.collection.status import check_status
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.agreement_views import signing_refusal
from sentinel.portal.clinic_pages import page_context
from sentinel.portal.guide import first_report_text, guide, rows
from sentinel.portal.templatetags.portal import english


@require_GET
@clinic_page
def status(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    report = check_status(clinic)
    return render(
        request,
        "portal/status_check.html",
        page_context(
            clinic,
            user,
            "status",
            report=report,
            rows=rows(clinic, report),
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )


@require_GET
@clinic_page
def help_page(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The seed guide's steps ("Sentinel – kom godt i gang") as a guided path: the step that
    comes next, then where the clinic is on the whole path (``portal.guide``)."""
    found = guide(clinic)
    report = found.report
    return render(
        request,
        "portal/help.html",
        page_context(
            clinic,
            user,
            "help",
            steps=found.steps,
            current=found.current,
            first_report=first_report_text(),
            vendor_contact=report.vendor_contact,
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            signing_refusal=signing_refusal(user, clinic),
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )
