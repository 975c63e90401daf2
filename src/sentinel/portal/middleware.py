"""A strict Content-Security-Policy on every page (Django 5.2 has none built in).

Pages load scripts, styles, images and fonts only from Sentinel itself: no inline scripts, no
inline styles, no third-party hosts; SVG drawn inline in the HTML is content, not a script, and
is fine. Forms post only to Sentinel; no page can be framed. A response that sets its own
policy keeps it, and the paths in ``SENTINEL_CSP_EXEMPT_PATHS`` (the API's interactive docs,
which load their own scripts) get none.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exempt = any(request.path.startswith(p) for p in settings.SENTINEL_CSP_EXEMPT_PATHS)
        if not exempt and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = POLICY
        return response


class DanishFirstMiddleware:
    """Danish until the user picks English with the language switch (a cookie).

    Runs before Django's LocaleMiddleware and hides the browser's Accept-Language from it, so a
    practice system's browser set up in English still shows the Danish service first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
