"""The portal's error pages and its status check in a real browser (axe-clean at 1280×800 and
480×700, screenshots kept): a mistyped address, another clinic's URL, a page of one's own clinic
that is not there, a form sent with a lost CSRF cookie and a server error all answer in the
portal's layout, in Danish (or English), saying who is logged in and the way back; Tjek status
names each check as the CLI does and, when data stopped arriving, names the systemhus that
stopped sending (name, phone, e-mail) before Sentinel support."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.collection.pipeline import ingest
from sentinel.demo.oidc import DemoUser
from sentinel.urls import server_error
from tests.browser.conftest import check_page, fits_without_horizontal_scroll, log_in_at_provider
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import course, onboard

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}


def both_sizes(page, name: str) -> None:
    """axe and a screenshot at 1280×800 and at 480×700 (no sideways scroll there)."""
    page.set_viewport_size(WIDE)
    check_page(page, f"{name}-wide")
    page.set_viewport_size(NARROW)
    assert fits_without_horizontal_scroll(page), name
    check_page(page, f"{name}-narrow")


def nine(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def test_error_pages_in_the_portal_layout(live_server, provider, new_page) -> None:
    mine = ClinicFactory(name="Fysioterapi Fejlby")
    theirs = ClinicFactory(name="Naboklinikken")
    owner = provider.add(DemoUser(str(uuid.uuid4()), "Lise Ejer", mine.cvr, True, "substantial"))

    # A mistyped address, before logging in.
    page = new_page(viewport=WIDE)
    response = page.goto(f"{live_server.url}/klinikk/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Siden findes ikke", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Til forsiden")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sentinel supporten, tlf. 8844 3131")
    both_sizes(page, "60-error-404-anonymous")

    # Another clinic's page: the same answer as a page that does not exist, with who is
    # logged in and the way back to one's own clinics.
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/{mine.ydernummer}/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{mine.ydernummer}/$"))
    response = page.goto(f"{live_server.url}/klinik/{theirs.ydernummer}/administrer/")
    assert response is not None and response.status == 404
    expect(page.get_by_text(f"Logget ind som Lise Ejer (CVR {mine.cvr})")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Naboklinikken")
    expect(page.get_by_role("link", name="Til dine klinikker")).to_be_visible()
    both_sizes(page, "61-error-404-other-clinic")

    # A bookmarked report of a project the clinic never joined: back to this clinic's menu.
    page.set_viewport_size(WIDE)
    response = page.goto(
        f"{live_server.url}/klinik/{mine.ydernummer}/rapporter/forloebsresultater/"
    )
    assert response is not None and response.status == 404
    back = page.get_by_role("link", name="Til menuen for Fysioterapi Fejlby")
    expect(back).to_be_visible()
    both_sizes(page, "62-error-404-own-clinic")
    back.click()
    page.wait_for_url(re.compile(rf".*/klinik/{mine.ydernummer}/$"))

    # A form sent after the CSRF cookie was lost: the portal's 403, saying what to do.
    page.evaluate("() => { document.cookie = 'csrftoken=; max-age=0; path=/'; }")
    with page.expect_response(re.compile(r".*/i18n/setlang/$")) as answered:
        page.get_by_role("button", name="English").click()
    assert answered.value.status == 403
    expect(page.get_by_role("heading", name="Du har ikke adgang")).to_be_visible()
    expect(page.locator("main")).to_contain_text("genindlæs siden, og prøv igen")
    both_sizes(page, "63-error-403-csrf")

    # In English when English is chosen.
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/klinik/{mine.ydernummer}/")
    page.get_by_role("button", name="English").click()
    response = page.goto(f"{live_server.url}/klinik/{theirs.ydernummer}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text(f"Logged in as Lise Ejer (CVR {mine.cvr})")).to_be_visible()
    check_page(page, "64-error-404-english")

    # A server error: the page the 500 handler renders (with no session or database to read),
    # served to the browser as the handler answers it, with the portal's stylesheet.
    broken = server_error(RequestFactory().get("/klinik/"))
    page.route(
        f"{live_server.url}/en-fejl/",
        lambda route: route.fulfill(
            status=500, body=broken.content, content_type="text/html; charset=utf-8"
        ),
    )
    response = page.goto(f"{live_server.url}/en-fejl/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", name="Der skete en fejl hos Sentinel")).to_be_visible()
    both_sizes(page, "65-error-500")


def test_the_status_check_names_each_check_and_whom_to_call(
    live_server, provider, new_page
) -> None:
    """Data stopped arriving 40 days ago: the data line names the systemhus first (it stopped
    sending), then Sentinel support; each check is named; the report line links the open
    report."""
    vendor = VendorFactory(
        name="Fysiodata Kontakt A/S",
        support_phone="7000 4004",
        support_email="hjaelp@fysiodata-kontakt.example",
        menu_help_da="I Fysiodata ligger Sentinel under Funktioner → Kvalitet.",
    )
    clinic = ClinicFactory(name="Fysioterapi Tavsby")
    start = timezone.localdate() - dt.timedelta(days=100)
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=nine(start))
    onboard(clinic, on=start)
    last = timezone.localdate() - dt.timedelta(days=40)
    ingest(vendor=vendor, clinic=clinic, records=[course("T-1", last)], now=nine(last))
    owner = provider.add(DemoUser(str(uuid.uuid4()), "Tove Ejer", clinic.cvr, True, "substantial"))

    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/{clinic.ydernummer}/status/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{clinic.ydernummer}/status/$"))

    titles = page.locator(".checks .check-title strong")
    expect(titles).to_have_text(
        [
            "Aktiveret af systemhus:",
            "Databehandleraftale:",
            "Praksis samtykke:",
            "Tilmelding til projekter:",
            "Data modtages – Diagnosekodning:",
            "Rapport – Diagnosekodning:",
        ]
    )
    data_line = page.locator(".checks li", has_text="Data modtages – Diagnosekodning")
    expect(data_line).to_contain_text("Vi har ikke modtaget data til Diagnosekodning i 40 dage")
    contacts = data_line.locator("p.contact")
    expect(contacts).to_have_text(
        [
            "Kontakt: Fysiodata Kontakt A/S, tlf. 7000 4004, hjaelp@fysiodata-kontakt.example",
            "Kontakt: Sentinel support, tlf. 8844 3131",
        ]
    )
    expect(contacts.first.get_by_role("link")).to_have_attribute(
        "href", "mailto:hjaelp@fysiodata-kontakt.example"
    )
    expect(page.locator("#contact-systemhus")).to_contain_text(
        "Fysiodata Kontakt A/S, tlf. 7000 4004, hjaelp@fysiodata-kontakt.example"
    )
    # The first report opened in the past: said in the past tense.
    expect(page.locator("main")).to_contain_text("Den første rapport åbnede")
    both_sizes(page, "66-status-named-checks-and-contacts")

    # The report line leads to the open report.
    page.set_viewport_size(WIDE)
    page.get_by_role("link", name="Se rapporten").click()
    page.wait_for_url(re.compile(rf".*/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/$"))
