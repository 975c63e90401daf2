"""Keeping the report aggregates (``reports.models``) in step with the collected data.

Three ways the clinic cells (``ReportCell``) move, and two ways the benchmark does:

- ``apply_changes``: the ingest pipeline hands over, inside its storing transaction, the net
  change per cell of one clinic and project (+1 for a new episode in a cell, -1 when a stored
  episode leaves it). Cells that reach 0 are removed, so a cell row always means "at least one
  episode". Every change is also appended to the journal (``CellChange``) in the same
  transaction.
- ``rebuild``: recount cells from the raw episodes from scratch (``sentinel reports refresh``,
  and after deletions: a patient's opt-out, retention). Rebuilt equals incremental; the tests
  hold it to that. A rebuild of some clinics journals the difference it made; a rebuild of
  every clinic instead marks that the next benchmark refresh must recompute everything.
- ``refresh_benchmark`` (``reports.benchmark``) keeps the national (``"DK"``) and regional
  benchmark cells and the contributing clinics per month. By default it is incremental: it
  consumes the journal, adds the summed changes to the benchmark cells of the nation and of
  each clinic's region, and re-decides the contributors of only the clinic-months the journal
  names. It recomputes everything from the clinic cells (writing only the differences) when
  asked (``full=True``, ``sentinel reports refresh``), on a project's first refresh, after a
  full rebuild, and when the journal touches a month a clinic contributed to from another
  region (it moved; months it had no data in yet count in its new region, older ones move with
  a full refresh). It runs in the background in ``sentinel worker`` (``reports.scheduler``,
  the ``benchmark`` job of ``jobs.schedule``) when the journal holds changes and the last
  refresh is older than ``SENTINEL_BENCHMARK_REFRESH_SECONDS``, and on demand.

A cell is (month, speciale, course type, code): the month is the first day of the episode's
start month, the code the episode's current code ("" when it has none). Only collected data
is counted, and data is collected only while a clinic is enrolled, so the benchmark is made of
enrolled clinics' data by construction.

Concurrency (docs/adr/0004-incremental-benchmark.md): a batch only appends to the journal (no
shared row to queue on). The incremental refresh takes the journal rows with one statement
that deletes and returns them, so exactly the rows it adds are removed, however batches commit
around it; the full recompute reads the clinic cells and deletes the journal rows in one
snapshot. Refreshes of a project take turns (an advisory lock on PostgreSQL; SQLite has one
writer).

All statements are plain SQL (shared pieces in ``reports.sql``) that runs unchanged on SQLite
and PostgreSQL (upserts with ``ON CONFLICT``), apart from the month expression and
PostgreSQL-only refinements: one statement for a batch's cells and journal (arrays instead of
a statement per cell), the journal taken with ``DELETE … RETURNING``, and for the full
recompute one snapshot, planner settings for its transaction and the advisory lock.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction

from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from sentinel.reports import sql
from sentinel.reports.benchmark import (
    BenchmarkResult,
    all_project_ids,
    mark_full_refresh_needed,
    refresh_benchmark,
)
from sentinel.reports.models import CellChange, ReportCell
from sentinel.reports.outcome_cells import note_changes as note_outcome_changes
from sentinel.reports.scheduler import (
    benchmark_due,
    refresh_due_benchmarks,
    refresh_seconds,
)

# The benchmark and its background refresh live in their own modules; their names stay
# importable here, where the pipeline, the CLI and the worker find them.
__all__ = [
    "BenchmarkResult",
    "CellKey",
    "apply_changes",
    "benchmark_due",
    "cell_key",
    "mark_full_refresh_needed",
    "net_changes",
    "note_outcome_changes",
    "rebuild",
    "refresh_benchmark",
    "refresh_due_benchmarks",
    "refresh_seconds",
]


CellKey = tuple[dt.date, str, str, str]
"""(month, speciale, course_type, code) of a clinic's report cell."""

Progress = Callable[[str], None]

REBUILD_CHUNK = 250  # clinics per rebuild statement (a progress line each)


def cell_key(
    start_date: dt.date, speciale: str | None, course_type: str | None, current_code: str | None
) -> CellKey:
    """The report cell an episode counts in."""
    return (start_date.replace(day=1), speciale or "", course_type or "", current_code or "")


