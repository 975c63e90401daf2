"""Outcome records through the JSON door over real HTTP: the same `records` array, told apart
by `type`; per-record reasons; 422 for a body of the wrong shape naming the field as sent;
the project in `GET /projects`, `/subscriptions` and `/status` without special cases."""

from __future__ import annotations

import pytest

from sentinel.clinics.models import Clinic
from sentinel.collection.models import OutcomeRecord, Submission
from tests.api.conftest import onboard
from tests.outcomes.helpers import ENROLLED_ON, episode, measurement
from tests.outcomes.helpers import onboard as onboard_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def outcomes_clinic(api) -> Clinic:
    """A clinic the ``api`` vendor activated, enrolled in Forløbsresultater only."""
    assert api.activate("822222").status_code == 200
    clinic = Clinic.objects.get(ydernummer="822222")
    onboard_in(clinic, api.vendor, "forlobsresultater", on=ENROLLED_ON)
    return clinic


def test_outcomes_and_courses_in_one_batch(api, outcomes_clinic):
    psfs = measurement(
        "M-2",
        instrument="psfs",
        score=None,
        timepoint="end_of_course",
        date="2026-03-30",
        items=[{"item": "1", "score": 7}, {"item": "2", "score": 8}],
    )
    records = [episode(), measurement("M-1"), psfs, measurement("M-3", instrument="eq5d")]

    response = api.submit(outcomes_clinic.ydernummer, records)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 3
    assert [(r["index"], r["source_id"], r["reason"]) for r in body["rejected"]] == [
        (3, "M-3", "unknown_instrument")
    ]
    assert body["dropped_fields"] == ["diagnoses", "patient_cpr", "practitioner_initials"]
    stored = {o.source_id: o for o in OutcomeRecord.objects.filter(clinic=outcomes_clinic)}
    assert set(stored) == {"M-1", "M-2"}
    assert str(stored["M-2"].score) == "7.50"
    assert stored["M-2"].age_band == "60-69"
    assert Submission.objects.get().stored == 3  # the course and two measurements


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({**measurement(), "score": "7"}, "records.1.score"),
        ({**measurement(), "colour": "blue"}, "records.1.colour"),
        ({**measurement(), "episode_source_id": "E-0101901234"}, "records.1.episode_source_id"),
        ({k: v for k, v in measurement().items() if k != "instrument"}, "records.1.instrument"),
        ({**measurement(), "type": "survey"}, "records.1.type"),
    ],
)
def test_a_body_of_the_wrong_shape_is_422_naming_the_field(api, outcomes_clinic, record, field):
    response = api.submit(outcomes_clinic.ydernummer, [episode(), record])
    assert response.status_code == 422
    named = [f["field"] for f in response.json()["error"]["fields"]]
    assert field in named, named
    assert not OutcomeRecord.objects.exists()


def test_a_clinic_only_in_diagnosekodning_gets_not_enrolled(api):
    assert api.activate("833333").status_code == 200
    clinic = Clinic.objects.get(ydernummer="833333")
    onboard(clinic)
    response = api.submit(clinic.ydernummer, [episode(), measurement()])
    body = response.json()
    assert body["accepted"] == 1
    assert [r["reason"] for r in body["rejected"]] == ["not_enrolled"]


def test_the_project_is_listed_subscribed_and_checked_like_the_first(api, outcomes_clinic):
    projects = {p["code"]: p for p in api.http.get("/projects").json()}
    assert projects["forlobsresultater"]["specification"]["record_types"] == [
        "episode",
        "outcome",
    ]
    assert "aldersgruppe" in projects["forlobsresultater"]["description_da"]

    subscriptions = api.http.get(f"/clinics/{outcomes_clinic.ydernummer}/subscriptions").json()
    assert [s["project"] for s in subscriptions["subscriptions"]] == ["forlobsresultater"]
    assert subscriptions["subscriptions"][0]["collect_from"] == ENROLLED_ON.isoformat()

    status = api.http.get(f"/clinics/{outcomes_clinic.ydernummer}/status").json()
    assert [p["project"] for p in status["projects"]] == ["forlobsresultater"]
    assert "forlobsresultater" in status["reports_open_on"]
