"""Quality networks (klynger, kvalitetsnetværk): a named group of clinics that compare their
report figures with each other, led by one or more coordinators.

``Network`` is created by the operator (console); ``Coordinator`` is a person (MitID person
UUID) the operator designates, who logs in to the portal and sees the network's figures —
never patient data, never a worklist. A clinic is ``Invitation``-ed by the operator and
becomes a ``Membership`` only when its owner accepts in the portal; the owner may decline, and
a member may leave at any time (``left_at``: the clinic drops out of the network figures at
the next benchmark refresh). Inside the network a member is "Klinik A, B, …" unless it has
consented to be named to that network (``Membership.named_since``; per network, revocable).
Every change is an action in ``networks.actions``, audited in the same transaction.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Network(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Coordinator(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="coordinators")
    person_uuid = models.CharField(max_length=100, help_text="The person's MitID person UUID.")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "person_uuid"], name="one_coordinator")
        ]

    def __str__(self) -> str:
        return f"{self.network_id}: {self.person_uuid}"


class Invitation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Afventer klinikkens svar"
        ACCEPTED = "accepted", "Accepteret"
        DECLINED = "declined", "Afslået"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.CharField(max_length=200)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-invited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "clinic"],
                condition=Q(state="pending"),
                name="one_pending_invitation",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "declined"]),
                name="invitation_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id} → {self.clinic_id}: {self.state}"


class Membership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    named_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while the clinic consents to be named to the network's members.",
    )

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "clinic"],
                condition=Q(left_at__isnull=True),
                name="one_active_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id}: {self.clinic_id}"

    @property
    def active(self) -> bool:
        return self.left_at is None
