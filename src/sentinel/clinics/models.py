"""Clinics, vendors (systemhuse) and the activations that connect them.

- A *clinic* (klinik/praksis) is identified by its ydernummer; it acts under a CVR number.
- *Speciale* is the clinic's specialty code in the collective agreement: 51 almen fysioterapi,
  57 ridefysioterapi (chiropractic and general practice come later).
- A *vendor* (systemhus) makes the practice system the clinic works in. It activates Sentinel
  for a clinic, which is what lets data flow; an ``Activation`` row records one such period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation

from sentinel.lib import identifiers, refdata


def _as_validation_error(fn: Callable[[object], str], value: object) -> None:
    try:
        fn(value)
    except identifiers.InvalidIdentifier as exc:
        danish = (translation.get_language() or "").startswith("da")
        raise ValidationError(exc.message_da if danish else exc.message_en, code=exc.code) from None


def validate_cvr(value: object) -> None:
    _as_validation_error(identifiers.validate_cvr, value)


def validate_ydernummer(value: object) -> None:
    _as_validation_error(identifiers.validate_ydernummer, value)


def validate_sor_id(value: object) -> None:
    _as_validation_error(identifiers.validate_sor_id, value)


def validate_municipality_code(value: str) -> None:
    if value not in refdata.municipalities():
        raise ValidationError(f"unknown municipality code {value!r}", code="invalid_municipality")


class Speciale(models.TextChoices):
    ALMEN_FYSIOTERAPI = "51", "Almen fysioterapi"
    RIDEFYSIOTERAPI = "57", "Ridefysioterapi"


class RegionCode(models.TextChoices):
    NORDJYLLAND = "DK-81", "Region Nordjylland"
    MIDTJYLLAND = "DK-82", "Region Midtjylland"
    SYDDANMARK = "DK-83", "Region Syddanmark"
    HOVEDSTADEN = "DK-84", "Region Hovedstaden"
    SJAELLAND = "DK-85", "Region Sjælland"


class Clinic(models.Model):
    ydernummer = models.CharField(max_length=6, unique=True, validators=[validate_ydernummer])
    cvr = models.CharField("CVR", max_length=8, validators=[validate_cvr], db_index=True)
    sor_id = models.CharField("SOR id", max_length=18, blank=True, validators=[validate_sor_id])
    name = models.CharField(max_length=200)
    speciale = models.CharField(max_length=2, choices=Speciale.choices)
    region_code = models.CharField(max_length=5, choices=RegionCode.choices, blank=True)
    municipality_code = models.CharField(
        max_length=4, blank=True, validators=[validate_municipality_code]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ydernummer"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ydernummer})"

    def clean(self) -> None:
        municipality = refdata.municipalities().get(self.municipality_code)
        if municipality and municipality.region_code:
            if not self.region_code:
                self.region_code = municipality.region_code
            elif self.region_code != municipality.region_code:
                raise ValidationError(
                    {
                        "municipality_code": (
                            f"municipality {self.municipality_code} ({municipality.name}) lies in "
                            f"{municipality.region_code}, not {self.region_code}"
                        )
                    },
                    code="region_mismatch",
                )


class Vendor(models.Model):
    """A systemhus: the company behind a practice system."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    menu_help_da = models.TextField(
        "where the Sentinel menu is (Danish)",
        blank=True,
        help_text="Shown to the vendor's clinics: where to find the Sentinel menu.",
    )
    menu_help_en = models.TextField("where the Sentinel menu is (English)", blank=True)
    support_phone = models.CharField(max_length=30, blank=True)
    support_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ActivationQuerySet(models.QuerySet["Activation"]):
    def active(self) -> ActivationQuerySet:
        return self.filter(deactivated_at__isnull=True)

    def in_force(self, at: dt.datetime) -> ActivationQuerySet:
        """Activations in force at the moment ``at`` (``Activation.in_force_at``'s twin)."""
        return self.filter(activated_at__lte=at).filter(
            Q(deactivated_at__isnull=True) | Q(deactivated_at__gt=at)
        )


class Activation(models.Model):
    """One period in which a vendor had Sentinel activated for a clinic (history is kept)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="activations")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="activations")
    activated_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = ActivationQuerySet.as_manager()

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "vendor"],
                condition=Q(deactivated_at__isnull=True),
                name="one_open_activation_per_clinic_vendor",
            ),
            models.CheckConstraint(
                condition=Q(deactivated_at__isnull=True)
                | Q(deactivated_at__gte=models.F("activated_at")),
                name="activation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} → {self.clinic}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None

    def in_force_at(self, at: dt.datetime) -> bool:
        """Whether the vendor may transfer the clinic's data at the moment ``at``: from the
        activation on, until (not including) its end."""
        return self.activated_at <= at and (self.deactivated_at is None or at < self.deactivated_at)

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the activation is in force on ``day`` (Danish time), as the status check
        reads it: activated on or before the day and not ended on or before it."""
        started = timezone.localdate(self.activated_at) <= day
        ended = self.deactivated_at is not None and timezone.localdate(self.deactivated_at) <= day
        return started and not ended


class ActivationRequest(models.Model):
    """A vendor's request to serve a clinic, and the owner's answer.

    A vendor that activates an existing clinic (one with a signed DPA, stored data or another
    vendor) reaches nothing of it until the clinic's owner approves the request in the portal;
    approving creates the ``Activation``. A request that took effect at once (a new clinic) is
    kept too, marked ``automatic``, so the DPA signing page can ask the owner to confirm it.
    The rule that decides which is which lives in ``collection.approvals``.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Venter på godkendelse"
        APPROVED = "approved", "Godkendt"
        REFUSED = "refused", "Afvist"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="requests")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="vendor_requests")
    requested_at = models.DateTimeField(default=timezone.now)
    last_requested_at = models.DateTimeField(default=timezone.now)
    # Whether the CVR the vendor sent matches the clinic's; never shown to the vendor.
    cvr_matches = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    automatic = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    activation = models.OneToOneField(
        Activation, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )

    class Meta:
        ordering = ["-last_requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "vendor"],
                condition=Q(state="pending"),
                name="one_pending_request_per_clinic_vendor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} → {self.clinic}: {self.state}"


class VendorCredentialQuerySet(models.QuerySet["VendorCredential"]):
    def usable(self, now: dt.datetime | None = None) -> VendorCredentialQuerySet:
        moment = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
        )


class VendorCredential(models.Model):
    """An API credential of a vendor: ``snt_<prefix>_<secret>``, shown once, stored hashed.

    Looked up by its prefix and compared by SHA-256 in constant time. Rotation gives the old
    credential an expiry (a grace period); revocation ends it at once.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="credentials")
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = VendorCredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.vendor.slug}: snt_{self.prefix}_…"
