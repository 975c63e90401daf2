"""A clinic's home in the portal: the Sentinel menu, and what every clinic page shares."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sentinel.agreements.actions import approve_consent, sign_dpa
from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import AgreementState, Standing
from sentinel.clinics.models import Clinic
from sentinel.collection.status import check_status
from sentinel.lib.dates import format_da
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.guide import guide
from sentinel.portal.templatetags.portal import english
from sentinel.projects.participation import Participation

KIND_SLUGS: dict[str, str] = {
    DocumentKind.DPA: "databehandleraftale",
    DocumentKind.CONSENT: "samtykke",
}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}
SIGN: dict[str, Any] = {DocumentKind.DPA: sign_dpa, DocumentKind.CONSENT: approve_consent}


def agreement_badge(state: AgreementState) -> tuple[str, str]:
    """The state class and the words for a document in the menu."""
    dpa = state.kind == DocumentKind.DPA
    if state.standing is Standing.CURRENT and state.sign_by is not None:
        day = format_da(state.sign_by)
        if dpa:
            return "action_needed", _("Ny version skal underskrives senest %(day)s") % {"day": day}
        return "action_needed", _("Ny version skal godkendes senest %(day)s") % {"day": day}
    if state.standing is Standing.CURRENT:
        return "ok", _("Underskrevet") if dpa else _("Godkendt")
    if state.current_document is None:
        return "waiting", _("Ikke offentliggjort endnu")
    if state.standing is Standing.OUTDATED:
        if dpa:
            return "action_needed", _("Ny version – kræver din underskrift")
        return "action_needed", _("Ny version – kræver din godkendelse")
    return "action_needed", _("Kræver din underskrift") if dpa else _("Kræver din godkendelse")


def page_context(clinic: Clinic, user: PortalUser, section: str, **extra: Any) -> dict[str, Any]:
    return {"clinic": clinic, "portal_user": user, "section": section, **extra}


# --- the menu ---------------------------------------------------------------------------------


def menu_response(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The Sentinel menu of ``clinic``: the next step, the seed's three entries, then the rest."""
    standing = Participation.read(clinic)
    dpa = standing.agreement(DocumentKind.DPA)
    consent = standing.agreement(DocumentKind.CONSENT)
    enrolled = standing.enrolments_covering(standing.today)
    report = check_status(clinic, standing=standing)
    response = render(
        request,
        "portal/menu.html",
        page_context(
            clinic,
            user,
            "menu",
            dpa_badge=agreement_badge(dpa),
            consent_badge=agreement_badge(consent),
            enrolled=enrolled,
            status_ok=report.ok,
            status_open=sum(1 for c in report.checks if c.state == "action_needed"),
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            next_step=guide(clinic, report).current,
        ),
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@clinic_page
def clinic_home(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    return menu_response(request, clinic, user)
