"""Open items for the practice system: ``GET /api/v1/clinics/{ydernummer}/open-items`` lists
what a project still expects of each course the vendor sent, so the practice system can prompt
in the record; ``POST …/open-items/{item_id}/exception`` answers one "not applicable" with a
reason from a fixed list (``reports.open_items`` holds the rules)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sentinel.api.access import VendorRequest, error, reachable_clinic
from sentinel.api.schemas import ErrorOut, Strict
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports import open_items as items

router = Router(tags=["open items"])

ItemKind = Literal["missing_required_code", "symptom_code_current"]
ExceptionReason = Literal[
    "patient_declined",
    "not_clinically_appropriate",
    "diagnosis_not_established",
    "referred_elsewhere",
    "course_ended_early",
    "patient_did_not_attend",
]


class OpenItemOut(Schema):
    """One thing the project still expects of one course the vendor sent: `source_id` is the
    practice system's id of the course; `expected_codes` the codes that close the item (empty
    when any more specific diagnosis code does); `due_since` the day from which it is due."""

    id: str = Field(..., description="Stable while the item is open: `<kind>-<number>`.")
    kind: ItemKind
    source_id: str
    course_type: str | None
    start_date: dt.date
    current_code: str | None
    expected_codes: list[str]
    due_since: dt.date
    message_da: str
    message_en: str


class ReasonOut(Schema):
    code: ExceptionReason
    text_da: str
    text_en: str


class OpenItemsOut(Schema):
    ydernummer: str
    project: str
    generated_on: dt.date
    items: list[OpenItemOut]
    exception_reasons: list[ReasonOut]


class ExceptionIn(Strict):
    reason: ExceptionReason = Field(description="Why the item does not apply (a fixed list).")


class ExceptionOut(Schema):
    item_id: str
    kind: ItemKind
    source_id: str
    reason: ExceptionReason
    recorded_at: dt.datetime


def _project(code: str) -> Project:
    if not re.fullmatch(items.PROJECT_PATTERN, code):
        raise HttpError(404, "no such project")
    found = Project.objects.filter(code=code, is_published=True).first()
    if found is None:
        raise HttpError(404, f"no project {code[:50]!r}")
    return found


def _reasons() -> list[ReasonOut]:
    return [
        ReasonOut(code=code, text_da=label, text_en=items.REASONS_EN[code])  # type: ignore[arg-type]
        for code, label in items.Reason.choices
    ]


@router.get(
    "/clinics/{ydernummer}/open-items",
    response={200: OpenItemsOut, 404: ErrorOut},
    summary="What the project still expects of the courses this vendor sent",
    description=(
        "Per course the vendor sent to the clinic for `project`, the items the project still "
        "expects, so the practice system can prompt the clinician: `missing_required_code` "
        "(a structured course of speciale 51 whose current code is not one its course type "
        "requires) and `symptom_code_current` (a symptom code, ICPC-2 component 1 such as "
        "L01–L29, still current six weeks or more after the course started). An item answered "
        "with an exception is no longer listed. An unknown project is 404."
    ),
)
def list_open_items(
    request: VendorRequest, response: HttpResponse, ydernummer: str, project: str
) -> OpenItemsOut:
    clinic = reachable_clinic(request.auth, ydernummer)
    found = _project(project)
    response["Cache-Control"] = "no-store"
    today = timezone.localdate()
    listed = items.open_items(clinic, found, vendor=request.auth, today=today)
    return OpenItemsOut(
        ydernummer=clinic.ydernummer,
        project=found.code,
        generated_on=today,
        items=[
            OpenItemOut(
                id=i.id,
                kind=i.kind,  # type: ignore[arg-type]
                source_id=i.source_id,
                course_type=i.course_type or None,
                start_date=i.start_date,
                current_code=i.current_code or None,
                expected_codes=list(i.expected_codes),
                due_since=i.due_since,
                message_da=i.message_da,
                message_en=i.message_en,
            )
            for i in listed
        ],
        exception_reasons=_reasons(),
    )


@router.post(
    "/clinics/{ydernummer}/open-items/{item_id}/exception",
    response={200: ExceptionOut, 201: ExceptionOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Answer an open item: not applicable, for a reason from a fixed list",
    description=(
        'Answers the open item `item_id` (from the list) "not applicable" with `reason`. '
        "The course is then counted apart as an exception in the clinic's report and shown on "
        "its worklist with the reason. `201` when recorded; the same answer again is `200` "
        "and writes nothing; another reason for an item already answered is `409` "
        "`exception_exists`; an id that names no open item of a course this vendor sent to the "
        "clinic is `404` `no_open_item`; a reason outside the list is `422` naming `reason`."
    ),
)
def answer_open_item(
    request: VendorRequest, ydernummer: str, item_id: str, project: str, body: ExceptionIn
) -> Any:
    clinic = reachable_clinic(request.auth, ydernummer)
    found = _project(project)
    try:
        answered = items.record_exception(
            vendor=request.auth,
            clinic=clinic,
            project=found,
            item=item_id,
            reason=body.reason,
            today=timezone.localdate(),
        )
    except DomainError as exc:
        status = {"no_open_item": 404, "exception_exists": 409}.get(exc.code, 422)
        fields = [{"field": "reason", "message": exc.message_en}] if status == 422 else []
        return error(status, exc.code, exc.message_en, fields)
    exception = answered.exception
    return Status(
        201 if answered.created else 200,
        ExceptionOut(
            item_id=items.item_id(exception.kind, exception.episode_id),
            kind=exception.kind,  # type: ignore[arg-type]
            source_id=answered.source_id,
            reason=exception.reason,  # type: ignore[arg-type]
            recorded_at=exception.recorded_at,
        ),
    )
