"""The OpenAPI document as the whole contract: readable operation ids, every operation's
error responses with the one error body, and the servers.

django-ninja derives the document from the routers; what it cannot know (the errors an
operation answers through exception handlers, the middleware's 413) is added here, in one
table, so the endpoints stay thin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from sentinel.api.protocol import FHIR_JSON, MAX_KEY_LENGTH
from sentinel.api.schemas import ErrorOut, SubmissionIn
from sentinel.lib.text import TEXT_PATTERN
from sentinel.reports.open_items import ITEM_ID_PATTERN, PROJECT_PATTERN
from sentinel.reports.periods import PERIOD_KINDS, QUERY_PATTERNS

OPERATION_IDS = {
    "projects": "listProjects",
    "activate": "activateClinic",
    "deactivate": "deactivateClinic",
    "status": "getStatus",
    "subscriptions": "getSubscriptions",
    "launch": "createLaunchLink",
    "list_open_items": "listOpenItems",
    "answer_open_item": "answerOpenItem",
    "submissions": "submitRecords",
    "fhir_bundle": "submitFhirBundle",
    "clinic_report": "getClinicReport",
    "fhir_metadata": "getFhirCapabilityStatement",
    "fhir_code_system": "getFhirCodeSystem",
    "fhir_structuredefinition": "getFhirStructureDefinition",
    "fhir_valueset": "getFhirValueSet",
}

ERRORS = {
    400: "A transaction Bundle with an entry that cannot be read: nothing was stored.",
    401: "Missing, unknown, expired or revoked credential (`WWW-Authenticate: Bearer`).",
    404: "No such clinic for this credential (never reveals whether it exists); on the FHIR "
    "door, no such resource.",
    409: "The clinic's state does not allow this (another CVR; not activated by you).",
    413: "The body is over the size limit, or the batch over the record limit.",
    415: "The body is not `application/json`.",
    422: "The body, a parameter or a header is not valid; `error.fields` names each field.",
    503: "The database is unavailable just now; nothing was stored (`Retry-After` seconds).",
}
_EXTRA = {
    ("put", "activateClinic"): (409,),
    ("post", "createLaunchLink"): (409,),
    ("get", "getClinicReport"): (422,),
    ("get", "listOpenItems"): (422,),  # no `project`
    ("post", "answerOpenItem"): (409,),
    # A transaction is all or nothing (FHIR R4 http.html#transaction): one OperationOutcome
    # naming every failing entry, with the status of the failure (400, 404 or 422).
    ("post", "submitFhirBundle"): (400, 404),
    ("get", "getFhirCodeSystem"): (404,),
    ("get", "getFhirStructureDefinition"): (404,),
    ("get", "getFhirValueSet"): (404,),
}
FHIR_SPEC = "https://hl7.org/fhir/R4/"
FHIR_SCHEMAS: dict[str, dict[str, Any]] = {
    "FhirBundle": {
        "description": (
            "A FHIR R4 `Bundle` of type `batch` or `transaction` carrying EpisodeOfCare, "
            "Condition, Patient and Organization resources with Danish identifiers (API.md, FHIR; "
            f"the resource: {FHIR_SPEC}bundle.html). Only the envelope is described here; each "
            "entry's resource is checked by the server and answered per entry."
        ),
        "type": "object",
        "required": ["resourceType", "type"],
        "additionalProperties": False,
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["batch", "transaction"]},
            "id": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"},
            "entry": {"type": "array", "items": {"$ref": "#/components/schemas/FhirBundleEntry"}},
        },
        "externalDocs": {"url": f"{FHIR_SPEC}bundle.html"},
    },
    "FhirBundleEntry": {
        "description": (
            "One resource to create or update. The resource (an EpisodeOfCare, Condition, "
            "Patient or Organization) is checked by the server and answered in this entry's place "
            "in the batch-response, so that one bad entry never sinks the others."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "fullUrl": {"type": "string"},
            "resource": {"type": "object"},
            "request": {
                "type": "object",
                "additionalProperties": False,
                "required": ["method", "url"],
                "properties": {
                    "method": {
                        "type": "string",
                        "description": "POST or PUT (any other: 400 for this entry)",
                    },
                    "url": {"type": "string"},
                },
            },
        },
    },
    "FhirBatchResponse": {
        "description": (
            "One entry per request entry, in order, each `response` with its `status`, its "
            "OperationOutcome and, for a stored course and its Conditions, `location` "
            "(`EpisodeOfCare/<id>/_history/<version>`) and `etag` (no `entry` for an empty "
            "Bundle: FHIR JSON has no empty arrays)."
        ),
        "type": "object",
        "required": ["resourceType", "type"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["batch-response", "transaction-response"]},
            "entry": {"type": "array", "items": {"type": "object"}},
        },
        "externalDocs": {"url": f"{FHIR_SPEC}bundle.html"},
    },
    "FhirOperationOutcome": {
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {"type": "array", "items": {"type": "object"}, "minItems": 1},
        },
        "externalDocs": {"url": f"{FHIR_SPEC}operationoutcome.html"},
    },
}


BODY_MODELS = (SubmissionIn,)
"""Request bodies an endpoint reads itself (``protocol.read_model``), with ``body_content``
in its ``openapi_extra``: their schemas go into the components as ninja's own would."""


