"""Vendor API credentials: issue, rotate, revoke, authenticate."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Vendor, VendorCredential
from sentinel.lib.errors import DomainError

TOKEN_PREFIX = "snt_"  # noqa: S105 (a public marker, not a secret)
DEFAULT_GRACE = dt.timedelta(days=7)
_USE_RESOLUTION = dt.timedelta(minutes=5)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new(vendor: Vendor) -> tuple[VendorCredential, str]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    credential = VendorCredential.objects.create(
        vendor=vendor, prefix=prefix, secret_sha256=_sha256(secret)
    )
    return credential, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def issue_credential(*, by: Actor, vendor: Vendor) -> tuple[VendorCredential, str]:
    """A new credential for ``vendor``; the token is returned once and never stored."""
    credential, token = _new(vendor)
    record(
        by=by,
        action=AuditEvent.Action.CREDENTIAL_ISSUED,
        obj=credential,
        details={"vendor": vendor.slug, "prefix": credential.prefix},
    )
    return credential, token


@transaction.atomic
def rotate_credential(
    *, by: Actor, credential: VendorCredential, grace: dt.timedelta = DEFAULT_GRACE
) -> tuple[VendorCredential, str]:
    """Issue a replacement; the old credential keeps working for ``grace``, then expires."""
    old = VendorCredential.objects.select_for_update().get(pk=credential.pk)
    if old.revoked_at is not None:
        raise DomainError(
            "credential_revoked",
            "a revoked credential cannot be rotated",
            "En tilbagekaldt API-nøgle kan ikke udskiftes.",
        )
    expires = timezone.now() + grace
    if old.expires_at is None or old.expires_at > expires:
        old.expires_at = expires
        old.save(update_fields=["expires_at"])
    new, token = _new(old.vendor)
    record(
        by=by,
        action=AuditEvent.Action.CREDENTIAL_ROTATED,
        obj=new,
        details={
            "vendor": old.vendor.slug,
            "prefix": new.prefix,
            "replaces": old.prefix,
            "old_expires_at": expires.isoformat(),
        },
    )
    return new, token


@transaction.atomic
def revoke_credential(*, by: Actor, credential: VendorCredential) -> VendorCredential:
    """End ``credential`` now. Revoking twice changes nothing."""
    current = VendorCredential.objects.select_for_update().get(pk=credential.pk)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        record(
            by=by,
            action=AuditEvent.Action.CREDENTIAL_REVOKED,
            obj=current,
            details={"vendor": current.vendor.slug, "prefix": current.prefix},
        )
    return current


def authenticate(token: str) -> VendorCredential | None:
    """The usable credential ``token`` belongs to, or None. Constant-time on the secret."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    credential = (
        VendorCredential.objects.usable().select_related("vendor").filter(prefix=prefix).first()
    )
    expected = credential.secret_sha256 if credential else _sha256("")
    if not hmac.compare_digest(_sha256(secret), expected) or credential is None:
        return None
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at > _USE_RESOLUTION:
        VendorCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential
