"""Whom a clinic should call, by problem (the seed guide's support lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contact:
    kind: str  # systemhus | sentinel | sundhed_dk
    name: str
    phone: str = ""
    email: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "phone": self.phone, "email": self.email}


SENTINEL_SUPPORT = Contact("sentinel", "Sentinel support", phone="8844 3131")
SUNDHED_DK_SUPPORT = Contact("sundhed_dk", "sundhed.dk support", "4422 2080", "info@sundhed.dk")


def systemhus(vendor: Any | None) -> Contact:
    """The clinic's vendor, or a generic 'your systemhus' when none is known."""
    if vendor is None:
        return Contact("systemhus", "dit systemhus")
    return Contact("systemhus", vendor.name, vendor.support_phone, vendor.support_email)
