"""Forløbsresultater's tab in a real browser, axe-clean, wide (1280×800) and in the practice
system's narrow window (480×700): a clinic and five others enrolled, their courses and
measurements through the pipeline, the benchmark refreshed; the headline of declared shares,
the medians' table, the funnel plot, nothing pushing the page sideways (a wide table's
screen-reader words stay inside its scrolling frame)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

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
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from tests.browser.conftest import check_page, fits_without_horizontal_scroll, log_in_at_provider
from tests.factories import valid_cvr
from tests.outcomes.helpers import episode, measurement

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SYSTEM = Actor.system("tests")
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
START = add_months(timezone.localdate(), -3)
BEGUN = START + dt.timedelta(days=2)
ENDED = BEGUN + dt.timedelta(days=40)
MEASURED_END = BEGUN + dt.timedelta(days=35)


def pair(course: str, start: int, end: int, instrument: str = "nprs") -> list[dict]:
    return [
        measurement(f"{course}-b", course, instrument=instrument, score=start,
                    date=BEGUN.isoformat()),
        measurement(f"{course}-e", course, instrument=instrument, score=end,
                    timepoint="end_of_course", date=MEASURED_END.isoformat()),
    ]  # fmt: skip


def courses(prefix: str, pairs: int, unmeasured: int) -> list[dict]:
    """Ended knee courses: ``pairs`` with NPRS 8 → 3, ``unmeasured`` without a measurement."""
    records: list[dict] = []
    for n in range(pairs + unmeasured):
        source = f"{prefix}-{n}"
        records.append(
            episode(source, start_date=BEGUN.isoformat(), end_date=ENDED.isoformat(),
                    diagnoses=[{"code": "L90", "recorded_at": f"{BEGUN}T09:30:00+01:00"}])
        )  # fmt: skip
        if n < pairs:
            records += pair(source, 8, 3)
    return records


def clinic_sending(project: Project, vendor, ydernummer: str, records: list[dict]) -> Clinic:
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
    result = ingest(vendor=vendor, clinic=clinic, records=records)
    assert result.rejected == [], result.rejected
    return clinic


def test_the_outcome_tab_wide_and_narrow(live_server, provider, vendor, new_page) -> None:
    project = Project.objects.get(code="forlobsresultater")
    own = courses("A", 3, 2) + pair("A-3", 6, 5, "nprs")[:1]  # a baseline only
    clinic_sending(project, vendor, "848100", own)
    for n in range(1, 6):
        clinic_sending(project, vendor, f"84810{n}", courses(f"K{n}", 3, 2))
    aggregates.refresh_benchmark()
    owner = provider.add(
        DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(848100), True, "high")
    )

    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/848100/rapporter/forlobsresultater/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(r".*/rapporter/forlobsresultater/$"))

    headline = page.locator(".report-headline")
    expect(headline).to_contain_text("Opfølgning: samme måleredskab ved start og afslutning")
    expect(headline).to_contain_text("60,00 %")  # 3 of the 5 ended courses
    expect(page.locator("#sektion-medians")).to_contain_text("-5,00")  # NPRS 8 → 3
    expect(page.locator("#sektion-funnel svg").first).to_be_visible()
    # The month table of eleven shares scrolls in its own frame: the page never sideways.
    assert fits_without_horizontal_scroll(page)
    check_page(page, "61-outcome-tab-wide")
    page.set_viewport_size(NARROW)
    assert page.evaluate("() => document.querySelector('.report').scrollWidth") <= NARROW["width"]
    assert fits_without_horizontal_scroll(page)
    check_page(page, "61-outcome-tab-narrow")
