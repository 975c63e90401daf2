"""Publishing document versions and signing them. Each writes its audit row."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sentinel.agreements.models import (
    AssuranceLevel,
    Channel,
    ConsentApproval,
    Document,
    DocumentKind,
    DpaSignature,
)
from sentinel.agreements.services import agreement_state
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.effective import check_effective_date
from sentinel.lib.errors import DomainError

SIGNING_LEVELS = {AssuranceLevel.SUBSTANTIAL, AssuranceLevel.HIGH}
LABELS: dict[str, tuple[str, str]] = {
    DocumentKind.DPA: ("data processing agreement", "databehandleraftalen"),
    DocumentKind.CONSENT: ("practice consent", "samtykkeerklæringen"),
}
"""Each document kind's name in the refusals, English and Danish."""


@dataclass(frozen=True)
class Signer:
    """The person signing, as their MitID Erhverv login tells us."""

    person_uuid: uuid.UUID
    name: str
    cvr: str
    assurance_level: str
    may_sign: bool

    @property
    def actor(self) -> Actor:
        return Actor.clinic_user(self.person_uuid, self.name)

    def require_signing_right(self, clinic: Clinic) -> None:
        """Refuse unless this person may sign for ``clinic``'s CVR: the clinic's owner, who
        signs its agreements and approves the vendors that serve it."""
        if self.cvr != clinic.cvr:
            raise DomainError(
                "wrong_cvr",
                f"the signer acts for CVR {self.cvr}, but the clinic's CVR is {clinic.cvr}",
                f"Du er logget ind for CVR {self.cvr}, men klinikkens CVR er {clinic.cvr}.",
            )
        if not self.may_sign:
            raise DomainError(
                "no_signing_right",
                f"the signer may not sign for CVR {clinic.cvr}",
                f"Du har ikke ret til at underskrive for CVR {clinic.cvr}. "
                "Bed den tegningsberettigede om at logge ind.",
            )

    def refusal_to_sign(self, clinic: Clinic, kind: str = DocumentKind.DPA) -> DomainError | None:
        """Why this person may not sign ``clinic``'s DPA or approve its consent (another CVR,
        no signing right, a login below assurance level substantial), or None when they may.
        The signing actions raise it; a door asks first, so it offers the button only to a
        login that may use it and tells the others why."""
        try:
            self.require_signing_right(clinic)
        except DomainError as refused:
            return refused
        if self.assurance_level not in SIGNING_LEVELS:
            label_en, label_da = LABELS[kind]
            return DomainError(
                "assurance_too_low",
                f"signing the {label_en} needs assurance level substantial or high",
                f"Underskrift kræver MitID på sikringsniveau betydelig eller høj; log ind igen "
                f"for at underskrive {label_da}.",
            )
        return None


@transaction.atomic
def publish_document(
    *,
    by: Actor,
    kind: str,
    title: str,
    text: str,
    published_on: dt.date,
    is_sample: bool = False,
    urgent_reason: str = "",
) -> Document:
    """Publish the next version of ``kind``. From ``published_on`` on, earlier signatures are
    outdated and collection waits for a new one."""
    if kind not in DocumentKind.values:
        raise DomainError("invalid_kind", f"unknown document kind {kind!r}")
    if not text.strip():
        raise DomainError("empty_text", "a document needs its text", "Dokumentet mangler tekst")
    latest = Document.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    document = Document.objects.create(
        kind=kind,
        version=latest + 1,
        title=title,
        text=text,
        published_on=published_on,
        is_sample=is_sample,
    )
    record(
        by=by,
        action=AuditEvent.Action.DOCUMENT_PUBLISHED,
        obj=document,
        details={
            "kind": kind,
            "version": document.version,
            "sha256": document.sha256,
            "published_on": published_on.isoformat(),
            **({"urgent_reason": urgent_reason.strip()} if urgent_reason.strip() else {}),
        },
    )
    return document


