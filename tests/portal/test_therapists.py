"""The per-therapist breakdown: figures by practitioner initials with groups under five
courses suppressed, and the owner's audited choice of who may see it (portal, Django client
and the real local OIDC provider)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sentinel.audit.models import AuditEvent
from sentinel.collection.pipeline import ingest
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.reports import therapists
from sentinel.reports.engine import SUPPRESSED, Period
from sentinel.reports.models import TherapistVisibility
from tests.api.conftest import synthetic_cpr
from tests.factories import ClinicFactory
from tests.portal.conftest import SYSTEM, log_in, person
from tests.reports.conftest import onboard_for_reports

START = dt.date(2026, 2, 2)


def course(source_id: str, initials: str | None, code: str, course_type: str) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": START.isoformat(),
        "practitioner_initials": initials,
        "diagnoses": [{"code": code, "recorded_at": f"{START}T09:00:00+01:00"}],
    }


KNEE, BACK = "knee_osteoarthritis", "low_back_pain"


@pytest.fixture
def with_initials(project):
    """Diagnosekodning collecting the therapist's initials (a new specification version)."""
    spec = project.specification().spec
    publish_specification(
        by=SYSTEM,
        project=project,
        spec={**spec, "fields": [*spec["fields"], "practitioner_initials"]},
        effective_from=dt.date(2026, 1, 1),
    )
    return project


@pytest.fixture
def staffed_clinic(clinic, vendor, with_initials):
    """MK: 6 knee courses (5 L90, 1 L15); AB: 5 low back pain (L03); CD: 2 and EF: 1 knee
    (L90); one course without initials (L90)."""
    onboard_for_reports(clinic, with_initials, vendor=vendor)
    records = [course(f"MK{i}", "mk", "L90", KNEE) for i in range(5)]
    records.append(course("MK5", "MK", "L15", KNEE))
    records += [course(f"AB{i}", "AB", "L03", BACK) for i in range(5)]
    records += [course(f"CD{i}", "CD", "L90", KNEE) for i in range(2)]
    records += [course("EF0", "EF", "L90", KNEE), course("NONE", None, "L90", KNEE)]
    outcome = ingest(vendor=vendor, clinic=clinic, records=records)
    assert outcome.accepted == 15 and "practitioner_initials" not in outcome.dropped_fields
    return clinic


def test_breakdown_per_therapist_suppresses_groups_under_five(staffed_clinic, with_initials):
    table = therapists.breakdown(staffed_clinic, with_initials, Period.since_enrolment(), by=SYSTEM)

    rows = [tuple(r) for r in table.rows]
    assert rows[0][:5] == ("Hele klinikken", 15, 15, 14, Decimal("93.33"))
    assert rows[1][:5] == ("MK", 6, 6, 5, Decimal("83.33"))
    assert rows[1][5] == "L90 (83,33 %), L15 (16,67 %)"
    assert rows[1][5].en == "L90 (83.33 %), L15 (16.67 %)"
    # CD (2), EF (1) and the course without initials make 4: under five beside the clinic's
    # total, so the smallest shown therapist (AB, 5) joins them: 9 courses, none alone.
    others = rows[2]
    assert others[0].startswith("Øvrige") and others[0].en.startswith("Others")
    assert others[1:5] == (9, 9, 9, Decimal("100.00"))
    assert others[5] == "L03 (55,56 %), L90 (44,44 %)"
    assert len(rows) == 3
    assert all(r[0] not in ("AB", "CD", "EF") for r in rows)
    assert SUPPRESSED not in [cell for r in rows for cell in r]
    viewed = AuditEvent.objects.get(action="report.therapists_viewed")
    assert viewed.clinic_id == staffed_clinic.pk