def net_changes(
    *, added: Iterable[CellKey] = (), removed: Iterable[CellKey] = ()
) -> Counter[CellKey]:
    """Net change per cell when episodes enter the cells ``added`` and leave ``removed``
    (one entry per episode); cells that net to zero are left out."""
    changes: Counter[CellKey] = Counter(added)
    changes.subtract(removed)
    return Counter({key: n for key, n in changes.items() if n})


# --- incremental ------------------------------------------------------------------------


def apply_changes(*, clinic_id: int, project_id: int, changes: Mapping[CellKey, int]) -> None:
    """Add the net ``changes`` (episodes per cell) to one clinic's cells of one project, and
    journal the changes made for the benchmark.

    Runs in the caller's (storing) transaction. Zero changes are skipped; a cell that reaches
    zero is removed (never below: a decrement of more than the cell holds journals only what
    the cell held). On PostgreSQL the cells and the journal take one statement (and a second
    only when a cell reached zero), whatever the number of cells."""
    deltas: Counter[CellKey] = Counter()
    for (month, speciale, course_type, code), n in changes.items():
        deltas[cell_key(month, speciale, course_type, code)] += n
    rows = sorted((key, n) for key, n in deltas.items() if n)  # a fixed order: no deadlocks
    if not rows:
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if sql.postgres():
            _apply_postgres(cursor, clinic_id, project_id, rows)
        else:
            _apply_sqlite(cursor, clinic_id, project_id, rows)


_KEY_TYPES = ("date", "text", "text", "text")  # of sql.KEY_COLUMNS, as the changes carry them


def _apply_postgres(
    cursor: Any, clinic_id: int, project_id: int, rows: list[tuple[CellKey, int]]
) -> None:
    table, journal = sql.table(ReportCell), sql.table(CellChange)
    keys = sql.names(sql.KEY_COLUMNS)
    same_cell = " AND ".join(f"c.{sql.q(k)} = m.{sql.q(k)}" for k in sql.KEY_COLUMNS)
    typed = ", ".join(
        f"{sql.q(k)} {kind}" for k, kind in zip(sql.KEY_COLUMNS, _KEY_TYPES, strict=True)
    )
    made = "c.delta - LEAST(m.episodes, 0)"  # what the cell really moved (never below 0)
    m, s, t, c = sql.KEY_COLUMNS
    cursor.execute(
        f"WITH changes AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) "  # noqa: S608
        f"AS c({typed}, delta int)), "
        f"moved AS (INSERT INTO {table} ({sql.names(sql.CELL_COLUMNS)}, episodes) "
        f"SELECT %s, %s, {keys}, delta FROM changes "
        f"ON CONFLICT ({sql.names(sql.CELL_COLUMNS)}) "
        f"DO UPDATE SET episodes = {table}.episodes + excluded.episodes "
        f"RETURNING id, {keys}, episodes), "
        f"journalled AS (INSERT INTO {journal} ({sql.names(sql.CELL_COLUMNS)}, delta) "
        f"SELECT %s, %s, {sql.names(sql.KEY_COLUMNS, 'm')}, {made} "
        f"FROM moved m JOIN changes c ON {same_cell} WHERE {made} <> 0) "
        f"SELECT id FROM moved WHERE episodes <= 0",
        [
            # One JSON text: psycopg dumps five arrays of a thousand cells element by element.
            json.dumps(
                [
                    {m: month.isoformat(), s: speciale, t: course_type, c: code, "delta": n}
                    for (month, speciale, course_type, code), n in rows
                ]
            ),
            clinic_id,
            project_id,
            clinic_id,
            project_id,
        ],
    )
    emptied = [row[0] for row in cursor.fetchall()]
    if emptied:
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [emptied])  # noqa: S608


