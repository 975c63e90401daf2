"""Open items: what a project still expects of the courses a vendor sent, so the practice
system can prompt in the record (``GET /api/v1/clinics/{ydernummer}/open-items``).

Which items a project expects is its report definition's (``ReportDefinition.open_items``,
e.g. Diagnosekodning: a structured course without its required code; a symptom code still
current weeks after the course started); this module is the rest, for every project:

- an item's id is ``<kind>-<course id>``: stable while the item is open, and it names the
  course Sentinel stored (never the patient);
- the vendor answers an item "not applicable" with a reason from a fixed list
  (``OpenItemException.Reason``, ``record_exception``, audited); the item is then answered and
  no longer listed, the course is counted apart as an exception in the report and shown on
  the worklist with the reason (``diagnosekodning.worklist``, ``diagnosekodning.exceptions``);
- a vendor sees and answers only the items of courses it sent (``clinics.reach``: within a
  clinic only what it sent).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import Episode
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.engine import definition_for
from sentinel.reports.models import OpenItemException

Kind = OpenItemException.Kind
Reason = OpenItemException.Reason

KINDS: tuple[str, ...] = tuple(Kind.values)
REASONS: tuple[str, ...] = tuple(Reason.values)
ITEM_ID_PATTERN = rf"^({'|'.join(KINDS)})-[1-9][0-9]{{0,17}}$"
"""An item id as the API takes it (the OpenAPI document states the same pattern)."""

PROJECT_PATTERN = r"^[-a-zA-Z0-9_]{1,50}$"
"""A project's code as the open items' ``project`` parameter takes it (a slug); any other
value names no project."""

REASONS_EN: dict[str, str] = {
    Reason.PATIENT_DECLINED: "The patient declined",
    Reason.NOT_CLINICALLY_APPROPRIATE: "Not clinically appropriate",
    Reason.DIAGNOSIS_NOT_ESTABLISHED: "The diagnosis cannot be established yet",
    Reason.REFERRED_ELSEWHERE: "The patient was referred elsewhere",
    Reason.COURSE_ENDED_EARLY: "The course ended early",
    Reason.PATIENT_DID_NOT_ATTEND: "The patient did not attend",
}
KINDS_EN: dict[str, str] = {
    Kind.MISSING_REQUIRED_CODE: "Required code missing",
    Kind.SYMPTOM_CODE_CURRENT: "Symptom code still current",
}


@dataclass(frozen=True)
class OpenItem:
    """One thing a project still expects of one course. ``message_*`` is what the practice
    system may show the clinician; ``expected_codes`` the codes that would close it (empty
    when any more specific code would)."""

    kind: str
    episode_id: int
    source_id: str
    course_type: str
    start_date: dt.date
    current_code: str
    expected_codes: tuple[str, ...]
    due_since: dt.date
    message_da: str
    message_en: str

    @property
    def id(self) -> str:
        return item_id(self.kind, self.episode_id)


def item_id(kind: str, episode_id: int) -> str:
    return f"{kind}-{episode_id}"


def parse_item_id(value: str) -> tuple[str, int] | None:
    """(kind, course id) of a well-formed item id, else None."""
    if not re.fullmatch(ITEM_ID_PATTERN, value):
        return None
    kind, _, number = value.rpartition("-")
    return kind, int(number)


def expected_items(
    clinic: Clinic,
    project: Project,
    *,
    vendor: Vendor,
    today: dt.date,
    episode_ids: Iterable[int] | None = None,
) -> list[OpenItem]:
    """Every item the project's definition expects of the courses ``vendor`` sent to
    ``clinic`` (only of ``episode_ids`` when given), answered or not."""
    episodes = Episode.objects.filter(clinic=clinic, project=project, vendor=vendor)
    if episode_ids is not None:
        episodes = episodes.filter(pk__in=list(episode_ids))
    try:
        definition = definition_for(project.code)
    except DomainError:
        return []
    return definition.open_items(episodes, today=today)


def open_items(
    clinic: Clinic, project: Project, *, vendor: Vendor, today: dt.date
) -> list[OpenItem]:
    """The items still open: expected and not answered with an exception."""
    answered = set(
        OpenItemException.objects.filter(clinic=clinic, project=project).values_list(
            "kind", "episode_id"
        )
    )
    return [
        item
        for item in expected_items(clinic, project, vendor=vendor, today=today)
        if (item.kind, item.episode_id) not in answered
    ]


@dataclass(frozen=True)
class Answered:
    exception: OpenItemException
    created: bool
    """False when the same answer had been given before (nothing written)."""
    source_id: str
    """The practice system's id of the course."""


@transaction.atomic
def record_exception(
    *,
    vendor: Vendor,
    clinic: Clinic,
    project: Project,
    item: str,
    reason: str,
    today: dt.date,
) -> Answered:
    """Answer the open item ``item`` "not applicable" for ``reason`` (one of ``REASONS``).

    Refused (``DomainError``): ``unknown_reason``; ``no_open_item`` for an id that names no
    item the project expects now of a course this vendor sent to this clinic;
    ``exception_exists`` when the item was answered with another reason. The same answer
    again is accepted and writes nothing. Audited as ``report.open_item_excepted``."""
    if reason not in REASONS:
        raise DomainError("unknown_reason", f"reason must be one of {', '.join(REASONS)}")
    parsed = parse_item_id(item)
    not_found = DomainError("no_open_item", "no such open item for this clinic and project")
    if parsed is None:
        raise not_found
    kind, episode_id = parsed
    existing = OpenItemException.objects.filter(
        clinic=clinic, project=project, episode_id=episode_id, kind=kind, vendor=vendor
    ).first()
    if existing is not None:
        if existing.reason == reason:
            source_id = Episode.objects.filter(clinic=clinic, pk=episode_id).values_list(
                "source_id", flat=True
            )
            return Answered(existing, created=False, source_id=source_id.first() or "")
        raise DomainError(
            "exception_exists",
            f"the item was already answered with the reason {existing.reason}",
        )
    expected = expected_items(clinic, project, vendor=vendor, today=today, episode_ids=[episode_id])
    found = next((i for i in expected if i.kind == kind and i.episode_id == episode_id), None)
    if found is None:
        raise not_found
    exception = OpenItemException.objects.create(
        clinic=clinic,
        project=project,
        episode_id=episode_id,
        vendor=vendor,
        kind=kind,
        reason=reason,
    )
    record(
        by=Actor.vendor(vendor),
        action=AuditEvent.Action.OPEN_ITEM_EXCEPTED,
        clinic=clinic,
        obj=exception,
        details={"project": project.code, "item": found.id, "kind": kind, "reason": reason},
    )
    return Answered(exception, created=True, source_id=found.source_id)
