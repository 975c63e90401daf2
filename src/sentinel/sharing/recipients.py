"""A project's data-sharing and retention settings: its named recipients, how long its data
is kept, and the grace period after a clinic unenrols.

Recipients are whom the project's description says data may be shared with
(``Project.recipients_da`` in words, ``Recipient`` as data the exports use). A recipient's code
never changes once created, because its pseudonyms are derived from it; only a recipient
marked ``record_level`` may receive pseudonymised record-level data. Every change is audited
with the staff user (or system) as actor, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project, Recipient


def _validated(obj: Project | Recipient, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        name = "" if field == "__all__" else f"{field}: "
        raise DomainError(f"invalid_{field}", f"{name}{messages[0]}") from None


@transaction.atomic
def add_recipient(
    *,
    by: Actor,
    project: Project,
    code: str,
    name: str,
    description_da: str = "",
    record_level: bool = False,
) -> Recipient:
    """Name a new recipient of ``project``'s data."""
    if Recipient.objects.filter(project=project, code=code).exists():
        raise DomainError(
            "recipient_exists", f"{project.code} already has a recipient with the code {code!r}"
        )
    recipient = Recipient(
        project=project,
        code=code,
        name=name.strip(),
        description_da=description_da.strip(),
        record_level=record_level,
    )
    _validated(recipient)
    recipient.save()
    record(
        by=by,
        action=AuditEvent.Action.RECIPIENT_CREATED,
        obj=recipient,
        details={
            "project": project.code,
            "recipient": recipient.code,
            "name": recipient.name,
            "record_level": recipient.record_level,
        },
    )
    return recipient


@transaction.atomic
def update_recipient(
    *, by: Actor, recipient: Recipient, name: str, description_da: str, record_level: bool
) -> Recipient:
    """Change a recipient's name, description or whether it may receive record-level data.
    Its code stays."""
    current = Recipient.objects.select_for_update().get(pk=recipient.pk)
    changes: dict[str, Any] = {
        "name": name.strip(),
        "description_da": description_da.strip(),
        "record_level": record_level,
    }
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changed:
        return current
    values = {
        k: {"from": getattr(current, k), "to": v}
        for k, v in changed.items()
        if k in {"name", "record_level"}
    }
    for k, v in changed.items():
        setattr(current, k, v)
    _validated(current)
    current.save(update_fields=list(changed))
    record(
        by=by,
        action=AuditEvent.Action.RECIPIENT_UPDATED,
        obj=current,
        details={
            "project": current.project.code,
            "recipient": current.code,
            "changed": sorted(changed),
            "values": values,
        },
    )
    return current


@transaction.atomic
def set_retention(
    *, by: Actor, project: Project, retention_months: int, unenrolment_grace_days: int
) -> Project:
    """Set how long ``project``'s collected data is kept (months from each record's start
    date) and how many days after a clinic unenrols its data is deleted. ``sentinel retention
    run`` applies them."""
    current = Project.objects.select_for_update().get(pk=project.pk)
    changes = {
        "retention_months": retention_months,
        "unenrolment_grace_days": unenrolment_grace_days,
    }
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changed:
        return current
    values = {k: {"from": getattr(current, k), "to": v} for k, v in changed.items()}
    for k, v in changed.items():
        setattr(current, k, v)
    _validated(current)
    current.save(update_fields=list(changed))
    record(
        by=by,
        action=AuditEvent.Action.PROJECT_UPDATED,
        obj=current,
        details={"project": current.code, "changed": sorted(changed), "values": values},
    )
    return current
