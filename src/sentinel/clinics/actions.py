"""Writes on clinics, vendors and activations. Each writes its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Activation, Clinic, Vendor
from sentinel.lib.errors import DomainError


def _validated(instance: Clinic | Vendor) -> None:
    """``full_clean`` with the first problem raised as a ``DomainError`` in English and Danish."""
    messages: dict[str, dict[str, list[str]]] = {}
    for language in ("en", "da"):
        with translation.override(language):
            try:
                instance.full_clean()
            except ValidationError as exc:
                messages[language] = exc.message_dict
            else:
                return
    field, english = next(iter(messages["en"].items()))
    danish = messages["da"].get(field, english)
    if field == "__all__":
        raise DomainError("invalid", english[0], danish[0])
    raise DomainError(f"invalid_{field}", f"{field}: {english[0]}", f"{field}: {danish[0]}")


@transaction.atomic
def register_clinic(
    *,
    by: Actor,
    ydernummer: str,
    cvr: str,
    name: str,
    speciale: str,
    sor_id: str = "",
    region_code: str = "",
    municipality_code: str = "",
) -> Clinic:
    """Create a clinic after validating every identifier; raises ``DomainError`` when one fails."""
    clinic = Clinic(
        ydernummer=str(ydernummer).strip(),
        cvr=str(cvr).strip(),
        name=name.strip(),
        speciale=str(speciale).strip(),
        sor_id=(sor_id or "").strip(),
        region_code=region_code or "",
        municipality_code=municipality_code or "",
    )
    _validated(clinic)
    clinic.save()
    record(
        by=by,
        action=AuditEvent.Action.CLINIC_REGISTERED,
        clinic=clinic,
        obj=clinic,
        details={"ydernummer": clinic.ydernummer, "cvr": clinic.cvr, "name": clinic.name},
    )
    return clinic


@transaction.atomic
def create_vendor(
    *,
    by: Actor,
    slug: str,
    name: str,
    menu_help_da: str = "",
    menu_help_en: str = "",
    support_phone: str = "",
    support_email: str = "",
) -> Vendor:
    vendor = Vendor(
        slug=slug,
        name=name,
        menu_help_da=menu_help_da,
        menu_help_en=menu_help_en,
        support_phone=support_phone,
        support_email=support_email,
    )
    _validated(vendor)
    vendor.save()
    record(by=by, action=AuditEvent.Action.VENDOR_CREATED, obj=vendor, details={"name": name})
    return vendor


@transaction.atomic
def activate(
    *, by: Actor, vendor: Vendor, clinic: Clinic, at: dt.datetime | None = None
) -> Activation:
    """Activate Sentinel for ``clinic`` in ``vendor``'s system; activating twice changes nothing."""
    current = (
        Activation.objects.select_for_update().active().filter(vendor=vendor, clinic=clinic).first()
    )
    if current is not None:
        return current
    activation = Activation.objects.create(
        vendor=vendor, clinic=clinic, activated_at=at or timezone.now()
    )
    record(
        by=by,
        action=AuditEvent.Action.ACTIVATED,
        clinic=clinic,
        obj=activation,
        details={"vendor": vendor.slug, "effective_at": activation.activated_at.isoformat()},
    )
    return activation


@transaction.atomic
def deactivate(
    *, by: Actor, vendor: Vendor, clinic: Clinic, at: dt.datetime | None = None
) -> Activation | None:
    """End the vendor's activation for ``clinic``. Nothing is deleted; None if it was not active."""
    current = (
        Activation.objects.select_for_update().active().filter(vendor=vendor, clinic=clinic).first()
    )
    if current is None:
        return None
    current.deactivated_at = at or timezone.now()
    if current.deactivated_at < current.activated_at:
        raise DomainError(
            "invalid_date", "deactivation cannot be earlier than the activation it ends"
        )
    current.save(update_fields=["deactivated_at"])
    record(
        by=by,
        action=AuditEvent.Action.DEACTIVATED,
        clinic=clinic,
        obj=current,
        details={"vendor": vendor.slug, "effective_at": current.deactivated_at.isoformat()},
    )
    return current
