"""The transfer endpoints: a batch of records as JSON, or as a FHIR R4 Bundle."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header, Router
from ninja.errors import HttpError

from sentinel.api import fhir
from sentinel.api.access import VendorRequest, reachable_clinic
from sentinel.api.fhir import published
from sentinel.api.fhir.conformance import code_systems
from sentinel.api.fhir.results import EntryAnswers, answer_outcome
from sentinel.api.fhir_http import capability_statement, fhir_response
from sentinel.api.fhir_store import stored_courses, stored_measures
from sentinel.api.openapi import body_content, fhir_content
from sentinel.api.protocol import (
    FHIR_JSON,
    JSON,
    MAX_KEY_LENGTH,
    ApiError,
    collector_paused,
    read_json,
    read_model,
)
from sentinel.api.schemas import SubmissionIn, SubmissionOut
from sentinel.collection.models import Submission
from sentinel.collection.outcome import IdempotencyKeyReused
from sentinel.collection.pipeline import ingest
from sentinel.lib.cpr import contains_cpr
from sentinel.lib.text import is_clean_text

router = Router(tags=["submissions"])


@router.post(
    "/clinics/{ydernummer}/submissions",
    response=SubmissionOut,
    summary="Transfer a batch of records",
    # The body is SubmissionIn, read by the view itself (``read_model``: validated from the
    # bytes in one pass) rather than by django-ninja; the document says so here.
    openapi_extra={"requestBody": {"content": body_content("SubmissionIn"), "required": True}},
)
def submissions(
    request: VendorRequest,
    ydernummer: str,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description=(
            "Optional; a unique value per batch (a UUID). The same key with the same body within "
            "24 hours answers as the first time and stores nothing; with another body or clinic "
            "it is 422 idempotency_key_reused. At most 200 characters, never a CPR."
        ),
    ),
) -> dict[str, Any]:
    with collector_paused():
        body = read_model(request, SubmissionIn)
        clinic = reachable_clinic(request.auth, ydernummer)
        if idempotency_key is not None:
            _check_key(idempotency_key)
        records = body.model_dump()["records"]
        del body  # the dicts are what the pipeline reads; the models can go
        fingerprint = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
        try:
            outcome = ingest(
                vendor=request.auth,
                clinic=clinic,
                records=records,
                idempotency_key=idempotency_key or "",
                fingerprint=fingerprint,
            )
        except IdempotencyKeyReused as exc:
            raise ApiError(422, exc.code, exc.message_en, "Idempotency-Key") from None
        return outcome.as_dict()


def _check_key(key: str) -> None:
    problem = None
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        problem = f"must be 1 to {MAX_KEY_LENGTH} characters"
    elif not is_clean_text(key):
        problem = "must not hold control characters"
    elif contains_cpr(key):
        problem = "must not hold a CPR number; use a random value such as a UUID"
    if problem:
        raise ApiError(422, "invalid_header", f"Idempotency-Key {problem}", "Idempotency-Key")


@router.get(
    "/fhir/metadata",
    auth=None,
    summary="The FHIR CapabilityStatement (no credential needed)",
    openapi_extra={
        "responses": {
            200: {
                "description": "a FHIR R4 CapabilityStatement",
                "content": {FHIR_JSON: {"schema": {"type": "object"}}},
            }
        }
    },
)
def fhir_metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(request.build_absolute_uri("/")))


@router.get(
    "/fhir/CodeSystem/{name}",
    auth=None,
    summary="One of the profile's code systems as a FHIR CodeSystem (no credential needed)",
    openapi_extra={
        "responses": {
            200: {
                "description": "a FHIR R4 CodeSystem",
                "content": {FHIR_JSON: {"schema": {"type": "object"}}},
            }
        }
    },
)
def fhir_code_system(request: HttpRequest, name: str) -> HttpResponse:
    found = code_systems().get(name)
    if found is None:
        raise HttpError(404, f"no code system {name[:40]!r}; see GET /api/v1/fhir/metadata")
    return fhir_response(found)


def _conformance_endpoint(kind: str, find: Callable[[], dict[str, dict[str, Any]]]) -> Any:
    def endpoint(request: HttpRequest, name: str) -> HttpResponse:
        found = find().get(name)
        if found is None:
            raise HttpError(404, f"no {kind} {name[:40]!r}; see GET /api/v1/fhir/metadata")
        return fhir_response(found)

    endpoint.__name__ = f"fhir_{kind.lower()}"
    return router.get(
        f"/fhir/{kind}/{{name}}",
        auth=None,
        summary=f"One of the profile's {kind}s, compiled from FSH (no credential needed)",
        openapi_extra={
            "responses": {
                200: {
                    "description": f"a FHIR R4 {kind}",
                    "content": {FHIR_JSON: {"schema": {"type": "object"}}},
                }
            }
        },
    )(endpoint)


fhir_structure_definition = _conformance_endpoint(
    "StructureDefinition", published.structure_definitions
)
fhir_value_set = _conformance_endpoint("ValueSet", published.value_sets)


@router.post(
    "/fhir",
    summary="Transfer records as a FHIR R4 Bundle (batch or transaction)",
    openapi_extra={
        "requestBody": {"content": fhir_content("FhirBundle"), "required": True},
        "responses": {
            200: {
                "description": "a batch-response Bundle with an OperationOutcome per entry",
                "content": fhir_content("FhirBatchResponse"),
            }
        },
    },
)
def fhir_bundle(request: VendorRequest) -> HttpResponse:
    with collector_paused():
        return _fhir_bundle(request)


def _fhir_bundle(request: VendorRequest) -> HttpResponse:
    # A body refused by the protocol (415, 422 not JSON) is an ApiError like on every path;
    # FhirErrorMiddleware answers it as an OperationOutcome.
    try:
        parsed = fhir.parse_bundle(read_json(request, (FHIR_JSON, JSON)))
    except fhir.FhirBundleError as exc:
        return fhir_response(fhir.operation_outcome("error", "invalid", exc.message), 422)
    answers = EntryAnswers(parsed.entries)
    for index, message in parsed.entry_errors.items():
        answers.results[index] = fhir.EntryResult(
            "400 Bad Request", "error", "invalid", message, None, fhir.expression_of(message, index)
        )
    for index, message in parsed.entry_ignored.items():
        answers.results[index] = fhir.EntryResult("200 OK", "information", "informational", message)
    all_or_nothing = parsed.bundle_type == "transaction"
    if all_or_nothing and parsed.entry_errors:  # FHIR R4 http.html#transaction: nothing tried
        return fhir_response(fhir.transaction_failure(answers.results), 400)
    by_clinic: dict[str, list[fhir.EpisodeItem]] = defaultdict(list)
    for item in parsed.items:
        by_clinic[item.ydernummer].append(item)
    with transaction.atomic():
        for ydernummer, items in sorted(by_clinic.items()):  # one lock order (ADR 0006)
            try:
                clinic = reachable_clinic(request.auth, ydernummer)
            except HttpError as exc:
                for item in items:
                    answers.unreachable(item, str(exc))
                continue
            outcome = ingest(
                vendor=request.auth,
                clinic=clinic,
                records=[item.record for item in items],
                channel=Submission.Channel.FHIR,
            )
            stored = stored_courses(clinic, request.auth, items, outcome)
            measures = stored_measures(clinic, request.auth, items, outcome)
            answer_outcome(answers, items, outcome, stored, measures)
        results = answers.finish()
        failed = {i: r for i, r in results.items() if r.severity == "error"}
        if all_or_nothing and failed:
            transaction.set_rollback(True)  # every entry or none
    if all_or_nothing and failed:
        named = [r for r in failed.values() if not r.status.startswith("424")]
        statuses = {int(r.status[:3]) for r in named}
        status = statuses.pop() if len(statuses) == 1 else 400
        return fhir_response(fhir.transaction_failure(failed), status)
    for index, notes in parsed.entry_notes.items():
        taken = results.get(index)
        if taken is not None and taken.severity == "information":
            results[index] = replace(
                taken, severity="warning", message="; ".join([taken.message, *notes])
            )
    for index in range(parsed.total_entries):
        results.setdefault(
            index,
            fhir.EntryResult(
                "400 Bad Request", "error", "invalid", "entry belongs to no EpisodeOfCare"
            ),
        )
    return fhir_response(fhir.response_bundle(parsed.total_entries, results, parsed.bundle_type))
