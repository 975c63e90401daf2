"""The portal's error pages (403, 404, 500): what happened in plain words, who is logged in,
and the way back to the user's clinics and to support — in Danish, or English when chosen.

The vendor API answers its own errors as JSON (a path under ``/api/``), and the console keeps
the admin's look (``/console/``); everything else is the portal's.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT

log = logging.getLogger(__name__)

_API_CODES = {403: "forbidden", 404: "not_found", 500: "server_error"}
_API_MESSAGES = {
    403: "not allowed for this credential",
    404: "no such resource",
    500: "an error on Sentinel's side; nothing was stored, retry later",
}


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


def _answer(request: HttpRequest, status: int, text: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {
            "error": {"code": _API_CODES[status], "message": _API_MESSAGES[status], "fields": []}
        }
        return JsonResponse(body, status=status)
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
        "console": request.path.startswith("/console/"),
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


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old page, cookies blocked): the portal's
    403 page saying what to do, not Django's English one."""
    log.warning("CSRF refused (%s): %s", request.path, reason)
    return _answer(
        request,
        403,
        _(
            "Formularen kunne ikke sendes, fordi siden er for gammel, eller din browser ikke "
            "tillader cookies fra Sentinel. Gå tilbage, genindlæs siden, og prøv igen."
        ),
    )
