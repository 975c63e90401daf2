"""Collected data and data-flow monitoring.

``DataFlow`` keeps, per clinic and project, when data last arrived; the status check reads it
to tell "enrolled but no data arriving". The submission pipeline updates it for every batch it
stores (``collection.services.record_received``).
"""

from __future__ import annotations

from django.db import models

from sentinel.core.constraints import CompositeForeignKey


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


class Episode(models.Model):
    """A patient course (forløb) as collected for one project, minimised to its specification.

    Fields the project's specification does not name stay empty. The patient is a keyed
    pseudonym; the CPR itself is kept only encrypted, and only for projects that show the
    clinic a person-identifiable worklist. Keys include the clinic (distribution on Citus).
    """

    # Indexed by the keys that lead with it (``episode_clinic_id`` and the two below).
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    specification_version = models.PositiveIntegerField()
    patient_pseudonym = models.CharField(max_length=64, blank=True, db_index=True)
    patient_cpr_encrypted = models.BinaryField(null=True, blank=True)
    cpr_key_id = models.CharField(max_length=20, blank=True)
    speciale = models.CharField(max_length=2, blank=True)
    course_type = models.CharField(max_length=40, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    practitioner_initials = models.CharField(max_length=20, blank=True)
    services = models.JSONField(null=True, blank=True)
    current_code = models.CharField(max_length=3, blank=True)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "project", "vendor", "source_id"], name="one_episode_per_source"
            ),
            # What a diagnosis event points at (its clinic and episode), as Citus needs too.
            models.UniqueConstraint(fields=["clinic", "id"], name="episode_clinic_id"),
        ]
        indexes = [
            models.Index(fields=["clinic", "project", "start_date"], name="episode_period"),
            # The structured courses (one in seven): the worklist, the open items and the
            # coding development read only these, by clinic and start month.
            models.Index(
                fields=["clinic", "project", "start_date"],
                condition=~models.Q(course_type=""),
                name="structured_episode_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.source_id} v{self.version}"


class DiagnosisEvent(models.Model):
    """One ICPC-2 code put on an episode at ``recorded_at``. Append-only: the current code of
    an episode is its latest event that counts (not refuted, not entered in error); earlier
    codes are never removed."""

    class Source(models.TextChoices):
        CLINICIAN = "clinician"
        REFERRAL = "referral"

    # Both checked by the database as one key, ``event_of_the_clinics_episode``.
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="diagnoses", db_constraint=False
    )
    code = models.CharField(max_length=3)
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CLINICIAN)
    #: FHIR's Condition.verificationStatus as sent ('' when not sent). A ``refuted`` or
    #: ``entered-in-error`` code is kept (the history is append-only) but never counts.
    verification_status = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "episode", "code", "recorded_at"], name="one_event_per_code_time"
            ),
            # An event belongs to an episode of its own clinic: one check per row, where two
            # foreign keys (clinic, episode) checked two and allowed another clinic's episode.
            CompositeForeignKey(
                fields=["clinic", "episode"],
                to="collection.Episode",
                to_fields=["clinic", "id"],
                name="event_of_the_clinics_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} at {self.recorded_at:%Y-%m-%d}"


class OutcomeRecord(models.Model):
    """One measurement of a structured course (an ``outcome`` record: a questionnaire's or a
    test's score at a timepoint), as collected for one project, minimised to its
    specification. It belongs to an episode of the same clinic, project and vendor (the
    ``episode_source_id`` it was sent with); deleting the episode deletes it. No CPR and
    nothing date-like of the patient: at most a pseudonym and an age band."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="outcomes", db_constraint=False
    )
    source_id = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    specification_version = models.PositiveIntegerField()
    instrument = models.CharField(max_length=40, blank=True)
    timepoint = models.CharField(max_length=20, blank=True)
    measured_on = models.DateField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    items = models.JSONField(null=True, blank=True)
    answered_by = models.CharField(max_length=10, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    patient_pseudonym = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "project", "vendor", "source_id"], name="one_outcome_per_source"
            ),
            CompositeForeignKey(
                fields=["clinic", "episode"],
                to="collection.Episode",
                to_fields=["clinic", "id"],
                name="outcome_of_the_clinics_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.source_id} {self.instrument} {self.timepoint}"


class Submission(models.Model):
    """One batch received from a vendor: counts and reasons, never record contents.

    Feeds the data-flow views (rejected records by reason over time) and the clinic's ledger of
    its data's use (``sharing.ledger``). Of a rejected record only its reason and the clinic's
    own course id (``source_id``, never one that could hold a CPR) are kept, so the clinic can
    find the course in its practice system.
    """

    class Channel(models.TextChoices):
        JSON = "json"
        FHIR = "fhir"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=4, choices=Channel.choices)
    received_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the request (path and body) a key names."
    )
    answer = models.JSONField(
        null=True, blank=True, help_text="The answer given, replayed for the same key and body."
    )
    records = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField()
    stored = models.PositiveIntegerField(
        default=0, help_text="Records that stored something new (replays store nothing)."
    )
    rejected_by_reason = models.JSONField(default=dict)
    dropped_fields = models.JSONField(default=list)
    refused = models.JSONField(
        default=list,
        help_text="[source_id, reason] per refused record; '' where the id was unusable.",
    )
    by_project = models.JSONField(
        default=dict,
        help_text="Per project code: records stored for it, and per field how many records "
        "brought it (fields) or had it dropped (dropped).",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "received_at"], name="submission_clinic_time"),
            models.Index(fields=["vendor", "idempotency_key"], name="submission_idempotency"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.received_at:%Y-%m-%d %H:%M}: {self.accepted}/{self.records}"