def body_content(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def fhir_content(name: str) -> dict[str, Any]:
    return {FHIR_JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}}


_FHIR_OUTCOME = {
    "description": "A FHIR R4 OperationOutcome (`application/fhir+json`).",
    "content": fhir_content("FhirOperationOutcome"),
}


QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    # What ``reports.periods.Period.parse_exact`` takes (422 naming `period` otherwise).
    name: {"type": "string", "pattern": pattern}
    for name, pattern in QUERY_PATTERNS.items()
}
QUERY_SCHEMAS["period"]["enum"] = ["", *PERIOD_KINDS]
# The open items' project (``api.open_items._project``: any other value names no project, 404).
QUERY_SCHEMAS["project"] = {"type": "string", "pattern": PROJECT_PATTERN}
HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    # What ``submissions._check_key`` enforces (its own 422 invalid_header naming the header).
    "Idempotency-Key": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": TEXT_PATTERN,
    },
}

PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    # What ``reports.open_items.parse_item_id`` takes (else 404 no_open_item).
    "item_id": {"type": "string", "pattern": ITEM_ID_PATTERN},
}

_PARAMETER_SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    "header": HEADER_SCHEMAS,
    "path": PATH_SCHEMAS,
    "query": QUERY_SCHEMAS,
}


def _error(status: int) -> dict[str, Any]:
    return {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }


class VendorAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        name = operation.view_func.__name__
        return OPERATION_IDS.get(name) or super().get_openapi_operation_id(operation)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in (
            ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
            .get("$defs", {})
            .items()
        ):
            components.setdefault(name, definition)
        error_out = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        error_out.pop("$defs", None)
        components.setdefault("ErrorOut", error_out)
        for name, definition in FHIR_SCHEMAS.items():
            components.setdefault(name, definition)
        for model in BODY_MODELS:
            definition = model.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
            )
            for name, inner in definition.pop("$defs", {}).items():
                components.setdefault(name, inner)
            components.setdefault(model.__name__, definition)
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                for parameter in operation.get("parameters", []):
                    table = _PARAMETER_SCHEMAS.get(parameter.get("in"), {})
                    if parameter["name"] in table:
                        parameter["schema"] = dict(table[parameter["name"]])
                statuses = {503} | ({401} if operation.get("security") else set())
                if "{ydernummer}" in path:
                    statuses.add(404)
                if method in ("post", "put"):
                    statuses |= {413, 415, 422}
                statuses |= set(_EXTRA.get((method, operation.get("operationId", "")), ()))
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    fhir_outcome = path.startswith("/api/v1/fhir")  # fhir_http: all errors
                    responses.setdefault(
                        str(status), _FHIR_OUTCOME if fhir_outcome else _error(status)
                    )
                    responses.pop(status, None)  # ninja keys its own by int
        public = getattr(settings, "SENTINEL_PUBLIC_URL", "") or "/"
        schema["servers"] = [{"url": public.rstrip("/") or "/", "description": "Sentinel"}]
        return schema
