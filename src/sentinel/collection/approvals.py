"""Which vendors serve a clinic: a vendor asks, the clinic's owner approves or refuses.

The rule (the vendor's door is ``PUT /clinics/{ydernummer}/activation``):

- A vendor that already reaches the clinic (``clinics.reach``) re-sending its activation
  changes nothing.
- Activation of a clinic that is new, or that has no signed DPA, no stored data, no other
  vendor in force and never refused this vendor — and whose CVR the vendor sent correctly —
  takes effect at once (``automatic``). The DPA signing page then names every vendor that will
  transfer the clinic's data and the owner confirms or refuses each (``decide_at_signing``).
- Any other activation is a *pending request*: the vendor reaches nothing until the owner (a
  login with signing rights for the clinic's CVR, ``Signer.require_signing_right``) approves it
  in the portal (``approve``), which creates the ``Activation``; ``refuse`` ends the request.
  Asking again while pending or after a refusal changes nothing and records nothing new, and a
  CVR that does not match is kept on the request for the owner and support, never told to the
  vendor. The owner may end a vendor's activation at any time (``end``); history is kept.

Every step writes its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sentinel.agreements import actions as agreement_actions
from sentinel.agreements.actions import Signer
from sentinel.agreements.models import DpaSignature
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics import actions as clinic_actions
from sentinel.clinics.models import Activation, ActivationRequest, Clinic, Vendor
from sentinel.collection.models import Episode
from sentinel.lib.errors import DomainError
from sentinel.lib.identifiers import validate_cvr, validate_ydernummer

State = ActivationRequest.State


@dataclass(frozen=True)
class ActivationAnswer:
    """What the vendor is told: activated (with the clinic it now reaches) or pending."""

    clinic: Clinic | None
    activation: Activation | None

    @property
    def activated(self) -> bool:
        return self.activation is not None


def _takes_effect_at_once(clinic: Clinic, vendor: Vendor, now: dt.datetime) -> bool:
    others = Activation.objects.in_force(now).filter(clinic=clinic).exclude(vendor=vendor)
    refused = ActivationRequest.objects.filter(clinic=clinic, vendor=vendor, state=State.REFUSED)
    return not (
        DpaSignature.objects.filter(clinic=clinic).exists()
        or Episode.objects.filter(clinic=clinic).exists()
        or others.exists()
        or refused.exists()
    )


def _activate_now(vendor: Vendor, clinic: Clinic, now: dt.datetime) -> Activation:
    activation = clinic_actions.activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic)
    ActivationRequest.objects.create(
        vendor=vendor,
        clinic=clinic,
        requested_at=now,
        last_requested_at=now,
        state=State.APPROVED,
        automatic=True,
        decided_at=now,
        activation=activation,
    )
    return activation


@transaction.atomic
def request_activation(
    *,
    vendor: Vendor,
    ydernummer: str,
    cvr: str,
    name: str,
    speciale: str,
    sor_id: str = "",
    region_code: str = "",
    municipality_code: str = "",
) -> ActivationAnswer:
    """The vendor's activation of a clinic: at once (registering a new clinic), or a request
    for the owner to decide. Raises ``DomainError`` only for malformed input, never for
    anything that would tell the vendor about a clinic it does not reach."""
    number = validate_ydernummer(str(ydernummer).strip())
    sent_cvr = validate_cvr(str(cvr).strip())
    now = timezone.now()
    clinic = Clinic.objects.select_for_update().filter(ydernummer=number).first()
    if clinic is None:
        clinic = clinic_actions.register_clinic(
            by=Actor.vendor(vendor),
            ydernummer=number,
            cvr=sent_cvr,
            name=name,
            speciale=speciale,
            sor_id=sor_id,
            region_code=region_code,
            municipality_code=municipality_code,
        )
        return ActivationAnswer(clinic, _activate_now(vendor, clinic, now))
    current = Activation.objects.in_force(now).filter(clinic=clinic, vendor=vendor).first()
    if current is not None:
        if clinic.cvr != sent_cvr:  # the vendor reaches the clinic: it may be told
            raise DomainError(
                "cvr_mismatch",
                f"ydernummer {clinic.ydernummer} is registered with another CVR; check both "
                "numbers or contact Sentinel support",
            )
        return ActivationAnswer(clinic, current)
    matches = clinic.cvr == sent_cvr
    if matches and _takes_effect_at_once(clinic, vendor, now):
        return ActivationAnswer(clinic, _activate_now(vendor, clinic, now))
    asked = ActivationRequest.objects.filter(clinic=clinic, vendor=vendor)
    if asked.filter(state__in=[State.PENDING, State.REFUSED]).exists():
        return ActivationAnswer(None, None)
    request = ActivationRequest.objects.create(
        vendor=vendor, clinic=clinic, requested_at=now, last_requested_at=now, cvr_matches=matches
    )
    record(
        by=Actor.vendor(vendor),
        action=AuditEvent.Action.VENDOR_REQUESTED,
        clinic=clinic,
        obj=request,
        details={"vendor": vendor.slug, "cvr_matches": matches},
    )
    return ActivationAnswer(None, None)


def _open_request(clinic: Clinic, request_id: int) -> ActivationRequest:
    request = (
        ActivationRequest.objects.select_for_update()
        .select_related("vendor", "clinic")
        .filter(pk=request_id, clinic=clinic, state=State.PENDING)
        .first()
    )
    if request is None:
        raise DomainError(
            "no_request",
            "no pending request of that vendor for this clinic",
            "Der er ingen anmodning fra det systemhus, der venter på svar.",
        )
    return request


def _decided(
    request: ActivationRequest,
    owner: Signer,
    state: str,
    at: dt.datetime,
    action: AuditEvent.Action,
) -> None:
    request.state = state
    request.decided_at = at
    request.decided_by = owner.name
    request.save(update_fields=["state", "decided_at", "decided_by", "activation"])
    record(
        by=owner.actor,
        action=action,
        clinic=request.clinic,
        obj=request,
        details={"vendor": request.vendor.slug, "cvr_matches": request.cvr_matches},
    )


@transaction.atomic
def approve(*, owner: Signer, clinic: Clinic, request_id: int) -> Activation:
    """The owner approves a pending request: the vendor reaches the clinic from now on."""
    owner.require_signing_right(clinic)
    request = _open_request(clinic, request_id)
    activation = clinic_actions.activate(by=owner.actor, vendor=request.vendor, clinic=clinic)
    request.activation = activation
    _decided(
        request, owner, State.APPROVED, activation.activated_at, AuditEvent.Action.VENDOR_APPROVED
    )
    return activation


@transaction.atomic
def refuse(*, owner: Signer, clinic: Clinic, request_id: int) -> ActivationRequest:
    """The owner refuses a pending request: the vendor keeps reaching nothing."""
    owner.require_signing_right(clinic)
    request = _open_request(clinic, request_id)
    _decided(request, owner, State.REFUSED, timezone.now(), AuditEvent.Action.VENDOR_REFUSED)
    return request


@transaction.atomic
def end(*, owner: Signer, clinic: Clinic, vendor_id: int) -> Activation:
    """The owner ends a vendor's activation (the clinic changed practice system): collection
    from that vendor stops now; nothing is deleted."""
    owner.require_signing_right(clinic)
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    ended = (
        clinic_actions.deactivate(by=owner.actor, vendor=vendor, clinic=clinic) if vendor else None
    )
    if ended is None:
        raise DomainError(
            "not_active",
            "that vendor is not active for this clinic",
            "Systemhuset er ikke aktivt for klinikken.",
        )
    return ended


@transaction.atomic
def decide_at_signing(
    *, owner: Signer, clinic: Clinic, refused_vendor_ids: Collection[int]
) -> list[Vendor]:
    """As part of signing the DPA, the owner confirms or refuses each vendor that transfers
    the clinic's data; a refused vendor's activation ends now. Returns the confirmed vendors."""
    owner.require_signing_right(clinic)
    now = timezone.now()
    confirmed: list[Vendor] = []
    for activation in serving(clinic, now):
        vendor = activation.vendor
        request = getattr(activation, "request", None)
        if vendor.pk in refused_vendor_ids:
            clinic_actions.deactivate(by=owner.actor, vendor=vendor, clinic=clinic)
            action = AuditEvent.Action.VENDOR_REFUSED
            if request is not None:
                request.state = State.REFUSED
        else:
            confirmed.append(vendor)
            action = AuditEvent.Action.VENDOR_APPROVED
        if request is not None:
            request.decided_at = now
            request.decided_by = owner.name
            request.save(update_fields=["state", "decided_at", "decided_by"])
        record(
            by=owner.actor,
            action=action,
            clinic=clinic,
            obj=activation,
            details={"vendor": vendor.slug, "at_signing": True},
        )
    return confirmed


@transaction.atomic
def sign_dpa(
    *, clinic: Clinic, signer: Signer, channel: str, refused_vendor_ids: Collection[int]
) -> DpaSignature:
    """Sign the DPA and, in the same transaction, refuse the vendors in ``refused_vendor_ids``
    and confirm every other vendor that transfers the clinic's data."""
    signature = agreement_actions.sign_dpa(clinic=clinic, signer=signer, channel=channel)
    decide_at_signing(owner=signer, clinic=clinic, refused_vendor_ids=refused_vendor_ids)
    return signature


