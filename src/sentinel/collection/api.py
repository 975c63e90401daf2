"""The vendor API, ``/api/v1/`` (contract: shared/API.md; live: /api/v1/openapi.json).

Thin doors: each endpoint loads, checks access, validates, calls the same action or service
the rest of Sentinel uses, and answers. A credential reaches only clinics its vendor has
activated (now or before); any other clinic answers 404, whether it exists or not.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Header, NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from sentinel.audit.actors import Actor
from sentinel.clinics import actions as clinic_actions
from sentinel.clinics.credentials import authenticate
from sentinel.clinics.models import Activation, Clinic, Vendor
from sentinel.clinics.status import check_status
from sentinel.collection import fhir
from sentinel.collection.models import Submission
from sentinel.collection.pipeline import clinic_gate, ingest
from sentinel.collection.schemas import (
    ActivationIn,
    ActivationOut,
    ErrorOut,
    LaunchIn,
    LaunchOut,
    ProjectOut,
    SpecificationOut,
    StatusOut,
    SubmissionIn,
    SubmissionOut,
    SubscriptionOut,
    SubscriptionsOut,
)
from sentinel.lib.errors import DomainError
from sentinel.lib.identifiers import InvalidIdentifier, validate_ydernummer
from sentinel.portal.services import create_launch_link
from sentinel.projects.models import DataSpecification, Enrolment, Project
from sentinel.reports.api import router as reports_router

log = logging.getLogger(__name__)


class VendorRequest(HttpRequest):
    """A request that passed ``VendorBearer``: ``auth`` is the vendor."""

    auth: Vendor


class VendorBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Vendor | None:
        credential = authenticate(token)
        return credential.vendor if credential else None


api = NinjaAPI(
    title="Sentinel vendor API",
    version="1",
    description=(
        "For practice systems (systemhuse): activate Sentinel for a clinic, fetch what to "
        "extract, open the Sentinel menu for a user, and transfer data (JSON or FHIR R4). "
        "Authenticate with `Authorization: Bearer <credential>`."
    ),
    auth=VendorBearer(),
    urls_namespace="api-v1",
)


def error(
    status: int, code: str, message: str, fields: list[dict[str, str]] | None = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return JsonResponse(body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(401, "unauthorized", "missing, unknown, expired or revoked credential")


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload")]
        # Only the location and pydantic's message: never the input, which may hold a CPR.
        fields.append({"field": ".".join(loc) or "body", "message": str(item.get("msg", ""))})
    first = fields[0]["field"] if fields else "body"
    return error(422, "invalid_body", f"the request body is not valid ({first})", fields)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {404: "not_found", 409: "conflict", 413: "too_large", 422: "invalid"}
    return error(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


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


def _clinic(vendor: Vendor, ydernummer: str) -> Clinic:
    """The clinic, if this vendor has ever activated it; 404 otherwise."""
    try:
        number = validate_ydernummer(ydernummer)
    except InvalidIdentifier as exc:
        raise HttpError(404, f"no clinic {ydernummer!r} for this credential ({exc})") from None
    clinic = Clinic.objects.filter(ydernummer=number, activations__vendor=vendor).distinct().first()
    if clinic is None:
        raise HttpError(404, f"no clinic {number} for this credential")
    return clinic


def _spec_out(specification: DataSpecification | None) -> SpecificationOut | None:
    if specification is None:
        return None
    spec = specification.parsed.as_json()
    return SpecificationOut(
        version=specification.version, effective_from=specification.effective_from, **spec
    )


@api.get(
    "/projects",
    response=list[ProjectOut],
    summary="Published projects and their data specifications",
)
def projects(request: VendorRequest) -> list[ProjectOut]:
    return [
        ProjectOut(
            code=p.code,
            name=p.name,
            summary_da=p.summary_da,
            description_da=p.description_da,
            description_en=p.description_en,
            recipients_da=p.recipients_da,
            reports_open_from=p.reports_open_from,
            first_report_delay_months=p.first_report_delay_months,
            specification=_spec_out(p.specification()),
        )
        for p in Project.objects.filter(is_published=True).order_by("name")
    ]


@api.put(
    "/clinics/{ydernummer}/activation",
    response={200: ActivationOut, 409: ErrorOut, 422: ErrorOut},
    summary="Activate Sentinel for a clinic (creates the clinic if new; idempotent)",
)
def activate(request: VendorRequest, ydernummer: str, body: ActivationIn) -> Any:
    try:
        clinic, activation = clinic_actions.activate_clinic(
            vendor=request.auth,
            ydernummer=ydernummer,
            cvr=body.cvr,
            name=body.name,
            speciale=body.speciale,
            sor_id=body.sor_id or "",
            region_code=body.region_code or "",
            municipality_code=body.municipality_code or "",
        )
    except DomainError as exc:
        status = 409 if exc.code == "cvr_mismatch" else 422
        field = exc.code.removeprefix("invalid_")
        fields = [{"field": field, "message": exc.message_en}] if status == 422 else []
        body_out = {"error": {"code": exc.code, "message": exc.message_en, "fields": fields}}
        return Status(status, body_out)
    return Status(
        200,
        ActivationOut(
            ydernummer=clinic.ydernummer,
            cvr=clinic.cvr,
            name=clinic.name,
            activated=True,
            activated_at=activation.activated_at,
        ),
    )


@api.delete(
    "/clinics/{ydernummer}/activation",
    response={204: None},
    summary="Deactivate (collection stops; nothing is deleted)",
)
def deactivate(request: VendorRequest, ydernummer: str) -> Any:
    clinic = _clinic(request.auth, ydernummer)
    clinic_actions.deactivate(by=Actor.vendor(request.auth), vendor=request.auth, clinic=clinic)
    return Status(204, None)


@api.get("/clinics/{ydernummer}/status", response=StatusOut, summary="The status check")
def status(request: VendorRequest, ydernummer: str) -> dict[str, Any]:
    report = check_status(_clinic(request.auth, ydernummer))
    payload = report.as_dict("en")
    payload["reports_open_on"] = {p.code: p.reports_open_on for p in report.projects}
    return payload


@api.get(
    "/clinics/{ydernummer}/subscriptions",
    response=SubscriptionsOut,
    summary="What to extract, from when",
)
def subscriptions(request: VendorRequest, ydernummer: str) -> SubscriptionsOut:
    clinic = _clinic(request.auth, ydernummer)
    reason, message = clinic_gate(clinic, request.auth)
    today = timezone.localdate()
    open_periods = (
        Enrolment.objects.filter(clinic=clinic)
        .select_related("project")
        .order_by("project__name", "-enrolled_on")
    )
    seen: set[int] = set()
    items = []
    for enrolment in open_periods:
        if enrolment.project_id in seen or (
            enrolment.unenrolled_on and enrolment.unenrolled_on <= today
        ):
            continue
        seen.add(enrolment.project_id)
        items.append(
            SubscriptionOut(
                project=enrolment.project.code,
                name=enrolment.project.name,
                collect_from=enrolment.enrolled_on,
                collect_until=enrolment.unenrolled_on,
                specification=_spec_out(
                    enrolment.project.specification(max(today, enrolment.enrolled_on))
                ),
            )
        )
    blocking = reason if reason and reason != "not_enrolled" else None
    return SubscriptionsOut(
        ydernummer=clinic.ydernummer,
        collecting=reason is None and bool(items),
        blocked_by=blocking.value if blocking else None,
        blocked_message=message if blocking else None,
        subscriptions=items,
    )


@api.post(
    "/clinics/{ydernummer}/launch",
    response=LaunchOut,
    summary="A single-use link that opens the Sentinel menu",
)
def launch(request: VendorRequest, ydernummer: str, body: LaunchIn) -> LaunchOut:
    clinic = _clinic(request.auth, ydernummer)
    if not Activation.objects.active().filter(clinic=clinic, vendor=request.auth).exists():
        raise HttpError(409, "Sentinel is not activated for this clinic in your system")
    url, expires_at = create_launch_link(
        vendor=request.auth, clinic=clinic, user_id=body.user_id, user_name=body.user_name
    )
    return LaunchOut(url=url, expires_at=expires_at)


@api.post(
    "/clinics/{ydernummer}/submissions",
    response=SubmissionOut,
    summary="Transfer a batch of records",
)
def submissions(
    request: VendorRequest,
    ydernummer: str,
    body: SubmissionIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> dict[str, Any]:
    clinic = _clinic(request.auth, ydernummer)
    records = [r.model_dump() for r in body.records]
    outcome = ingest(
        vendor=request.auth, clinic=clinic, records=records, idempotency_key=idempotency_key
    )
    return outcome.as_dict()


FHIR_JSON = "application/fhir+json"


def _fhir_response(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type=FHIR_JSON)


@api.post(
    "/fhir",
    summary="Transfer records as a FHIR R4 Bundle (batch or transaction)",
    openapi_extra={
        "requestBody": {"content": {FHIR_JSON: {"schema": {"type": "object"}}}, "required": True},
        "responses": {
            200: {"description": "a batch-response Bundle with an OperationOutcome per entry"}
        },
    },
)
def fhir_bundle(request: VendorRequest) -> HttpResponse:
    try:
        data = json.loads(request.body)
        parsed = fhir.parse_bundle(data)
    except (ValueError, fhir.FhirBundleError) as exc:
        message = exc.message if isinstance(exc, fhir.FhirBundleError) else "the body is not JSON"
        return _fhir_response(fhir.operation_outcome("error", "invalid", message), 422)
    results: dict[int, fhir.EntryResult] = {}
    for index, message in parsed.entry_errors.items():
        results[index] = fhir.EntryResult("400 Bad Request", "error", "invalid", message)
    by_clinic: dict[str, list[fhir.EpisodeItem]] = defaultdict(list)
    for item in parsed.items:
        by_clinic[item.ydernummer].append(item)
    with transaction.atomic():
        for ydernummer, items in by_clinic.items():
            try:
                clinic = _clinic(request.auth, ydernummer)
            except HttpError as exc:
                for item in items:
                    for index in item.entry_indexes:
                        results[index] = fhir.EntryResult(
                            "404 Not Found", "error", "not-found", str(exc)
                        )
                continue
            outcome = ingest(
                vendor=request.auth,
                clinic=clinic,
                records=[item.record for item in items],
                channel=Submission.Channel.FHIR,
            )
            rejected = {r.index: r for r in outcome.rejected}
            for position, item in enumerate(items):
                rejection = rejected.get(position)
                if rejection is None:
                    dropped = (
                        f"; dropped fields: {', '.join(outcome.dropped_fields)}"
                        if outcome.dropped_fields
                        else ""
                    )
                    result = fhir.EntryResult(
                        "200 OK", "information", "informational", f"accepted{dropped}"
                    )
                else:
                    result = fhir.EntryResult(
                        "422 Unprocessable Entity",
                        "error",
                        "business-rule",
                        rejection.message,
                        rejection.reason.value,
                    )
                for index in item.entry_indexes:
                    results[index] = result
    for index in range(parsed.total_entries):
        results.setdefault(
            index,
            fhir.EntryResult(
                "400 Bad Request", "error", "invalid", "entry belongs to no EpisodeOfCare"
            ),
        )
    return _fhir_response(fhir.response_bundle(parsed.total_entries, results))


# The JSON form of the clinics' reports (reports/api.py), behind the same vendor auth.
api.add_router("", reports_router)
