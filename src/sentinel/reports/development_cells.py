"""Keeping the coding development's cells in step (``reports.development`` has the rule and
the reading): the clinic cells (``DevelopmentCell``) recounted from the courses' diagnosis
histories for the clinic-months the report cells' journal names, writing only the cells whose
count moved, and those moves added to the region and nation sums (``DevelopmentBenchmarkCell``);
everything on a full refresh. ``refresh`` is what ``reports.benchmark.refresh_benchmark`` calls.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.collection.validation import VOID_STATUSES
from sentinel.lib import icpc2
from sentinel.reports import sql
from sentinel.reports.development import (
    STRUCTURED_SPECIALE,
    ClinicDevKey,
    course_development,
)
from sentinel.reports.models import (
    NATION,
    BenchmarkContributor,
    DevelopmentBenchmarkCell,
    DevelopmentCell,
)

# Per coded structured course in ``courses`` (a CTE the caller puts first): its first counting
# event's code, and the start of the last run of its final code: the earliest event after the
# last event with another code (the last event's time when the history ends on another code,
# or never holds the final one). Events in the order recorded (ties by id). Plain SQL with
# window functions, the same on SQLite and PostgreSQL but for the joins (``_lateral``).
_COURSES = """
, ranked AS (
    SELECT d.episode_id, d.code, d.recorded_at, c.current_code,
           ROW_NUMBER() OVER (PARTITION BY d.episode_id ORDER BY d.recorded_at, d.id) AS rn
    FROM {history}
), marked AS (
    SELECT episode_id, code, recorded_at, rn, COALESCE(MAX(CASE WHEN code <> current_code
           THEN rn END) OVER (PARTITION BY episode_id), 0) AS last_other
    FROM ranked
)
SELECT c.clinic_id, c.start_date, c.course_type, c.current_code,
       MIN(CASE WHEN m.rn = 1 THEN m.code END),
       COALESCE(MIN(CASE WHEN m.rn > m.last_other THEN m.recorded_at END), MAX(m.recorded_at))
FROM courses c JOIN marked m ON m.episode_id = c.id
GROUP BY c.id, c.clinic_id, c.start_date, c.course_type, c.current_code
"""


def _structured(alias: str) -> tuple[str, list[Any]]:
    """The coded structured courses of a project (its id the first parameter)."""
    types, params = sql.in_(f"{alias}.course_type", sorted(icpc2.COURSE_TYPES))
    return (
        f"{alias}.project_id = %s AND {alias}.speciale = %s AND {types} "
        f"AND {alias}.current_code <> ''",
        [STRUCTURED_SPECIALE, *params],
    )


def _count(cursor: CursorWrapper, scope: str, params: list[Any]) -> Counter[ClinicDevKey]:
    """The development cells of the courses ``scope`` selects (SQL that starts a ``WITH``
    and defines ``courses``), by clinic."""
    void = ", ".join(f"'{status}'" for status in sorted(VOID_STATUSES))
    history = _lateral(
        "courses c",
        sql.table(DiagnosisEvent),
        "d",
        "d.id, d.episode_id, d.code, d.recorded_at",
        f"d.episode_id = c.id AND d.verification_status NOT IN ({void})",
    )
    cursor.execute(scope + _COURSES.format(history=history), params)
    cells: Counter[ClinicDevKey] = Counter()
    zone = timezone.get_current_timezone()  # once: the lookup costs more than the rule
    for clinic_id, start, course_type, final, first, run_start in cursor.fetchall():
        start, run_start = sql.as_date(start), _datetime(run_start)
        found = course_development(course_type, start, final, first, run_start, zone)
        month = start.replace(day=1)
        cells[(clinic_id, month, found.symptom_first, found.refined, found.days)] += 1
    return cells


def _lateral(outer: str, table: str, alias: str, columns: str, condition: str) -> str:
    """``outer`` joined with the rows of ``table`` (as ``alias``; ``columns`` of it) that
    meet ``condition``. On PostgreSQL a LATERAL join, so the few rows wanted are found by
    index per outer row, where the planner would otherwise scan the whole table (``OFFSET 0``
    keeps it from flattening the subquery into a plain join); SQLite (no LATERAL) joins row
    by row anyway."""
    if sql.postgres():
        inner = f"SELECT {columns} FROM {table} {alias} WHERE {condition} OFFSET 0"  # noqa: S608
        return f"{outer} CROSS JOIN LATERAL ({inner}) {alias}"
    return f"{outer} JOIN {table} {alias} ON {condition}"


def _datetime(value: dt.datetime | str) -> dt.datetime:
    """A timestamp as the database returns it (SQLite: UTC text, as Django stores it)."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _named(pairs: Sequence[tuple[int, dt.date]]) -> tuple[str, list[Any]]:
    """A ``named(clinic_id, month, next_month)`` CTE of clinic-months."""
    rows = [(c, m, (m + dt.timedelta(days=32)).replace(day=1)) for c, m in pairs]
    if sql.postgres():
        columns = [list(column) for column in zip(*rows, strict=True)]
        return (
            "named(clinic_id, month, next_month) AS (SELECT * FROM "
            "unnest(CAST(%s AS bigint[]), CAST(%s AS date[]), CAST(%s AS date[])))",
            columns,
        )
    marks = ", ".join(["(%s, %s, %s)"] * len(rows))
    return f"named(clinic_id, month, next_month) AS (VALUES {marks})", [
        value for row in rows for value in (row[0], row[1].isoformat(), row[2].isoformat())
    ]


def _count_months(
    cursor: CursorWrapper, project_id: int, pairs: Sequence[tuple[int, dt.date]]
) -> Counter[ClinicDevKey]:
    """The development cells of these clinic-months, from their courses' histories."""
    named, named_params = _named(pairs)
    structured, params = _structured("e")
    # The structured condition inside the join, so the structured courses' own index serves.
    episodes = _lateral(
        "named n",
        sql.table(Episode),
        "e",
        "e.id, e.clinic_id, e.start_date, e.course_type, e.current_code",
        "e.clinic_id = n.clinic_id AND e.start_date >= n.month AND e.start_date < n.next_month "
        f"AND {structured}",
    )
    scope = (
        f"WITH {named}, courses AS (SELECT e.id, e.clinic_id, e.start_date, e.course_type, "  # noqa: S608
        f"e.current_code FROM {episodes})"
    )
    return _count(cursor, scope, [*named_params, project_id, *params])


def _count_clinics(
    cursor: CursorWrapper, project_id: int, clinic_ids: Sequence[int]
) -> Counter[ClinicDevKey]:
    """The development cells of these clinics, from their courses' histories."""
    structured, params = _structured("e")
    clinics, clinic_params = sql.in_("e.clinic_id", clinic_ids)
    scope = (
        f"WITH courses AS (SELECT e.id, e.clinic_id, e.start_date, e.course_type, "  # noqa: S608
        f"e.current_code FROM {sql.table(Episode)} e WHERE {structured} AND {clinics})"
    )
    return _count(cursor, scope, [project_id, *params, *clinic_params])


_COLUMNS = ("clinic_id", "project_id", "month", "symptom_first", "refined", "days", "courses")
_SCOPE_KEY = ("project_id", "scope", "month", "symptom_first", "refined", "days")


def _read_cells(
    cursor: CursorWrapper,
    project_id: int,
    *,
    named: tuple[str, list[Any]] | None = None,
    clinics: tuple[str, list[Any]] | None = None,
) -> dict[ClinicDevKey, tuple[int, int]]:
    """The project's cells of the clinic-months ``named`` (``_named``) or of the clinics
    (a condition on ``c.clinic_id`` and its parameters): (id, courses) by key."""
    cells = sql.table(DevelopmentCell)
    select = (
        "SELECT c.id, c.clinic_id, c.month, c.symptom_first, c.refined, c.days, c.courses "  # noqa: S608
        f"FROM {cells} c"
    )
    if named is not None:
        cursor.execute(
            f"WITH {named[0]} {select} JOIN named n ON n.clinic_id = c.clinic_id "
            "AND n.month = c.month WHERE c.project_id = %s",
            [*named[1], project_id],
        )
    else:
        assert clinics is not None  # noqa: S101 - one of the two, always
        cursor.execute(
            f"{select} WHERE c.project_id = %s AND {clinics[0]}", [project_id, *clinics[1]]
        )
    return {
        (clinic_id, sql.as_date(month), bool(first), bool(refined), days): (row_id, courses)
        for row_id, clinic_id, month, first, refined, days, courses in cursor.fetchall()
    }


def _write(
    cursor: CursorWrapper,
    project_id: int,
    old: dict[ClinicDevKey, tuple[int, int]],
    new: Counter[ClinicDevKey],
) -> Counter[ClinicDevKey]:
    """Make the cells read as ``old`` equal ``new``, writing only what differs; returns the
    change of each cell whose count moved (new − old)."""

    def full(key: ClinicDevKey) -> tuple[Any, ...]:
        return (key[0], project_id, *key[1:])

    sql.write_counts(
        cursor,
        DevelopmentCell,
        _COLUMNS,
        {full(k): v for k, v in old.items()},
        {full(k): n for k, n in new.items() if n},
    )
    moved: Counter[ClinicDevKey] = Counter()
    for key in {*old, *new}:
        change = new.get(key, 0) - (old[key][1] if key in old else 0)
        if change:
            moved[key] = change
    return moved


CHUNK = 250
"""Clinics per statement of a full recount."""
PAIRS = 500
"""Clinic-months per statement of a recount of what the journal named."""


@transaction.atomic
def recount(
    *, project_id: int, months: Iterable[tuple[int, dt.date]] | None = None
) -> Counter[ClinicDevKey]:
    """Bring the project's development cells of the clinic-months ``months`` (of every
    clinic with courses or cells when None) up to date with the courses' histories, writing
    only the cells that changed. Returns each moved cell's change (new − old courses)."""
    moved: Counter[ClinicDevKey] = Counter()
    with connection.cursor() as cursor:
        if months is None:
            clinic_ids = sorted(
                {
                    *Episode.objects.filter(project_id=project_id).values_list(
                        "clinic_id", flat=True
                    ),
                    *DevelopmentCell.objects.filter(project_id=project_id).values_list(
                        "clinic_id", flat=True
                    ),
                }
            )
            for i in range(0, len(clinic_ids), CHUNK):
                chunk = clinic_ids[i : i + CHUNK]
                old = _read_cells(cursor, project_id, clinics=sql.in_("c.clinic_id", chunk))
                moved.update(
                    _write(cursor, project_id, old, _count_clinics(cursor, project_id, chunk))
                )
            return moved
        pairs = sorted(set(months))
        for i in range(0, len(pairs), PAIRS):
            some = pairs[i : i + PAIRS]
            old = _read_cells(cursor, project_id, named=_named(some))
            moved.update(_write(cursor, project_id, old, _count_months(cursor, project_id, some)))
    return moved


@transaction.atomic
def add_to_scopes(project_id: int, moved: Counter[ClinicDevKey]) -> int:
    """Add the clinic cells' changes (``recount``) to the region and nation sums: a clinic's
    change counts for the nation and in its region — the region it contributes to the
    benchmark from in those months, as ``reports.benchmark`` has just checked for every
    clinic-month its journal named (a clinic counted in another region makes that refresh a
    full one, which sums everything again, ``sum_scopes``). Returns the rows written."""
    regions = dict(
        Clinic.objects.filter(pk__in={key[0] for key in moved}).values_list("pk", "region_code")
    )
    sums: dict[tuple[Any, ...], int] = {}
    for (clinic_id, month, first, refined, days), change in moved.items():
        region = regions.get(clinic_id, "")
        for scope in (NATION, region) if region else (NATION,):
            key = (project_id, scope, month, first, refined, days)
            sums[key] = sums.get(key, 0) + change
    with connection.cursor() as cursor:
        return sql.add_counts(
            cursor,
            DevelopmentBenchmarkCell,
            _SCOPE_KEY,
            "courses",
            sums,
            ("project_id = %s", [project_id]),
        )


@transaction.atomic
def sum_scopes(project_id: int) -> None:
    """Rewrite the region and nation sums of the project's clinic cells (a full refresh); a
    clinic counts in the region it contributed to the benchmark from in that month
    (``BenchmarkContributor``)."""
    with connection.cursor() as cursor:
        sql.sum_scopes(
            cursor,
            cells=sql.table(DevelopmentCell),
            contributors=sql.table(BenchmarkContributor),
            scopes=sql.table(DevelopmentBenchmarkCell),
            key=("symptom_first", "refined", "days"),
            project_id=project_id,
            nation=NATION,
        )


def refresh(
    *, project_ids: Sequence[int], changed: dict[int, set[tuple[int, dt.date, str, str]]] | None
) -> None:
    """Bring the development cells and their sums up to date with the report cells that
    changed (clinic, month, speciale, course type, as the journal names them), per project:
    recount the clinic-months where a structured course's cell changed, and add the cells'
    changes to the region and nation sums (``add_to_scopes``). Everything, and the sums
    afresh, when ``changed`` is None (a full refresh)."""
    for project_id in project_ids:
        if changed is None:
            recount(project_id=project_id)
            sum_scopes(project_id)
            continue
        named = changed.get(project_id, set())
        if not named:  # nothing moved: the sums stand
            continue
        moved = recount(
            project_id=project_id,
            months={
                (clinic_id, month)
                for clinic_id, month, speciale, course_type in named
                if speciale == STRUCTURED_SPECIALE and course_type in icpc2.COURSE_TYPES
            },
        )
        add_to_scopes(project_id, moved)
