"""The owner's notice contacts: add an address (a verification link is mailed to it), verify
it from that link, choose its notices, and stop it from the link in any notice.

Only the clinic's owner (a login with signing rights for its CVR,
``Signer.require_signing_right``) adds and changes contacts; verifying and stopping need no
login, only the link. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sentinel.agreements.actions import Signer
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.notices import mail
from sentinel.notices.models import Contact, Kind, Language

LINK_ACTOR = Actor.system("notice-link")
"""Who acts when a link in a mail is followed: no one is logged in, the link vouches."""

_VERIFY_TEXT = {
    "da": (
        "Bekræft din e-mailadresse til Sentinel",
        "Ejeren af {clinic} har tilføjet denne adresse til beskeder fra Sentinel.\n\n"
        "Bekræft adressen ved at åbne linket (det virker én gang og udløber {expires}):\n"
        "{link}\n\n"
        "Har du ikke bedt om det, så gør ingenting; adressen får ingen beskeder.\n",
    ),
    "en": (
        "Confirm your e-mail address for Sentinel",
        "The owner of {clinic} added this address for notices from Sentinel.\n\n"
        "Confirm the address by opening the link (it works once and expires {expires}):\n"
        "{link}\n\n"
        "If you did not ask for this, do nothing; the address will get no notices.\n",
    ),
}


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = set(kinds)
    unknown = chosen - set(Kind.values)
    if unknown:
        raise DomainError(
            "unknown_notice",
            f"unknown notice kind(s): {', '.join(sorted(unknown))}",
            "Vælg blandt de viste beskeder.",
        )
    return [k for k in Kind.values if k in chosen]


def _clean_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            "invalid_email", "not a valid e-mail address", "Det er ikke en gyldig e-mailadresse."
        ) from None
    # One address, one contact: mail systems treat addresses without regard to case in practice.
    return email.lower()


def _send_verification(contact_id: int, token: str, base_url: str) -> None:
    contact = Contact.objects.select_related("clinic").get(pk=contact_id)
    subject, body = _VERIFY_TEXT[contact.language]
    assert contact.verify_expires_at is not None  # noqa: S101 - set with the token
    expires = timezone.localtime(contact.verify_expires_at)
    mail.send(
        to=contact.email,
        subject=subject,
        body=body.format(
            clinic=contact.clinic.name,
            expires=expires.strftime("%d.%m.%Y %H:%M"),
            link=mail.absolute(reverse("portal:notice_verify", args=[token]), base_url),
        ),
    )


@transaction.atomic
def add_contact(
    *,
    owner: Signer,
    clinic: Clinic,
    email: str,
    kinds: Iterable[str],
    language: str = Language.DANISH,
    base_url: str = "",
) -> Contact:
    """Add ``email`` for ``clinic``'s notices (or renew the link of an address not yet
    verified); the verification link is mailed once the transaction commits."""
    owner.require_signing_right(clinic)
    email = _clean_email(email)
    chosen = _clean_kinds(kinds)
    if language not in Language.values:
        language = Language.DANISH
    contact = Contact.objects.select_for_update().filter(clinic=clinic, email=email).first()
    if contact is not None and contact.is_receiving:
        raise DomainError(
            "contact_exists",
            "this address is already verified for the clinic",
            "Adressen er allerede bekræftet for klinikken.",
        )
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(hours=settings.SENTINEL_NOTICE_VERIFY_HOURS)
    if contact is None:
        contact = Contact(clinic=clinic, email=email)
    contact.kinds = chosen
    contact.language = language
    contact.verify_token_sha256 = _sha256(token)
    contact.verify_expires_at = expires
    contact.verified_at = None
    contact.stopped_at = None
    contact.save()
    record(
        by=owner.actor,
        action=AuditEvent.Action.NOTICE_CONTACT_ADDED,
        clinic=clinic,
        obj=contact,
        details={"email": email, "kinds": chosen, "language": language},
    )
    transaction.on_commit(lambda: _send_verification(contact.pk, token, base_url))
    return contact


@transaction.atomic
def verify(*, token: str) -> Contact:
    """Spend a verification link: the address receives its notices from now on."""
    contact = (
        Contact.objects.select_for_update()
        .filter(verify_token_sha256=_sha256(token))
        .exclude(verify_token_sha256="")
        .first()
    )
    if contact is None:
        raise DomainError(
            "link_unknown",
            "the link is unknown or was used already",
            "Linket er ukendt eller allerede brugt.",
        )
    if contact.verify_expires_at is None or contact.verify_expires_at <= timezone.now():
        raise DomainError(
            "link_expired",
            "the link has expired; ask the clinic's owner to add the address again",
            "Linket er udløbet. Bed klinikkens ejer om at tilføje adressen igen.",
        )
    contact.verified_at = timezone.now()
    contact.verify_token_sha256 = ""
    contact.verify_expires_at = None
    contact.save(update_fields=["verified_at", "verify_token_sha256", "verify_expires_at"])
    record(
        by=LINK_ACTOR,
        action=AuditEvent.Action.NOTICE_CONTACT_VERIFIED,
        clinic=contact.clinic,
        obj=contact,
        details={"email": contact.email},
    )
    return contact


@transaction.atomic
def choose(*, owner: Signer, clinic: Clinic, contact_id: int, kinds: Iterable[str]) -> Contact:
    """The owner changes which notices one of the clinic's addresses gets."""
    owner.require_signing_right(clinic)
    contact = Contact.objects.select_for_update().filter(clinic=clinic, pk=contact_id).first()
    if contact is None:
        raise DomainError("contact_unknown", "no such contact", "Adressen findes ikke.")
    contact.kinds = _clean_kinds(kinds)
    contact.save(update_fields=["kinds"])
    record(
        by=owner.actor,
        action=AuditEvent.Action.NOTICE_CONTACT_CHANGED,
        clinic=clinic,
        obj=contact,
        details={"email": contact.email, "kinds": contact.kinds},
    )
    return contact


@transaction.atomic
def stop(*, token: str) -> Contact:
    """Follow the stop link of a notice: the address gets no more notices (no login)."""
    found = mail.contact_for_stop_token(token)
    if found is None:
        raise DomainError("link_unknown", "the link is unknown", "Linket er ukendt.")
    contact = Contact.objects.select_for_update().get(pk=found.pk)
    if contact.stopped_at is None:
        contact.stopped_at = timezone.now()
        contact.save(update_fields=["stopped_at"])
        record(
            by=LINK_ACTOR,
            action=AuditEvent.Action.NOTICE_CONTACT_STOPPED,
            clinic=contact.clinic,
            obj=contact,
            details={"email": contact.email},
        )
    return contact
