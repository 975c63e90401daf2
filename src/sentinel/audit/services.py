"""Writing audit rows. Call inside the action's transaction; this never commits by itself."""

from __future__ import annotations

from typing import Any

from django.db import models

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent


def record(
    *,
    by: Actor,
    action: AuditEvent.Action,
    clinic: Any = None,
    obj: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row for ``action`` done by ``by`` (optionally on ``obj`` of ``clinic``).

    The row's time is always the moment it is written; an action that records something
    effective at another time (a back-dated import, the demo) says so in ``details``.
    ``action`` is one of ``AuditEvent.Action``, the one list of names; any other is refused.
    """
    if action not in AuditEvent.Action.values:
        raise ValueError(f"audit action {action!r} is not in AuditEvent.Action")
    fields: dict[str, Any] = {
        "actor_kind": by.kind,
        "actor_id": by.id,
        "actor_name": by.name,
        "action": action,
        "clinic": clinic,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "details": details or {},
    }
    return AuditEvent.objects.create(**fields)
