"""The report tab leads with the participation model's state, in a real browser (axe-clean):

- collection blocked (a new DPA version is in force and not signed): a banner before any table
  says since when nothing is collected, why, and links to the page that fixes it;
- a period without courses says so instead of showing tables of zeros;
- a project the clinic left says so, from when, and where to enrol again.

The owner logs in through the real OpenID Connect provider; the clinics' histories are made
with the real actions, back-dated.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.actions import Signer, approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel, DocumentKind
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, register_clinic
from sentinel.demo.oidc import DemoUser
from sentinel.lib.dates import add_months, format_da
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SYSTEM = Actor.system("tests")
WIDE = {"width": 1280, "height": 800}


def onboarded(vendor, owner: DemoUser, ydernummer: str, name: str) -> dt.date:
    """Activated, signed, approved and enrolled three months ago: the report is open."""
    day = add_months(timezone.localdate(), -3)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer=ydernummer, cvr=owner.cvr, name=name,
        speciale="51", municipality_code="0101",
    )  # fmt: skip
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=at)
    signer = Signer(uuid.UUID(owner.sub), owner.name, owner.cvr, AssuranceLevel.HIGH, True)
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(by=signer.actor, clinic=clinic, project=Project.objects.get(code="diagnosekodning"),
          on=day)  # fmt: skip
    return day


def test_report_tabs_lead_with_blocked_empty_and_unenrolled_states(
    live_server, provider, vendor, new_page
) -> None:
    owner = provider.add(
        DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(846001), True, "high")
    )
    onboarded(vendor, owner, "846001", "Fysio Tom")
    onboarded(vendor, owner, "846002", "Fysio Frameldt")
    today = timezone.localdate()
    left_on = today - dt.timedelta(days=5)
    unenrol(by=SYSTEM, clinic=vendor_clinic("846002"), project=diagnosekodning(), on=left_on)

    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(r".*/klinik/$"))

    # No courses in the period: said in words, no tables of zeros, no banner.
    page.goto(f"{live_server.url}/klinik/846001/rapporter/diagnosekodning/")
    expect(page.get_by_text("Der er ingen forløb i perioden.")).to_be_visible()
    assert page.locator(".report-notice").count() == 0
    assert page.locator("table").count() == 0
    check_page(page, "30-report-no-courses")

    # A new DPA version in force since yesterday, not signed: collection is blocked.
    since = today - dt.timedelta(days=1)
    publish_document(
        by=SYSTEM, kind=DocumentKind.DPA, title="Databehandleraftale v2",
        text=f"Tekst v2 {uuid.uuid4()}", published_on=since,
    )  # fmt: skip
    page.goto(f"{live_server.url}/klinik/846001/rapporter/diagnosekodning/")
    notice = page.locator(".report-notice")
    expect(notice.get_by_role("heading", name="Der opsamles ikke data")).to_be_visible()
    expect(notice).to_contain_text(f"siden {format_da(since)}")
    expect(notice).to_contain_text("ny version af databehandleraftalen")
    # The banner comes before the period form and any section.
    assert page.evaluate(
        "() => !!(document.querySelector('.report-notice').compareDocumentPosition("
        "document.querySelector('.period-form')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    check_page(page, "31-report-blocked")
    page.set_viewport_size({"width": 480, "height": 700})
    check_page(page, "31-report-blocked-narrow")
    notice.get_by_role("link", name="Gå til databehandleraftalen").click()
    page.wait_for_url(re.compile(r".*/klinik/846001/databehandleraftale/$"))

    # A project the clinic left: said first, with the dates and where to enrol again.
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/klinik/846002/rapporter/diagnosekodning/")
    notice = page.locator(".report-notice")
    expect(
        notice.get_by_role("heading", name="Klinikken er frameldt Diagnosekodning")
    ).to_be_visible()
    expect(notice).to_contain_text(f"Du frameldte dig Diagnosekodning {format_da(left_on)}")
    expect(page.locator(".report-tabs")).to_contain_text("frameldt")
    check_page(page, "32-report-unenrolled")
    notice.get_by_role("link", name="Gå til Administrer").click()
    page.wait_for_url(re.compile(r".*/klinik/846002/administrer/$"))


def vendor_clinic(ydernummer: str):
    from sentinel.clinics.models import Clinic

    return Clinic.objects.get(ydernummer=ydernummer)


def diagnosekodning() -> Project:
    return Project.objects.get(code="diagnosekodning")
