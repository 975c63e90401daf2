"""Outcome records at the FHIR door: Observation (single scores, tests) and
QuestionnaireResponse (PSFS), linked to the course's EpisodeOfCare, through the same pipeline,
gate and minimisation as the JSON door; and the mapping's round trip."""

from __future__ import annotations

import pytest

from sentinel.api.fhir import parse_bundle, records_to_bundle
from sentinel.api.fhir.measures import EPISODE_URL
from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode, OutcomeRecord
from tests.outcomes.helpers import ENROLLED_ON, episode, measurement
from tests.outcomes.helpers import onboard as onboard_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FHIR = {"Content-Type": "application/fhir+json"}
PSFS = {
    "instrument": "psfs",
    "score": None,
    "items": [{"item": "1", "score": 4}, {"item": "2", "score": 7}],
}


def _records():
    return [
        episode("E-7", end_date="2026-04-01"),
        measurement("M-1", "E-7"),
        measurement("M-2", "E-7", timepoint="end_of_course", date="2026-04-01", **PSFS),
        measurement("M-3", "E-7", instrument="chair_stand_30s", score=12, answered_by="therapist"),
        measurement("M-4", "E-7", instrument="walk_40m_fast", score=28.5, answered_by="therapist"),
    ]


def test_the_mapping_goes_there_and_back():
    records = _records()
    parsed = parse_bundle(records_to_bundle("811111", records))
    assert parsed.entry_errors == {}
    back = {item.record["source_id"]: item.record for item in parsed.items}
    for sent in records[1:]:
        got = back[sent["source_id"]]
        for key in (
            "episode_source_id",
            "instrument",
            "timepoint",
            "date",
            "answered_by",
            "patient_cpr",
            "version",
        ):
            assert got[key] == sent[key], key
        if sent["instrument"] == "psfs":
            assert got["items"] == sent["items"] and got["score"] is None
        else:
            assert got["score"] == sent["score"]
    kinds = [e["resource"]["resourceType"] for e in records_to_bundle("811111", records)["entry"]]
    assert kinds.count("Observation") == 3 and kinds.count("QuestionnaireResponse") == 1
    assert [i.ydernummer for i in parsed.items] == ["811111"] * 5
    assert [i.record["type"] for i in parsed.items] == ["episode"] + ["outcome"] * 4


@pytest.fixture
def outcomes_clinic(api) -> Clinic:
    assert api.activate("811111").status_code == 200
    clinic = Clinic.objects.get(ydernummer="811111")
    onboard_in(clinic, api.vendor, "forlobsresultater", on=ENROLLED_ON)
    return clinic


def test_a_bundle_of_a_course_and_its_measurements_is_stored_as_by_the_json_door(
    api, outcomes_clinic
):
    records = [*_records(), measurement("M-5", "E-7", instrument="eq5d")]
    bundle = records_to_bundle("811111", records)

    response = api.http.post("/fhir", json=bundle, headers=FHIR)

    assert response.status_code == 200, response.text
    answers = [e["response"] for e in response.json()["entry"]]
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    measures = [
        (k, a)
        for k, a in zip(kinds, answers, strict=True)
        if k != "EpisodeOfCare" and k in ("Observation", "QuestionnaireResponse")
    ]
    stored = {o.source_id: o for o in OutcomeRecord.objects.filter(clinic=outcomes_clinic)}
    assert set(stored) == {"M-1", "M-2", "M-3", "M-4"}
    for (kind, answer), source_id in zip(measures[:4], ["M-1", "M-2", "M-3", "M-4"], strict=True):
        assert answer["status"] == "201 Created"
        assert answer["location"] == f"{kind}/{stored[source_id].pk}/_history/1"
    refused = measures[4][1]
    assert refused["status"].startswith("422")
    issue = refused["outcome"]["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "unknown_instrument"
    assert str(stored["M-2"].score) == "5.50"
    assert stored["M-3"].answered_by == "therapist"
    assert stored["M-1"].age_band == "60-69" and stored["M-1"].patient_pseudonym == ""
    assert stored["M-1"].episode_id == Episode.objects.get(clinic=outcomes_clinic).pk

    # A later Bundle refers to the stored course by its identifier alone.
    later = records_to_bundle(
        "811111", [measurement("M-9", "E-7", timepoint="follow_up_3m", date="2026-05-20")]
    )
    assert later["entry"][0]["resource"]["extension"][0]["url"] == EPISODE_URL
    answer = api.http.post("/fhir", json=later, headers=FHIR).json()
    assert answer["entry"][0]["response"]["status"] == "201 Created"
    assert OutcomeRecord.objects.filter(clinic=outcomes_clinic).count() == 5


def test_a_measurement_of_an_unknown_course_or_without_a_clinic_is_refused(api, outcomes_clinic):
    bundle = records_to_bundle("811111", [measurement("M-1", "E-404")])
    answer = api.http.post("/fhir", json=bundle, headers=FHIR).json()
    issue = answer["entry"][0]["response"]["outcome"]["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "unknown_course"

    resource = bundle["entry"][0]["resource"]
    resource["performer"] = [p for p in resource["performer"] if p.get("type") != "Organization"]
    answer = api.http.post("/fhir", json=bundle, headers=FHIR).json()
    response = answer["entry"][0]["response"]
    assert response["status"].startswith("400")
    assert "ydernummer" in response["outcome"]["issue"][0]["diagnostics"]
    assert not OutcomeRecord.objects.exists()
