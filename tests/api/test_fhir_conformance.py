"""The FHIR door as a standard FHIR client meets it (FHIR R4 http.html): the
CapabilityStatement first, transaction all-or-nothing beside batch per entry, every error of
every /fhir path an OperationOutcome that points at the element, no empty arrays."""

from __future__ import annotations

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from sentinel.api.fhir import records_to_bundle
from sentinel.collection.models import Episode, Submission
from tests.api.conftest import episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHIR = {"Content-Type": "application/fhir+json"}


def post(api, bundle: dict) -> httpx.Response:
    return api.http.post("/fhir", json=bundle, headers=FHIR)


def a_bundle_with_one_bad_course(ydernummer: str, bundle_type: str) -> dict:
    """Two courses; the second's patient has a CPR that is not a date (rejected)."""
    bundle = records_to_bundle(
        ydernummer, [episode("T-1"), episode("T-2", patient_cpr="3102801234")]
    )
    bundle["type"] = bundle_type
    return bundle


def test_metadata_is_a_valid_r4_capability_statement_without_a_credential(live_server):
    response = httpx.get(f"{live_server.url}/api/v1/fhir/metadata")

    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    statement = response.json()
    CapabilityStatement.model_validate(statement)  # raises when it is not valid FHIR
    assert statement["fhirVersion"] == "4.0.1"
    (rest,) = statement["rest"]
    assert {i["code"] for i in rest["interaction"]} == {"batch", "transaction"}
    assert {r["type"] for r in rest["resource"]} >= {"EpisodeOfCare", "Condition", "Patient"}
    assert "Bearer" in rest["security"]["description"]
    assert statement["implementation"]["url"] == f"{live_server.url}/api/v1/fhir"


def test_transaction_with_one_failing_entry_stores_nothing_and_names_the_entry(api, ready_clinic):
    bundle = a_bundle_with_one_bad_course(ready_clinic.ydernummer, "transaction")

    response = post(api, bundle)

    assert response.status_code == 422, response.text[:500]
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert errors, outcome
    assert all(i["expression"][0].startswith("Bundle.entry[") for i in errors)
    # Named once, at the failing element (the second patient's CPR), in FHIR's words; the
    # course's other entries failed only because of it (424) and are not named again.
    second_patient = [
        n for n, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Patient"
    ][1]
    (error,) = errors
    assert error["expression"] == [f"Bundle.entry[{second_patient}].resource.identifier[0].value"]
    assert error["diagnostics"].startswith("entry[")
    assert "Patient.identifier:cpr.value" in error["diagnostics"]
    assert "patient_cpr" not in error["diagnostics"]
    assert "nothing was stored" in outcome["issue"][-1]["diagnostics"]
    assert not Episode.objects.exists()


def test_the_same_bundle_as_batch_is_answered_per_entry(api, ready_clinic):
    response = post(api, a_bundle_with_one_bad_course(ready_clinic.ydernummer, "batch"))

    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    Bundle.model_validate(answer)
    assert answer["type"] == "batch-response"
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["T-1"]
    for entry in answer["entry"]:
        for issue in entry["response"]["outcome"]["issue"]:
            if issue["severity"] == "error":
                assert issue["expression"][0].startswith("Bundle.entry[")


def test_a_good_transaction_is_stored_whole_with_a_transaction_response(api, ready_clinic):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("T-3"), episode("T-4")])
    bundle["type"] = "transaction"

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    Bundle.model_validate(answer)
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    assert sorted(Episode.objects.values_list("source_id", flat=True)) == ["T-3", "T-4"]


def test_a_transaction_with_an_unmappable_entry_is_400_before_anything_is_tried(api, ready_clinic):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("T-5")])
    bundle["type"] = "transaction"
    bundle["entry"].append({"request": {"method": "DELETE", "url": "EpisodeOfCare/1"}})

    response = post(api, bundle)

    assert response.status_code == 400, response.text[:300]
    (error, _information) = response.json()["issue"]
    assert error["expression"] == [f"Bundle.entry[{len(bundle['entry']) - 1}].request.method"]
    assert not Episode.objects.exists()


def test_an_empty_batch_answers_a_bundle_without_an_empty_entry_array(api):
    response = post(api, {"resourceType": "Bundle", "type": "batch"})

    assert response.status_code == 200, response.text[:300]
    assert response.json() == {"resourceType": "Bundle", "type": "batch-response"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "code"),
    [
        ("POST", "/api/v1/fhir", {**FHIR, "Authorization": "Bearer nope"}, b"{}", 401, "login"),
        ("GET", "/api/v1/fhir/Patient/1", None, None, 404, "not-found"),
        ("GET", "/api/v1/fhir", None, None, 405, "not-supported"),
        (
            "POST",
            "/api/v1/fhir",
            {"Content-Type": "application/fhir+xml"},
            b"<Bundle/>",
            415,
            "not-supported",
        ),
        ("POST", "/api/v1/fhir", FHIR, b"{not json", 422, "invalid"),
    ],
    ids=["401", "404", "405", "415", "422"],
)
def test_every_error_under_fhir_is_an_operation_outcome(
    api, live_server, method, path, headers, body, status, code
):
    sent = {"Authorization": f"Bearer {api.token}", **(headers or {})}

    response = httpx.request(method, f"{live_server.url}{path}", headers=sent, content=body)

    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][0]["code"] == code
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not Submission.objects.exists()


def _episode_entry(bundle: dict) -> dict:
    (entry,) = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare"]
    return entry


def _statuses(response: httpx.Response) -> list[str]:
    return [e["response"]["status"] for e in response.json()["entry"]]


def test_a_versionless_update_that_changes_the_course_says_what_to_send(api, ready_clinic):
    """FHIR clients do not set meta.versionId: a changed course without a higher version is
    rejected with the version to send, never a 200 that stores nothing."""
    first = records_to_bundle(ready_clinic.ydernummer, [episode("V-1")])
    _episode_entry(first)["resource"].pop("meta")
    assert "201 Created" in _statuses(post(api, first))

    more = episode(
        "V-1",
        diagnoses=[
            {"code": "L90", "recorded_at": "2026-02-02T09:30:00+01:00"},
            {"code": "L86", "recorded_at": "2026-02-20T09:30:00+01:00"},
        ],
    )
    second = records_to_bundle(ready_clinic.ydernummer, [more])
    _episode_entry(second)["resource"].pop("meta")
    answer = post(api, second)

    assert answer.status_code == 200
    issues = [i for e in answer.json()["entry"] for i in e["response"]["outcome"]["issue"]]
    stale = [i for i in issues if i.get("details", {}).get("coding", [{}])[0].get("code")]
    assert stale and stale[0]["details"]["coding"][0]["code"] == "stale_version"
    assert "send 2" in stale[0]["diagnostics"]
    assert Episode.objects.get(source_id="V-1").current_code == "L90"

    _episode_entry(second)["resource"]["meta"] = {"versionId": "2"}
    updated = post(api, second)
    assert set(_statuses(updated)) == {"200 OK"}
    assert Episode.objects.get(source_id="V-1").current_code == "L86"

    again = post(api, second)
    texts = [
        i["diagnostics"] for e in again.json()["entry"] for i in e["response"]["outcome"]["issue"]
    ]
    assert any(t.startswith("unchanged") for t in texts), texts


def test_json_door_a_changed_course_at_the_same_version_is_stale_not_silently_dropped(
    api, ready_clinic
):
    assert api.submit(ready_clinic.ydernummer, [episode("V-2")]).json()["accepted"] == 1
    changed = episode("V-2", end_date="2026-03-01")

    answer = api.submit(ready_clinic.ydernummer, [changed]).json()

    assert answer["accepted"] == 0
    (rejection,) = answer["rejected"]
    assert rejection["reason"] == "stale_version"
    assert "end_date" in rejection["message"] and "send 2" in rejection["message"]
    assert Episode.objects.get(source_id="V-2").end_date is None
    replay = api.submit(ready_clinic.ydernummer, [episode("V-2")]).json()
    assert replay == {"accepted": 1, "rejected": [], "dropped_fields": []}


@pytest.mark.parametrize("name", ["speciale", "course-type", "diagnosis-source", "reason"])
def test_the_profiles_code_systems_are_served_as_valid_r4_without_a_credential(live_server, name):
    from fhir.resources.R4B.codesystem import CodeSystem

    response = httpx.get(f"{live_server.url}/api/v1/fhir/CodeSystem/{name}")

    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    system = response.json()
    CodeSystem.model_validate(system)
    assert system["url"] == f"https://sentinel-data.dk/fhir/CodeSystem/{name}"
    assert system["count"] == len(system["concept"]) > 0


def test_the_reason_code_system_holds_every_reason_the_door_answers(live_server):
    from sentinel.lib.reasons import Reason

    system = httpx.get(f"{live_server.url}/api/v1/fhir/CodeSystem/reason").json()

    assert [c["code"] for c in system["concept"]] == [r.value for r in Reason]


def test_an_unknown_code_system_is_a_404_operation_outcome(live_server):
    response = httpx.get(f"{live_server.url}/api/v1/fhir/CodeSystem/nope")

    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"
