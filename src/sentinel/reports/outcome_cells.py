"""Keeping the outcome report's cells (``OutcomeCell``, ``reports.outcome_models``) in step
with the collected outcome records, the way the coding development's cells are kept
(``reports.development``): recounted per clinic from the raw rows inside the benchmark
refresh, then summed per region and for the nation over the contributing clinics.

Per **structured course** (speciale 51 with a course type, ``icpc2.COURSE_TYPES``) of a project
that collects ``outcome`` records:

- the course row: ``ended`` (it has an end date), ``baseline`` (any measurement at baseline),
  ``end_of_course`` (any at the end of the course) and ``paired`` (one instrument at both);
- one row per instrument measured in the course: ``baseline``, ``end_of_course``, ``paired``;
  with a pair, ``change`` = the end's score − the baseline's (the earliest baseline and the
  latest end by date, then by when received) and ``mic``: whether the change reaches the
  instrument's minimal important change in its better direction (``lib.instruments.
  reaches_mic``; empty without a pair or without a threshold); ``patient``: whether the patient
  answered every measurement of it.

Which clinics are recounted: those the report cells' journal names (a course that came, went
or changed its type) and those the outcome journal (``OutcomeChange``, written by the pipeline
in the storing transaction, ``note_changes``) names; every clinic with courses on a full
refresh. Not on the ingest hot path on purpose (docs/adr/0016-outcome-report.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from sentinel.collection.models import Episode, OutcomeRecord
from sentinel.lib import icpc2
from sentinel.lib.instruments import INSTRUMENTS, reaches_mic
from sentinel.projects.models import DataSpecification
from sentinel.reports import sql
from sentinel.reports.models import (
    NATION,
    BenchmarkContributor,
    OutcomeBenchmarkCell,
    OutcomeCell,
    OutcomeChange,
)

STRUCTURED_SPECIALE = "51"
COLUMNS = (
    "course_type",
    "ended",
    "instrument",
    "baseline",
    "end_of_course",
    "paired",
    "mic",
    "patient",
    "change",
)
OutcomeKey = tuple[dt.date, str, bool, str, bool, bool, bool, str, str, Decimal]
"""(month, *COLUMNS) of an outcome cell."""


@dataclass(frozen=True)
class Measured:
    """One outcome record as the count reads it."""

    instrument: str
    timepoint: str
    day: dt.date | None
    score: Decimal | None
    answered_by: str
    order: int


def _yes(flag: bool | None) -> str:
    return "" if flag is None else "yes" if flag else "no"


def instrument_row(
    instrument: str, measurements: Sequence[Measured]
) -> tuple[bool, bool, bool, str, str, Decimal]:
    """(baseline, end_of_course, paired, mic, patient, change) of one instrument in a course."""
    first = [m for m in measurements if m.timepoint == "baseline" and m.score is not None]
    last = [m for m in measurements if m.timepoint == "end_of_course" and m.score is not None]
    patient = _yes(all(m.answered_by == "patient" for m in measurements))
    if not (first and last):
        return bool(first), bool(last), False, "", patient, Decimal(0)
    start = min(first, key=lambda m: (m.day or dt.date.max, m.order))
    end = max(last, key=lambda m: (m.day or dt.date.min, m.order))
    baseline, final = Decimal(start.score or 0), Decimal(end.score or 0)
    change = final - baseline
    known = INSTRUMENTS.get(instrument)
    mic = _yes(reaches_mic(known, baseline, final)) if known is not None else ""
    return True, True, True, mic, patient, change.quantize(Decimal("0.01"))


def course_rows(
    month: dt.date, course_type: str, ended: bool, measurements: Sequence[Measured]
) -> list[OutcomeKey]:
    """The course's row and one row per instrument measured in it."""
    by_instrument: dict[str, list[Measured]] = {}
    for m in measurements:
        by_instrument.setdefault(m.instrument, []).append(m)
    rows: list[OutcomeKey] = []
    paired_any = False
    for instrument, found in sorted(by_instrument.items()):
        baseline, end, paired, mic, patient, change = instrument_row(instrument, found)
        paired_any = paired_any or paired
        rows.append(
            (month, course_type, ended, instrument, baseline, end, paired, mic, patient, change)
        )
    rows.append(
        (
            month,
            course_type,
            ended,
            "",
            any(m.timepoint == "baseline" for m in measurements),
            any(m.timepoint == "end_of_course" for m in measurements),
            paired_any,
            "",
            "",
            Decimal(0),
        )
    )
    return rows


def count_clinic(clinic_id: int, project_id: int) -> Counter[OutcomeKey]:
    """A clinic's outcome cells of a project, counted from its raw courses and records."""
    courses = {
        pk: (start.replace(day=1), course_type, end is not None)
        for pk, course_type, start, end in Episode.objects.filter(
            clinic_id=clinic_id,
            project_id=project_id,
            speciale=STRUCTURED_SPECIALE,
            course_type__in=sorted(icpc2.COURSE_TYPES),
        ).values_list("pk", "course_type", "start_date", "end_date")
    }
    measured: dict[int, list[Measured]] = {}
    if courses:
        for pk, episode_id, instrument, timepoint, day, score, answered_by in (
            OutcomeRecord.objects.filter(clinic_id=clinic_id, project_id=project_id)
            .order_by("id")
            .values_list(
                "pk", "episode_id", "instrument", "timepoint", "measured_on", "score", "answered_by"
            )
        ):
            if episode_id in courses:
                measured.setdefault(episode_id, []).append(
                    Measured(instrument, timepoint, day, score, answered_by, pk)
                )
    cells: Counter[OutcomeKey] = Counter()
    for pk, (month, course_type, ended) in courses.items():
        cells.update(course_rows(month, course_type, ended, measured.get(pk, [])))
    return cells


@transaction.atomic
def recount(*, project_id: int, clinic_ids: Iterable[int]) -> int:
    """Rewrite the outcome cells of these clinics for the project. Returns the cells written."""
    written = 0
    for clinic_id in sorted(set(clinic_ids)):
        OutcomeCell.objects.filter(clinic_id=clinic_id, project_id=project_id).delete()
        rows = [
            OutcomeCell(
                clinic_id=clinic_id,
                project_id=project_id,
                month=key[0],
                **dict(zip(COLUMNS, key[1:], strict=True)),
                courses=n,
            )
            for key, n in sorted(count_clinic(clinic_id, project_id).items())
        ]
        OutcomeCell.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written


@transaction.atomic
def sum_scopes(project_id: int) -> None:
    """Rewrite the region and nation sums of the project's outcome cells; a clinic counts in
    the region it contributed to the benchmark from in that month (``BenchmarkContributor``)."""
    with connection.cursor() as cursor:
        sql.sum_scopes(
            cursor,
            cells=sql.table(OutcomeCell),
            contributors=sql.table(BenchmarkContributor),
            scopes=sql.table(OutcomeBenchmarkCell),
            key=COLUMNS,
            project_id=project_id,
            nation=NATION,
        )


def collecting(project_ids: Sequence[int]) -> list[int]:
    """Those of the projects whose data specification (any version) names ``outcome``."""
    return sorted(
        {
            specification.project_id
            for specification in DataSpecification.objects.filter(project_id__in=list(project_ids))
            if "outcome" in specification.parsed.record_types
        }
    )


def note_changes(*, clinic_id: int, project_ids: Iterable[int]) -> None:
    """Journal that the clinic's outcome records of these projects moved (in the caller's
    storing transaction); the next benchmark refresh recounts the clinic."""
    OutcomeChange.objects.bulk_create(
        [OutcomeChange(clinic_id=clinic_id, project_id=p) for p in sorted(set(project_ids))]
    )


def pending(project_id: int) -> bool:
    return OutcomeChange.objects.filter(project_id=project_id).exists()


def refresh(*, project_ids: Sequence[int], clinics: dict[int, set[int]] | None) -> None:
    """Recount, for the projects that collect outcome records, the clinics named per project
    (the report cells' journal's, passed in, and the outcome journal's, consumed here) or every
    clinic with courses or cells (``clinics`` None: a full refresh), then sum the scopes."""
    for project_id in collecting(project_ids):
        taken = list(
            OutcomeChange.objects.filter(project_id=project_id).values_list("id", "clinic_id")
        )
        if clinics is None:
            named: set[int] = set(
                Episode.objects.filter(project_id=project_id).values_list("clinic_id", flat=True)
            ) | set(
                OutcomeCell.objects.filter(project_id=project_id).values_list(
                    "clinic_id", flat=True
                )
            )
        else:
            named = set(clinics.get(project_id, set())) | {c for _, c in taken}
        if named:
            recount(project_id=project_id, clinic_ids=named)
        if taken:
            OutcomeChange.objects.filter(id__in=[i for i, _ in taken]).delete()
        if named or clinics is None:
            sum_scopes(project_id)
