"""What an export holds: the project's data of a period as tables, ``aggregated`` (with the
disclosure rule, ``reports.disclosure``) or ``record_level`` (the specification's fields,
recipient-specific pseudonyms), and the specification versions in force in the period.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth

from sentinel.collection.models import DiagnosisEvent, Episode, OutcomeRecord
from sentinel.lib import icpc2
from sentinel.projects.models import DataSpecification, Project, Recipient
from sentinel.reports.diagnosekodning import STRUCTURED_SPECIALE
from sentinel.reports.disclosure import (
    MIN_CELL,
    MIN_CLINICS,
    enough_clinics,
    suppressed_parts,
)
from sentinel.sharing.files import Column, Table
from sentinel.sharing.pseudonyms import recipient_key, recipient_pseudonym


class Versions:
    """The project's data specification versions and which one is in force on a day."""

    def __init__(self, project: Project) -> None:
        self.all = list(project.specifications.order_by("-version"))
        self._on: dict[dt.date, DataSpecification | None] = {}

    def on(self, day: dt.date) -> DataSpecification | None:
        if day not in self._on:
            self._on[day] = next((v for v in self.all if v.effective_from <= day), None)
        return self._on[day]

    def in_period(self, start: dt.date, end: dt.date) -> list[DataSpecification]:
        """Every version in force on some day of the period, oldest first."""
        found = {}
        first = self.on(start)
        if first is not None:
            found[first.version] = first
        for version in self.all:
            if start < version.effective_from <= end and self.on(version.effective_from) == version:
                found[version.version] = version
        return [found[v] for v in sorted(found)]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


# Aggregated -------------------------------------------------------------------------------


