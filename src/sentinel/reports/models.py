"""Report aggregates: what a report tab reads instead of the raw collected data.

``ReportCell`` counts a clinic's episodes (courses) per project, start month, speciale,
structured course type and current ICPC-2 code (``""`` = not coded). It is kept up to date in
the storing transaction of every batch (``reports.aggregates``), carries the clinic and has it
in its unique key, like every table of collected data (distribution by clinic on Citus).

``CellChange`` is the journal of those changes: every change to a clinic cell is written there
too, in the same transaction, until a benchmark refresh consumes it.

``BenchmarkCell`` and ``BenchmarkContributor`` are the national and regional comparison, kept
from the clinic cells by ``refresh_benchmark`` (a reference-sized table: one row per project,
scope, month and cell, no clinic): the journal's changes are added to them, or everything is
recomputed. ``BenchmarkState`` says when that last happened and whether the next refresh must
recompute everything.

``IndicatorTarget`` is not an aggregate: it is a target and direction an operator set for one
headline indicator of a project's report, from a data specification version on
(``reports.targets`` reads it, ``reports.actions.set_indicator_target`` writes it).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

NATION = "DK"


class ReportCell(models.Model):
    # No index of its own: the unique key starts with the clinic (and a planner that finds
    # a clinic-only index probes it instead of the key, reading every cell of the clinic).
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
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


class CellChange(models.Model):
    """A change to one clinic cell (``delta`` episodes), waiting for the benchmark refresh.

    Appended in the transaction that changes the cell, removed by the refresh that adds it to
    the benchmark; nothing else reads it. No index but (project, id): a batch writes a few
    hundred rows, and the refresh takes a project's rows all at once."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(help_text="The first day of the episodes' start month.")
    speciale = models.CharField(max_length=2, blank=True)
    course_type = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=3, blank=True, help_text="Current code; blank = none.")
    delta = models.IntegerField(help_text="Episodes that entered (+) or left (-) the cell.")

    class Meta:
        indexes = [models.Index(fields=["project", "id"], name="cell_change_queue")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.project_id} {self.month:%Y-%m} {self.code}: {self.delta:+d}"


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
    full_needed_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "Set when clinic cells changed without a journal entry (a full rebuild); the next "
            "refresh recomputes everything and clears it."
        ),
    )

    def __str__(self) -> str:
        return f"{self.project_id} benchmark refreshed {self.refreshed_at}"


class IndicatorTarget(models.Model):
    """The target range and the better direction of one headline indicator of a project's
    report, set by the operator for a data specification version (``specification``).

    It holds from that version on, until a later version gets one of its own; without any,
    the report definition's own (``Indicator``) apply (``reports.targets``). Rows are only
    ever added (``reports.actions.set_indicator_target``), so they are the history: for one
    version the latest row counts. No range (``low`` and ``high`` empty) means a direction
    only."""

    class Better(models.TextChoices):
        HIGHER = "higher", "Højere er bedre"
        LOWER = "lower", "Lavere er bedre"

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(max_length=40, help_text="The indicator's key, e.g. completeness.")
    specification = models.ForeignKey(
        "projects.DataSpecification", on_delete=models.PROTECT, related_name="+"
    )
    better = models.CharField(max_length=10, choices=Better.choices)
    low = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.CharField(max_length=200, help_text="Who set it (the audit row's actor).")

    class Meta:
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["project", "indicator"], name="target_project_indicator")]
        constraints = [
            models.CheckConstraint(
                condition=Q(better__in=["higher", "lower"]), name="target_better_known"
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True, high__isnull=True)
                | Q(low__isnull=False, high__isnull=False, low__lte=F("high")),
                name="target_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.indicator} {self.better} {self.low}–{self.high} (spec {self.specification_id})"
        )


