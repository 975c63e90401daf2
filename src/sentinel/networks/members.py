"""Who is in a network and how its members are called inside it.

Inside a network a member is "Klinik A", "Klinik B", … unless it consented to be named to
that network. The letters are stable for a period: they follow the order of a hash of the
network, the period's key and the clinic, so they do not reveal the joining order and do not
change while the period stays the same. Nothing outside a network ever names a member (the
report tab names only the network)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import QuerySet

from sentinel.clinics.models import Clinic
from sentinel.networks.models import Invitation, Membership, Network


@dataclass(frozen=True)
class Member:
    clinic: Clinic
    label: str
    named: bool


def network_of(clinic: Clinic) -> Network | None:
    """The network a clinic is compared with: the one it joined first of those it is in."""
    membership = (
        Membership.objects.filter(clinic=clinic, left_at__isnull=True)
        .select_related("network")
        .order_by("joined_at", "id")
        .first()
    )
    return membership.network if membership is not None else None


def memberships(clinic: Clinic) -> QuerySet[Membership]:
    return Membership.objects.filter(clinic=clinic, left_at__isnull=True).select_related("network")


def pending_invitations(clinic: Clinic) -> QuerySet[Invitation]:
    return Invitation.objects.filter(clinic=clinic, state=Invitation.State.PENDING).select_related(
        "network"
    )


def coordinated_by(person_uuid: str) -> QuerySet[Network]:
    return Network.objects.filter(coordinators__person_uuid=person_uuid).distinct()


def is_coordinator(network: Network, person_uuid: str) -> bool:
    return network.coordinators.filter(person_uuid=person_uuid).exists()


def letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA, …"""
    text = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def members(network: Network, period_key: str) -> list[Member]:
    """The network's current members as they are called inside it, in label order: named
    members by name, the others "Klinik A", "Klinik B", … (stable for ``period_key``)."""
    rows = list(
        Membership.objects.filter(network=network, left_at__isnull=True).select_related("clinic")
    )

    def rank(m: Membership) -> str:
        return hashlib.sha256(f"{network.pk}:{period_key}:{m.clinic_id}".encode()).hexdigest()

    ordered = sorted(rows, key=rank)
    found = [
        Member(
            m.clinic,
            m.clinic.name if m.named_since is not None else f"Klinik {letter(i)}",
            m.named_since is not None,
        )
        for i, m in enumerate(ordered)
    ]
    return found
