"""Reading a clinic's standing on the DPA and the consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils import timezone

from sentinel.agreements.models import (
    ConsentApproval,
    Document,
    DocumentKind,
    DpaSignature,
    SignatureBase,
)

if TYPE_CHECKING:
    from sentinel.clinics.models import Clinic


class Standing(StrEnum):
    CURRENT = "current"
    OUTDATED = "outdated"
    MISSING = "missing"


SIGNATURE_MODEL: dict[str, type[DpaSignature] | type[ConsentApproval]] = {
    DocumentKind.DPA: DpaSignature,
    DocumentKind.CONSENT: ConsentApproval,
}


@dataclass(frozen=True)
class AgreementState:
    kind: str
    standing: Standing
    current_document: Document | None
    latest_signature: SignatureBase | None
    first_signed_at: dt.datetime | None
    upcoming: Document | None = None
    """The next version, published with notice and not yet in force on the day."""
    upcoming_signed: bool = False

    @property
    def ok(self) -> bool:
        return self.standing is Standing.CURRENT

    @property
    def sign_by(self) -> dt.date | None:
        """The day by which the clinic must sign the upcoming version (the day it takes
        effect; a signature made that day counts for it), while it has not; else None. Until
        then the signature of the version in force still counts."""
        if self.upcoming is None or self.upcoming_signed or self.standing is not Standing.CURRENT:
            return None
        return self.upcoming.published_on

    @property
    def to_sign(self) -> Document | None:
        """What the clinic signs now: the version in force while it has not signed it, else
        the upcoming version while it has not signed that (None when nothing is to sign)."""
        if self.standing is not Standing.CURRENT:
            return self.current_document
        return self.upcoming if self.sign_by is not None else None


def agreement_state(clinic: Clinic, kind: str, on: dt.date | None = None) -> AgreementState:
    """Whether ``clinic`` has signed the version of ``kind`` in force on ``on``.

    Only signatures made by ``on`` count, so the answer for a past day is the answer that day.
    """
    day = on or timezone.localdate()
    documents = list(Document.objects.filter(kind=kind))
    signatures = list(
        SIGNATURE_MODEL[kind].objects.filter(clinic=clinic).select_related("document")
    )
    return state_from(kind, documents, signatures, day)


def state_from(
    kind: str,
    documents: Sequence[Document],
    signatures: Sequence[SignatureBase],
    day: dt.date,
) -> AgreementState:
    """The rule of ``agreement_state`` over rows read already (every version of ``kind`` and
    every signature of one clinic, with their documents): the version in force on ``day`` is
    the highest one published by then; only signatures made by ``day`` (local time) count. A
    version taking effect later is ``upcoming``: the clinic may sign it already, and until its
    day the signature of the version in force is enough."""
    in_force = [d for d in documents if d.kind == kind and d.published_on <= day]
    current = max(in_force, key=lambda d: d.version, default=None)
    floor = current.version if current is not None else 0
    later = [d for d in documents if d.kind == kind and d.published_on > day and d.version > floor]
    upcoming = min(later, key=lambda d: d.version, default=None)
    signed = sorted(
        (s for s in signatures if timezone.localdate(s.signed_at) <= day),
        key=lambda s: (s.signed_at, s.pk),
    )
    latest = max(signed, key=lambda s: (s.document.version, s.signed_at), default=None)
    if current is not None and any(s.document_id == current.pk for s in signed):
        standing = Standing.CURRENT
    elif signed:
        standing = Standing.OUTDATED
    else:
        standing = Standing.MISSING
    return AgreementState(
        kind=kind,
        standing=standing,
        current_document=current,
        latest_signature=latest,
        first_signed_at=signed[0].signed_at if signed else None,
        upcoming=upcoming,
        upcoming_signed=upcoming is not None and any(s.document_id == upcoming.pk for s in signed),
    )


def clinics_to_sign(kind: str) -> int:
    """How many clinics have signed a version of ``kind``: each must sign a new version by the
    day it takes effect, or its collection stops that day."""
    return SIGNATURE_MODEL[kind].objects.values("clinic_id").distinct().count()
