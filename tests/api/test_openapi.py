"""The served OpenAPI document is the contract: readable operation ids, every operation's
error responses with the error body, enums for the closed sets, servers, described headers."""

from __future__ import annotations

import httpx
import pytest

from sentinel.api.schemas import EXAMPLE_ANSWER, EXAMPLE_SUBMISSION, CheckName
from sentinel.lib.reasons import Reason
from sentinel.projects.checks import TITLES, State
from sentinel.reports.periods import PERIOD_KINDS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def spec(live_server) -> dict:
    response = httpx.get(f"{live_server.url}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_operation_ids_are_readable(spec):
    ids = {(path, method): op["operationId"] for path, method, op in _operations(spec)}

    assert ids[("/api/v1/clinics/{ydernummer}/submissions", "post")] == "submitRecords"
    assert ids[("/api/v1/clinics/{ydernummer}/activation", "put")] == "activateClinic"
    assert ids[("/api/v1/clinics/{ydernummer}/status", "get")] == "getStatus"
    assert all("_" not in operation_id for operation_id in ids.values()), ids


def test_openapi_every_operation_lists_its_errors_with_the_error_body(spec):
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        expected = {"401", "503"} if operation.get("security") else {"503"}
        if "{ydernummer}" in path:
            expected.add("404")
        if method in ("post", "put"):
            expected |= {"413", "415", "422"}
        assert expected <= set(responses), (path, method, sorted(responses))
        for status in expected:
            if path.startswith("/api/v1/fhir"):  # FHIR answers an OperationOutcome
                schema = responses[status]["content"]["application/fhir+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/FhirOperationOutcome"}
                continue
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)
    assert "ErrorOut" in spec["components"]["schemas"]


def test_openapi_closed_sets_are_enums(spec):
    schemas = spec["components"]["schemas"]
    reason = _resolve(spec, schemas["RejectedOut"]["properties"]["reason"])
    check = schemas["CheckOut"]["properties"]
    blocked = schemas["SubscriptionsOut"]["properties"]["blocked_by"]["anyOf"][0]

    assert set(reason["enum"]) == {r.value for r in Reason}
    assert set(_resolve(spec, blocked)["enum"]) == {r.value for r in Reason}
    assert set(_resolve(spec, check["state"])["enum"]) == {s.value for s in State}
    assert set(check["check"]["enum"]) == set(TITLES)
    assert set(CheckName.__args__) == set(TITLES)


def test_openapi_states_servers_limits_and_the_idempotency_header(spec):
    submit = spec["paths"]["/api/v1/clinics/{ydernummer}/submissions"]["post"]
    (header,) = [p for p in submit["parameters"] if p["name"] == "Idempotency-Key"]
    records = spec["components"]["schemas"]["SubmissionIn"]["properties"]["records"]

    assert spec["servers"]
    assert header["description"]
    assert "default" not in header["schema"] or header["schema"]["default"] is None
    assert records["maxItems"] == 5000
    assert "413" in spec["info"]["description"]


def test_the_verification_status_enum_is_the_pipelines_set(spec):
    from sentinel.collection.validation import VERIFICATION_STATUSES

    diagnosis = spec["components"]["schemas"]["DiagnosisIn"]["properties"]
    (enum, _null) = diagnosis["verification_status"]["anyOf"]

    assert set(enum["enum"]) == VERIFICATION_STATUSES


def test_openapi_report_periods_are_an_enum(spec):
    report = spec["paths"]["/api/v1/clinics/{ydernummer}/reports/{project}"]["get"]
    schemas = {p["name"]: p["schema"] for p in report["parameters"]}

    assert set(schemas["period"]["enum"]) == {"", *PERIOD_KINDS}
    assert schemas["year"]["pattern"] == "^[0-9]{4}$"
    assert schemas["from"]["pattern"] == schemas["to"]["pattern"] == "^([0-9]{4})-([0-9]{2})$"


def test_openapi_fhir_bodies_are_bundle_and_operation_outcome_with_links(spec):
    fhir = spec["paths"]["/api/v1/fhir"]["post"]
    schemas = spec["components"]["schemas"]
    body = fhir["requestBody"]["content"]["application/fhir+json"]["schema"]
    answer = fhir["responses"]["200"]["content"]["application/fhir+json"]["schema"]
    outcome = fhir["responses"]["422"]["content"]["application/fhir+json"]["schema"]

    assert _resolve(spec, body)["properties"]["resourceType"]["enum"] == ["Bundle"]
    assert _resolve(spec, answer)["properties"]["type"]["enum"][0] == "batch-response"
    assert _resolve(spec, outcome)["properties"]["resourceType"]["enum"] == ["OperationOutcome"]
    for name in ("FhirBundle", "FhirBatchResponse", "FhirOperationOutcome"):
        assert schemas[name]["externalDocs"]["url"].startswith("https://hl7.org/fhir/R4/")


def test_openapi_submission_example_is_what_the_server_answers(spec, api, ready_clinic):
    schemas = spec["components"]["schemas"]
    assert schemas["SubmissionIn"]["examples"] == [EXAMPLE_SUBMISSION]
    assert schemas["SubmissionOut"]["examples"] == [EXAMPLE_ANSWER]

    response = api.http.post(
        f"/clinics/{ready_clinic.ydernummer}/submissions", json=EXAMPLE_SUBMISSION
    )

    assert response.status_code == 200, response.text
    assert response.json() == EXAMPLE_ANSWER
