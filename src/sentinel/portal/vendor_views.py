"""Systemhuse under Administrer: the owner approves, refuses or ends the vendors that serve the
clinic (``collection.approvals`` holds the rule; this door only loads, checks and answers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sentinel.clinics.models import Activation, Clinic
from sentinel.collection import approvals
from sentinel.lib.errors import DomainError
from sentinel.portal.access import PortalUser, clinic_page, login_url
from sentinel.portal.templatetags.portal import english


def vendors_context(clinic: Clinic, user: PortalUser) -> dict[str, Any]:
    """What the Administrer page shows about the clinic's vendors."""
    page = reverse("portal:administer", args=[clinic.ydernummer])
    return {
        "vendor_pending": approvals.pending(clinic),
        "vendor_serving": approvals.serving(clinic),
        "vendor_history": [
            {"item": item, "is_activation": isinstance(item, Activation)}
            for item in approvals.history(clinic)
        ],
        "is_owner": user.owner(clinic) is not None,
        "owner_login_url": login_url(page + "#vendors"),
    }


def _back(clinic: Clinic) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:administer", args=[clinic.ydernummer]) + "#vendors")


@clinic_page
@require_POST
def decide(request: HttpRequest, clinic: Clinic, user: PortalUser, pk: int) -> HttpResponse:
    """Approve or refuse one pending request (``decision`` = ``approve`` / ``refuse``)."""
    owner = user.owner(clinic)
    decision = request.POST.get("decision", "")
    if owner is None:
        messages.error(
            request,
            _("Kun den tegningsberettigede kan godkende systemhuse. Log ind med MitID Erhverv."),
        )
        return _back(clinic)
    try:
        if decision == "approve":
            activation = approvals.approve(owner=owner, clinic=clinic, request_id=pk)
            messages.success(
                request,
                _("%(vendor)s er godkendt og kan nu overføre klinikkens data.")
                % {"vendor": activation.vendor.name},
            )
        elif decision == "refuse":
            refused = approvals.refuse(owner=owner, clinic=clinic, request_id=pk)
            messages.success(
                request,
                _("%(vendor)s er afvist og får ingen adgang til klinikken.")
                % {"vendor": refused.vendor.name},
            )
        else:
            messages.error(request, _("Vælg godkend eller afvis."))
    except DomainError as exc:
        messages.error(request, exc.message_en if english() else exc.message_da)
    return _back(clinic)


@clinic_page
@require_POST
def end(request: HttpRequest, clinic: Clinic, user: PortalUser, vendor_id: int) -> HttpResponse:
    """End a vendor's activation (the clinic changed practice system)."""
    owner = user.owner(clinic)
    if owner is None:
        messages.error(
            request,
            _("Kun den tegningsberettigede kan afslutte et systemhus. Log ind med MitID Erhverv."),
        )
        return _back(clinic)
    try:
        ended = approvals.end(owner=owner, clinic=clinic, vendor_id=vendor_id)
    except DomainError as exc:
        messages.error(request, exc.message_en if english() else exc.message_da)
    else:
        messages.success(
            request,
            _("%(vendor)s overfører ikke længere data for klinikken.")
            % {"vendor": ended.vendor.name},
        )
    return _back(clinic)