def _apply_sqlite(
    cursor: Any, clinic_id: int, project_id: int, rows: list[tuple[CellKey, int]]
) -> None:
    """SQLite runs in-process: a statement per cell costs no round trip."""
    table, journal = sql.table(ReportCell), sql.table(CellChange)
    date = connection.ops.adapt_datefield_value
    where = " AND ".join(f"{sql.q(c)} = %s" for c in sql.CELL_COLUMNS)
    values, made = [], []
    for (month, speciale, course_type, code), n in rows:
        key = (clinic_id, project_id, date(month), speciale, course_type, code)
        values.append((*key, n))
        if n < 0:  # a cell never goes below 0: it moves by at most what it holds
            cursor.execute(f"SELECT episodes FROM {table} WHERE {where}", key)  # noqa: S608
            held = cursor.fetchone()
            n = max(n, -(held[0] if held else 0))
        if n:
            made.append((*key, n))
    marks = ", ".join(["%s"] * 7)
    cursor.executemany(
        f"INSERT INTO {table} ({sql.names(sql.CELL_COLUMNS)}, episodes) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({sql.names(sql.CELL_COLUMNS)}) "
        f"DO UPDATE SET episodes = {table}.episodes + excluded.episodes",
        values,
    )
    cursor.executemany(
        f"INSERT INTO {journal} ({sql.names(sql.CELL_COLUMNS)}, delta) VALUES ({marks})",  # noqa: S608
        made,
    )
    emptied = [row[:6] for row in values if row[6] < 0]
    if emptied:
        cursor.executemany(
            f"DELETE FROM {table} WHERE {where} AND episodes <= 0",  # noqa: S608
            emptied,
        )


# --- rebuild from the raw episodes ------------------------------------------------------


def rebuild(
    *,
    clinic_ids: Sequence[int] | None = None,
    project_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """Recount the clinic cells from the stored episodes, for the given clinics and projects
    (all by default). Returns the number of cells written.

    One transaction (a savepoint inside the caller's): the old cells of the scope are deleted
    and recounted clinic chunk by clinic chunk. For given clinics the difference between old
    and new cells is journalled, so the incremental benchmark refresh follows; a rebuild of
    every clinic marks the benchmark for a full recompute instead. A batch that stores for
    the same clinic while its chunk is recounted may be counted once too few or too many on
    PostgreSQL; run a full rebuild when ingestion is quiet (it is a repair tool)."""
    every_clinic = clinic_ids is None
    if clinic_ids is None:
        chosen = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    else:
        chosen = sorted(set(clinic_ids))
    projects = None if project_ids is None else sorted(set(project_ids))
    table, episodes, journal = sql.table(ReportCell), sql.table(Episode), sql.table(CellChange)
    cells, conflict = sql.names((*sql.CELL_COLUMNS, "episodes")), sql.names(sql.CELL_COLUMNS)
    month = sql.month("start_date")
    counted = (
        f"SELECT clinic_id, project_id, {month} AS month, speciale, course_type, "  # noqa: S608
        f"current_code AS code, COUNT(*) AS delta FROM {episodes} WHERE {{where}} "
        f"GROUP BY clinic_id, project_id, {month}, speciale, course_type, current_code"
    )
    written = 0
    started = time.perf_counter()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for first in range(0, len(chosen), REBUILD_CHUNK):
            chunk = chosen[first : first + REBUILD_CHUNK]
            where, params = sql.in_("clinic_id", chunk)
            if projects is not None:
                more, extra = sql.in_("project_id", projects)
                where, params = f"{where} AND {more}", [*params, *extra]
            if not every_clinic:  # new counts minus old cells, before the old cells go
                cursor.execute(
                    f"INSERT INTO {journal} ({conflict}, delta) "  # noqa: S608
                    f"SELECT {conflict}, SUM(delta) FROM ("
                    f"{counted.format(where=where)} UNION ALL "
                    f"SELECT {conflict}, -episodes FROM {table} WHERE {where}) d "
                    f"GROUP BY {conflict} HAVING SUM(delta) <> 0",
                    [*params, *params],
                )
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({cells}) SELECT * FROM ("  # noqa: S608
                f"{counted.format(where=where)}) c WHERE true "
                f"ON CONFLICT ({conflict}) DO UPDATE SET episodes = excluded.episodes",
                params,
            )
            written += max(cursor.rowcount, 0)
            if progress is not None:
                progress(
                    f"  clinics {first + len(chunk)}/{len(chosen)}: {written} cells, "
                    f"{time.perf_counter() - started:.1f} s"
                )
        if every_clinic and chosen:
            mark_full_refresh_needed(projects if projects is not None else all_project_ids())
    return written