def _sign(
    *,
    model: type[DpaSignature] | type[ConsentApproval],
    kind: str,
    action: AuditEvent.Action,
    clinic: Clinic,
    signer: Signer,
    channel: str,
    at: dt.datetime | None,
) -> DpaSignature | ConsentApproval:
    when = at or timezone.now()
    label_en, label_da = LABELS[kind]
    refused = signer.refusal_to_sign(clinic, kind)
    if refused is not None:
        raise refused
    if channel not in Channel.values:
        raise DomainError("invalid_channel", f"unknown channel {channel!r}")
    day = timezone.localdate(when)
    document = agreement_state(clinic, kind, day).to_sign or Document.objects.current(kind, day)
    if document is None:
        raise DomainError(
            "no_document",
            f"no {label_en} is published yet",
            f"Der er endnu ikke offentliggjort {label_da}.",
        )
    existing = model.objects.filter(clinic=clinic, document=document).first()
    if existing is not None:
        return existing
    signature = model.objects.create(
        clinic=clinic,
        document=document,
        signed_at=when,
        signer_uuid=signer.person_uuid,
        signer_name=signer.name,
        signer_cvr=signer.cvr,
        assurance_level=signer.assurance_level,
        channel=channel,
    )
    record(
        by=signer.actor,
        action=action,
        clinic=clinic,
        obj=signature,
        details={
            "version": document.version,
            "sha256": document.sha256,
            "channel": channel,
            "assurance_level": signer.assurance_level,
            "effective_at": when.isoformat(),
        },
    )
    return signature


@transaction.atomic
def sign_dpa(
    *, clinic: Clinic, signer: Signer, channel: str, at: dt.datetime | None = None
) -> DpaSignature:
    """Record ``signer``'s signature of the DPA version in force; signing it again is a no-op."""
    return _sign(  # type: ignore[return-value]
        model=DpaSignature,
        kind=DocumentKind.DPA,
        action=AuditEvent.Action.DPA_SIGNED,
        clinic=clinic,
        signer=signer,
        channel=channel,
        at=at,
    )


@transaction.atomic
def approve_consent(
    *, clinic: Clinic, signer: Signer, channel: str, at: dt.datetime | None = None
) -> ConsentApproval:
    """Record ``signer``'s approval of the consent version in force; approving twice is a no-op."""
    return _sign(  # type: ignore[return-value]
        model=ConsentApproval,
        kind=DocumentKind.CONSENT,
        action=AuditEvent.Action.CONSENT_APPROVED,
        clinic=clinic,
        signer=signer,
        channel=channel,
        at=at,
    )


def _same_text(a: str, b: str) -> bool:
    def normal(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip().splitlines())

    return normal(a) == normal(b)


@transaction.atomic
def publish_document_version(
    *,
    by: Actor,
    kind: str,
    title: str,
    text: str,
    published_on: dt.date,
    is_sample: bool = False,
    today: dt.date | None = None,
    urgent_reason: str = "",
) -> Document:
    """Publish the next DPA or consent version, in force from ``published_on``: at least
    ``SENTINEL_VERSION_NOTICE_DAYS`` ahead unless ``urgent_reason`` says why not (audited).
    Until that day the clinics' signatures of the version before still count, and they may sign
    the new one; from that day they must have signed it before collection continues."""
    if kind not in DocumentKind.values:
        raise DomainError(
            "invalid_kind", f"unknown document kind {kind!r}", f"Ukendt dokumenttype {kind!r}."
        )
    latest = Document.objects.select_for_update().filter(kind=kind).order_by("-version").first()
    check_effective_date(
        published_on,
        today=today or timezone.localdate(),
        previous=latest.published_on if latest else None,
        what_en="document version",
        what_da="dokumentversion",
        notice_days=settings.SENTINEL_VERSION_NOTICE_DAYS,
        urgent_reason=urgent_reason,
    )
    if latest is not None and _same_text(latest.text, text) and latest.title == title.strip():
        raise DomainError(
            "unchanged",
            f"the text is the same as version {latest.version}",
            f"Teksten er den samme som version {latest.version}.",
        )
    return publish_document(
        by=by,
        kind=kind,
        title=title,
        text=text,
        published_on=published_on,
        is_sample=is_sample,
        urgent_reason=urgent_reason,
    )
