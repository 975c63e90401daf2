"""Staff users, their second factor, and the login lockout.

A staff user is a Django user with ``is_staff``, exactly one role group and one TOTP device.
Staff are created here (``sentinel staff create``), never from a clinic user: clinic users
log in to the portal and are not staff. The TOTP device starts unconfirmed; it counts only
once its owner has confirmed it with a first code at ``/console/enrol/`` (password required).

Repeated failed logins lock a username out for a while: after ``SENTINEL_CONSOLE_MAX_FAILURES``
failures within ``SENTINEL_CONSOLE_LOCKOUT_SECONDS``, every attempt is refused until the window
has passed without new failures, or an administrator unlocks it. The failures are the audit
log's own rows (append-only), so the count cannot be reset by tampering with a table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.console.roles import Role, role_of
from sentinel.lib.errors import DomainError

DEVICE_NAME = "authenticator app"
# The portal names its (OIDC) clinic users so (portal/oidc.py); no staff user may look like one.
CLINIC_USER_PREFIX = "clinic-user-"
_ACTOR_ID_LENGTH = AuditEvent._meta.get_field("actor_id").max_length or 100


def staff_actor(user: Any) -> Actor:
    """The audit actor for a staff user: their username and full name."""
    return Actor.staff(user.get_username(), user.get_full_name())


def _user_model() -> Any:
    return get_user_model()


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise DomainError("invalid_role", f"unknown role {value!r}; use one of {roles}") from None


def _group(role: Role) -> Group:
    group = Group.objects.filter(name=role.group_name).first()
    if group is None:
        raise DomainError("roles_missing", "the staff roles do not exist; run 'sentinel migrate'")
    return group


def get_staff(username: str) -> Any:
    """The staff user called ``username``; refuses anyone else (clinic users included)."""
    user = _user_model().objects.filter(username=username, is_staff=True).first()
    if user is None:
        raise DomainError("unknown_staff", f"no staff user {username!r} (see 'sentinel staff')")
    return user


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def _check_password(password: str, user: Any) -> None:
    """Django's password validators; refusal in English and Danish."""
    messages = {}
    for language in ("en", "da"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                messages[language] = " ".join(exc.messages)
            else:
                return
    raise DomainError("weak_password", messages["en"], messages["da"])


@transaction.atomic
def create_staff(
    *,
    by: Actor,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    email: str = "",
) -> tuple[Any, TOTPDevice]:
    """Create a staff user with ``role`` and an unconfirmed TOTP device.

    The caller shows the device's provisioning URI (``device.config_url``) once; it is never
    shown again after the device is confirmed.
    """
    the_role = _role(role)
    username = username.strip()
    User = _user_model()
    if not username or len(username) > _ACTOR_ID_LENGTH:
        raise DomainError(
            "invalid_username", f"a staff username has 1 to {_ACTOR_ID_LENGTH} characters"
        )
    if username.startswith(CLINIC_USER_PREFIX):
        raise DomainError(
            "invalid_username", f"staff usernames cannot start with {CLINIC_USER_PREFIX!r}"
        )
    if User.objects.filter(username=username).exists():
        raise DomainError(
            "username_taken",
            f"a user {username!r} exists already; staff users are created new, never "
            "converted from other users",
        )
    first, _, last = full_name.strip().partition(" ")
    user = User(username=username, email=email, first_name=first, last_name=last)
    user.is_staff = True
    user.is_superuser = False
    _check_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set([_group(the_role)])
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    record(
        by=by,
        action=AuditEvent.Action.STAFF_CREATED,
        obj=user,
        details={"username": username, "role": the_role.value},
    )
    return user, device


@transaction.atomic
def reset_device(*, by: Actor, user: Any) -> TOTPDevice:
    """Replace the user's second factor with a new, unconfirmed one (a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    record(
        by=by,
        action=AuditEvent.Action.STAFF_DEVICE_RESET,
        obj=user,
        details={"username": user.username},
    )
    return device


@transaction.atomic
def confirm_device(*, user: Any, device: TOTPDevice, token: str) -> bool:
    """Confirm ``user``'s pending device with its first ``token``; False if the token is wrong."""
    locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
    if locked is None or locked.confirmed:
        return False
    allowed, _ = locked.verify_is_allowed()
    if not allowed or not locked.verify_token(token):
        return False
    locked.confirmed = True
    locked.save(update_fields=["confirmed"])
    record(
        by=staff_actor(user),
        action=AuditEvent.Action.STAFF_DEVICE_CONFIRMED,
        obj=user,
        details={"username": user.username},
    )
    return True


@transaction.atomic
def deactivate(*, by: Actor, user: Any) -> Any:
    """End a staff user's access (they leave); nothing is deleted."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(
            by=by,
            action=AuditEvent.Action.STAFF_DEACTIVATED,
            obj=user,
            details={"username": user.username},
        )
    return user


@transaction.atomic
def unlock(*, by: Actor, user: Any) -> None:
    """Lift a login lockout before its time is up."""
    record(
        by=by,
        action=AuditEvent.Action.STAFF_UNLOCKED,
        obj=user,
        details={"username": user.username},
    )


# --- logins and the lockout -------------------------------------------------------------


def _claimed(username: str) -> str:
    """Who a login attempt claims to be, as the audit log keeps it: a staff username that
    exists, else a hash of the typed text — never the text itself, which may be a password
    typed into the wrong field."""
    typed = username.strip()[:_ACTOR_ID_LENGTH]
    if _user_model().objects.filter(username=typed).exists():
        return typed
    return "unknown:" + hashlib.sha256(typed.encode("utf-8")).hexdigest()[:16]


def recent_failures(username: str, now: dt.datetime | None = None) -> int:
    """Failed logins of ``username`` in the lockout window since the last login or unlock."""
    moment = now or timezone.now()
    claimed = _claimed(username)
    since = moment - dt.timedelta(seconds=settings.SENTINEL_CONSOLE_LOCKOUT_SECONDS)
    last_login = AuditEvent.objects.filter(
        actor_kind=AuditEvent.ActorKind.STAFF,
        actor_id=claimed,
        action__in=[AuditEvent.Action.STAFF_LOGIN, AuditEvent.Action.STAFF_DEVICE_CONFIRMED],
    ).aggregate(at=Max("at"))["at"]
    user = _user_model().objects.filter(username=claimed).first()
    last_unlock = None
    if user is not None:
        last_unlock = AuditEvent.objects.filter(
            action=AuditEvent.Action.STAFF_UNLOCKED,
            object_type=user._meta.label_lower,
            object_id=str(user.pk),
        ).aggregate(at=Max("at"))["at"]
    for reset in (last_login, last_unlock):
        if reset is not None and reset > since:
            since = reset
    return AuditEvent.objects.filter(
        actor_kind=AuditEvent.ActorKind.STAFF,
        actor_id=claimed,
        action=AuditEvent.Action.STAFF_LOGIN_FAILED,
        at__gt=since,
        at__lte=moment,
    ).count()


def is_locked_out(username: str, now: dt.datetime | None = None) -> bool:
    return recent_failures(username, now) >= settings.SENTINEL_CONSOLE_MAX_FAILURES


@transaction.atomic
def note_failed_login(username: str, reason: str) -> bool:
    """Audit a failed login of ``username``; True when this failure locks the username out."""
    claimed = _claimed(username)
    actor = Actor.staff(claimed)
    record(by=actor, action=AuditEvent.Action.STAFF_LOGIN_FAILED, details={"reason": reason})
    locked = recent_failures(username) == settings.SENTINEL_CONSOLE_MAX_FAILURES
    if locked:
        record(
            by=actor,
            action=AuditEvent.Action.STAFF_LOCKED_OUT,
            details={
                "failures": settings.SENTINEL_CONSOLE_MAX_FAILURES,
                "seconds": settings.SENTINEL_CONSOLE_LOCKOUT_SECONDS,
            },
        )
    return locked


@transaction.atomic
def note_refused_while_locked(username: str) -> None:
    record(by=Actor.staff(_claimed(username)), action=AuditEvent.Action.STAFF_LOGIN_WHILE_LOCKED)


@transaction.atomic
def note_login(user: Any) -> None:
    record(by=staff_actor(user), action=AuditEvent.Action.STAFF_LOGIN, obj=user)


@transaction.atomic
def note_logout(user: Any, *, expired: bool = False) -> None:
    action = AuditEvent.Action.STAFF_SESSION_EXPIRED if expired else AuditEvent.Action.STAFF_LOGOUT
    record(by=staff_actor(user), action=action, obj=user)


def may_enter(user: Any) -> bool:
    """Whether ``user`` may use the console now: active staff with one role, verified by a
    confirmed second factor in this session."""
    is_verified = getattr(user, "is_verified", None)
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and callable(is_verified)
        and is_verified()
        and role_of(user) is not None
    )
