"""Every change to a network, its coordinators, invitations and members: one function each,
checked here and audited in the same transaction (``audit.services.record``). The doors (the
console for the operator, the portal for the clinic's owner) only call these."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.networks.models import Coordinator, Invitation, Membership, Network

_UUID = re.compile(r"^[0-9a-fA-F-]{8,100}$")


def _uuids(person_uuids: Iterable[str]) -> list[str]:
    found = sorted({u.strip() for u in person_uuids if u.strip()})
    bad = [u for u in found if not _UUID.match(u)]
    if bad:
        raise DomainError(
            "bad_person_uuid",
            f"not a person UUID: {bad[0]!r}",
            f"Ikke et person-UUID: {bad[0]!r}.",
        )
    return found


def create_network(*, name: str, coordinators: Iterable[str] = (), by: Actor) -> Network:
    """A new network named ``name`` with the given coordinators (person UUIDs)."""
    name = name.strip()
    if not name:
        raise DomainError(
            "network_name_missing", "a network needs a name", "Netværket skal have et navn."
        )
    people = _uuids(coordinators)
    with transaction.atomic():
        if Network.objects.filter(name=name).exists():
            raise DomainError(
                "network_exists",
                f"a network named {name!r} exists already",
                f"Der findes allerede et netværk med navnet {name!r}.",
            )
        network = Network.objects.create(name=name)
        Coordinator.objects.bulk_create(
            [Coordinator(network=network, person_uuid=u) for u in people]
        )
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_CREATED,
            obj=network,
            details={"name": name, "coordinators": people},
        )
    return network


def set_coordinators(network: Network, person_uuids: Iterable[str], *, by: Actor) -> None:
    """The network's coordinators become exactly ``person_uuids``."""
    people = _uuids(person_uuids)
    with transaction.atomic():
        network.coordinators.exclude(person_uuid__in=people).delete()
        Coordinator.objects.bulk_create(
            [Coordinator(network=network, person_uuid=u) for u in people], ignore_conflicts=True
        )
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_COORDINATORS_SET,
            obj=network,
            details={"coordinators": people},
        )


def invite(network: Network, clinic: Clinic, *, by: Actor) -> Invitation:
    """Invite ``clinic`` to ``network``; it joins only when its owner accepts."""
    with transaction.atomic():
        if Membership.objects.filter(network=network, clinic=clinic, left_at__isnull=True).exists():
            raise DomainError(
                "already_member",
                f"clinic {clinic.ydernummer} is already a member of {network.name}",
                f"Klinikken er allerede medlem af {network.name}.",
            )
        if Invitation.objects.filter(
            network=network, clinic=clinic, state=Invitation.State.PENDING
        ).exists():
            raise DomainError(
                "already_invited",
                f"clinic {clinic.ydernummer} is already invited to {network.name}",
                f"Klinikken er allerede inviteret til {network.name}.",
            )
        invitation = Invitation.objects.create(network=network, clinic=clinic, invited_by=by.id)
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_INVITED,
            clinic=clinic,
            obj=invitation,
            details={"network": network.pk, "network_name": network.name},
        )
    return invitation


def _pending(invitation: Invitation) -> Invitation:
    fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if fresh.state != Invitation.State.PENDING:
        raise DomainError(
            "invitation_answered",
            "the invitation has been answered already",
            "Invitationen er allerede besvaret.",
        )
    return fresh


def accept(invitation: Invitation, *, by: Actor, named: bool = False) -> Membership:
    """The clinic's owner accepts: the clinic is a member from now (and, with ``named``,
    consents at once to be named to the network's members)."""
    with transaction.atomic():
        fresh = _pending(invitation)
        now = timezone.now()
        fresh.state, fresh.answered_at, fresh.answered_by = Invitation.State.ACCEPTED, now, by.id
        fresh.save(update_fields=["state", "answered_at", "answered_by"])
        membership = Membership.objects.create(
            network_id=fresh.network_id,
            clinic_id=fresh.clinic_id,
            invitation=fresh,
            joined_at=now,
            named_since=now if named else None,
        )
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_JOINED,
            clinic=fresh.clinic,
            obj=membership,
            details={"network": fresh.network_id, "named": named},
        )
        if named:
            record(
                by=by,
                action=AuditEvent.Action.NETWORK_NAMING_CONSENTED,
                clinic=fresh.clinic,
                obj=membership,
                details={"network": fresh.network_id},
            )
    invitation.refresh_from_db()
    return membership


def decline(invitation: Invitation, *, by: Actor) -> None:
    with transaction.atomic():
        fresh = _pending(invitation)
        fresh.state, fresh.answered_at, fresh.answered_by = (
            Invitation.State.DECLINED,
            timezone.now(),
            by.id,
        )
        fresh.save(update_fields=["state", "answered_at", "answered_by"])
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_DECLINED,
            clinic=fresh.clinic,
            obj=fresh,
            details={"network": fresh.network_id},
        )
    invitation.refresh_from_db()


def _active(network: Network, clinic: Clinic) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(network=network, clinic=clinic, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise DomainError(
            "not_member",
            f"clinic {clinic.ydernummer} is not a member of {network.name}",
            f"Klinikken er ikke medlem af {network.name}.",
        )
    return membership


def leave(network: Network, clinic: Clinic, *, by: Actor) -> None:
    """The clinic leaves at once; it drops out of the network figures at the next refresh.
    A consent to be named ends with the membership."""
    with transaction.atomic():
        membership = _active(network, clinic)
        membership.left_at = timezone.now()
        membership.named_since = None
        membership.save(update_fields=["left_at", "named_since"])
        record(
            by=by,
            action=AuditEvent.Action.NETWORK_LEFT,
            clinic=clinic,
            obj=membership,
            details={"network": network.pk},
        )


def set_naming(network: Network, clinic: Clinic, *, named: bool, by: Actor) -> None:
    """The member consents (``named``) to be named to this network's members and coordinator,
    or withdraws that consent; it applies to this network only."""
    with transaction.atomic():
        membership = _active(network, clinic)
        if (membership.named_since is not None) == named:
            return
        membership.named_since = timezone.now() if named else None
        membership.save(update_fields=["named_since"])
        action: AuditEvent.Action = (
            AuditEvent.Action.NETWORK_NAMING_CONSENTED
            if named
            else AuditEvent.Action.NETWORK_NAMING_WITHDRAWN
        )
        record(
            by=by,
            action=action,
            clinic=clinic,
            obj=membership,
            details={"network": network.pk},
        )
