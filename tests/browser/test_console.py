"""The operator console in a real browser (axe-clean, screenshots), at 1280×800 and 480×700:
Danish throughout, the vendor page led by its clinics needing attention and paged, an
export made and downloaded by an administrator (the download audited), and a report target
set on the project's targets page."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate
from sentinel.console import staff
from tests.browser.conftest import check_page
from tests.console.conftest import PASSWORD, code_for, fresh_code
from tests.factories import ClinicFactory, VendorFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
SYSTEM = Actor.system("tests")


def log_in(page, base: str, username: str, device) -> None:
    page.goto(f"{base}/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", fresh_code(device))
    page.get_by_role("button", name="Log ind").or_(page.locator("input[value='Log ind']")).click()
    page.wait_for_url(re.compile(r".*/console/$"))


def test_the_console_in_danish_with_vendor_triage_and_an_export_download(
    live_server, new_page, settings, tmp_path
) -> None:
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    user, device = staff.create_staff(
        by=SYSTEM, username="bente", password=PASSWORD, role="administrator", full_name="Bente A"
    )
    assert staff.confirm_device(user=user, device=device, token=code_for(device))
    vendor = VendorFactory(name="Fysiodata Konsol A/S")
    quiet = ClinicFactory(ydernummer="899990", name="Stille Klinik")
    activate(by=SYSTEM, vendor=vendor, clinic=quiet, at=timezone.now() - dt.timedelta(days=60))
    for _ in range(27):
        activate(by=SYSTEM, vendor=vendor, clinic=ClinicFactory())

    page = new_page(viewport=WIDE)
    log_in(page, live_server.url, "bente", device)
    expect(page.get_by_text("Din rolle: Administrator")).to_be_visible()
    expect(page.get_by_role("link", name="Systemhuse").first).to_be_visible()
    check_page(page, "50-console-index")

    # The vendor page: the quiet clinic first, 25 to a page.
    page.goto(f"{live_server.url}/console/clinics/vendor/{vendor.pk}/change/")
    expect(page.locator("#attention-summary")).to_contain_text("1 klinik kræver opmærksomhed")
    first_row = page.locator(".console-vendor-clinics tbody tr").first
    expect(first_row).to_contain_text("Stille Klinik (899990)")
    expect(first_row).to_contain_text("aldrig modtaget data")
    expect(page.locator(".console-vendor-clinics tbody tr")).to_have_count(25)
    expect(page.get_by_text("Side 1 af 2 (28 klinikker)")).to_be_visible()
    check_page(page, "51-console-vendor-triage")
    page.get_by_role("link", name="Næste side").click()
    expect(page.locator(".console-vendor-clinics tbody tr")).to_have_count(3)
    page.set_viewport_size(NARROW)
    check_page(page, "52-console-vendor-page-2-narrow")
    page.set_viewport_size(WIDE)

    # The support page of the quiet clinic: its systemhus with contact, the checks named.
    page.goto(f"{live_server.url}/console/clinics/clinic/{quiet.pk}/change/")
    expect(page.locator("#support-summary")).to_contain_text(
        f"Fysiodata Konsol A/S, tlf. {vendor.support_phone}, {vendor.support_email}"
    )
    expect(page.locator("#support-summary")).to_contain_text(
        "Venter: Databehandleraftale; Praksis samtykke; Tilmelding til projekter."
    )
    expect(page.get_by_role("heading", name="Databehandleraftale")).to_be_visible()
    check_page(page, "53-console-support-page")

    # An export, made and downloaded from the console.
    page.goto(f"{live_server.url}/console/projects/project/")
    expect(page.get_by_role("heading", name="Vælg projekt, der skal ændres")).to_be_visible()
    check_page(page, "54-console-projects")
    page.get_by_role("link", name="Diagnosekodning").click()
    page.get_by_role("link", name="Dataudtræk").first.click()
    page.get_by_label("Modtager").select_option(index=1)
    page.get_by_role("button", name="Lav udtrækket").or_(
        page.locator("input[value='Lav udtrækket']")
    ).click()
    expect(page.get_by_text("Udtrækket til Danske Fysioterapeuters")).to_be_visible()
    check_page(page, "55-console-export-made")
    with page.expect_download() as caught:
        page.locator("#past-exports").get_by_role("link", name="manifest.json").click()
    download = caught.value
    assert download.suggested_filename == "manifest.json"
    manifest = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert manifest["project"]["code"] == "diagnosekodning"
    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert (row.actor_id, row.details["file"]) == ("bente", "manifest.json")
    page.set_viewport_size(NARROW)
    check_page(page, "56-console-export-narrow")

    # A target for the report's coding completeness, set with the form's fields.
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/console/projects/project/")
    page.get_by_role("link", name="Diagnosekodning").click()
    page.get_by_role("link", name="Mål for rapporten").click()
    expect(page.locator("#target-completeness")).to_contain_text("rapportens standard")
    page.get_by_label("Indikator").select_option("completeness")
    page.get_by_label("Lavere er bedre").check()
    page.get_by_label("Mål, nedre grænse (%)").fill("0")
    page.get_by_label("Mål, øvre grænse (%)").fill("12,5")
    page.locator("input[value='Gem mål og retning']").click()
    expect(page.locator("#target-completeness")).to_contain_text(
        "Lavere er bedre · Mål: 0,00–12,50 % · sat for version 1 af Bente A"
    )
    check_page(page, "57-console-targets")
    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.INDICATOR_TARGET_SET)
    assert row.actor_id == "bente"
    page.set_viewport_size(NARROW)
    check_page(page, "58-console-targets-narrow")
    # Baggrundsjob: the schedule, a job queued now, waiting for the worker.
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="Jobkørsler").click()
    expect(page.get_by_role("heading", name="Job og tidsplan")).to_be_visible()
    page.get_by_role("button", name="Kør nu: Sletning efter opbevaringstid").click()
    expect(page.get_by_text("Sletning efter opbevaringstid er sat i kø")).to_be_visible()
    expect(page.get_by_role("cell", name="venter")).to_be_visible()
    check_page(page, "59-console-jobs")
    page.set_viewport_size(NARROW)
    check_page(page, "60-console-jobs-narrow")
