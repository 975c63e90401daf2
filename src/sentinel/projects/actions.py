"""Creating projects and specifications; enrolling and unenrolling clinics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.dataspec import parse_spec
from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Enrolment, Project


@transaction.atomic
def publish_specification(
    *, by: Actor, project: Project, spec: dict[str, Any], effective_from: dt.date
) -> DataSpecification:
    """Validate ``spec`` and publish it as the project's next specification version."""
    parsed = parse_spec(spec)
    latest = project.specifications.aggregate(v=Max("version"))["v"] or 0
    specification = DataSpecification.objects.create(
        project=project, version=latest + 1, effective_from=effective_from, spec=parsed.as_json()
    )
    record(
        by=by,
        action=AuditEvent.Action.SPECIFICATION_PUBLISHED,
        obj=specification,
        details={
            "project": project.code,
            "version": specification.version,
            "effective_from": effective_from.isoformat(),
        },
    )
    return specification


@transaction.atomic
def enrol(*, by: Actor, clinic: Clinic, project: Project, on: dt.date | None = None) -> Enrolment:
    """Enrol ``clinic`` in ``project`` from ``on`` (default today); collection starts that day."""
    day = on or timezone.localdate()
    if not project.is_published:
        raise DomainError(
            "project_not_published",
            f"project {project.code} is not published",
            f"Projektet {project.name} er ikke offentliggjort.",
        )
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    current = Enrolment.objects.open().filter(clinic=clinic, project=project).first()
    if current is not None:
        raise DomainError(
            "already_enrolled",
            f"the clinic is already enrolled in {project.code} since {current.enrolled_on}",
            f"Klinikken er allerede tilmeldt {project.name} fra {format_da(current.enrolled_on)}.",
        )
    last = Enrolment.objects.filter(clinic=clinic, project=project).order_by("-enrolled_on").first()
    if last is not None and last.unenrolled_on is not None and day < last.unenrolled_on:
        raise DomainError(
            "invalid_date",
            f"re-enrolment cannot start before the last unenrolment ({last.unenrolled_on})",
            f"Tilmeldingen kan tidligst gælde fra {format_da(last.unenrolled_on)}.",
        )
    enrolment = Enrolment.objects.create(clinic=clinic, project=project, enrolled_on=day)
    record(
        by=by,
        action=AuditEvent.Action.ENROLLED,
        clinic=clinic,
        obj=enrolment,
        details={"project": project.code, "enrolled_on": day.isoformat()},
    )
    return enrolment


@transaction.atomic
def unenrol(*, by: Actor, clinic: Clinic, project: Project, on: dt.date | None = None) -> Enrolment:
    """End ``clinic``'s enrolment in ``project``; no data dated ``on`` or later is collected."""
    day = on or timezone.localdate()
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    current = Enrolment.objects.open().filter(clinic=clinic, project=project).first()
    if current is None:
        raise DomainError(
            "not_enrolled",
            f"the clinic is not enrolled in {project.code}",
            f"Klinikken er ikke tilmeldt {project.name}.",
        )
    if day < current.enrolled_on:
        raise DomainError(
            "invalid_date",
            f"unenrolment cannot be before the enrolment date {current.enrolled_on}",
            f"Framelding kan tidligst gælde fra {format_da(current.enrolled_on)}.",
        )
    current.unenrolled_on = day
    current.unenrolled_at = timezone.now()
    current.save(update_fields=["unenrolled_on", "unenrolled_at"])
    record(
        by=by,
        action=AuditEvent.Action.UNENROLLED,
        clinic=clinic,
        obj=current,
        details={"project": project.code, "unenrolled_on": day.isoformat()},
    )
    return current
