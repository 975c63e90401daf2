"""The seed's journey in a real browser: the vendor activates Sentinel through the API, the user
opens the launch link in the practice system's (narrow) window, signs the DPA and approves the
consent with a fresh login, enrols in Diagnosekodning, data arrives through the API, and the
status check turns green. Every page: a screenshot and an axe-core check."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

import httpx
import pytest
from django.utils import timezone

from sentinel.agreements.models import ConsentApproval, Document, DpaSignature
from sentinel.audit.actors import Actor
from sentinel.clinics.credentials import issue_credential
from sentinel.demo.oidc import DemoUser
from sentinel.projects.models import Enrolment
from tests.api.conftest import synthetic_cpr
from tests.browser.conftest import check_page, fits_without_horizontal_scroll, log_in_at_provider
from tests.factories import VendorFactory, valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YDERNUMMER = "845678"


def _record(source_id: str, day: dt.date, code: str) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": day.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": code, "recorded_at": f"{day.isoformat()}T09:30:00+01:00"}],
    }


@pytest.fixture
def vendor_api(live_server):
    vendor = VendorFactory(
        name="Fysiodata Test A/S",
        menu_help_da="I Fysiodata finder du Sentinel under Funktioner → Kvalitet → Sentinel.",
    )
    _credential, token = issue_credential(by=Actor.system("tests"), vendor=vendor)
    with httpx.Client(
        base_url=f"{live_server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as http:
        yield http


def test_the_seed_journey_from_activation_to_a_green_status_check(
    live_server, provider, vendor_api, new_page
) -> None:
    cvr = valid_cvr(845678)
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Karen Klinikejer",
            cvr=cvr,
            may_sign=True,
            assurance_level="substantial",
        )
    )

    # The vendor activates Sentinel for the clinic through the API.
    activation = vendor_api.put(
        f"/clinics/{YDERNUMMER}/activation",
        json={
            "cvr": cvr,
            "name": "Fysioterapi Journeyby",
            "speciale": "51",
            "municipality_code": "0101",
        },
    )
    assert activation.status_code == 200, activation.text

    # The user opens Sentinel from the practice system: the vendor asks for a launch link.
    launch = vendor_api.post(
        f"/clinics/{YDERNUMMER}/launch", json={"user_id": "u-17", "user_name": "Ida Hansen"}
    )
    assert launch.status_code == 200, launch.text
    page = new_page()
    page.goto(launch.json()["url"])
    for entry in ("Administrer", "Praksis samtykke", "Underskriv ny databehandleraftale"):
        assert page.get_by_role("link", name=entry, exact=True).first.is_visible()
    assert page.get_by_text("Åbnet fra Fysiodata Test A/S for Ida Hansen").is_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "01-launch-menu")

    # Underskriv ny databehandleraftale: read, log in again with signing rights, sign.
    page.get_by_role("link", name="Underskriv ny databehandleraftale", exact=True).first.click()
    assert page.get_by_text("Kræver din underskrift").is_visible()
    check_page(page, "02-dpa")
    page.get_by_role("link", name="Log ind med MitID Erhverv for at underskrive").click()
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/databehandleraftale/$"))
    assert page.get_by_text("Karen Klinikejer", exact=False).first.is_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "03-dpa-ready-to-sign")
    page.get_by_role("button", name=re.compile("Underskriv databehandleraftalen")).click()
    page.wait_for_url(re.compile(r".*/kvittering/databehandleraftale/\d+/$"))
    assert page.get_by_text("Databehandleraftalen er underskrevet.").is_visible()
    check_page(page, "04-dpa-receipt")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kvitteringen (tekstfil)").click()
    receipt = download_info.value.path().read_text(encoding="utf-8")
    dpa = Document.objects.current("dpa")
    assert dpa is not None and dpa.sha256 in receipt
    assert "Karen Klinikejer" in receipt
    signature = DpaSignature.objects.get(clinic__ydernummer=YDERNUMMER)
    assert signature.channel == "sundhed_dk"  # signed from the practice system's menu
    assert signature.signer_uuid == uuid.UUID(owner.sub)

    # Praksis samtykke: the same with its own fresh login.
    page.get_by_role("link", name="Praksis samtykke", exact=True).first.click()
    assert page.get_by_text("Kræver din godkendelse").is_visible()
    check_page(page, "05-consent")
    page.get_by_role("link", name="Log ind med MitID Erhverv for at godkende").click()
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/samtykke/$"))
    check_page(page, "06-consent-ready-to-approve")
    page.get_by_role("button", name=re.compile("Godkend samtykkeerklæringen")).click()
    page.wait_for_url(re.compile(r".*/kvittering/samtykke/\d+/$"))
    check_page(page, "07-consent-receipt")
    assert ConsentApproval.objects.filter(clinic__ydernummer=YDERNUMMER).count() == 1

    # Administrer: enrol in Diagnosekodning with a confirmation.
    page.get_by_role("link", name="Administrer", exact=True).first.click()
    check_page(page, "08-administer")
    page.get_by_role("link", name="Tilmeld Diagnosekodning").click()
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert page.get_by_text(f"fra i dag, {today}", exact=False).is_visible()
    check_page(page, "09-enrol-confirm")
    page.get_by_role("button", name=f"Ja, tilmeld Diagnosekodning fra {today}").click()
    assert page.get_by_text(f"Du er tilmeldt Diagnosekodning fra {today}.").is_visible()
    check_page(page, "10-administer-enrolled")
    assert Enrolment.objects.get(clinic__ydernummer=YDERNUMMER).enrolled_on == timezone.localdate()

    # Data arrives through the vendor API.
    day = timezone.localdate()
    sent = vendor_api.post(
        f"/clinics/{YDERNUMMER}/submissions",
        json={"records": [_record("E-1", day, "L90"), _record("E-2", day, "L03")]},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] == 2

    # Tjek status: everything is in order; the report waits for its opening day.
    page.get_by_role("link", name="Tjek status", exact=True).first.click()
    assert page.locator(".checks li.action_needed").count() == 0
    assert page.locator(".checks li.ok").count() == 5
    assert page.get_by_text("Vi modtager data til Diagnosekodning").is_visible()
    check_page(page, "11-status-green")

    # The data exchange overview shows what arrived.
    page.get_by_role("link", name="Administrer", exact=True).first.click()
    assert page.get_by_text("Vi modtager data til Diagnosekodning").first.is_visible()
    check_page(page, "12-administer-data-arrived")

    # Rapporter: the tab says when the report opens.
    page.get_by_role("link", name="Rapporter", exact=True).first.click()
    check_page(page, "13-reports")

    # Kom godt i gang: the guide's steps against the clinic's state.
    page.get_by_role("link", name="Kom godt i gang", exact=True).first.click()
    assert page.locator(".steps > li").count() == 6
    check_page(page, "14-help")

    # English is one click away.
    page.get_by_role("link", name="Menu", exact=True).first.click()
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("link", name="Manage", exact=True).first.is_visible()
    check_page(page, "15-menu-english")


def test_direct_login_from_the_front_page(live_server, provider, new_page) -> None:
    from sentinel.clinics.models import Clinic

    clinic = Clinic.objects.create(
        ydernummer="845679",
        cvr=valid_cvr(845679),
        name="Klinik Direkte",
        speciale="51",
        municipality_code="0101",
        region_code="DK-84",
    )
    user = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Jens Ejer",
            cvr=clinic.cvr,
            may_sign=True,
            assurance_level="high",
        )
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    check_page(page, "20-front")

    page.get_by_role("link", name="Log ind med MitID Erhverv").click()
    log_in_at_provider(page, user.sub)

    page.wait_for_url(re.compile(r".*/klinik/845679/$"))
    assert page.get_by_text("Logget ind som Jens Ejer").is_visible()
    check_page(page, "21-direct-login-menu")


def test_refused_login_and_used_launch_link_explain_themselves(
    live_server, provider, new_page
) -> None:
    page = new_page()
    page.goto(f"{live_server.url}/login/?next=/klinik/")
    log_in_at_provider(page, "not-a-person-uuid")
    page.wait_for_url(re.compile(r".*/login/fejl/$"))
    assert page.get_by_role("heading", name="Login lykkedes ikke").is_visible()
    check_page(page, "22-login-refused")

    page.goto(f"{live_server.url}/launch/no-such-token")
    assert page.get_by_role("heading", name="Linket virker ikke").is_visible()
    check_page(page, "23-launch-refused")


def test_csp_holds_in_the_browser(live_server, provider, new_page) -> None:
    """Without bypassing the policy: the pages load their stylesheet and break no rule."""
    page = new_page(bypass_csp=False)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/")

    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.button')).backgroundColor"
    )
    assert colour == "rgb(11, 79, 138)"  # the stylesheet loaded
    assert problems == []
    assert hashlib.sha256(page.content().encode()).hexdigest()  # the page rendered
