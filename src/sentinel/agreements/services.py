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

    @property
    def ok(self) -> bool:
        return self.standing is Standing.CURRENT


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
    the highest one published by then; only signatures made by ``day`` (local time) count."""
    in_force = [d for d in documents if d.kind == kind and d.published_on <= day]
    current = max(in_force, key=lambda d: d.version, default=None)
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
    )