def aggregated_tables(
    project: Project, period: Period, versions: list[DataSpecification]
) -> tuple[list[Table], dict[str, Any]]:
    named = {f for v in versions for f in v.parsed.fields}
    base = (
        Episode.objects.filter(project=project, start_date__range=(period.start, period.end))
        .exclude(clinic__region_code="")
        .annotate(month=TruncMonth("start_date"))
        .order_by()
    )
    clinics = {
        (row["month"], row["clinic__region_code"]): row["n"]
        for row in base.values("month", "clinic__region_code").annotate(
            n=Count("clinic", distinct=True)
        )
    }
    shown = {group: n for group, n in clinics.items() if enough_clinics(n)}
    rules = {
        "min_cell": MIN_CELL,
        "min_clinics": MIN_CLINICS,
        "groups_left_out": len(clinics) - len(shown),
    }
    tables: list[Table] = []
    group_columns = [
        Column("month", "DATE", "First day of the courses' start month"),
        Column("region", "VARCHAR", "The clinics' region (DK-81 … DK-85)"),
    ]
    clinics_column = Column(
        "clinics",
        "INTEGER",
        f"Clinics contributing courses in the month and region (≥ {MIN_CLINICS})",
    )
    if "diagnoses" in named:
        counts = (
            base.exclude(current_code="")
            .values("month", "clinic__region_code", "current_code")
            .annotate(n=Count("id"))
        )
        rows: list[tuple[Any, ...]] = []
        for row in counts:
            group = (row["month"], row["clinic__region_code"])
            if group not in shown:
                continue
            # The code counts of a group are never shown with their total: rule 1 only.
            (small,) = suppressed_parts([row["n"]], total_shown=False)
            rows.append(
                (*group, row["current_code"], shown[group], None if small else row["n"], small)
            )
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        tables.append(
            Table(
                "courses_by_month_region_code",
                "Courses per start month, region and current ICPC-2 code",
                [
                    *group_columns,
                    Column("code", "VARCHAR", "The courses' current ICPC-2 code"),
                    clinics_column,
                    Column("courses", "INTEGER", f"Courses (empty when under {MIN_CELL})"),
                    Column("courses_suppressed", "BOOLEAN", f"true: under {MIN_CELL} courses"),
                ],
                rows,
            )
        )
    if {"diagnoses", "course_type"} <= named:
        structured: dict[tuple[dt.date, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for row in (
            base.filter(speciale=STRUCTURED_SPECIALE, course_type__in=list(icpc2.COURSE_TYPES))
            .values("month", "clinic__region_code", "course_type", "current_code")
            .annotate(n=Count("id"))
        ):
            key = (row["month"], row["clinic__region_code"], row["course_type"])
            structured[key][0] += row["n"]
            if row["current_code"] in icpc2.COURSE_TYPES[row["course_type"]]:
                structured[key][1] += row["n"]
        rows = []
        for (month, region, course_type), (courses, valid) in sorted(structured.items()):
            if (month, region) not in shown:
                continue
            (courses_small,) = suppressed_parts([courses], total_shown=False)
            (valid_small,) = suppressed_parts([valid], rest=courses - valid)
            rows.append(
                (
                    month,
                    region,
                    course_type,
                    shown[(month, region)],
                    None if courses_small else courses,
                    courses_small,
                    None if valid_small else valid,
                    valid_small,
                )
            )
        tables.append(
            Table(
                "completeness_by_month_region_course_type",
                f"Coding completeness of the structured courses of speciale {STRUCTURED_SPECIALE}",
                [
                    *group_columns,
                    Column("course_type", "VARCHAR", "The structured course type"),
                    clinics_column,
                    Column("courses", "INTEGER", f"Courses (empty when under {MIN_CELL})"),
                    Column("courses_suppressed", "BOOLEAN", f"true: under {MIN_CELL} courses"),
                    Column(
                        "validly_coded",
                        "INTEGER",
                        "Courses whose current code is one of the course type's codes (empty "
                        f"when under {MIN_CELL}, or when the rest is 1–{MIN_CELL - 1})",
                    ),
                    Column("validly_coded_suppressed", "BOOLEAN", "true: validly_coded is empty"),
                ],
                rows,
            )
        )
    return tables, rules


# Record-level ----------------------------------------------------------------------------

_EPISODE_VALUES = (
    "id",
    "clinic__ydernummer",
    "patient_pseudonym",
    "speciale",
    "course_type",
    "start_date",
    "end_date",
    "current_code",
    "practitioner_initials",
    "services",
)


def _services(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# The courses' columns in order, each with how it is read from an episode's values (under the
# recipient's key and the record's specification version).
_Getter = Callable[[dict[str, Any], bytes, DataSpecification], Any]
_EPISODE_COLUMNS: list[tuple[Column, _Getter]] = [
    (
        Column("episode", "VARCHAR", "The course (recipient-specific pseudonym)"),
        lambda r, key, v: recipient_pseudonym(key, "episode", str(r["id"])),
    ),
    (
        Column("clinic", "VARCHAR", "The clinic (recipient-specific pseudonym)"),
        lambda r, key, v: recipient_pseudonym(key, "clinic", r["clinic__ydernummer"]),
    ),
    (
        Column("patient", "VARCHAR", "The patient (recipient-specific pseudonym)", "patient_cpr"),
        lambda r, key, v: (
            recipient_pseudonym(key, "patient", r["patient_pseudonym"])
            if r["patient_pseudonym"]
            else None
        ),
    ),
    (Column("speciale", "VARCHAR", "Speciale (51, 57)", "speciale"), lambda r, k, v: r["speciale"]),
    (
        Column("course_type", "VARCHAR", "Structured course type", "course_type"),
        lambda r, k, v: r["course_type"],
    ),
    (Column("start_date", "DATE", "Start date", "start_date"), lambda r, k, v: r["start_date"]),
    (Column("end_date", "DATE", "End date", "end_date"), lambda r, k, v: r["end_date"]),
    (
        Column("current_code", "VARCHAR", "Current (latest) ICPC-2 code", "diagnoses"),
        lambda r, k, v: r["current_code"],
    ),
    (
        Column(
            "practitioner_initials", "VARCHAR", "Practitioner's initials", "practitioner_initials"
        ),
        lambda r, k, v: r["practitioner_initials"],
    ),
    (
        Column("services", "VARCHAR", "Services as JSON: [{code, date}]", "services"),
        lambda r, k, v: _services(r["services"]),
    ),
    (
        Column("specification_version", "INTEGER", "The data specification version of the record"),
        lambda r, k, v: v.version,
    ),
]


def record_level_tables(
    project: Project,
    recipient: Recipient,
    period: Period,
    versions: list[DataSpecification],
    history: Versions,
) -> list[Table]:
    named = {f for v in versions for f in v.parsed.fields}
    columns = [(c, get) for c, get in _EPISODE_COLUMNS if c.field is None or c.field in named]
    key = recipient_key(project, recipient)
    in_period = {"start_date__gte": period.start, "start_date__lte": period.end}

    def episodes() -> Iterator[tuple[Any, ...]]:
        rows = (
            Episode.objects.filter(project=project, **in_period)
            .order_by("start_date", "id")
            .values(*_EPISODE_VALUES)
            .iterator(chunk_size=2000)
        )
        for row in rows:
            version = history.on(row["start_date"])
            if version is None:
                continue  # before the first version: it cannot have been collected
            fields = set(version.parsed.fields)
            values: list[Any] = []
            for column, get in columns:
                if column.field is not None and column.field not in fields:
                    values.append(None)  # not named by the record's version
                else:
                    value = get(row, key, version)
                    values.append(None if value == "" else value)
            yield tuple(values)

    tables = [
        Table(
            "episodes",
            "Courses (forløb) started in the period, one row each",
            [c for c, _ in columns],
            episodes(),
        )
    ]
    if "diagnoses" in named:

        def diagnoses() -> Iterator[tuple[Any, ...]]:
            rows = (
                DiagnosisEvent.objects.filter(
                    episode__project=project,
                    episode__start_date__gte=period.start,
                    episode__start_date__lte=period.end,
                )
                .order_by("episode__start_date", "episode_id", "recorded_at", "id")
                .values_list("episode_id", "episode__start_date", "code", "recorded_at")
                .iterator(chunk_size=5000)
            )
            for episode_id, start, code, recorded_at in rows:
                version = history.on(start)
                if version is None or "diagnoses" not in version.parsed.fields:
                    continue
                yield (recipient_pseudonym(key, "episode", str(episode_id)), code, recorded_at)

        tables.append(
            Table(
                "diagnoses",
                "ICPC-2 codes put on the courses, with when (history kept: never removed)",
                [
                    Column("episode", "VARCHAR", "The course (as in episodes)"),
                    Column("code", "VARCHAR", "ICPC-2 code", "diagnoses"),
                    Column("recorded_at", "TIMESTAMPTZ", "When the code was recorded", "diagnoses"),
                ],
                diagnoses(),
            )
        )
    if any("outcome" in v.parsed.record_types for v in versions):
        tables.append(_outcomes_table(project, key, period, history))
    return tables


_OUTCOME_COLUMNS = (
    Column("episode", "VARCHAR", "The course (as in episodes)", "episode_source_id"),
    Column("instrument", "VARCHAR", "The instrument (lib.instruments)", "instrument"),
    Column(
        "timepoint", "VARCHAR", "baseline, end_of_course, follow_up_3m, follow_up_12m", "timepoint"
    ),
    Column("measured_on", "DATE", "The day of the measurement", "date"),
    Column("score", "DECIMAL(8,2)", "The score (the mean of the items for PSFS)", "score"),
    Column("answered_by", "VARCHAR", "patient, therapist or proxy", "answered_by"),
    Column("age_band", "VARCHAR", "The patient's age band on that day", "age_band"),
)


def _outcomes_table(project: Project, key: bytes, period: Period, history: Versions) -> Table:
    """The measurements of the courses started in the period (their items are not exported:
    the score says what the report needs). The course is the recipient's pseudonym of it."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for episode_id, start, *values in (
            OutcomeRecord.objects.filter(
                project=project,
                episode__start_date__gte=period.start,
                episode__start_date__lte=period.end,
            )
            .order_by("episode__start_date", "episode_id", "measured_on", "id")
            .values_list(
                "episode_id",
                "episode__start_date",
                "instrument",
                "timepoint",
                "measured_on",
                "score",
                "answered_by",
                "age_band",
            )
            .iterator(chunk_size=5000)
        ):
            version = history.on(start)
            if version is None or "outcome" not in version.parsed.record_types:
                continue
            yield (
                recipient_pseudonym(key, "episode", str(episode_id)),
                *(None if value == "" else value for value in values),
            )

    return Table(
        "outcomes",
        "Questionnaires and tests of the courses started in the period, one row each",
        list(_OUTCOME_COLUMNS),
        rows(),
    )
