"""POST /api/v1/fhir: the same pipeline, as a FHIR R4 batch Bundle, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from sentinel.api.fhir import REASON_SYSTEM, records_to_bundle
from sentinel.collection.models import DiagnosisEvent, Episode, Submission
from tests.api.conftest import episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHIR = {"Content-Type": "application/fhir+json"}


def post(api, bundle: dict) -> httpx.Response:
    return api.http.post("/fhir", json=bundle, headers=FHIR)


def test_fhir_bundle_round_trip_stores_what_the_json_api_would(api, ready_clinic):
    records = [
        episode(
            "F-1",
            diagnoses=[
                {"code": "L03", "recorded_at": "2026-02-02T09:30:00+01:00", "source": "clinician"},
                {"code": "L86", "recorded_at": "2026-02-10T09:30:00+01:00", "source": "referral"},
            ],
        ),
        episode("F-2", course_type=None, diagnoses=[]),
    ]
    bundle = records_to_bundle(ready_clinic.ydernummer, records)

    response = post(api, bundle)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    answer = response.json()
    assert answer["resourceType"] == "Bundle"
    assert answer["type"] == "batch-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    for request, entry in zip(bundle["entry"], answer["entry"], strict=True):
        kind = request["resource"]["resourceType"]
        # new courses and their diagnoses are created; a Patient is used, not kept
        assert entry["response"]["status"] == ("200 OK" if kind == "Patient" else "201 Created")
        assert ("location" in entry["response"]) == (kind != "Patient")
    for entry in answer["entry"]:
        assert entry["response"]["outcome"]["resourceType"] == "OperationOutcome"
    stored = Episode.objects.get(source_id="F-1")
    assert stored.current_code == "L86"
    assert list(
        DiagnosisEvent.objects.filter(episode=stored)
        .order_by("recorded_at")
        .values_list("code", "source")
    ) == [("L03", "clinician"), ("L86", "referral")]
    assert Episode.objects.filter(source_id="F-2").exists()
    assert Submission.objects.get().channel == "fhir"


def test_fhir_rejected_record_gets_an_operation_outcome_with_the_reason(api, ready_clinic):
    bad = episode("F-3", patient_cpr="3102801234")
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("F-4"), bad])

    answer = post(api, bundle).json()

    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert "201 Created" in statuses
    rejected = [e for e in answer["entry"] if e["response"]["status"].startswith("422")]
    assert rejected
    issue = rejected[0]["response"]["outcome"]["issue"][0]
    assert issue["severity"] == "error"
    assert issue["details"]["coding"][0] == {
        **issue["details"]["coding"][0],
        "system": REASON_SYSTEM,
        "code": "invalid_cpr",
    }
    assert "3102801234" not in str(answer)
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["F-4"]


def test_fhir_another_vendors_clinic_is_not_found(api, other_api, ready_clinic):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("F-5")])

    answer = post(other_api, bundle).json()

    # said once, on the EpisodeOfCare's managingOrganization; its other entries depend on it
    statuses = {
        e["resource"]["resourceType"]: a["response"]["status"]
        for e, a in zip(bundle["entry"], answer["entry"], strict=True)
    }
    assert statuses == {
        "EpisodeOfCare": "404 Not Found",
        "Patient": "424 Failed Dependency",
        "Condition": "424 Failed Dependency",
    }
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Patient"},
        {"resourceType": "Bundle", "type": "collection", "entry": []},
        "not json at all",
    ],
)
def test_fhir_unusable_body_is_422_operation_outcome(api, ready_clinic, body):
    if isinstance(body, str):
        response = api.http.post("/fhir", content=body, headers=FHIR)
    else:
        response = post(api, body)

    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert not Submission.objects.exists()


def test_fhir_needs_a_credential(live_server, ready_clinic):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("F-6")])
    response = httpx.post(f"{live_server.url}/api/v1/fhir", json=bundle, headers=FHIR)

    assert response.status_code == 401
    assert not Episode.objects.exists()
