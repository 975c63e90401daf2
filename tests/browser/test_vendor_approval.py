"""A second systemhus asks to serve a clinic; the owner approves it (or refuses a third) in a
real browser, logged in at the real local OpenID Connect provider; the vendors' next calls
over the API show the answer."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate, register_clinic
from sentinel.clinics.credentials import issue_credential
from sentinel.demo.oidc import DemoUser
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from tests.api.conftest import episode
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import VendorFactory, valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YD = "846100"


def vendor_client(live_server, name: str) -> httpx.Client:
    vendor = VendorFactory(name=name)
    _credential, token = issue_credential(by=Actor.system("tests"), vendor=vendor)
    return httpx.Client(
        base_url=f"{live_server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def activation_body(cvr: str) -> dict[str, str]:
    return {"cvr": cvr, "name": "Fysioterapi Skiftby", "speciale": "51"}


def test_the_owner_approves_a_second_vendor_and_refuses_a_third(
    live_server, provider, new_page
) -> None:
    cvr = valid_cvr(846100)
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Bo Ejer",
            cvr=cvr,
            may_sign=True,
            assurance_level="substantial",
        )
    )
    first = VendorFactory(name="Gammelt System A/S")
    clinic = register_clinic(
        by=Actor.vendor(first), ydernummer=YD, cvr=cvr, name="Fysioterapi Skiftby", speciale="51"
    )
    day = timezone.localdate() - dt.timedelta(days=30)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    activate(by=Actor.vendor(first), vendor=first, clinic=clinic, at=at)
    signer = Signer(uuid.UUID(owner.sub), owner.name, cvr, AssuranceLevel.SUBSTANTIAL, True)
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(
        by=signer.actor, clinic=clinic, project=Project.objects.get(code="diagnosekodning"), on=day
    )

    with (
        vendor_client(live_server, "Nyt System A/S") as second,
        vendor_client(live_server, "Ukendt Data ApS") as third,
    ):
        asked = second.put(f"/clinics/{YD}/activation", json=activation_body(cvr))
        assert asked.json() == {"ydernummer": YD, "activated": False, "pending_approval": True}
        assert second.get(f"/clinics/{YD}/status").status_code == 404
        assert third.put(f"/clinics/{YD}/activation", json=activation_body(cvr)).status_code == 202

        # The owner logs in; the menu's next step is the request, and Administrer shows both.
        page = new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/klinik/{YD}/")
        log_in_at_provider(page, owner.sub)
        page.wait_for_url(re.compile(rf".*/klinik/{YD}/$"))
        expect(page.locator('[data-check="vendor_approval"]')).to_contain_text("Nyt System A/S")
        check_page(page, "40-menu-vendor-request")
        page.get_by_role("link", name="Se anmodningen").click()
        expect(page.get_by_role("heading", name="Venter på dit svar")).to_be_visible()
        check_page(page, "41-administer-vendor-requests")

        page.get_by_role("button", name="Godkend Nyt System A/S").click()
        expect(page.get_by_text("Nyt System A/S er godkendt")).to_be_visible()
        page.get_by_role("button", name="Afvis Ukendt Data ApS").click()
        expect(page.get_by_text("Ukendt Data ApS er afvist")).to_be_visible()
        expect(page.get_by_role("button", name="Afslut Nyt System A/S")).to_be_visible()
        check_page(page, "42-administer-vendors-decided")

        sent = second.post(
            f"/clinics/{YD}/submissions", json={"records": [episode("N-1", start_date=str(day))]}
        )
        assert (sent.status_code, sent.json()["accepted"]) == (200, 1), sent.text
        assert third.get(f"/clinics/{YD}/status").status_code == 404
        refused = third.post(f"/clinics/{YD}/submissions", json={"records": [episode("U-1")]})
        assert refused.status_code == 404

    actions = set(AuditEvent.objects.filter(clinic=clinic).values_list("action", flat=True))
    assert {"vendor.requested", "vendor.approved", "vendor.refused"} <= actions
