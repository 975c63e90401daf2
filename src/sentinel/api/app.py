"""The vendor API, ``/api/v1/`` (contract: shared/API.md; live: /api/v1/openapi.json).

Thin doors: each endpoint loads, checks access (``api.access``), validates, calls the same
action or service the rest of Sentinel uses, and answers. The endpoints are in routers by
what they serve: ``clinics`` (projects, activation, status, subscriptions, launch),
``submissions`` (JSON and FHIR transfers) and ``reports`` (a clinic's report as JSON).
"""

from __future__ import annotations

import logging
import traceback

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sentinel.api.access import VendorBearer, error
from sentinel.api.clinics import router as clinics_router
from sentinel.api.open_items import router as open_items_router
from sentinel.api.openapi import VendorAPI
from sentinel.api.protocol import MAX_BODY_BYTES, MAX_RECORDS, ApiError, JsonParser, too_large
from sentinel.api.reports import router as reports_router
from sentinel.api.submissions import router as submissions_router

log = logging.getLogger(__name__)

api = VendorAPI(
    title="Sentinel vendor API",
    version="1",
    description=(
        "For practice systems (systemhuse): activate Sentinel for a clinic, fetch what to "
        "extract, open the Sentinel menu for a user, and transfer data (JSON or FHIR R4). "
        "Authenticate with `Authorization: Bearer <credential>`.\n\n"
        f"Limits: a request body is at most {MAX_BODY_BYTES} bytes ({MAX_BODY_BYTES // 2**20} "
        f"MiB) and a batch at most {MAX_RECORDS} records; beyond them the answer is `413`. "
        "Bodies are `application/json` (`application/fhir+json` or `application/json` on "
        "`/fhir`), else `415`; a body that is not JSON is `422` naming `body`."
    ),
    auth=VendorBearer(),
    parser=JsonParser(),
    urls_namespace="api-v1",
)


@api.exception_handler(ApiError)
def _refused(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return exc.response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error(401, "unauthorized", "missing, unknown, expired or revoked credential")
    response["WWW-Authenticate"] = 'Bearer realm="sentinel"'
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload")]
        if loc == ["records"] and item.get("type") == "too_long":
            return too_large(f"a batch holds at most {MAX_RECORDS} records").response()
        # Only the location and pydantic's message: never the input, which may hold a CPR.
        fields.append({"field": ".".join(loc) or "body", "message": str(item.get("msg", ""))})
    first = fields[0]["field"] if fields else "body"
    return error(422, "invalid_body", f"the request body is not valid ({first})", fields)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):  # ninja wraps what its body parser raises
        return exc.__cause__.response()
    codes = {404: "not_found", 409: "conflict", 413: "too_large", 422: "invalid"}
    return error(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(OperationalError)
def _database_unreachable(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    log.error("API %s %s: the database is unavailable", request.method, request.path)
    response = error(
        503, "unavailable", "Sentinel's database is unavailable; nothing was stored, retry later"
    )
    response["Retry-After"] = "30"
    return response


@api.exception_handler(Exception)
def _server_fault(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The frames and the exception's type, never its message: a message may quote the input.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "API fault on %s %s: %s\n%s", request.method, request.path, type(exc).__name__, frames
    )
    return error(
        500, "server_error", "an error on Sentinel's side; nothing was stored, retry later"
    )


api.add_router("", clinics_router)
api.add_router("", submissions_router)
api.add_router("", reports_router)
api.add_router("", open_items_router)
