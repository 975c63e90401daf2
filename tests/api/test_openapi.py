"""The served OpenAPI document is the contract: readable operation ids, every operation's
error responses with the error body, enums for the closed sets, servers, described headers."""

from __future__ import annotations

import httpx
import pytest

from sentinel.api.schemas import CheckName
from sentinel.lib.reasons import Reason
from sentinel.projects.checks import TITLES, State

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
        expected = {"401"}
        if "{ydernummer}" in path:
            expected.add("404")
        if method in ("post", "put"):
            expected |= {"413", "415", "422"}
        assert expected <= set(responses), (path, method, sorted(responses))
        for status in expected:
            if path.endswith("/fhir") and status in ("415", "422"):
                continue  # FHIR answers an OperationOutcome
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
