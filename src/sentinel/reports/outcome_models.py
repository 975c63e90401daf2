"""The aggregates of the outcome report (project Forløbsresultater; ``reports.outcome_cells``
keeps them, ``reports.outcome_source`` reads them for the indicator language).

``OutcomeCell`` counts a clinic's structured courses per start month and course type, in two
kinds of rows: the course itself (``instrument`` empty: has it ended, a baseline measurement, one at
the end of the course, and a pair of both of one instrument) and each instrument measured in
the course (has it a baseline and an end, the change end − baseline, whether the change
reaches the instrument's minimal important change, whether the patient answered every
measurement). Per clinic like the report cells, so any group of clinics is a sum of its
clinics' cells, a median included (read off the summed changes).

``OutcomeBenchmarkCell`` is that sum over a region's or the nation's contributing clinics
(``scope`` as in ``BenchmarkCell``), rewritten at each benchmark refresh.

``OutcomeChange`` is the journal of the clinics whose outcome records moved: appended in the
storing transaction, consumed by the benchmark refresh that recounts them.
"""

from __future__ import annotations

from django.db import models

YES_NO_NONE = (("yes", "Ja"), ("no", "Nej"), ("", "Ikke relevant"))


class OutcomeCell(models.Model):
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the courses' start month.")
    course_type = models.CharField(max_length=40)
    ended = models.BooleanField(help_text="The course has an end date.")
    instrument = models.CharField(
        max_length=40, blank=True, help_text="Blank: the course itself (one row per course)."
    )
    baseline = models.BooleanField()
    end_of_course = models.BooleanField()
    paired = models.BooleanField(help_text="A baseline and an end-of-course of one instrument.")
    mic = models.CharField(max_length=3, blank=True, choices=YES_NO_NONE)
    patient = models.CharField(max_length=3, blank=True, choices=YES_NO_NONE)
    change = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, help_text="End − baseline; 0 without a pair."
    )
    courses = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "clinic", "project", "month", "course_type", "ended", "instrument", "baseline",
                    "end_of_course", "paired", "mic", "patient", "change",
                ],
                name="one_outcome_cell",
            ),
        ]  # fmt: skip
        # The refresh sums the months it names over every clinic (``sql.sum_scopes``).
        indexes = [models.Index(fields=["project", "month"], name="outcome_cell_month")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.project_id} {self.month:%Y-%m} {self.instrument}"


class OutcomeBenchmarkCell(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=5, help_text='"DK" for the nation or a region code.')
    month = models.DateField()
    course_type = models.CharField(max_length=40)
    ended = models.BooleanField()
    instrument = models.CharField(max_length=40, blank=True)
    baseline = models.BooleanField()
    end_of_course = models.BooleanField()
    paired = models.BooleanField()
    mic = models.CharField(max_length=3, blank=True)
    patient = models.CharField(max_length=3, blank=True)
    change = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    courses = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "project", "scope", "month", "course_type", "ended", "instrument", "baseline",
                    "end_of_course", "paired", "mic", "patient", "change",
                ],
                name="one_outcome_benchmark_cell",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.project_id} {self.scope} {self.month:%Y-%m} {self.instrument}"


class OutcomeChange(models.Model):
    """A clinic whose outcome records of a project moved, waiting for the benchmark refresh."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["project", "id"], name="outcome_change_queue")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.project_id}"
