"""Brug af jeres data in a real browser: the owner adds an e-mail address and confirms it from
the mail the real SMTP server received, then opens the ledger of the clinic's data (after a
batch through the real vendor API with a refused record, and an export), reads it wide and
narrow, and downloads it as CSV; every page passes axe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from pathlib import Path

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, register_clinic
from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Vendor
from sentinel.demo.oidc import DemoUser
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project, Recipient
from sentinel.sharing import exports
from sentinel.sharing.ledger import ledger_csv, ledger_for
from tests.api.conftest import synthetic_cpr
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import VendorFactory, valid_cvr
from tests.mailserver import links

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YD = "846300"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}


def _course(source_id: str, day: dt.date, cpr: str) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": cpr,
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": day.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "practitioner_initials": "AB",
        "diagnoses": [{"code": "L90", "recorded_at": f"{day.isoformat()}T09:30:00+01:00"}],
    }


def _send(base: str, vendor: Vendor, records: list[dict]) -> dict:
    _credential, token = issue_credential(by=Actor.system("tests"), vendor=vendor)
    response = httpx.post(
        f"{base}/api/v1/clinics/{YD}/submissions",
        json={"records": records},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_owner_confirms_an_address_and_reads_and_downloads_the_ledger(
    live_server, provider, new_page, smtp, settings, tmp_path
) -> None:
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    cvr = valid_cvr(846300)
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()), name="Bo Ejer", cvr=cvr, may_sign=True, assurance_level="high"
        )
    )
    vendor = VendorFactory(name="Journal A/S", support_phone="7010 2030")
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer=YD, cvr=cvr, name="Fysio Syd", speciale="51"
    )
    day = timezone.localdate() - dt.timedelta(days=70)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=at)
    signer = Signer(uuid.UUID(owner.sub), owner.name, cvr, AssuranceLevel.HIGH, True)
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    project = Project.objects.get(code="diagnosekodning")
    enrol(by=signer.actor, clinic=clinic, project=project, on=day)
    cpr = synthetic_cpr()
    start = day + dt.timedelta(days=5)
    answer = _send(
        live_server.url,
        vendor,
        [
            _course("K-1", start, synthetic_cpr()),
            _course("K-2", start, synthetic_cpr()),
            _course("K-FEJL", start, cpr[:6] + "12"),  # invalid CPR: refused, its id kept
        ],
    )
    assert answer["accepted"] == 2 and answer["dropped_fields"] == ["practitioner_initials"]
    recipient = Recipient.objects.create(project=project, code="ekm", name="EKM-netværk")
    made = exports.create_export(
        by=Actor.system("tests"),
        project=project,
        recipient=recipient,
        kind=exports.AGGREGATED,
        start=day,
        end=timezone.localdate(),
    )
    manifest_sha256 = made.audit_event.details["manifest_sha256"]

    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/klinik/{YD}/administrer/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YD}/administrer/$"))
    page.get_by_role("link", name="Vælg adresser og beskeder").click()
    page.get_by_label("E-mailadresse").fill("ejer@fysio-syd.dk")
    page.get_by_role("button", name="Tilføj og send link").click()
    expect(page.locator('[data-state="unverified"]')).to_be_visible()
    (verification,) = smtp.to("ejer@fysio-syd.dk")
    (verify_link,) = links(verification)
    page.goto(verify_link)
    page.get_by_role("button", name="Bekræft adressen").click()
    expect(page.get_by_text("ejer@fysio-syd.dk er bekræftet")).to_be_visible()
    page.goto(f"{live_server.url}/klinik/{YD}/administrer/beskeder/")
    expect(page.locator('[data-state="verified"]')).to_be_visible()

    page.goto(f"{live_server.url}/klinik/{YD}/administrer/")
    page.get_by_role("link", name="Brug af jeres data").click()
    expect(page.get_by_role("heading", name="Brug af jeres data", level=1)).to_be_visible()
    expect(page.locator('[data-ledger-fields="diagnosekodning"]')).to_contain_text(
        "Frasorteret: Behandlerens initialer"
    )
    refused = page.locator('[data-reason="invalid_cpr"]')
    expect(refused).to_contain_text("K-FEJL")
    expect(refused).to_contain_text("Journal A/S, tlf. 7010 2030")
    expect(page.locator('[data-ledger-exports="diagnosekodning"]')).to_contain_text(manifest_sha256)
    expect(page.locator('[data-ledger-exports="diagnosekodning"]')).to_contain_text("EKM-netværk")
    assert cpr not in page.content()
    check_page(page, "60-ledger-wide")

    with page.expect_download() as caught:
        page.get_by_role("link", name="Hent oversigten som CSV").click()
    download = caught.value
    assert re.fullmatch(rf"sentinel-brug-af-data-{YD}-\d{{8}}\.csv", download.suggested_filename)
    text = Path(download.path()).read_bytes().decode("utf-8")
    assert text == "\ufeff" + ledger_csv(ledger_for(clinic))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["forloebs_id"], r["emne"]) for r in rows if r["afsnit"] == "afvist"] == [
        ("K-FEJL", "invalid_cpr")
    ]
    assert cpr not in text

    narrow = new_page(viewport=NARROW)
    narrow.goto(f"{live_server.url}/klinik/{YD}/administrer/brug-af-data/")
    log_in_at_provider(narrow, owner.sub)
    narrow.wait_for_url(re.compile(rf".*/klinik/{YD}/administrer/brug-af-data/$"))
    expect(narrow.locator('[data-reason="invalid_cpr"]')).to_contain_text("K-FEJL")
    check_page(narrow, "61-ledger-narrow")
