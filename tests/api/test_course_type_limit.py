"""Forløbsresultater collects the structured courses only (issue 17, minimisation), tested
through the JSON door over real HTTP: from version 2 of its specification (in force from
2026-12-07, migration ``projects/0006``) a speciale 51 course that is no structured course is
refused as ``not_in_data_specification``, and so is a measurement of it; nothing of either is
stored, and the answer and the clinic's data-use ledger say why. A course that started before
the version is judged by version 1, but its measurements from that day on by version 2."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode, OutcomeRecord, Submission
from sentinel.lib.icpc2 import COURSE_TYPES
from sentinel.projects.models import Project
from tests.outcomes.helpers import ENROLLED_ON, episode, measurement
from tests.outcomes.helpers import onboard as onboard_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIMITED_FROM = dt.date(2026, 12, 7)  # Forløbsresultater's specification version 2
DAY = LIMITED_FROM.isoformat()


@pytest.fixture
def outcomes_clinic(api) -> Clinic:
    """A clinic the ``api`` vendor activated, enrolled in Forløbsresultater only."""
    assert api.activate("844444").status_code == 200
    clinic = Clinic.objects.get(ydernummer="844444")
    onboard_in(clinic, api.vendor, "forlobsresultater", on=ENROLLED_ON)
    return clinic


def course(source_id: str, course_type: str | None, day: str = DAY) -> dict:
    return episode(
        source_id,
        course_type=course_type,
        start_date=day,
        diagnoses=[
            {"code": "L90" if course_type else "L18", "recorded_at": f"{day}T09:30:00+01:00"}
        ],
    )


def test_version_2_limits_forlobsresultater_to_the_structured_courses():
    project = Project.objects.get(code="forlobsresultater")
    version = project.specification(LIMITED_FROM)
    assert version is not None
    assert (version.version, version.effective_from) == (2, LIMITED_FROM)
    assert sorted(version.parsed.course_types) == sorted(COURSE_TYPES)
    previous = project.specification(LIMITED_FROM - dt.timedelta(days=1))
    assert previous is not None
    assert (previous.version, previous.parsed.course_types) == (1, ())
    assert "Kun de strukturerede forløb opsamles" in project.description_da
    assert "Only the structured courses are collected" in project.description_en


def test_a_course_of_no_structured_type_and_its_measurement_are_refused(api, outcomes_clinic):
    records = [course("E-OTHER", None), measurement("M-OTHER", course="E-OTHER", date=DAY)]

    response = api.submit(outcomes_clinic.ydernummer, records)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 0
    assert [(r["index"], r["source_id"], r["reason"]) for r in body["rejected"]] == [
        (0, "E-OTHER", "not_in_data_specification"),
        (1, "M-OTHER", "not_in_data_specification"),
    ]
    assert "course_type null" in body["rejected"][0]["message"]
    assert "of a course with course_type null" in body["rejected"][1]["message"]
    assert not Episode.objects.filter(clinic=outcomes_clinic).exists()
    assert not OutcomeRecord.objects.filter(clinic=outcomes_clinic).exists()
    submission = Submission.objects.get(clinic=outcomes_clinic)
    assert submission.refused == [
        ["E-OTHER", "not_in_data_specification"],
        ["M-OTHER", "not_in_data_specification"],
    ]
    assert submission.stored == 0

    # The measurement sent again later: nothing of the refused course was kept to judge by.
    again = api.submit(
        outcomes_clinic.ydernummer, [measurement("M-OTHER", course="E-OTHER", date=DAY)]
    )
    assert [r["reason"] for r in again.json()["rejected"]] == ["unknown_course"]
    assert not OutcomeRecord.objects.filter(clinic=outcomes_clinic).exists()


def test_a_structured_course_and_its_measurement_are_stored(api, outcomes_clinic):
    records = [
        course("E-KNEE", "knee_osteoarthritis"),
        measurement("M-KNEE", course="E-KNEE", date=DAY),
    ]

    response = api.submit(outcomes_clinic.ydernummer, records)

    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, [])
    stored = Episode.objects.get(clinic=outcomes_clinic, source_id="E-KNEE")
    assert (stored.course_type, stored.specification_version) == ("knee_osteoarthritis", 2)
    assert OutcomeRecord.objects.get(clinic=outcomes_clinic).source_id == "M-KNEE"

    # A later measurement of the stored course is judged by the course's stored type.
    later = api.submit(
        outcomes_clinic.ydernummer, [measurement("M-KNEE-2", course="E-KNEE", date=DAY)]
    )
    assert (later.json()["accepted"], later.json()["rejected"]) == (1, [])


def test_a_course_from_before_the_limit_is_kept_but_not_measured_from_it(api, outcomes_clinic):
    """Version 1 decides for a course that started before version 2 (its start date), so it
    is stored; a measurement dated from version 2 on is judged by the limit, with the type
    of the course as stored."""
    before = (LIMITED_FROM - dt.timedelta(days=3)).isoformat()
    first = api.submit(outcomes_clinic.ydernummer, [course("E-OLD", None, day=before)])
    assert first.json()["accepted"] == 1
    assert Episode.objects.get(clinic=outcomes_clinic).specification_version == 1

    response = api.submit(
        outcomes_clinic.ydernummer,
        [
            measurement("M-OLD-1", course="E-OLD", date=before),
            measurement("M-OLD-2", course="E-OLD", date=DAY),
        ],
    )

    body = response.json()
    assert body["accepted"] == 1
    assert [(r["source_id"], r["reason"]) for r in body["rejected"]] == [
        ("M-OLD-2", "not_in_data_specification")
    ]
    assert [o.source_id for o in OutcomeRecord.objects.filter(clinic=outcomes_clinic)] == [
        "M-OLD-1"
    ]


def test_the_limit_is_published_to_vendors(api, outcomes_clinic):
    projects = {p["code"]: p for p in api.http.get("/projects").json()}
    assert sorted(projects["forlobsresultater"]["specification"]["course_types"]) == sorted(
        COURSE_TYPES
    )
    assert projects["diagnosekodning"]["specification"]["course_types"] == []
    subscriptions = api.http.get(f"/clinics/{outcomes_clinic.ydernummer}/subscriptions").json()
    [subscription] = subscriptions["subscriptions"]
    assert subscription["specification"]["version"] == 2
    assert "knee_osteoarthritis" in subscription["specification"]["course_types"]