def serving(clinic: Clinic, at: dt.datetime | None = None) -> list[Activation]:
    """The activations in force for ``clinic`` (the vendors that transfer its data now)."""
    return list(
        Activation.objects.in_force(at or timezone.now())
        .filter(clinic=clinic)
        .select_related("vendor", "request")
        .order_by("activated_at", "id")
    )


def open_and_refused(clinic: Clinic) -> tuple[list[ActivationRequest], ActivationRequest | None]:
    """The requests waiting for the owner's answer (oldest first) and the owner's latest refusal
    of a vendor that does not serve the clinic now, in one query (the status check asks both
    for every clinic it shows)."""
    rows = list(
        ActivationRequest.objects.filter(
            clinic=clinic, state__in=[State.PENDING, State.REFUSED]
        ).select_related("vendor")
    )
    waiting = sorted(
        (r for r in rows if r.state == State.PENDING), key=lambda r: (r.requested_at, r.pk)
    )
    refused = sorted(
        (r for r in rows if r.state == State.REFUSED),
        key=lambda r: (r.decided_at or r.requested_at, r.pk),
        reverse=True,
    )
    if not refused:
        return waiting, None
    serving_ids = {a.vendor_id for a in serving(clinic)}
    return waiting, next((r for r in refused if r.vendor_id not in serving_ids), None)


def pending(clinic: Clinic) -> list[ActivationRequest]:
    """The requests waiting for the owner's answer, oldest first."""
    return open_and_refused(clinic)[0]


def latest_refusal(clinic: Clinic) -> ActivationRequest | None:
    """The owner's latest refusal of a vendor that does not serve the clinic now."""
    return open_and_refused(clinic)[1]


def history(clinic: Clinic) -> list[Activation | ActivationRequest]:
    """Which vendor served the clinic when (every activation) and every refused request,
    newest first."""
    activations: list[Activation | ActivationRequest] = list(
        Activation.objects.filter(clinic=clinic).select_related("vendor")
    )
    refused = ActivationRequest.objects.filter(clinic=clinic, state=State.REFUSED)
    items = activations + list(refused.select_related("vendor"))

    def moment(item: Activation | ActivationRequest) -> dt.datetime:
        if isinstance(item, Activation):
            return item.activated_at
        return item.decided_at or item.requested_at

    return sorted(items, key=moment, reverse=True)
