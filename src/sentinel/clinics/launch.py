"""Launch links: how a practice system opens Sentinel's menu for one of its users.

The vendor asks the API for a link (``create_launch_link``); the portal spends it when the
user's browser opens it (``use_launch_link``). Both doors call these; neither re-derives them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.clinics.reach import reaches

LAUNCH_LIFETIME = dt.timedelta(minutes=5)


class LaunchLink(models.Model):
    """A single-use, short-lived link bound to a clinic and a practice-system user.

    Only the SHA-256 of the token is stored; the token is in the URL the vendor receives.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    user_id = models.CharField(max_length=200)
    user_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Declared here, in the domain, and owned by the portal app: the table, the app label
        # and the migrations stay the portal's (``portal/models.py`` registers it).
        app_label = "portal"

    def __str__(self) -> str:
        return f"launch {self.clinic_id} for {self.user_id}"


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_launch_link(
    *, vendor: Vendor, clinic: Clinic, user_id: str, user_name: str, base_url: str = ""
) -> tuple[str, dt.datetime]:
    """A single-use URL that opens the Sentinel menu of ``clinic`` for one practice-system user:
    on ``SENTINEL_PUBLIC_URL`` when it is set, else on ``base_url`` (the asking request's own
    scheme and host)."""
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
    base = settings.SENTINEL_PUBLIC_URL or base_url.rstrip("/") or "http://127.0.0.1:8000"
    url = base + reverse("portal:launch", args=[token])
    return url, link.expires_at


class LaunchRefusal(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    NOT_SERVED = "not_served"  # the vendor no longer reaches the clinic (``clinics.reach``)


@dataclass(frozen=True)
class LaunchResult:
    link: LaunchLink | None
    refusal: LaunchRefusal | None


@transaction.atomic
def use_launch_link(token: str) -> LaunchResult:
    """Spend the link: it works once, before it expires, while its vendor still reaches the
    clinic (an approved activation in force at the moment it is opened)."""
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
    if not reaches(link.vendor_id, link.clinic_id, now):
        return LaunchResult(link, LaunchRefusal.NOT_SERVED)
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
