"""Beskeder pr. e-mail in a real browser: the owner adds an address under Administrer, the
verification mail arrives at a real SMTP server, its link confirms the address without a login,
and the stop link in the first notice stops it; every page passes axe."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate, register_clinic
from sentinel.demo.oidc import DemoUser
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import VendorFactory, valid_cvr
from tests.mailserver import links

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YD = "846200"


def test_the_owner_adds_an_address_that_is_confirmed_and_stopped_from_its_mails(
    live_server, provider, new_page, smtp
) -> None:
    cvr = valid_cvr(846200)
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()), name="Bo Ejer", cvr=cvr, may_sign=True, assurance_level="high"
        )
    )
    vendor = VendorFactory(name="Journal A/S")
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer=YD, cvr=cvr, name="Fysio Nord", speciale="51"
    )
    day = timezone.localdate() - dt.timedelta(days=70)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=at)
    signer = Signer(uuid.UUID(owner.sub), owner.name, cvr, AssuranceLevel.HIGH, True)
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(
        by=signer.actor, clinic=clinic, project=Project.objects.get(code="diagnosekodning"), on=day
    )

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/klinik/{YD}/administrer/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YD}/administrer/$"))
    expect(page.locator('[data-retention="diagnosekodning"]')).to_contain_text("60 måneder")
    page.get_by_role("link", name="Vælg adresser og beskeder").click()
    expect(page.get_by_role("heading", name="Beskeder pr. e-mail")).to_be_visible()
    check_page(page, "50-notices-empty")

    page.get_by_label("E-mailadresse").fill("kontor@fysio-nord.dk")
    page.get_by_label("Når der ikke er modtaget data i for lang tid").uncheck()
    page.get_by_role("button", name="Tilføj og send link").click()
    expect(page.get_by_text("Vi har sendt et link til kontor@fysio-nord.dk")).to_be_visible()
    expect(page.locator('[data-state="unverified"]')).to_be_visible()
    check_page(page, "51-notices-waiting")

    (verification,) = smtp.to("kontor@fysio-nord.dk")
    (verify_link,) = links(verification)
    mail_reader = new_page()  # the mail is opened elsewhere: no login there
    mail_reader.goto(verify_link)
    check_page(mail_reader, "52-notice-verify")
    mail_reader.get_by_role("button", name="Bekræft adressen").click()
    expect(mail_reader.get_by_text("kontor@fysio-nord.dk er bekræftet")).to_be_visible()
    check_page(mail_reader, "53-notice-verified")

    call_command("notices", "send", stdout=io.StringIO(), stderr=io.StringIO())
    notices = [m for m in smtp.to("kontor@fysio-nord.dk") if m is not verification]
    assert [m["Subject"] for m in notices] == ["Rapporten for Diagnosekodning er åben"]
    stop_link = links(notices[0])[-1]
    mail_reader.goto(stop_link)
    check_page(mail_reader, "54-notice-stop")
    mail_reader.get_by_role("button", name="Stop beskederne").click()
    expect(mail_reader.get_by_text("får ikke flere beskeder")).to_be_visible()

    page.reload()
    expect(page.locator('[data-state="stopped"]')).to_be_visible()
    check_page(page, "55-notices-stopped")
    actions = set(AuditEvent.objects.filter(clinic=clinic).values_list("action", flat=True))
    assert {
        "notices.contact_added",
        "notices.contact_verified",
        "notices.sent",
        "notices.contact_stopped",
    } <= actions
