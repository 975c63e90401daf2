"""The vendor API's answer when Django itself refuses a path under ``/api/`` (an unknown
endpoint, a server error): the API's one error body, never an HTML page. ``sentinel.urls``
sends such paths here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from sentinel.api.access import error

CODES = {403: "forbidden", 404: "not_found", 500: "server_error"}
MESSAGES = {
    403: "not allowed for this credential",
    404: "no such resource",
    500: "an error on Sentinel's side; nothing was stored, retry later",
}


def answer(request: HttpRequest, status: int) -> HttpResponse:
    return error(status, CODES[status], MESSAGES[status])
