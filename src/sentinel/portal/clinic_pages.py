"""A clinic's home in the portal: the Sentinel menu, and what every clinic page shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sentinel.agreements.actions import approve_consent, sign_dpa
from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import AgreementState, Standing
from sentinel.clinics.models import Clinic
from sentinel.collection.status import Check, check_status
from sentinel.lib.dates import format_da
from sentinel.portal.access import PortalUser, clinic_page
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


def check_link(clinic: Clinic, check: Check) -> tuple[str, str]:
    """Where the clinic fixes what ``check`` says (or, for an open report, reads it), and the
    link's words ("" when there is nowhere to go)."""
    yd = clinic.ydernummer
    if check.check == "report" and check.project and check.ok:
        return reverse("portal:report_tab", args=[yd, check.project]), _("Se rapporten")
    if check.ok or check.state == "waiting":
        return "", ""
    if check.check == "dpa":
        return reverse("portal:dpa", args=[yd]), _("Gå til databehandleraftalen")
    if check.check == "consent":
        return reverse("portal:consent", args=[yd]), _("Gå til praksis samtykke")
    if check.check == "enrolment":
        return reverse("portal:administer", args=[yd]), _("Gå til Administrer")
    if check.check == "vendor_approval":
        return reverse("portal:administer", args=[yd]) + "#vendors", _("Se anmodningen")
    return "", ""


def _check_text(check: Check) -> str:
    if english():
        return f"{check.detail_en} {check.action_en}".strip()
    return f"{check.detail_da} {check.action_da}".strip()


OWNER_STEPS = ("dpa", "consent", "enrolment")
"""What the clinic itself does, in the seed guide's order ("2 af 3")."""


@dataclass(frozen=True)
class NextStep:
    number: int | None  # of OWNER_STEPS; None once the clinic has done its part
    total: int
    text: str
    url: str
    label: str


def next_step(clinic: Clinic) -> NextStep:
    """What comes next for the clinic, from the status check: the first of its own steps not
    yet done, else the first check that is not in order, else that all is well."""
    checks = check_status(clinic).checks
    mine = next((c for c in checks if c.check in OWNER_STEPS and not c.ok), None)
    chosen = mine or next((c for c in checks if not c.ok), None)
    if chosen is None:
        return NextStep(
            None,
            len(OWNER_STEPS),
            _("Alt er i orden: der opsamles data, og dine rapporter er åbne."),
            "",
            "",
        )
    url, label = check_link(clinic, chosen)
    number = OWNER_STEPS.index(chosen.check) + 1 if mine is not None else None
    return NextStep(number, len(OWNER_STEPS), _check_text(chosen), url, label)


# --- the menu ---------------------------------------------------------------------------------


def menu_response(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The Sentinel menu of ``clinic``: the seed's three entries first, then the rest."""
    standing = Participation.read(clinic)
    dpa = standing.agreement(DocumentKind.DPA)
    consent = standing.agreement(DocumentKind.CONSENT)
    enrolled = standing.enrolments_covering(standing.today)
    report = check_status(clinic, standing=standing)
    next_check = next((c for c in report.checks if not c.ok), None)
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
            next_check=next_check,
            next_text=_check_text(next_check) if next_check else "",
            next_link=check_link(clinic, next_check) if next_check else ("", ""),
        ),
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@clinic_page
def clinic_home(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    return menu_response(request, clinic, user)
