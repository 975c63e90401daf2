"""The demo walked twice in a row in a real browser, as a visitor would: from ``/demo/`` to the
demo's own login provider (oidc-provider-mock as ``sentinel demo`` runs it, offering each user
by name), as every demo user; each does what their row promises — the new owner follows the
guided path (DPA, consent, enrolment: "Næste trin (2 af 3)" on each receipt), the employee
and the low-assurance login see why they cannot sign and who can, the owner with a new DPA
version signs it, the clinic ready to enrol enrols. Then the nation is built again (as
``sentinel demo`` does on every start, adding nothing) and everyone logs in again as the same
people, at the same clinics, without a failure; the refusal users still have a DPA waiting.
axe and screenshots at 1280×800 and 480×700 for the guided path and the refused signing."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.models import ConsentApproval, DpaSignature
from sentinel.demo.nation import build_nation
from sentinel.demo.oidc import DemoUser, demo_users, provider_in_thread
from sentinel.demo.vendor import push_year
from sentinel.projects.models import Enrolment
from tests.browser.conftest import check_page, fits_without_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
CLINICS = 40


def both_sizes(page, name: str) -> None:
    page.set_viewport_size(WIDE)
    check_page(page, f"{name}-wide")
    page.set_viewport_size(NARROW)
    assert fits_without_horizontal_scroll(page), name
    check_page(page, f"{name}-narrow")
    page.set_viewport_size(WIDE)


def kind(user: DemoUser) -> str:
    """Which row of the demo's users this is (its description, up to the colon)."""
    return user.role.split(":")[0]


@pytest.fixture
def demo(settings, live_server):
    settings.DEMO = True
    today = timezone.localdate()
    stories = build_nation(today=today, clinics_count=CLINICS)
    users = demo_users()
    ok = {u.ydernummer: stories[u.ydernummer] for u in users if stories[u.ydernummer] == "ok"}
    push_year(stories=ok, today=today)  # the clinic in order gets its year of data
    with provider_in_thread(users) as issuer:
        settings.SENTINEL_OIDC_ISSUER = issuer
        settings.OIDC_RP_CLIENT_SECRET = "tests-only-client-secret"
        settings.SENTINEL_PUBLIC_URL = live_server.url
        yield users


def log_in_from_the_demo_page(page, base: str, user: DemoUser) -> None:
    page.goto(f"{base}/demo/")
    expect(page.locator("table.demo-users")).to_contain_text(user.name)
    page.get_by_role("link", name="Log ind", exact=True).click()
    pick_at_provider(page, user)
    page.wait_for_url(re.compile(rf".*/klinik/{user.ydernummer}/$"))
    expect(page.get_by_text(f"Logget ind som {user.name} (CVR {user.cvr})")).to_be_visible()


def pick_at_provider(page, user: DemoUser) -> None:
    """On the provider's page: the user's button, by name, what they show and their clinic."""
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.get_by_role("button", name=user.label, exact=True).click()


def sign_here(page, user: DemoUser, login: str, button: str, receipt: str) -> None:
    """Log in afresh for the signature, then sign or approve; lands on the receipt."""
    page.get_by_role("link", name=login).click()
    pick_at_provider(page, user)
    page.get_by_role("button", name=re.compile(button)).click()
    page.wait_for_url(re.compile(rf".*/kvittering/{receipt}/\d+/$"))


def walk_new_owner(page, base: str, user: DemoUser, first_round: bool) -> None:
    """The guided path: one step at a time, each receipt naming the next ("2 af 3")."""
    yd = user.ydernummer
    if not first_round:
        expect(page.locator(".next-step")).not_to_contain_text("af 3")  # her part is done
        page.goto(f"{base}/klinik/{yd}/databehandleraftale/")
        expect(page.get_by_text("Klinikken har underskrevet version")).to_be_visible()
        return
    expect(page.locator(".next-step h2")).to_have_text(
        "Næste trin (1 af 3): Underskriv databehandleraftalen"
    )
    page.goto(f"{base}/klinik/{yd}/kom-godt-i-gang/")
    expect(page.locator("#current-step")).to_have_text(
        "Trin 1 af 3: Underskriv databehandleraftalen"
    )
    both_sizes(page, "70-guided-path-step-1")
    page.locator(".next-step").get_by_role("link", name="Gå til databehandleraftalen").click()
    sign_here(
        page,
        user,
        "Log ind med MitID Erhverv for at underskrive",
        "Underskriv databehandleraftalen",
        "databehandleraftale",
    )
    expect(page.locator(".next-step h2")).to_have_text(
        "Næste trin (2 af 3): Godkend samtykkeerklæringen (Praksis samtykke)"
    )
    both_sizes(page, "71-receipt-next-step-2-of-3")
    page.locator(".next-step").get_by_role("link", name="Gå til praksis samtykke").click()
    sign_here(
        page,
        user,
        "Log ind med MitID Erhverv for at godkende",
        "Godkend samtykkeerklæringen",
        "samtykke",
    )
    expect(page.locator(".next-step h2")).to_have_text(
        "Næste trin (3 af 3): Tilmeld dig projekter under Administrer"
    )
    page.locator(".next-step").get_by_role("link", name="Gå til Administrer").click()
    page.get_by_role("link", name="Tilmeld Diagnosekodning").click()
    page.get_by_role("button", name=re.compile("Ja, tilmeld Diagnosekodning")).click()
    expect(page.locator(".messages")).to_contain_text("Næste trin:")
    expect(page.locator(".messages")).to_contain_text("Du skal ikke gøre noget endnu")
    assert DpaSignature.objects.filter(clinic__ydernummer=yd).count() == 1
    assert ConsentApproval.objects.filter(clinic__ydernummer=yd).count() == 1
    assert Enrolment.objects.filter(clinic__ydernummer=yd).count() == 1