def test_a_clinic_of_small_groups_only_shows_them_as_under_five(clinic, vendor, with_initials):
    onboard_for_reports(clinic, with_initials, vendor=vendor)
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[course("X1", "XY", "L90", KNEE), course("Z1", "ZZ", "L90", KNEE)],
    )

    table = therapists.breakdown(clinic, with_initials, Period.since_enrolment(), by=SYSTEM)

    rows = [tuple(r) for r in table.rows]
    assert rows[0][1] == 2  # the clinic's own total
    assert rows[1][1:5] == (SUPPRESSED,) * 4 and len(rows) == 2


def test_no_breakdown_where_the_specification_does_not_collect_initials(clinic, project, vendor):
    onboard_for_reports(clinic, project, vendor=vendor)

    with pytest.raises(DomainError) as refused:
        therapists.breakdown(clinic, project, Period.since_enrolment(), by=SYSTEM)

    assert refused.value.code == "initials_not_collected"
    assert not AuditEvent.objects.filter(action="report.therapists_viewed").exists()


def page(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/behandlere/"


def test_owner_alone_by_default_then_everyone_when_the_owner_chooses(
    client, provider, staffed_clinic
):
    url = page(staffed_clinic)
    log_in(client, provider, person(staffed_clinic, name="Sofie Ansat", may_sign=False), url)

    staff_before = client.get(url)
    refused_post = client.post(url, {"shown_to": "everyone"})

    assert staff_before.status_code == 403
    assert 'data-refused="owner-only"' in staff_before.content.decode()
    assert 'id="tabel-therapists"' not in staff_before.content.decode()
    assert refused_post.status_code == 302
    assert not TherapistVisibility.objects.exists()
    assert not AuditEvent.objects.filter(action="report.therapist_visibility_set").exists()

    client.logout()
    log_in(client, provider, person(staffed_clinic), url, fresh=True)
    owner_view = client.get(url)
    assert owner_view.status_code == 200
    assert 'id="tabel-therapists"' in owner_view.content.decode()
    assert client.post(url, {"shown_to": "everyone"}).status_code == 302
    chosen = AuditEvent.objects.get(action="report.therapist_visibility_set")
    assert chosen.details == {"shown_to": "everyone"}
    assert chosen.actor_name == "Test Klinikejer"

    client.logout()
    log_in(client, provider, person(staffed_clinic, may_sign=False), url, fresh=True)
    staff_after = client.get(url)
    assert staff_after.status_code == 200
    assert "MK" in staff_after.content.decode()
    report = client.get(f"/klinik/{staffed_clinic.ydernummer}/rapporter/diagnosekodning/")
    assert url in report.content.decode()  # the tab links to it

    client.logout()
    log_in(client, provider, person(staffed_clinic), url, fresh=True)
    client.post(url, {"shown_to": "owner"})
    client.logout()
    log_in(client, provider, person(staffed_clinic, may_sign=False), url, fresh=True)
    assert client.get(url).status_code == 403
    assert AuditEvent.objects.filter(action="report.therapist_visibility_set").count() == 2


def test_breakdown_of_another_clinic_is_not_found(client, provider, staffed_clinic):
    other = ClinicFactory()
    log_in(client, provider, person(other), "/klinik/")

    assert client.get(page(staffed_clinic)).status_code == 404
    assert client.post(page(staffed_clinic), {"shown_to": "everyone"}).status_code == 404
    assert not TherapistVisibility.objects.exists()


def test_breakdown_page_is_not_found_without_initials_in_the_specification(
    client, provider, clinic, project, vendor
):
    onboard_for_reports(clinic, project, vendor=vendor)
    log_in(client, provider, person(clinic), page(clinic))

    assert client.get(page(clinic)).status_code == 404


def test_breakdown_page_in_english(client, provider, staffed_clinic):
    log_in(client, provider, person(staffed_clinic), page(staffed_clinic))

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(page(staffed_clinic))

    text = english.content.decode()
    assert english.status_code == 200
    assert "Therapists – Diagnosekodning" in text
    assert "The whole clinic" in text and "Others (therapists with fewer than 5 courses" in text
