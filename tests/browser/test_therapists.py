"""The per-therapist breakdown in a real browser (axe-clean): the owner follows the tab's link,
reads the figures by therapist and chooses to show them to everyone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.collection.pipeline import ingest
from sentinel.lib.dates import add_months
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Project
from sentinel.reports.models import TherapistVisibility
from tests.browser.conftest import check_page
from tests.browser.test_report_print import WIDE, clinic_with_a_worklist, log_in_to_the_tab
from tests.portal.conftest import course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_owner_reads_the_breakdown_and_shows_it_to_everyone(
    live_server, provider, vendor, new_page
) -> None:
    clinic, owner, _cpr = clinic_with_a_worklist(provider, vendor, "847003")
    project = Project.objects.get(code="diagnosekodning")
    spec = project.specification().spec
    start = add_months(timezone.localdate(), -3)
    publish_specification(
        by=Actor.system("tests"),
        project=project,
        spec={**spec, "fields": [*spec["fields"], "practitioner_initials"]},
        effective_from=start,
    )
    day = start + dt.timedelta(days=5)
    records = [course(f"MK-{i}", day, "L90", practitioner_initials="MK") for i in range(5)]
    records += [course(f"AB-{i}", day, "L90", practitioner_initials="AB") for i in range(2)]
    ingest(vendor=vendor, clinic=clinic, records=records)

    page = new_page(viewport=WIDE)
    log_in_to_the_tab(page, live_server, owner, "847003")
    page.get_by_role("link", name="Se tallene pr. behandler").click()
    page.wait_for_url(re.compile(r".*/behandlere/$"))

    table = page.locator("#tabel-therapists")
    expect(table.get_by_role("rowheader", name="MK")).to_be_visible()
    expect(table.get_by_text(re.compile(r"^Øvrige"))).to_be_visible()
    assert table.get_by_text("AB", exact=True).count() == 0
    check_page(page, "60-therapists")

    page.get_by_label("Alle, der har adgang til klinikken").check()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Behandleroversigten vises nu for alle")).to_be_visible()
    assert TherapistVisibility.objects.get(clinic=clinic).everyone
    assert AuditEvent.objects.filter(
        action="report.therapist_visibility_set", clinic=clinic
    ).exists()
