"""Who did it: the explicit actor every action takes."""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str
    name: str = ""

    @classmethod
    def system(cls, name: str) -> Actor:
        """Sentinel itself (a command, the demo, a scheduled job)."""
        return cls(AuditEvent.ActorKind.SYSTEM, name, name)

    @classmethod
    def vendor(cls, vendor: object) -> Actor:
        return cls(AuditEvent.ActorKind.VENDOR, str(vendor.slug), str(vendor.name))  # type: ignore[attr-defined]

    @classmethod
    def clinic_user(cls, person_uuid: object, name: str) -> Actor:
        """A person acting for a clinic, identified by their MitID person UUID."""
        return cls(AuditEvent.ActorKind.CLINIC_USER, str(person_uuid), name)

    @classmethod
    def staff(cls, username: str, name: str = "") -> Actor:
        return cls(AuditEvent.ActorKind.STAFF, username, name or username)
