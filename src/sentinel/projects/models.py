"""Projects, their data specifications, and clinics' enrolments.

A *project* is a defined data collection with a specific focus and a public description that
says exactly which data is collected and with whom it may be shared (the seed guide's
"Hvad er et projekt?"). Its machine-readable ``DataSpecification`` is versioned: data is
collected under the version in force on the record's date. An ``Enrolment`` is one period in
which a clinic takes part (tilmelding → framelding); re-enrolling opens a new period, so the
history is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from sentinel.lib.dataspec import DataSpec, parse_spec
from sentinel.lib.errors import DomainError


def validate_spec_json(value: object) -> None:
    try:
        parse_spec(value)
    except DomainError as exc:
        raise ValidationError(exc.message_en, code=exc.code) from None


class Project(models.Model):
    code = models.SlugField(unique=True, help_text="Stable machine name, e.g. diagnosekodning.")
    name = models.CharField(max_length=200)
    summary_da = models.CharField(max_length=300)
    description_da = models.TextField()
    description_en = models.TextField(blank=True)
    recipients_da = models.TextField(
        "with whom data may be shared (Danish)",
        blank=True,
        help_text="Named recipients of aggregated or pseudonymised data.",
    )
    reports_open_from = models.DateField(help_text="No report opens before this day.")
    first_report_delay_months = models.PositiveSmallIntegerField(default=2)
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    retention_months = models.PositiveSmallIntegerField(
        "retention (months)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Collected data is kept this many months from its start date, then deleted.",
    )
    unenrolment_grace_days = models.PositiveSmallIntegerField(
        "grace period after unenrolment (days)",
        default=90,
        validators=[MaxValueValidator(3650)],
        help_text="A clinic's data is deleted this many days after it unenrolled "
        "(unless it enrolled again).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def specification(self, on: dt.date | None = None) -> DataSpecification | None:
        """The data specification in force on ``on`` (today by default)."""
        day = on or timezone.localdate()
        return DataSpecification.objects.filter(project=self).in_force(day)


class DataSpecificationQuerySet(models.QuerySet["DataSpecification"]):
    def in_force(self, day: dt.date) -> DataSpecification | None:
        """The version in force on ``day`` among these (``in_force_on``'s twin)."""
        return self.filter(effective_from__lte=day).order_by("-version").first()


def in_force_on(
    specifications: Iterable[DataSpecification], day: dt.date
) -> DataSpecification | None:
    """The version in force on ``day`` among one project's ``specifications`` read already:
    the highest version whose effective date has come."""
    return max(
        (s for s in specifications if s.effective_from <= day),
        key=lambda s: s.version,
        default=None,
    )


class DataSpecification(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="specifications")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    spec = models.JSONField(validators=[validate_spec_json])
    created_at = models.DateTimeField(default=timezone.now)

    objects = DataSpecificationQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="one_specification_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} specification v{self.version}"

    @cached_property
    def parsed(self) -> DataSpec:
        """The parsed specification; parsed once per instance (a published version is fixed)."""
        return parse_spec(self.spec)


class Recipient(models.Model):
    """Someone a project's data may be shared with (a quality network, a research group),
    as the project's description names them (``Project.recipients_da`` says it in words).

    The operator's data-sharing exports go to one recipient at a time. The ``code`` never
    changes once created: the recipient's pseudonyms are derived from it. Only a recipient
    marked ``record_level`` may receive pseudonymised record-level data; everyone else gets
    aggregated tables only.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="recipients")
    code = models.SlugField(max_length=50, help_text="Stable machine name, e.g. ekm-netvaerk.")
    name = models.CharField(max_length=200)
    description_da = models.TextField("description (Danish)", blank=True)
    record_level = models.BooleanField(
        "may receive pseudonymised record-level data",
        default=False,
        help_text="Only when the project description says so; otherwise aggregated tables only.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="one_recipient_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def open(self) -> EnrolmentQuerySet:
        return self.filter(unenrolled_on__isnull=True)

    def covering(self, day: dt.date) -> EnrolmentQuerySet:
        """Enrolment periods in which ``day`` lies (from the enrolment day, before unenrolment)."""
        return self.filter(enrolled_on__lte=day).filter(
            Q(unenrolled_on__isnull=True) | Q(unenrolled_on__gt=day)
        )


class Enrolment(models.Model):
    """One period of a clinic's participation in a project.

    Data is collected for records dated on or after ``enrolled_on`` and before
    ``unenrolled_on`` (if any).
    """

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="enrolments"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField()
    unenrolled_on = models.DateField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    unenrolled_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "project"],
                condition=Q(unenrolled_on__isnull=True),
                name="one_open_enrolment_per_clinic_project",
            ),
            models.CheckConstraint(
                condition=Q(unenrolled_on__isnull=True)
                | Q(unenrolled_on__gte=models.F("enrolled_on")),
                name="enrolment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} in {self.project} from {self.enrolled_on}"

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` lies in this period (``EnrolmentQuerySet.covering``'s twin)."""
        return self.enrolled_on <= day and (self.unenrolled_on is None or day < self.unenrolled_on)

    def ended_by(self, day: dt.date) -> bool:
        """Whether the clinic had left the project on ``day``."""
        return self.unenrolled_on is not None and self.unenrolled_on <= day
