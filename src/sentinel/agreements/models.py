"""The data processing agreement (databehandleraftale, DPA) and the practice consent
(praksis samtykke), as versioned documents, and the clinic's signatures of them.

A document version is fixed once published: its text and the SHA-256 of that text. The
*current* version of a kind is the newest one whose publication date has come. Publishing a
new version makes every earlier signature *outdated*: collection stops until the clinic signs
again. A signature records who signed (MitID person UUID, name, the CVR they acted for,
assurance level), when, which version, and the channel: directly with Sentinel, or with
sundhed.dk through the practice system's Sentinel menu.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import models
from django.utils import timezone


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentKind(models.TextChoices):
    DPA = "dpa", "Databehandleraftale"
    CONSENT = "consent", "Praksis samtykke"


class DocumentQuerySet(models.QuerySet["Document"]):
    def published(self, on: dt.date) -> DocumentQuerySet:
        return self.filter(published_on__lte=on)

    def current(self, kind: str, on: dt.date | None = None) -> Document | None:
        """The version of ``kind`` in force on ``on`` (today by default)."""
        day = on or timezone.localdate()
        return self.published(day).filter(kind=kind).order_by("-version").first()


class Document(models.Model):
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    sha256 = models.CharField(max_length=64, editable=False)
    published_on = models.DateField(help_text="The day this version comes into force.")
    is_sample = models.BooleanField(
        default=False, help_text="Sample legal text, not for production use."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_document_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class AssuranceLevel(models.TextChoices):
    """NSIS assurance levels of the login (MitID Erhverv)."""

    LOW = "low", "Lav"
    SUBSTANTIAL = "substantial", "Betydelig"
    HIGH = "high", "Høj"


class Channel(models.TextChoices):
    SENTINEL = "sentinel", "Direkte hos Sentinel"
    SUNDHED_DK = "sundhed_dk", "Hos sundhed.dk via praksissystemet"


class SignatureBase(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    signer_uuid = models.UUIDField("person UUID")
    signer_name = models.CharField(max_length=200)
    signer_cvr = models.CharField("CVR acted for", max_length=8)
    assurance_level = models.CharField(max_length=12, choices=AssuranceLevel.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)

    class Meta:
        abstract = True
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document} – {self.clinic} – {self.signed_at:%Y-%m-%d}"


class DpaSignature(SignatureBase):
    """A clinic's signature of one DPA version."""

    class Meta(SignatureBase.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "document"], name="one_dpa_signature_per_version"
            ),
        ]


class ConsentApproval(SignatureBase):
    """A clinic's approval of one version of the practice consent."""

    class Meta(SignatureBase.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "document"], name="one_consent_approval_per_version"
            ),
        ]
