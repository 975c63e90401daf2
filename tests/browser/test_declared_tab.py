"""The tab of a project made as data only (indicators declared in the console's model, no
report code), in a real browser and axe-clean, wide and in the practice system's narrow
window: the headline, the indicators beside the nation, the month table and the funnel plot,
with nothing pushing the page sideways."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, register_clinic
from sentinel.clinics.models import Clinic
from sentinel.collection.pipeline import ingest
from sentinel.demo.oidc import DemoUser
from sentinel.lib.dates import add_months
from sentinel.projects.actions import enrol, publish_specification
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from sentinel.reports.actions import publish_indicators, save_indicator
from sentinel.reports.indicators import ANY
from tests.browser.conftest import check_page, log_in_at_provider
from tests.factories import valid_cvr
from tests.portal.conftest import course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SYSTEM = Actor.system("tests")
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
START = add_months(timezone.localdate(), -3)


def declared_project() -> Project:
    project = Project.objects.create(
        code="artrose",
        name="Artroseforløb",
        summary_da="Kodning af artroseforløb.",
        description_da="Forløb med speciale, forløbstype og koder.",
        reports_open_from=dt.date(2026, 1, 1),
        is_published=True,
    )
    spec = {
        "record_types": ["episode"],
        "fields": ["patient_cpr", "speciale", "course_type", "start_date", "diagnoses"],
        "specialities": ["51"],
    }
    publish_specification(by=SYSTEM, project=project, spec=spec, effective_from=START)
    save_indicator(
        by=SYSTEM, project=project, key="artrose_kodet", label_da="Artrose med krævet kode",
        label_en="Osteoarthritis with the required code", record_type="episode",
        population={"course_type": ["knee_osteoarthritis", "hip_osteoarthritis"]},
        denominator={}, numerator={"code": ["L89", "L90"]},
        low=Decimal("90"), high=Decimal("100"),
    )  # fmt: skip
    save_indicator(
        by=SYSTEM, project=project, key="kodet", label_da="Forløb med kode",
        record_type="episode", population={}, denominator={}, numerator={"code": [ANY]},
    )  # fmt: skip
    publish_indicators(by=SYSTEM, project=project, version=1, today=START)
    return project


def clinic_sending(project: Project, vendor, ydernummer: str, codes: list[str]) -> Clinic:
    cvr = valid_cvr(int(ydernummer))
    clinic = register_clinic(
        by=Actor.vendor(vendor), ydernummer=ydernummer, cvr=cvr, name=f"Fysio {ydernummer}",
        speciale="51", municipality_code="0101",
    )  # fmt: skip
    at = timezone.make_aware(dt.datetime.combine(START, dt.time(8)))
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=at)
    signer = Signer(uuid.uuid4(), "Karen Klinikejer", cvr, AssuranceLevel.HIGH, True)
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(by=signer.actor, clinic=clinic, project=project, on=START)
    records = [
        course(f"{ydernummer}-{i}", add_months(START, i % 3) + dt.timedelta(days=2 + i), code)
        for i, code in enumerate(codes)
    ]
    result = ingest(vendor=vendor, clinic=clinic, records=records)
    assert result.accepted == len(records)
    return clinic


def test_the_declared_tab_wide_and_narrow(live_server, provider, vendor, new_page) -> None:
    project = declared_project()
    clinic_sending(project, vendor, "848000", ["L90", "L90", "L03", "L89", "L90", "L90"])
    for n in range(1, 6):
        clinic_sending(project, vendor, f"84800{n}", ["L90"] * (4 + n) + ["L03"])
    aggregates.refresh_benchmark()
    owner = provider.add(
        DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(848000), True, "high")
    )

    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/848000/rapporter/artrose/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(r".*/rapporter/artrose/$"))

    expect(page.locator(".headline-figure")).to_have_count(2)
    expect(page.locator(".report-headline")).to_contain_text("Artrose med krævet kode")
    expect(page.locator(".report-headline")).to_contain_text("83,33 %")  # L89 or L90: 5 of 6
    expect(page.locator("#sektion-funnel svg")).to_have_count(2)
    check_page(page, "59-declared-tab-wide")
    page.set_viewport_size(NARROW)
    assert page.evaluate("() => document.querySelector('.report').scrollWidth") <= NARROW["width"]
    check_page(page, "59-declared-tab-narrow")
