"""Launch links: created through the vendor API, opened in the practice system's window."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.portal.models import LaunchLink

LAUNCH_LIFETIME = dt.timedelta(minutes=5)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_launch_link(
    *, vendor: Vendor, clinic: Clinic, user_id: str, user_name: str
) -> tuple[str, dt.datetime]:
    """A single-use URL that opens the Sentinel menu of ``clinic`` for one practice-system user."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = LaunchLink.objects.create(
        clinic=clinic,
        vendor=vendor,
        token_sha256=_sha256(token),
        user_id=user_id,
        user_name=user_name,
        created_at=now,
        expires_at=now + LAUNCH_LIFETIME,
    )
    record(
        by=Actor.vendor(vendor),
        action=AuditEvent.Action.LAUNCH_LINK_CREATED,
        clinic=clinic,
        obj=link,
        details={"user_id": user_id, "expires_at": link.expires_at.isoformat()},
    )
    url = settings.SENTINEL_PUBLIC_URL + reverse("portal:launch", args=[token])
    return url, link.expires_at


class LaunchRefusal(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class LaunchResult:
    link: LaunchLink | None
    refusal: LaunchRefusal | None


@transaction.atomic
def use_launch_link(token: str) -> LaunchResult:
    """Spend the link: it works once, before it expires."""
    link = (
        LaunchLink.objects.select_for_update()
        .select_related("clinic", "vendor")
        .filter(token_sha256=_sha256(token))
        .first()
    )
    if link is None:
        return LaunchResult(None, LaunchRefusal.UNKNOWN)
    if link.used_at is not None:
        return LaunchResult(link, LaunchRefusal.USED)
    now = timezone.now()
    if now >= link.expires_at:
        return LaunchResult(link, LaunchRefusal.EXPIRED)
    link.used_at = now
    link.save(update_fields=["used_at"])
    record(
        by=Actor.clinic_user(f"{link.vendor.slug}:{link.user_id}", link.user_name),
        action=AuditEvent.Action.LAUNCH_LINK_USED,
        clinic=link.clinic,
        obj=link,
        details={"vendor": link.vendor.slug},
    )
    return LaunchResult(link, None)
