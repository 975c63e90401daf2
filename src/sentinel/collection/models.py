"""Collected data and data-flow monitoring.

``DataFlow`` keeps, per clinic and project, when data last arrived; the status check reads it
to tell "enrolled but no data arriving". The submission pipeline updates it for every batch it
stores (``collection.services.record_received``).
"""

from __future__ import annotations

from django.db import models


class DataFlow(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    first_received_at = models.DateTimeField()
    last_received_at = models.DateTimeField()
    records_received = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "project"], name="one_data_flow_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} / {self.project}: last {self.last_received_at:%Y-%m-%d}"
