"""Telling the clinic before it has to ask: the e-mail addresses a clinic's owner gives for
notices, and the notices sent to them.

- A ``Contact`` is one address of one clinic. It receives nothing until it is verified through
  the single-use link mailed to it (the token is stored as its SHA-256 only, and expires), and
  only the kinds of notice the owner chose for it; the link in every mail stops it.
- A ``Notice`` is one mail sent to one contact for one *occasion* (a project's report opened
  on a day; data stopped arriving after a day; a DPA or consent version needs signing). The
  unique occasion key is what makes ``sentinel notices send`` send each notice once.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    REPORT_OPENED = "report_opened", "Rapporten for et projekt åbner"
    NO_DATA = "no_data", "Der er ikke modtaget data i for lang tid"
    NEW_VERSION = "new_version", "En ny version af aftalen eller samtykket skal underskrives"
    SPEC_CHANGED = "spec_changed", "Et projekts dataspecifikation ændres"
    VENDOR_REQUEST = "vendor_request", "Et systemhus beder om at overføre klinikkens data"
    DIGEST = "digest", "Kvartalsoversigt med klinikkens nøgletal"


class Language(models.TextChoices):
    DANISH = "da", "Dansk"
    ENGLISH = "en", "English"


class ContactQuerySet(models.QuerySet["Contact"]):
    def receiving(self) -> ContactQuerySet:
        """Verified contacts that have not been stopped."""
        return self.filter(verified_at__isnull=False, stopped_at__isnull=True)


class Contact(models.Model):
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="notice_contacts"
    )
    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.DANISH)
    kinds = models.JSONField(default=list, blank=True)
    verify_token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    verify_expires_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "email"], name="notice_contact_unique")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_receiving(self) -> bool:
        return self.verified_at is not None and self.stopped_at is None

    def receives(self, kind: str) -> bool:
        return self.is_receiving and kind in self.kinds


class Notice(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notices")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occasion = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind", "occasion"], name="notice_once_per_occasion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occasion} → {self.contact_id}"
