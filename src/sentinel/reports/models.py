"""Report aggregates: what a report tab reads instead of the raw collected data.

``ReportCell`` counts a clinic's episodes (courses) per project, start month, speciale,
structured course type and current ICPC-2 code (``""`` = not coded). It is kept up to date in
the storing transaction of every batch (``reports.aggregates``), carries the clinic and has it
in its unique key, like every table of collected data (distribution by clinic on Citus).

``BenchmarkCell`` and ``BenchmarkContributor`` are the national and regional comparison,
rebuilt from the clinic cells by ``refresh_benchmark`` (a reference-sized table: one row per
project, scope, month and cell, no clinic). ``BenchmarkState`` says when that last happened
and whether clinic cells changed since.
"""

from __future__ import annotations

from django.db import models

NATION = "DK"


class ReportCell(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the episodes' start month.")
    speciale = models.CharField(max_length=2, blank=True)
    course_type = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=3, blank=True, help_text="Current code; blank = none.")
    episodes = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "project", "month", "speciale", "course_type", "code"],
                name="one_report_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.project_id} {self.month:%Y-%m} {self.code}: {self.episodes}"


class BenchmarkCell(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=5, help_text='"DK" for the nation or a region code.')
    month = models.DateField()
    speciale = models.CharField(max_length=2, blank=True)
    course_type = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=3, blank=True)
    episodes = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "scope", "month", "speciale", "course_type", "code"],
                name="one_benchmark_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.scope} {self.month:%Y-%m} {self.code}: {self.episodes}"


class BenchmarkContributor(models.Model):
    """A clinic that contributed data to a project's benchmark in a month (for the rule that
    a comparison needs at least five contributing clinics)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    region_code = models.CharField(max_length=5)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "clinic"], name="one_contributor_per_month"
            ),
        ]
        indexes = [models.Index(fields=["project", "region_code", "month"], name="contrib_scope")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} {self.region_code} {self.clinic_id}"


class BenchmarkState(models.Model):
    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)
    changed_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when clinic cells change; cleared by a refresh."
    )

    def __str__(self) -> str:
        return f"{self.project_id} benchmark refreshed {self.refreshed_at}"
