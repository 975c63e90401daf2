"""The print view of a report tab, in a real browser (axe-clean): the person-identifiable
worklist (with the patients' CPR numbers) is left out unless the user ticks it, and including it
is written to the audit log.

The owner logs in through the real OpenID Connect provider; the clinic's courses come in
through the ingest pipeline, with generated CPR numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate, register_clinic
from sentinel.clinics.models import Clinic
from sentinel.collection.pipeline import ingest
from sentinel.demo.oidc import DemoUser
from sentinel.lib.dates import add_months
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import valid_cvr
from tests.portal.conftest import course, onboard

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
CPR_SHAPE = re.compile(r"\b\d{6}-\d{4}\b")


def clinic_with_a_worklist(provider, vendor, ydernummer: str) -> tuple[Clinic, DemoUser, str]:
    """A clinic onboarded three months ago with courses in three months, one of them (a knee
    course coded L03) on the worklist; its owner, and that course's CPR as the page shows it."""
    owner = provider.add(
        DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(int(ydernummer)), True, "high")
    )
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer=ydernummer, cvr=owner.cvr, name="Fysio Udskrift",
        speciale="51", municipality_code="0101",
    )  # fmt: skip
    start = add_months(timezone.localdate(), -3)
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.make_aware(dt.datetime.combine(start, dt.time(8))),
    )
    onboard(clinic, on=start)
    record = course("P-MANGLER", start + dt.timedelta(days=2), "L03")  # knee course, not L90
    cpr = record["patient_cpr"]
    others = [
        course(f"P-{i}", add_months(start, i % 3) + dt.timedelta(days=i), code)
        for i, code in enumerate(("L90", "L90", "L90", "L89", "L03", "L90", "L90"))
    ]
    ingest(vendor=vendor, clinic=clinic, records=[record, *others])
    return clinic, owner, f"{cpr[:6]}-{cpr[6:]}"


def log_in_to_the_tab(page, live_server, owner: DemoUser, ydernummer: str) -> None:
    page.goto(f"{live_server.url}/login/?next=/klinik/{ydernummer}/rapporter/diagnosekodning/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(r".*/rapporter/diagnosekodning/$"))


def test_print_view_has_no_cpr_unless_the_worklist_is_ticked(
    live_server, provider, vendor, new_page
) -> None:
    clinic, owner, shown_cpr = clinic_with_a_worklist(provider, vendor, "847001")

    page = new_page(viewport=WIDE)
    base = f"{live_server.url}/klinik/847001/rapporter/diagnosekodning/"
    log_in_to_the_tab(page, live_server, owner, "847001")
    # On screen the tab shows the worklist with the CPR number (the clinic's own user).
    expect(page.locator("#tabel-worklist").get_by_text(shown_cpr)).to_be_visible()

    # The print view, as opened from the tab: no worklist, no CPR anywhere on the page.
    page.get_by_role("link", name="Udskriftsvenlig version").click()
    page.wait_for_url(re.compile(r".*/print/$"))
    text = page.locator("body").inner_text()
    assert CPR_SHAPE.search(text) is None
    assert shown_cpr not in page.content()
    assert page.locator("#tabel-worklist").count() == 0
    assert not page.get_by_label("Medtag arbejdslisten").is_checked()
    printed = AuditEvent.objects.filter(action="report.worklist_printed", clinic=clinic)
    assert not printed.exists()
    check_page(page, "40-report-print-without-worklist")

    # Ticked: the worklist is printed with the CPR number, and that is audited as Karen.
    page.get_by_label("Medtag arbejdslisten").check()
    page.get_by_role("button", name="Opdater udskriften").click()
    page.wait_for_url(re.compile(r".*/print/\?arbejdsliste=med$"))
    expect(page.locator("#tabel-worklist").get_by_text(shown_cpr)).to_be_visible()
    assert [(e.actor_kind, e.actor_id) for e in printed] == [("clinic_user", owner.sub)]
    page.emulate_media(media="print")
    check_page(page, "41-report-print-with-worklist")
    page.emulate_media(media="screen")

    # The print view's own link back keeps nothing ticked.
    page.goto(f"{base}print/")
    assert page.locator("#tabel-worklist").count() == 0