class DeclaredIndicator(models.Model):
    """An indicator declared as data (``reports.indicators``): a report tab is built from its
    project's declared indicators by the engine, with no code of the project's own.

    A row with no ``specification`` is a draft the operator edits; publishing the drafts
    with a data specification version (``reports.actions.publish_indicators``) copies them,
    bound to that version, and published rows are never edited: the version in force on a
    report's last day of data decides what was measured (the highest version by then with
    indicators of its own). Conditions are per field of the record type, each a list of
    allowed values (``reports.indicators`` holds the rules and the record types it knows)."""

    class Period(models.TextChoices):
        REPORT = "report", "Rapportens periode"
        LAST_3_MONTHS = "months_3", "De seneste 3 måneder af perioden"
        LAST_12_MONTHS = "months_12", "De seneste 12 måneder af perioden"

    class Kind(models.TextChoices):
        SHARE = "share", "Andel (tæller af nævner)"
        MEDIAN = "median", "Median af et tal (fx ændringen i en score)"

    class Disclosure(models.TextChoices):
        STANDARD = "standard", "Standard: region og land som benchmark-reglen tillader"
        OWN_SMALL_HIDDEN = (
            "own_small_hidden",
            "Skærpet: også klinikkens eget tal skjules under 5",
        )

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(
        "projects.DataSpecification",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The version it was published with; empty for a draft.",
    )
    key = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    label_da = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200, blank=True)
    definition_da = models.TextField(blank=True)
    definition_en = models.TextField(blank=True)
    record_type = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SHARE)
    value = models.CharField(
        max_length=40, blank=True, help_text="A median's number (the record type's, e.g. change)."
    )
    population = models.JSONField(default=dict, blank=True)
    denominator = models.JSONField(default=dict, blank=True)
    numerator = models.JSONField(default=dict, blank=True)
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.REPORT)
    better = models.CharField(
        max_length=10, choices=IndicatorTarget.Better.choices, default="higher"
    )
    low = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    disclosure = models.CharField(
        max_length=20, choices=Disclosure.choices, default=Disclosure.STANDARD
    )
    levels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "position", "key"]
        indexes = [
            models.Index(fields=["project", "specification"], name="declared_indicator_version")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key"],
                condition=Q(specification__isnull=True),
                name="one_draft_indicator_per_key",
            ),
            models.UniqueConstraint(
                fields=["project", "specification", "key"],
                name="one_published_indicator_per_key",
            ),
            models.CheckConstraint(
                condition=Q(better__in=["higher", "lower"]), name="declared_better_known"
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True, high__isnull=True)
                | Q(low__isnull=False, high__isnull=False, low__lte=F("high")),
                name="declared_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        version = f"v{self.specification_id}" if self.specification_id else "draft"
        return f"{self.project_id} {self.key} ({version})"


class NetworkCell(models.Model):
    """A quality network's comparison cell: the sum of its current members' clinic cells, as
    the last benchmark refresh found them (``reports.benchmark``: recomputed from the
    memberships at every refresh, so a clinic that left drops out at the next one)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    speciale = models.CharField(max_length=2, blank=True)
    course_type = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=3, blank=True)
    episodes = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "network", "month", "speciale", "course_type", "code"],
                name="one_network_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} N{self.network_id} {self.month:%Y-%m} {self.code}"


class NetworkContributor(models.Model):
    """A member clinic that contributed to its network's cells in a month (for the rule that
    a comparison needs at least five contributing clinics)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=5, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "network", "month", "clinic"],
                name="one_network_contributor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} N{self.network_id} {self.month:%Y-%m} {self.clinic_id}"


