"""The FHIR door's HTTP: the CapabilityStatement (``GET /api/v1/fhir/metadata``) and the rule
that every answer under ``/api/v1/fhir`` that is an error is a FHIR OperationOutcome.

FHIR clients ask for the CapabilityStatement first (FHIR R4 http.html#capabilities), without
a credential. Every error of every ``/fhir`` path — 401, 404, 405, 413, 415, 422, 5xx, from
the door itself, from Django's URL resolver or from the body-size middleware — is turned into
an ``OperationOutcome`` as ``application/fhir+json`` here, in one place, keeping the status
and the headers that matter (``WWW-Authenticate``, ``Retry-After``, ``Allow``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from sentinel.api import fhir
from sentinel.api.fhir import published
from sentinel.api.fhir.conformance import code_systems
from sentinel.api.protocol import FHIR_JSON

FHIR_PREFIX = "/api/v1/fhir"
RELEASED = "2026-12-04"  # the CapabilityStatement's date: when this door last changed

#: HTTP status → FHIR IssueType (hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    503: "transient",
}
_STANDARD = {  # for answers that are not the API's JSON error (Django's 404, ninja's 405)
    404: "no such FHIR endpoint; see GET /api/v1/fhir/metadata",
    405: "this method is not supported here; see GET /api/v1/fhir/metadata",
}
_KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow", "Cache-Control")


def capability_statement(base_url: str) -> dict[str, Any]:
    """What the FHIR door takes: batch and transaction Bundles of these resources."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Sentinel",
        "kind": "instance",
        "software": {"name": "Sentinel"},
        "implementation": {
            "description": "Sentinel's FHIR door for practice systems (systemhuse)",
            "url": f"{base_url.rstrip('/')}{FHIR_PREFIX}",
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "POST a Bundle of type batch (answered entry by entry) or transaction (all "
                    "or nothing) to the base URL. Identifiers as in Danish FHIR (dk-core): CPR "
                    "urn:oid:1.2.208.176.1.2, ydernummer urn:oid:1.2.208.176.1.4. The "
                    "profile's conformance resources: GET StructureDefinition/<id> ("
                    f"{', '.join(sorted(published.structure_definitions()))}), ValueSet/<id> ("
                    f"{', '.join(sorted(published.value_sets()))}) and CodeSystem/<id> ("
                    f"{', '.join(sorted(code_systems()))})."
                ),
                "security": {
                    "cors": False,
                    "description": (
                        "Authorization: Bearer <credential>, issued to the practice system by "
                        "Sentinel's operator; every interaction but this one needs it."
                    ),
                },
                "resource": [
                    _resource(name, taken.documentation)
                    for name, taken in fhir.TAKEN_RESOURCES.items()
                ],
                "interaction": [{"code": "batch"}, {"code": "transaction"}],
            }
        ],
    }


def _resource(name: str, documentation: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"type": name}
    profile = published.profile_of(name)
    if profile is not None:
        resource["profile"] = profile
        resource["supportedProfile"] = [profile]
    resource["documentation"] = documentation
    resource["interaction"] = [{"code": "create"}, {"code": "update"}]
    return resource


def fhir_response(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type=FHIR_JSON)


def _message(response: HttpResponse) -> str:
    status = response.status_code
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or _STANDARD.get(status, "error"))
    if status >= 500 and status != 503:
        return "an error on Sentinel's side; nothing was stored, retry later"
    return _STANDARD.get(status, f"HTTP {status}")


class FhirErrorMiddleware:
    """Every error answer under ``/api/v1/fhir`` as an OperationOutcome (see the module doc).

    Placed before ``BodyLimitMiddleware`` so that its 413 is turned too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_fhir_path = request.path == FHIR_PREFIX or request.path.startswith(f"{FHIR_PREFIX}/")
        if not is_fhir_path or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(FHIR_JSON):
            return response  # already an OperationOutcome
        status = response.status_code
        code = ISSUE_TYPES.get(status, "exception" if status >= 500 else "processing")
        outcome = fhir.operation_outcome("error", code, _message(response))
        answer = fhir_response(outcome, status)
        for header in _KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer
