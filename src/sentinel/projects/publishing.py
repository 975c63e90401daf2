"""Projects as staff shape them: created, edited and published (each audited in the same
transaction), and the rules for a new data specification version — it takes effect today or
later, never before the version it follows (``lib.effective``), it names only known codes, and
it must change something — before ``projects.actions.publish_specification`` stores it. Every
door (the console today) calls these; none re-derives them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.lib import icpc2
from sentinel.lib.dataspec import DataSpec, parse_spec
from sentinel.lib.effective import check_effective_date
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import DataSpecification, Project

PROJECT_FIELDS = (
    "name",
    "summary_da",
    "description_da",
    "description_en",
    "recipients_da",
    "reports_open_from",
    "first_report_delay_months",
)
# Short fields whose old and new values go into the audit row (texts only by name).
_LOGGED_VALUES = {"name", "reports_open_from", "first_report_delay_months"}


def _validated(project: Project) -> None:
    try:
        project.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(f"invalid_{field}", f"{field}: {messages[0]}") from None


def _logged(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def create_project(*, by: Actor, code: str, **fields: Any) -> Project:
    """Create an unpublished project; clinics can enrol once it is published."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise DomainError("invalid_field", f"unknown project fields: {', '.join(sorted(unknown))}")
    project = Project(code=code, is_published=False, **fields)
    _validated(project)
    project.save()
    record(
        by=by,
        action=AuditEvent.Action.PROJECT_CREATED,
        obj=project,
        details={"project": project.code, "name": project.name},
    )
    return project


@transaction.atomic
def update_project(*, by: Actor, project: Project, **changes: Any) -> Project:
    """Change a project's descriptive fields. Its code never changes; its data specification
    changes only by publishing a new version."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise DomainError(
            "invalid_field", f"these project fields cannot be changed: {', '.join(sorted(unknown))}"
        )
    current = Project.objects.select_for_update().get(pk=project.pk)
    changed = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not changed:
        return current
    values = {
        name: {"from": _logged(getattr(current, name)), "to": _logged(value)}
        for name, value in changed.items()
        if name in _LOGGED_VALUES
    }
    for name, value in changed.items():
        setattr(current, name, value)
    _validated(current)
    current.save(update_fields=list(changed))
    record(
        by=by,
        action=AuditEvent.Action.PROJECT_UPDATED,
        obj=current,
        details={"project": current.code, "changed": sorted(changed), "values": values},
    )
    return current


@transaction.atomic
def publish_project(*, by: Actor, project: Project) -> Project:
    """Publish a project: from now on clinics see it and can enrol. It needs a data
    specification first (what would be collected is part of what a clinic agrees to)."""
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.is_published:
        raise DomainError(
            "already_published",
            f"project {current.code} is published already",
            f"Projektet {current.name} er allerede offentliggjort.",
        )
    if not current.specifications.exists():
        raise DomainError(
            "no_specification",
            f"project {current.code} has no data specification; publish one first",
            f"Projektet {current.name} har ingen dataspecifikation; offentliggør en først.",
        )
    current.is_published = True
    current.save(update_fields=["is_published"])
    record(
        by=by,
        action=AuditEvent.Action.PROJECT_PUBLISHED,
        obj=current,
        details={"project": current.code},
    )
    return current


def unknown_icpc2_codes(codes: list[str]) -> list[str]:
    known = icpc2.codes()
    return [code for code in codes if code not in known]


def _canonical(spec: DataSpec) -> tuple[Any, ...]:
    return (
        frozenset(spec.record_types),
        frozenset(spec.fields),
        frozenset(spec.specialities),
        frozenset(spec.icpc2_chapters),
        frozenset(spec.icpc2_codes),
        frozenset(spec.course_types),
        spec.person_identifiable_worklist,
    )


def check_specification_version(
    *,
    project: Project,
    spec: dict[str, Any],
    effective_from: dt.date,
    today: dt.date | None = None,
) -> DataSpec:
    """Refuse (``DomainError``) what may not be published as the project's next version:
    an invalid specification, codes outside ICPC-2-DK, a retroactive date, no change."""
    parsed = parse_spec(spec)
    unknown = unknown_icpc2_codes(list(parsed.icpc2_codes))
    if unknown:
        raise DomainError(
            "unknown_icpc2_code",
            f"codes not in ICPC-2-DK: {', '.join(unknown)}",
            f"Koder, der ikke findes i ICPC-2-DK: {', '.join(unknown)}.",
        )
    latest = project.specifications.order_by("-version").first()
    check_effective_date(
        effective_from,
        today=today or timezone.localdate(),
        previous=latest.effective_from if latest else None,
        what_en="specification version",
        what_da="version af dataspecifikationen",
    )
    if latest is not None and _canonical(latest.parsed) == _canonical(parsed):
        raise DomainError(
            "unchanged",
            f"the specification is the same as version {latest.version}",
            f"Dataspecifikationen er den samme som version {latest.version}.",
        )
    return parsed


@transaction.atomic
def publish_specification_version(
    *,
    by: Actor,
    project: Project,
    spec: dict[str, Any],
    effective_from: dt.date,
    today: dt.date | None = None,
) -> DataSpecification:
    """Publish ``spec`` as the project's next specification version from ``effective_from``.

    Records dated from that day on are collected under it; earlier ones stay under the
    version that was in force on their date. Published versions are never edited.
    """
    Project.objects.select_for_update().filter(pk=project.pk).first()
    parsed = check_specification_version(
        project=project, spec=spec, effective_from=effective_from, today=today
    )
    return publish_specification(
        by=by, project=project, spec=parsed.as_json(), effective_from=effective_from
    )
