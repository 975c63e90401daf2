"""Launch links: how a practice system opens Sentinel's menu for one of its users."""

from __future__ import annotations

from django.db import models


class LaunchLink(models.Model):
    """A single-use, short-lived link bound to a clinic and a practice-system user.

    Only the SHA-256 of the token is stored; the token is in the URL the vendor receives.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    user_id = models.CharField(max_length=200)
    user_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"launch {self.clinic_id} for {self.user_id}"
