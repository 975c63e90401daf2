"""Playwright in Debian's Chromium (/usr/bin/chromium, installed by `make setup`; never a
browser downloaded by the test tool) against a live server and the real local OpenID Connect
provider. Every page the tests visit is screenshotted to var/test/screenshots/ and checked
with axe-core (npm, node_modules/axe-core, installed by `make setup`)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections

from tests.portal.conftest import (  # noqa: F401 - fixtures shared with the portal tests
    PROVIDER_WARNINGS,
    Provider,
    english_catalogue,
    provider_issuer,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SENTINEL_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "test" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# The flags Chromium needs as root on a machine without outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A practice system's window: narrow.
NARROW = {"width": 480, "height": 820}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
            for mark in PROVIDER_WARNINGS:
                item.add_marker(mark)


@pytest.fixture
def chromium(_async_unsafe_allowed: None) -> Iterator[object]:
    """Chromium for one test (Playwright's event loop lives only as long as the test)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` runs `npm ci`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test's own database connection, opened while Playwright's event loop ran, lives
        # in that loop's context; close it here or PostgreSQL cannot drop the test database.
        connections.close_all()
    _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout: float = 10.0) -> None:
    """Let the live server's request threads end once the browser has closed its keep-alive
    connections: each closes its database connection as it ends, and PostgreSQL refuses to
    drop a test database that still has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name]
        if not busy:
            return
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch) -> None:
    # Playwright's sync API keeps an event loop in the test thread; the ORM calls the test
    # makes there (arranging data, asserting) are plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def provider(settings, provider_issuer, live_server) -> Provider:  # noqa: F811
    settings.SENTINEL_OIDC_ISSUER = provider_issuer
    settings.OIDC_RP_CLIENT_SECRET = "tests-only-client-secret"
    settings.SENTINEL_PUBLIC_URL = live_server.url
    return Provider(provider_issuer)


def _local_only(route) -> None:
    host = urlsplit(route.request.url).hostname
    if host in {"localhost", "127.0.0.1"}:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def new_page(chromium):
    """A page factory: a fresh browser context (Danish, narrow unless told) per call. axe-core is
    injected with add_script_tag, which the portal's CSP forbids, so these contexts bypass the
    CSP; ``test_csp_holds_in_the_browser`` checks the policy with a context that does not."""
    contexts = []

    def make(*, viewport: dict[str, int] | None = None, bypass_csp: bool = True):
        context = chromium.new_context(
            viewport=viewport or NARROW,
            locale="da-DK",
            bypass_csp=bypass_csp,
            accept_downloads=True,
        )
        context.route("**/*", _local_only)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check_page(page, name: str) -> None:
    """Screenshot the page to var/test/screenshots/<name>.png and assert axe finds nothing."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }""",
        AXE_TAGS,
    )
    assert violations == [], f"axe on {name} ({page.url}): {violations}"


def fits_without_horizontal_scroll(page) -> bool:
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def log_in_at_provider(page, sub: str) -> None:
    """On the provider's authorization page: log in as ``sub``."""
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.fill("input[name=sub]", sub)
    page.click("button[type=submit]:has-text('Authorize')")


def follow_menu(page, name: str) -> None:
    """Click the clinic menu's link ``name``, opening the compact "Menu" first in a narrow
    window (as a user must)."""
    compact = page.locator(".clinic-nav .nav-compact")
    if compact.is_visible() and compact.get_attribute("open") is None:
        compact.locator("summary").click()
    page.locator(".clinic-nav").get_by_role("link", name=name, exact=True).click()
