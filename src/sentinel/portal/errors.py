"""The portal's error pages (403, 404, 500): what happened in plain words, who is logged in,
and the way back to the user's clinics and to support — in Danish, or English when chosen.

``sentinel.urls`` sends every path here but those of the vendor API (``api.errors``, JSON)
and the console (``console.errors``, in the console's look).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT

log = logging.getLogger(__name__)


def _portal_user(request: HttpRequest) -> Any:
    from sentinel.portal.access import portal_user

    try:
        return portal_user(request)
    except Exception:
        log.warning("error page without the portal user (%s)", request.path)
        return None


_CLINIC_PATH = re.compile(r"^/klinik/(\d{6})/")


def _clinic_here(request: HttpRequest, user: Any) -> Any:
    """The clinic of a ``/klinik/<ydernummer>/…`` URL when this user reaches it (a page of
    their own clinic that is not there, such as a report of a project it never joined)."""
    found = _CLINIC_PATH.match(request.path)
    if found is None or user is None or user.is_anonymous:
        return None
    try:
        return user.clinics().filter(ydernummer=found.group(1)).first()
    except Exception:
        log.warning("error page without the user's clinics (%s)", request.path)
        return None


def answer(request: HttpRequest, status: int, text: str = "") -> HttpResponse:
    texts = {
        403: (_("Du har ikke adgang"), _("Du har ikke adgang til siden med dit login.")),
        404: (
            _("Siden findes ikke"),
            _("Siden findes ikke, eller du har ikke adgang til den med dit login."),
        ),
        500: (
            _("Der skete en fejl hos Sentinel"),
            _("Der skete en fejl hos Sentinel. Intet er gemt halvt; prøv igen om lidt."),
        ),
    }
    heading, default_text = texts[status]
    text = text or default_text
    context = {
        "status": status,
        "heading": heading,
        "text": text,
        "sentinel": SENTINEL_SUPPORT,
        "sundhed_dk": SUNDHED_DK_SUPPORT,
    }
    if status == 500:
        # No database, no session: the page must render whatever went wrong.
        html = render_to_string(
            "portal/error.html", context | {"portal_user": None}, request=request
        )
        return HttpResponse(html, status=status)
    context["portal_user"] = user = _portal_user(request)
    context["clinic_here"] = _clinic_here(request, user)
    response = render(request, "portal/error.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_text() -> str:
    """What to do after a form was refused for its CSRF token (``sentinel.urls.csrf_failure``)."""
    return _(
        "Formularen kunne ikke sendes, fordi siden er for gammel, eller din browser ikke "
        "tillader cookies fra Sentinel. Gå tilbage, genindlæs siden, og prøv igen."
    )
