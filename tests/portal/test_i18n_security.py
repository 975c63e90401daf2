"""Danish first with English available, and the portal's security headers and cookies."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client

from sentinel.portal.middleware import POLICY
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "src/sentinel/portal/templates"


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(), vendor)


def test_pages_are_danish_by_default(client) -> None:
    content = client.get("/").content.decode()

    assert '<html lang="da">' in content
    assert "Sådan kommer du i gang" in content
    assert 'lang="en">English</button>' in content


def test_language_switch_turns_the_portal_english(client, clinic, vendor) -> None:
    client.get(launch_path(clinic, vendor))

    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": f"/klinik/{clinic.ydernummer}/"}
    )
    content = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert '<html lang="en">' in content
    assert "Manage" in content
    assert "Practice consent" in content
    assert "Sign the new data processing agreement" in content
    assert "Needs your signature" in content
    assert 'lang="da">Dansk</button>' in content


def test_status_check_is_english_too(client, clinic, vendor) -> None:
    client.get(launch_path(clinic, vendor))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    content = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()

    assert "Check that data collection works" in content
    assert "You have not signed the data processing agreement" in content
    assert "Action needed" in content


def test_the_english_status_page_writes_every_date_the_english_way(client, clinic, vendor) -> None:
    onboard(clinic, on=dt.date(2026, 1, 12))
    client.get(launch_path(clinic, vendor))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    content = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()

    assert "12 Jan 2026" in content
    assert "12 Mar 2026" in content  # the first report opens two months after enrolment
    assert not re.search(r"\b\d\d\.\d\d\.\d{4}\b", content)  # no Danish dates
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", content)  # no ISO dates
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})
    danish = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()
    assert "12.01.2026" in danish


def test_every_page_gets_a_strict_content_security_policy(client, clinic, vendor) -> None:
    client.get(launch_path(clinic, vendor))

    for url in ("/", f"/klinik/{clinic.ydernummer}/", f"/klinik/{clinic.ydernummer}/administrer/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert policy == POLICY
    assert "default-src 'self'" in POLICY
    assert "script-src 'self'" in POLICY
    assert "unsafe-inline" not in POLICY
    assert "frame-ancestors 'none'" in POLICY


def test_api_docs_keep_their_own_scripts(client) -> None:
    response = client.get("/api/v1/docs")

    assert "Content-Security-Policy" not in response


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert "<script" not in text, template
        assert "<style" not in text, template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template


@pytest.mark.parametrize(
    "path",
    [
        "/klinik/{yd}/databehandleraftale/",
        "/klinik/{yd}/administrer/diagnosekodning/tilmeld/",
        "/logout/",
    ],
)
def test_posts_without_a_csrf_token_are_refused(clinic, vendor, path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(launch_path(clinic, vendor))

    response = client.post(path.format(yd=clinic.ydernummer), {"version": "1"})

    assert response.status_code == 403


def test_session_cookie_is_http_only_and_same_site(client, clinic, vendor) -> None:
    response = client.get(launch_path(clinic, vendor))

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_login_session_ends_after_the_maximum_age(client, provider, clinic, settings) -> None:
    log_in(client, provider, person(clinic))
    assert client.get(f"/klinik/{clinic.ydernummer}/").status_code == 200
    settings.SENTINEL_PORTAL_MAX_SESSION_SECONDS = -1

    response = client.get(f"/klinik/{clinic.ydernummer}/")

    assert response.status_code == 302


def test_session_times_out_when_idle(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_pages_cannot_be_framed(client) -> None:
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_a_browser_asking_for_english_still_gets_danish_first(client) -> None:
    content = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="da">' in content
    assert "Sådan kommer du i gang" in content
