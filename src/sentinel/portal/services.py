"""Launch links (created through the vendor API, opened in the practice system's window) and
the audit rows of the portal's own doors: login and logout."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.portal.models import LaunchLink

if TYPE_CHECKING:
    from sentinel.portal.access import PortalUser
    from sentinel.portal.oidc import Identity

LAUNCH_LIFETIME = dt.timedelta(minutes=5)

# The portal's own audit actions (plain strings, like the domain's ``AuditEvent.Action``).
PORTAL_LOGIN = "portal.login"
PORTAL_LOGOUT = "portal.logout"


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


# --- login and logout -------------------------------------------------------------------------


@transaction.atomic
def note_login(*, identity: Identity, to_sign: bool) -> None:
    """Audit a portal login: who, for which CVR, how strongly, and whether it was a login
    started in order to sign. A login reaches every clinic of its CVR, so the row names the
    CVR rather than one clinic."""
    record(
        by=Actor.clinic_user(identity.person_uuid, identity.name),
        action=PORTAL_LOGIN,
        details={
            "cvr": identity.cvr,
            "assurance_level": identity.assurance_level,
            "may_sign": identity.may_sign,
            "to_sign": to_sign,
        },
    )


@transaction.atomic
def note_logout(*, user: PortalUser) -> None:
    """Audit a portal logout, by the person who was logged in or else by the practice-system
    user of the launch (then with its clinic). An anonymous session leaves no row."""
    details: dict[str, str] = {}
    clinic: Clinic | None = None
    if user.launch is not None:
        clinic = Clinic.objects.filter(pk=user.launch.clinic_id).first()
        details["launch_vendor"] = user.launch.vendor_slug
    if user.identity is not None:
        by = Actor.clinic_user(user.identity.person_uuid, user.identity.name)
        details["cvr"] = user.identity.cvr
    elif user.launch is not None:
        by = Actor.clinic_user(
            f"{user.launch.vendor_slug}:{user.launch.user_id}", user.launch.user_name
        )
    else:
        return
    record(by=by, action=PORTAL_LOGOUT, clinic=clinic, details=details)
