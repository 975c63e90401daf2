"""Send every notice that is due, once per occasion and contact, and record it.

A notice is recorded (``Notice``, unique per contact, kind and occasion, and an audit row) in
the transaction that sends its mail: a mail the SMTP server refuses leaves no record and is
tried again on the next run, and a second run sends nothing already sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.notices import mail
from sentinel.notices.models import Contact, Notice
from sentinel.notices.occasions import Occasion, due

log = logging.getLogger(__name__)

SYSTEM = Actor.system("notices")


@dataclass
class SendResult:
    clinics: int = 0
    sent: int = 0
    already: int = 0
    failed: int = 0


def _send_one(contact: Contact, occasion: Occasion, base_url: str) -> bool:
    """Send and record one notice; False when it was sent already (by this or another run)."""
    text = occasion.text(contact.language)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                contact=contact,
                clinic=contact.clinic,
                kind=occasion.kind,
                occasion=occasion.key,
                subject=text.subject,
            )
            record(
                by=SYSTEM,
                action=AuditEvent.Action.NOTICE_SENT,
                clinic=contact.clinic,
                obj=notice,
                details={"kind": occasion.kind, "occasion": occasion.key, "email": contact.email},
            )
            mail.send(
                to=contact.email,
                subject=text.subject,
                body=text.body.replace("{link}", mail.absolute(occasion.path, base_url)),
                stop=mail.stop_url(contact, base_url),
            )
    except IntegrityError:
        return False
    return True


def send_due(
    *,
    on: dt.date | None = None,
    base_url: str = "",
    progress: Callable[[str], None] | None = None,
) -> SendResult:
    """Send what is due on ``on`` (today) to every verified, not stopped contact."""
    day = on or timezone.localdate()
    result = SendResult()
    clinic_ids = Contact.objects.receiving().values_list("clinic_id", flat=True).distinct()
    clinics = list(Clinic.objects.filter(pk__in=list(clinic_ids)).order_by("ydernummer"))
    for number, clinic in enumerate(clinics, start=1):
        contacts = list(Contact.objects.receiving().filter(clinic=clinic).select_related("clinic"))
        sent_before = set(
            Notice.objects.filter(contact__in=contacts).values_list(
                "contact_id", "kind", "occasion"
            )
        )
        sent = 0
        for occasion in due(clinic, day):
            for contact in contacts:
                if not contact.receives(occasion.kind) or not occasion.is_news_for(contact):
                    continue
                if (contact.pk, occasion.kind, occasion.key) in sent_before:
                    result.already += 1
                    continue
                try:
                    if _send_one(contact, occasion, base_url):
                        sent += 1
                    else:
                        result.already += 1
                except (smtplib.SMTPException, OSError) as exc:
                    result.failed += 1
                    log.warning(
                        "notice %s %s to contact %s not sent: %s",
                        occasion.kind,
                        occasion.key,
                        contact.pk,
                        type(exc).__name__,
                    )
        result.sent += sent
        result.clinics += 1
        if progress is not None:
            progress(f"[{number}/{len(clinics)}] {clinic.ydernummer}: {sent} sent")
    return result
