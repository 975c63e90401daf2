"""A real browser (Debian's chromium through Playwright) against a live server: a staff user
without a second factor cannot enter the console; with one they can (so the test can fail).

Skipped where chromium or Playwright is missing. When the portal's shared browser fixtures
(tests/browser) exist, this test can move there and use them.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from django.db import connections

from sentinel.console import staff
from tests.console.conftest import ADMIN_CLI, PASSWORD, code_for, fresh_code

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def console_page(live_server, monkeypatch) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(base_url=live_server.url)
        yield context.new_page()
        context.close()
        browser.close()
        # Inside Playwright's event loop the ORM opens a connection of its own; close it here.
        connections.close_all()
    # The live server answers each browser connection in its own thread, which closes its
    # database connection when the browser has hung up; wait for that before the test ends.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)


def _fill_login(page, username: str, code: str) -> None:
    page.goto("/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


def test_a_staff_user_without_a_second_factor_cannot_enter_the_console(console_page) -> None:
    page = console_page
    user, device = staff.create_staff(
        by=ADMIN_CLI, username="uden-app", password=PASSWORD, role="administrator"
    )

    for code in ("", code_for(device)):  # no code; a code of the unconfirmed app
        _fill_login(page, user.username, code)
        assert page.url.endswith("/console/login/")
        assert page.locator(".errornote").count() >= 1
    for path in ("/console/", "/console/clinics/clinic/", "/console/audit/auditevent/"):
        page.goto(path)
        assert "/console/login/" in page.url, path
        assert page.locator("#id_otp_token").is_visible()


def test_a_staff_user_with_a_confirmed_second_factor_enters(console_page) -> None:
    page = console_page
    user, device = staff.create_staff(
        by=ADMIN_CLI, username="med-app", password=PASSWORD, role="support"
    )
    assert staff.confirm_device(user=user, device=device, token=code_for(device))

    _fill_login(page, user.username, fresh_code(device))

    assert page.url.endswith("/console/")
    assert page.get_by_role("heading", name="Support: find en klinik").is_visible()