def walk_refused(page, base: str, user: DemoUser, first_round: bool) -> None:
    """No button to press: why this login cannot sign, and who can."""
    page.goto(f"{base}/klinik/{user.ydernummer}/databehandleraftale/")
    expect(page.get_by_text("Kræver din underskrift")).to_be_visible()
    refusal = page.locator("#cannot-sign")
    expect(refusal).to_contain_text(f"Du er logget ind som {user.name}")
    expect(refusal).to_contain_text("Kun den tegningsberettigede for klinikken")
    if user.may_sign:
        expect(refusal).to_contain_text("sikringsniveau betydelig eller høj")
    else:
        expect(refusal).to_contain_text("Du har ikke ret til at underskrive")
    expect(
        page.get_by_role("button", name=re.compile("Underskriv databehandleraftalen"))
    ).to_have_count(0)
    if first_round:
        both_sizes(page, f"72-cannot-sign-{'low' if user.may_sign else 'employee'}")


def walk_new_version(page, base: str, user: DemoUser, first_round: bool) -> None:
    page.goto(f"{base}/klinik/{user.ydernummer}/databehandleraftale/")
    if first_round:
        expect(page.get_by_text("Ny version – kræver din underskrift")).to_be_visible()
        sign_here(
            page,
            user,
            "Log ind med MitID Erhverv for at underskrive",
            "Underskriv databehandleraftalen",
            "databehandleraftale",
        )
    else:
        expect(page.get_by_text("Klinikken har underskrevet version")).to_be_visible()


def walk_ready_to_enrol(page, base: str, user: DemoUser, first_round: bool) -> None:
    page.goto(f"{base}/klinik/{user.ydernummer}/administrer/")
    if first_round:
        page.get_by_role("link", name="Tilmeld Diagnosekodning").click()
        page.get_by_role("button", name=re.compile("Ja, tilmeld Diagnosekodning")).click()
        expect(page.locator(".messages")).to_contain_text("Du er tilmeldt Diagnosekodning")
    else:
        expect(page.get_by_role("link", name="Tilmeld Diagnosekodning")).to_have_count(0)


def walk_all_in_order(page, base: str, user: DemoUser, first_round: bool) -> None:
    page.goto(f"{base}/klinik/{user.ydernummer}/status/")
    expect(page.locator(".checks .check-title strong").first).to_have_text(
        "Aktiveret af systemhus:"
    )
    page.get_by_role("link", name="Se rapporten").click()
    page.wait_for_url(re.compile(rf".*/klinik/{user.ydernummer}/rapporter/diagnosekodning/$"))


WALKS = {
    "Alt i orden": walk_all_in_order,
    "Har ikke underskrevet databehandleraftalen": walk_new_owner,
    "Ansat uden ret til at underskrive": walk_refused,
    "Login på for lavt sikringsniveau til at underskrive": walk_refused,
    "Ny version af databehandleraftalen skal underskrives": walk_new_version,
    "Klar til at tilmelde sig Diagnosekodning": walk_ready_to_enrol,
}


def test_the_demo_walked_twice_as_every_demo_user(live_server, demo, new_page) -> None:
    users = demo
    assert {kind(u) for u in users} == set(WALKS)
    for first_round in (True, False):
        for user in users:
            page = new_page(viewport=WIDE)
            log_in_from_the_demo_page(page, live_server.url, user)
            WALKS[kind(user)](page, live_server.url, user, first_round)
            page.get_by_role("button", name="Log ud").click()
            page.wait_for_url(f"{live_server.url}/")
            page.context.close()
        # As `sentinel demo` on its next start: the nation is there, nothing is added, and the
        # demo's users are the same people at the same clinics.
        assert build_nation(today=timezone.localdate(), clinics_count=CLINICS) == {}
        assert demo_users() == users
