import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from sentinel.api import errors as api_errors
from sentinel.api.app import api
from sentinel.console import errors as console_errors
from sentinel.console.sites import console_site
from sentinel.portal import errors as portal_errors

log = logging.getLogger(__name__)

urlpatterns = [
    path("api/v1/", api.urls),
    path("console/", console_site.urls),
    path("", include("sentinel.portal.urls")),
]
if "sentinel.demo" in settings.INSTALLED_APPS:
    # The demo's pages (404 unless SENTINEL_DEMO): a tool, mounted by name, never imported.
    urlpatterns.append(path("demo/", include("sentinel.demo.urls")))


# Each door answers its own errors: the vendor API with its JSON error body, the console in the
# console's look, everything else with the portal's pages (Danish, or English when chosen).
def _answer(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_errors.answer(request, status)
    if request.path.startswith("/console/"):
        return console_errors.answer(request, status)
    return portal_errors.answer(request, status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old page, cookies blocked): the door's own
    403 page saying what to do (``CSRF_FAILURE_VIEW``)."""
    log.warning("CSRF refused (%s): %s", request.path, reason)
    if request.path.startswith("/console/"):
        return console_errors.answer(request, 403, console_errors.csrf_text())
    return portal_errors.answer(request, 403, portal_errors.csrf_text())


handler403 = forbidden
handler404 = not_found
handler500 = server_error
