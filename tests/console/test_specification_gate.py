"""A specification version published in the console changes what the pipeline collects from
its effective date on; records dated before it stay under the version in force on their date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sentinel.collection.models import Episode
from sentinel.collection.pipeline import ingest
from sentinel.projects.models import Project
from tests.api.conftest import episode
from tests.console.conftest import at as _at

pytestmark = pytest.mark.django_db


def test_a_new_version_changes_what_is_collected_from_its_effective_date(
    project_manager, collecting_clinic, vendor
) -> None:
    client, _person = project_manager
    project = Project.objects.get(code="diagnosekodning")
    effective = timezone.localdate() + dt.timedelta(days=7)
    # Version 2: only chapter L (musculoskeletal) codes, and the practitioner's initials too.
    form = {
        "record_types": ["episode"],
        "data_fields": [
            "patient_cpr",
            "speciale",
            "course_type",
            "start_date",
            "end_date",
            "diagnoses",
            "practitioner_initials",
        ],
        "specialities": ["51", "57"],
        "icpc2_chapters": ["L"],
        "icpc2_codes": "",
        "person_identifiable_worklist": "on",
        "effective_from": effective.isoformat(),
    }
    url = reverse("console:projects_project_specification", args=[project.pk])
    preview = client.post(url, form)
    assert client.post(url, {**form, "confirm": preview.context["fingerprint"]}).status_code == 302

    before, after = effective - dt.timedelta(days=1), effective + dt.timedelta(days=1)

    def record(source_id: str, day: dt.date, code: str) -> dict:
        return episode(
            source_id,
            start_date=day.isoformat(),
            course_type=None,
            practitioner_initials="ABC",
            diagnoses=[{"code": code, "recorded_at": _at(day).isoformat()}],
        )

    outcome = ingest(
        vendor=vendor,
        clinic=collecting_clinic,
        records=[
            record("before-hypertension", before, "K86"),  # v1: every code
            record("after-hypertension", after, "K86"),  # v2: outside chapter L
            record("after-knee", after, "L90"),  # v2: inside chapter L
        ],
        now=_at(effective + dt.timedelta(days=10)),
    )

    assert outcome.accepted == 2
    [rejected] = outcome.rejected
    assert (rejected.source_id, rejected.reason) == (
        "after-hypertension",
        "not_in_data_specification",
    )
    stored = {e.source_id: e for e in Episode.objects.filter(clinic=collecting_clinic)}
    assert set(stored) == {"before-hypertension", "after-knee"}
    assert stored["before-hypertension"].specification_version == 1
    assert stored["before-hypertension"].practitioner_initials == ""  # v1 does not collect it
    assert stored["after-knee"].specification_version == 2
    assert stored["after-knee"].practitioner_initials == "ABC"


def test_before_its_effective_date_a_new_version_changes_nothing(
    project_manager, collecting_clinic, vendor
) -> None:
    client, _person = project_manager
    project = Project.objects.get(code="diagnosekodning")
    effective = timezone.localdate() + dt.timedelta(days=30)
    form = {
        "record_types": ["episode"],
        "data_fields": ["patient_cpr", "speciale", "start_date", "diagnoses"],
        "specialities": ["51"],
        "icpc2_chapters": ["L"],
        "effective_from": effective.isoformat(),
    }
    url = reverse("console:projects_project_specification", args=[project.pk])
    preview = client.post(url, form)
    client.post(url, {**form, "confirm": preview.context["fingerprint"]})
    assert project.specifications.count() == 2

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    outcome = ingest(
        vendor=vendor,
        clinic=collecting_clinic,
        records=[
            episode(
                "today-hypertension",
                start_date=yesterday.isoformat(),
                diagnoses=[{"code": "K86", "recorded_at": _at(yesterday).isoformat()}],
            )
        ],
    )

    assert outcome.accepted == 1, outcome.rejected
