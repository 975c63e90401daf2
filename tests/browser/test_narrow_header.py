"""The portal at a phone's width (375 px) and in a wide window, in a real browser (axe-clean):
a compact header and a "Menu" that opens the clinic's links, so the page does not scroll
sideways and content starts near the top; the status check names the clinic's systemhus with
its phone and e-mail where it says whom to call."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, register_clinic
from sentinel.demo.oidc import DemoUser
from tests.browser.conftest import check_page, fits_without_horizontal_scroll, log_in_at_provider
from tests.factories import VendorFactory, valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 375, "height": 700}
WIDE = {"width": 1280, "height": 800}


def test_a_phone_width_gets_a_compact_header_and_a_menu_that_opens(
    live_server, provider, new_page
) -> None:
    vendor = VendorFactory(
        name="Fysiodata Smal A/S",
        support_phone="7000 1001",
        support_email="hjælp@fysiodata.example",
    )
    owner = provider.add(
        DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(846101), True, "high")
    )
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer="846101", cvr=owner.cvr,
        name="Fysioterapi og Træning Smalby", speciale="51", municipality_code="0101",
    )  # fmt: skip
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.now() - dt.timedelta(days=30),
    )

    page = new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login/?next=/klinik/846101/status/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(r".*/klinik/846101/status/$"))

    assert fits_without_horizontal_scroll(page)
    main_top = page.evaluate("() => document.querySelector('main').getBoundingClientRect().top")
    assert main_top < 160, f"content starts {main_top} px down"
    expect(page.locator(".nav-wide")).to_be_hidden()
    expect(page.get_by_role("link", name="Kom godt i gang")).to_be_hidden()
    expect(page.locator("#contact-systemhus")).to_contain_text(
        "Fysiodata Smal A/S, tlf. 7000 1001, hjælp@fysiodata.example"
    )
    check_page(page, "40-status-phone")

    page.locator(".nav-compact summary").click()
    expect(page.get_by_role("link", name="Kom godt i gang")).to_be_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "41-status-phone-menu-open")
    page.get_by_role("link", name="Kom godt i gang").click()
    page.wait_for_url(re.compile(r".*/klinik/846101/kom-godt-i-gang/$"))
    expect(page.locator(".nav-compact summary")).to_contain_text("Kom godt i gang")
    assert fits_without_horizontal_scroll(page)

    page.set_viewport_size(WIDE)
    expect(page.locator(".nav-compact")).to_be_hidden()
    expect(page.locator(".nav-wide").get_by_role("link", name="Tjek status")).to_be_visible()
    check_page(page, "42-help-wide")
