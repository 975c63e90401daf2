"""The console's error pages (403, 404, 500) in the console's own look: what happened, and the
way back to the console's front page. ``sentinel.urls`` sends paths under ``/console/`` here."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sentinel.console.sites import console_site

log = logging.getLogger(__name__)


def _site_context(request: HttpRequest, status: int) -> dict[str, Any]:
    """The console site's header and menu; only its names when the request cannot be read
    (a server error may mean no database)."""
    names = {"site_header": console_site.site_header, "site_title": console_site.site_title}
    if status == 500:
        return names
    try:
        return {**console_site.each_context(request), **names}
    except Exception:
        log.warning("console error page without the site's context (%s)", request.path)
        return names


def answer(request: HttpRequest, status: int, text: str = "") -> HttpResponse:
    texts = {
        403: (_("Du har ikke adgang"), _("Din rolle giver ikke adgang til siden.")),
        404: (_("Siden findes ikke"), _("Siden findes ikke i konsollen.")),
        500: (
            _("Der skete en fejl hos Sentinel"),
            _("Der skete en fejl. Intet er gemt halvt; prøv igen om lidt."),
        ),
    }
    heading, default_text = texts[status]
    context = _site_context(request, status) | {
        "title": heading,
        "text": text or default_text,
        "status": status,
    }
    html = render_to_string("console/error.html", context, request=request)
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_text() -> str:
    """What to do after a form was refused for its CSRF token (``sentinel.urls.csrf_failure``)."""
    return _(
        "Formularen kunne ikke sendes, fordi siden er for gammel eller din browser ikke "
        "tillader cookies. Genindlæs siden, og prøv igen."
    )
