"""The audit rows of the portal's own doors: login and logout. (Launch links are the domain's:
``clinics.launch``.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic

if TYPE_CHECKING:
    from sentinel.portal.access import PortalUser
    from sentinel.portal.oidc import Identity

# --- login and logout -------------------------------------------------------------------------


@transaction.atomic
def note_login(*, identity: Identity, to_sign: bool) -> None:
    """Audit a portal login: who, for which CVR, how strongly, and whether it was a login
    started in order to sign. A login reaches every clinic of its CVR, so the row names the
    CVR rather than one clinic."""
    record(
        by=Actor.clinic_user(identity.person_uuid, identity.name),
        action=AuditEvent.Action.PORTAL_LOGIN,
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
    record(by=by, action=AuditEvent.Action.PORTAL_LOGOUT, clinic=clinic, details=details)
