"""Asking the owner to sign: someone at the clinic whose login may not sign (an employee, a
login below assurance level substantial) sends the owner a link to the page where the DPA is
signed or the consent approved.

The mail goes to the clinic's notice addresses that the owner added, confirmed and chose
"new_version" notices for (a document to sign) — never to an address typed by the asker —
once a day per address and document version, recorded like every notice (``Notice`` and an
audit row in the transaction that sends it). The mail carries no patient data, only the clinic,
the document and who asked.
"""

from __future__ import annotations

import smtplib

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sentinel.agreements.models import Document, DocumentKind
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.notices import mail
from sentinel.notices.models import Contact, Kind, Notice

_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    ("da", DocumentKind.DPA): (
        "Databehandleraftalen venter på din underskrift",
        "{asker} har bedt om, at databehandleraftalen (version {version}) for {clinic} bliver "
        "underskrevet. Kun klinikkens tegningsberettigede kan underskrive, med MitID Erhverv.",
    ),
    ("da", DocumentKind.CONSENT): (
        "Samtykkeerklæringen venter på din godkendelse",
        "{asker} har bedt om, at samtykkeerklæringen (version {version}) for {clinic} bliver "
        "godkendt. Kun klinikkens tegningsberettigede kan godkende, med MitID Erhverv.",
    ),
    ("en", DocumentKind.DPA): (
        "The data processing agreement awaits your signature",
        "{asker} asked for the data processing agreement (version {version}) of {clinic} to "
        "be signed. Only the clinic's signatory can sign, with MitID Erhverv.",
    ),
    ("en", DocumentKind.CONSENT): (
        "The practice consent awaits your approval",
        "{asker} asked for the practice consent (version {version}) of {clinic} to be "
        "approved. Only the clinic's signatory can approve, with MitID Erhverv.",
    ),
}
_LINK = {"da": "Log ind og læs dokumentet her:", "en": "Log in and read the document here:"}
_PAGES: dict[str, str] = {DocumentKind.DPA: "portal:dpa", DocumentKind.CONSENT: "portal:consent"}


def owner_addresses(clinic: Clinic) -> list[Contact]:
    """The addresses that would get the request: confirmed, not stopped, taking notices of a
    document to sign."""
    return [
        c for c in Contact.objects.receiving().filter(clinic=clinic) if c.receives(Kind.NEW_VERSION)
    ]


def ask_owner_to_sign(
    *, by: Actor, asker_name: str, clinic: Clinic, kind: str, base_url: str = ""
) -> int:
    """Mail the owner's addresses a link to sign ``kind``; the number of addresses mailed.
    Refuses when there is nothing to sign, no address to ask, or each was asked today."""
    document = Document.objects.current(kind, timezone.localdate())
    if document is None:
        raise DomainError(
            "no_document", "no such document is published", "Dokumentet er ikke offentliggjort."
        )
    addresses = owner_addresses(clinic)
    if not addresses:
        raise DomainError(
            "no_owner_address",
            "the clinic has no confirmed address for notices of a document to sign",
            "Klinikken har ingen bekræftet e-mailadresse til beskeder om underskrifter.",
        )
    occasion = f"signature_asked:{kind}:v{document.version}:{timezone.localdate().isoformat()}"
    link = mail.absolute(reverse(_PAGES[kind], args=[clinic.ydernummer]), base_url)
    sent = 0
    for contact in addresses:
        subject, text = _TEXTS[(contact.language, kind)]
        words = {"clinic": clinic.name, "asker": asker_name, "version": document.version}
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    contact=contact,
                    clinic=clinic,
                    kind=Kind.NEW_VERSION,
                    occasion=occasion,
                    subject=subject.format(**words),
                )
                record(
                    by=by,
                    action=AuditEvent.Action.NOTICE_SENT,
                    clinic=clinic,
                    obj=notice,
                    details={
                        "kind": Kind.NEW_VERSION,
                        "occasion": occasion,
                        "email": contact.email,
                    },
                )
                mail.send(
                    to=contact.email,
                    subject=notice.subject,
                    body=f"{text.format(**words)}\n\n{_LINK[contact.language]}\n{link}\n",
                    stop=mail.stop_url(contact, base_url),
                )
        except IntegrityError:  # this address was asked today already
            continue
        except (smtplib.SMTPException, OSError) as exc:
            raise DomainError(
                "mail_unavailable",
                f"the mail server did not take the mail ({exc.__class__.__name__})",
                "E-mailen kunne ikke sendes lige nu. Prøv igen senere.",
            ) from None
        sent += 1
    if not sent:
        raise DomainError(
            "already_asked",
            "the owner was asked today already",
            "Ejeren har allerede fået en e-mail om det i dag.",
        )
    return sent
