"""The OpenAPI document as the whole contract: readable operation ids, every operation's
error responses with the one error body, and the servers.

django-ninja derives the document from the routers; what it cannot know (the errors an
operation answers through exception handlers, the middleware's 413) is added here, in one
table, so the endpoints stay thin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from sentinel.api.schemas import ErrorOut

OPERATION_IDS = {
    "projects": "listProjects",
    "activate": "activateClinic",
    "deactivate": "deactivateClinic",
    "status": "getStatus",
    "subscriptions": "getSubscriptions",
    "launch": "createLaunchLink",
    "submissions": "submitRecords",
    "fhir_bundle": "submitFhirBundle",
    "clinic_report": "getClinicReport",
}

ERRORS = {
    401: "Missing, unknown, expired or revoked credential (`WWW-Authenticate: Bearer`).",
    404: "No such clinic for this credential (never reveals whether it exists).",
    409: "The clinic's state does not allow this (another CVR; not activated by you).",
    413: "The body is over the size limit, or the batch over the record limit.",
    415: "The body is not `application/json`.",
    422: "The body, a parameter or a header is not valid; `error.fields` names each field.",
}
_EXTRA = {
    ("put", "activateClinic"): (409,),
    ("post", "createLaunchLink"): (409,),
    ("get", "getClinicReport"): (422,),
}
_FHIR_OUTCOME = {
    "description": "A FHIR R4 OperationOutcome (`application/fhir+json`).",
    "content": {"application/fhir+json": {"schema": {"type": "object"}}},
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
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                statuses = {401}
                if "{ydernummer}" in path:
                    statuses.add(404)
                if method in ("post", "put"):
                    statuses |= {413, 415, 422}
                statuses |= set(_EXTRA.get((method, operation.get("operationId", "")), ()))
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    fhir_outcome = path.endswith("/fhir") and status in (415, 422)
                    responses.setdefault(
                        str(status), _FHIR_OUTCOME if fhir_outcome else _error(status)
                    )
                    responses.pop(status, None)  # ninja keys its own by int
        public = getattr(settings, "SENTINEL_PUBLIC_URL", "") or "/"
        schema["servers"] = [{"url": public.rstrip("/") or "/", "description": "Sentinel"}]
        return schema