class OpenItemException(models.Model):
    """A vendor's answer "not applicable" to one open item of a course it sent
    (``reports.open_items``): the course is then counted apart as an exception in the report
    and listed on the worklist with the reason, like QOF's personalised care adjustments.

    Only a reason from the fixed list (``Reason``), never free text (it could carry
    a CPR). Rows are only added (``reports.open_items.record_exception``, audited); a course
    holds at most one per kind of item."""

    class Kind(models.TextChoices):
        MISSING_REQUIRED_CODE = "missing_required_code", "Mangler krævet diagnosekode"
        SYMPTOM_CODE_CURRENT = "symptom_code_current", "Symptomkode stadig gældende"

    class Reason(models.TextChoices):
        PATIENT_DECLINED = "patient_declined", "Patienten ønsker det ikke"
        NOT_CLINICALLY_APPROPRIATE = "not_clinically_appropriate", "Ikke klinisk relevant"
        DIAGNOSIS_NOT_ESTABLISHED = "diagnosis_not_established", "Diagnosen kan ikke stilles endnu"
        REFERRED_ELSEWHERE = "referred_elsewhere", "Patienten er henvist videre"
        COURSE_ENDED_EARLY = "course_ended_early", "Forløbet sluttede før tid"
        PATIENT_DID_NOT_ATTEND = "patient_did_not_attend", "Patienten udeblev"

    # Episode ids are unique per clinic; the key carries the clinic like every fact table.
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(
        "collection.Episode", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    vendor = models.ForeignKey("clinics.Vendor", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reason = models.CharField(max_length=40, choices=Reason.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "episode", "kind"], name="one_exception_per_item"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "project"], name="exception_clinic_project")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.episode_id} {self.kind}: {self.reason}"


class DevelopmentCell(models.Model):
    """The coding development of a clinic's coded structured courses (``reports.development``):
    per start month, how many courses started with a symptom code where a disease code is
    expected (``symptom_first``), of those how many were refined to a disease code
    (``refined``), and the days from the course's start to its final code (``days``).

    Per clinic, like the report cells, so any grouping of clinics (a region, the nation, a
    network) is a sum of its clinics' cells: a median of the group is read from the summed
    days. Recounted for the clinics the report cells' journal names at each benchmark refresh
    (and for every clinic on a full one)."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the courses' start month.")
    symptom_first = models.BooleanField()
    refined = models.BooleanField()
    days = models.IntegerField(help_text="Days from the course's start to its final code.")
    courses = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "project", "month", "symptom_first", "refined", "days"],
                name="one_development_cell",
            ),
        ]
        # The refresh sums the months it names over every clinic (``sql.sum_scopes``).
        indexes = [models.Index(fields=["project", "month"], name="development_cell_month")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.project_id} {self.month:%Y-%m} {self.days}d: {self.courses}"


class DevelopmentBenchmarkCell(models.Model):
    """The sum of ``DevelopmentCell`` over a region's or the nation's contributing clinics
    (``scope`` as in ``BenchmarkCell``), rewritten at each benchmark refresh."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=5, help_text='"DK" for the nation or a region code.')
    month = models.DateField()
    symptom_first = models.BooleanField()
    refined = models.BooleanField()
    days = models.IntegerField()
    courses = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "scope", "month", "symptom_first", "refined", "days"],
                name="one_development_benchmark_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.scope} {self.month:%Y-%m} {self.days}d: {self.courses}"


class TherapistVisibility(models.Model):
    """Who may open a clinic's per-therapist breakdown (``reports.therapists``): the owner
    alone (no row, or ``everyone`` false) or everyone who reaches the clinic. Set by the owner
    (``reports.therapists.set_visibility``, audited); the row keeps the latest choice."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    everyone = models.BooleanField(default=False)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.CharField(max_length=200, help_text="Who set it (the audit row's actor).")

    def __str__(self) -> str:
        return f"{self.clinic_id}: {'everyone' if self.everyone else 'owner'}"


# The outcome report's aggregates live in their own module; Django finds them through here.
from sentinel.reports.outcome_models import (  # noqa: E402
    OutcomeBenchmarkCell,
    OutcomeCell,
    OutcomeChange,
)

__all__ = [
    "NATION",
    "BenchmarkCell",
    "BenchmarkContributor",
    "BenchmarkState",
    "CellChange",
    "DeclaredIndicator",
    "DevelopmentBenchmarkCell",
    "DevelopmentCell",
    "IndicatorTarget",
    "NetworkCell",
    "NetworkContributor",
    "OpenItemException",
    "OutcomeBenchmarkCell",
    "OutcomeCell",
    "OutcomeChange",
    "ReportCell",
    "TherapistVisibility",
]
