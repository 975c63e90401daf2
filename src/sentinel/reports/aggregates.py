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
- ``refresh_benchmark`` keeps the national (``"DK"``) and regional benchmark cells and the
  contributing clinics per month. By default it is incremental: it consumes the journal, adds
  the summed changes to the benchmark cells of the nation and of each clinic's region, and
  re-decides the contributors of only the clinic-months the journal names. It recomputes
  everything from the clinic cells (writing only the differences) when asked (``full=True``,
  ``sentinel reports refresh``), on a project's first refresh, after a full rebuild, and when
  the journal touches a month a clinic contributed to from another region (it moved; months
  it had no data in yet count in its new region, older ones move with a full refresh). It
  runs in the background of ``sentinel serve`` (``BenchmarkScheduler``) when the journal holds
  changes and the last refresh is older than ``SENTINEL_BENCHMARK_REFRESH_SECONDS``, and on
  demand.

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

All statements are plain SQL that runs unchanged on SQLite and PostgreSQL (upserts with
``ON CONFLICT``), apart from the month expression and PostgreSQL-only refinements: one
statement for a batch's cells and journal (arrays instead of a statement per cell), the
journal taken with ``DELETE … RETURNING``, and for the full recompute one snapshot, planner
settings for its transaction and the advisory lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from sentinel.projects.models import Project
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
    BenchmarkState,
    CellChange,
    ReportCell,
)

logger = logging.getLogger("sentinel.reports")

CellKey = tuple[dt.date, str, str, str]
"""(month, speciale, course_type, code) of a clinic's report cell."""

Progress = Callable[[str], None]

REBUILD_CHUNK = 250  # clinics per rebuild statement (a progress line each)
ADVISORY_LOCK_CLASS = 5_143  # pg advisory lock (class, project id): one refresh at a time
WORK_MEM = "256MB"  # PostgreSQL: for the full recompute's transaction only
CELL_COLUMNS = ("clinic_id", "project_id", "month", "speciale", "course_type", "code")
KEY_COLUMNS = ("month", "speciale", "course_type", "code")


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


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[Any]) -> str:
    return _q(model._meta.db_table)


def _names(columns: Iterable[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{_q(c)}" for c in columns)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _month_sql(column: str) -> str:
    """SQL for the first day of ``column``'s month, as each database stores a date."""
    if _postgres():
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"substr({column}, 1, 8) || '01'"  # SQLite keeps dates as 'YYYY-MM-DD' text


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` in ``values``: one array parameter on PostgreSQL, an IN list on SQLite."""
    if _postgres():
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


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
        if _postgres():
            _apply_postgres(cursor, clinic_id, project_id, rows)
        else:
            _apply_sqlite(cursor, clinic_id, project_id, rows)


def _apply_postgres(
    cursor: Any, clinic_id: int, project_id: int, rows: list[tuple[CellKey, int]]
) -> None:
    table, journal = _table(ReportCell), _table(CellChange)
    keys = _names(KEY_COLUMNS)
    same_cell = " AND ".join(f"c.{_q(k)} = m.{_q(k)}" for k in KEY_COLUMNS)
    made = "c.delta - LEAST(m.episodes, 0)"  # what the cell really moved (never below 0)
    cursor.execute(
        f"WITH changes AS (SELECT * FROM unnest(%s::date[], %s::text[], %s::text[], "  # noqa: S608
        f"%s::text[], %s::int[]) AS c({keys}, delta)), "
        f"moved AS (INSERT INTO {table} ({_names(CELL_COLUMNS)}, episodes) "
        f"SELECT %s, %s, {keys}, delta FROM changes "
        f"ON CONFLICT ({_names(CELL_COLUMNS)}) "
        f"DO UPDATE SET episodes = {table}.episodes + excluded.episodes "
        f"RETURNING id, {keys}, episodes), "
        f"journalled AS (INSERT INTO {journal} ({_names(CELL_COLUMNS)}, delta) "
        f"SELECT %s, %s, {_names(KEY_COLUMNS, 'm')}, {made} "
        f"FROM moved m JOIN changes c ON {same_cell} WHERE {made} <> 0) "
        f"SELECT id FROM moved WHERE episodes <= 0",
        [
            [key[0] for key, _ in rows],
            [key[1] for key, _ in rows],
            [key[2] for key, _ in rows],
            [key[3] for key, _ in rows],
            [n for _, n in rows],
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
    table, journal = _table(ReportCell), _table(CellChange)
    date = connection.ops.adapt_datefield_value
    where = " AND ".join(f"{_q(c)} = %s" for c in CELL_COLUMNS)
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
        f"INSERT INTO {table} ({_names(CELL_COLUMNS)}, episodes) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({_names(CELL_COLUMNS)}) "
        f"DO UPDATE SET episodes = {table}.episodes + excluded.episodes",
        values,
    )
    cursor.executemany(
        f"INSERT INTO {journal} ({_names(CELL_COLUMNS)}, delta) VALUES ({marks})",  # noqa: S608
        made,
    )
    emptied = [row[:6] for row in values if row[6] < 0]
    if emptied:
        cursor.executemany(
            f"DELETE FROM {table} WHERE {where} AND episodes <= 0",  # noqa: S608
            emptied,
        )


def mark_full_refresh_needed(project_ids: Iterable[int], *, at: dt.datetime | None = None) -> None:
    """Note that these projects' clinic cells changed in a way the journal does not hold (a
    full rebuild, or cells edited by hand): their next benchmark refresh recomputes
    everything. A missing state row is created."""
    projects = sorted(set(project_ids))
    if not projects:
        return
    with transaction.atomic():
        BenchmarkState.objects.bulk_create(
            [BenchmarkState(project_id=p) for p in projects], ignore_conflicts=True
        )
        BenchmarkState.objects.filter(project_id__in=projects).update(
            full_needed_since=at or timezone.now()
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
    table, episodes, journal = _table(ReportCell), _table(Episode), _table(CellChange)
    cells, conflict = _names((*CELL_COLUMNS, "episodes")), _names(CELL_COLUMNS)
    month = _month_sql("start_date")
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
            where, params = _in("clinic_id", chunk)
            if projects is not None:
                more, extra = _in("project_id", projects)
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
            mark_full_refresh_needed(projects if projects is not None else _all_project_ids())
    return written


def _all_project_ids() -> list[int]:
    return list(Project.objects.order_by("pk").values_list("pk", flat=True))


# --- the benchmark ----------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkResult:
    """What a benchmark refresh found and did: cells (nation and regions) and contributors
    (clinic × month) after it, rows it wrote (inserted, updated or deleted; unchanged cells
    are left alone), for how many projects, in how many seconds; how many of the projects
    were recomputed in full, and how many journal entries were added incrementally."""

    projects: int
    cells: int
    contributors: int
    written: int
    seconds: float
    refreshed_at: dt.datetime
    recomputed: int = 0
    changes: int = 0

    @property
    def how(self) -> str:
        """In words: incremental, full, or some of each."""
        if not self.projects:
            return "no projects"
        if self.recomputed == self.projects:
            return "full recompute"
        if self.recomputed:
            return f"{self.recomputed} project(s) in full, {self.changes} journal changes"
        return f"incremental, {self.changes} journal changes"


def refresh_benchmark(
    *, project_ids: Sequence[int] | None = None, full: bool = False
) -> BenchmarkResult:
    """Bring the national and regional benchmark of the given projects (all by default) and
    the clinics that contribute per month (any cell with episodes) up to date with the
    clinic cells.

    Incremental unless ``full``: the journalled changes are added. A project is recomputed
    in full anyway on its first refresh, after ``mark_full_refresh_needed`` (a full rebuild),
    and when the journal touches a month a clinic contributed to from another region than
    its current one (it moved: that month's earlier changes sit in the old region's cells). A
    full recompute writes only the differences and takes the journal rows it covers.
    Afterwards the state says when (``refreshed_at``)."""
    projects = _all_project_ids() if project_ids is None else sorted(set(project_ids))
    started_at = timezone.now()
    started = time.perf_counter()
    written = changes = 0
    recompute: list[int] = []
    if projects:
        with _taking_turns(projects):
            recompute = projects if full else _needing_full(projects)
            incremental = [p for p in projects if p not in recompute]
            own_transaction = not connection.in_atomic_block
            while incremental:
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        if own_transaction and _postgres():
                            # Small statements: parallel workers cost more than they save.
                            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                        changes, written = _add_journal(cursor, incremental)
                    break
                except _RegionMoved as moved:  # rolled back; those projects in full
                    recompute = sorted({*recompute, *moved.projects})
                    incremental = [p for p in incremental if p not in moved.projects]
            if recompute:
                written += _recompute(recompute)
            _note_refreshed(projects, started_at)
    cells, contributors = _counts(projects)
    return BenchmarkResult(
        projects=len(projects),
        cells=cells,
        contributors=contributors,
        written=written,
        seconds=time.perf_counter() - started,
        refreshed_at=started_at,
        recomputed=len(recompute),
        changes=changes,
    )


@contextmanager
def _taking_turns(projects: list[int]) -> Iterator[None]:
    """PostgreSQL: wait for any other refresh of these projects to finish, and hold them
    until this one has (advisory locks in project order; SQLite has one writer anyway).

    Taken before the refresh's transaction, so the full recompute's snapshot is taken after
    the previous refresh committed; inside a caller's transaction, until it ends."""
    if not _postgres():
        yield
        return
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            for project_id in projects:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, project_id]
                )
            yield
            return
        held = []
        try:
            for project_id in projects:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, project_id])
                held.append(project_id)
            yield
        finally:
            for project_id in reversed(held):
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, project_id]
                )


def _needing_full(projects: list[int]) -> list[int]:
    """The projects never refreshed, or marked for a full recompute."""
    ready = BenchmarkState.objects.filter(
        project_id__in=projects, refreshed_at__isnull=False, full_needed_since__isnull=True
    ).values_list("project_id", flat=True)
    known = set(ready)
    return [p for p in projects if p not in known]


class _RegionMoved(Exception):
    """The journal touches clinic-months counted in another region than the clinic's."""

    def __init__(self, projects: list[int]) -> None:
        super().__init__(projects)
        self.projects = projects


# Scratch tables of one incremental refresh (temporary: private to the connection).
_SLICE = "sentinel_refresh_slice"
_PAIRS = "sentinel_refresh_pairs"


def _add_journal(cursor: Any, projects: list[int]) -> tuple[int, int]:
    """Consume the projects' journal and add it to the benchmark. Returns the journal rows
    consumed and the benchmark rows written."""
    journal, slice_ = _table(CellChange), _q(_SLICE)
    cell, contributor = _table(BenchmarkCell), _table(BenchmarkContributor)
    rc, clinic = _table(ReportCell), _table(Clinic)
    columns = _names(CELL_COLUMNS)
    in_projects, params = _in("project_id", projects)
    cursor.execute(f"DROP TABLE IF EXISTS {slice_}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {slice_} AS SELECT {columns}, delta, 1 AS entries "  # noqa: S608
        f"FROM {journal} WHERE 1 = 0"
    )
    summed = f"SELECT {columns}, SUM(delta), COUNT(*) FROM {{rows}} GROUP BY {columns}"  # noqa: S608
    if _postgres():  # exactly the rows deleted are summed, whatever commits meanwhile
        cursor.execute(
            f"WITH consumed AS (DELETE FROM {journal} WHERE {in_projects} "  # noqa: S608
            f"RETURNING {columns}, delta), "
            f"kept AS (INSERT INTO {slice_} {summed.format(rows='consumed')} RETURNING entries) "
            f"SELECT COALESCE(SUM(entries), 0) FROM kept",
            params,
        )
    else:  # one writer at a time: nothing commits between the statements
        rows = f"(SELECT * FROM {journal} WHERE {in_projects}) j"  # noqa: S608
        cursor.execute(f"INSERT INTO {slice_} {summed.format(rows=rows)}", params)
        cursor.execute(f"DELETE FROM {journal} WHERE {in_projects}", params)  # noqa: S608
        cursor.execute(f"SELECT COALESCE(SUM(entries), 0) FROM {slice_}")  # noqa: S608
    consumed = int(cursor.fetchone()[0])
    if not consumed:
        cursor.execute(f"DROP TABLE {slice_}")
        return 0, 0
    keys, s_keys = _names(KEY_COLUMNS), _names(KEY_COLUMNS, "s")
    cell_key_columns = _names(_CELL_KEY)
    # The nation and each clinic's region (clinics without one count for the nation only).
    add = (
        f"INSERT INTO {cell} ({cell_key_columns}, episodes) SELECT * FROM ("  # noqa: S608
        f"SELECT s.project_id, c.region_code, {s_keys}, SUM(s.delta) AS delta "
        f"FROM {slice_} s JOIN {clinic} c ON c.id = s.clinic_id WHERE c.region_code <> '' "
        f"GROUP BY s.project_id, c.region_code, {s_keys} "
        f"UNION ALL SELECT project_id, %s, {keys}, SUM(delta) FROM {slice_} "
        f"GROUP BY project_id, {keys}) d WHERE delta <> 0 "
        f"ON CONFLICT ({cell_key_columns}) "
        f"DO UPDATE SET episodes = {cell}.episodes + excluded.episodes"
    )
    if _postgres():  # the cells that reached zero come back from the upsert itself
        cursor.execute(
            f"WITH added AS ({add} RETURNING id, episodes) "  # noqa: S608
            f"SELECT COUNT(*), array_agg(id) FILTER (WHERE episodes <= 0) FROM added",
            [NATION],
        )
        written, emptied = cursor.fetchone()
        if emptied:
            cursor.execute(f"DELETE FROM {cell} WHERE id = ANY(%s)", [emptied])  # noqa: S608
            written += max(cursor.rowcount, 0)
    else:
        cursor.execute(add, [NATION])
        written = max(cursor.rowcount, 0)
        cursor.execute(f"DELETE FROM {cell} WHERE {in_projects} AND episodes <= 0", params)  # noqa: S608
        written += max(cursor.rowcount, 0)
    # The clinic-months the journal named: a contributor while the clinic has a cell there.
    pairs = _q(_PAIRS)
    cursor.execute(f"DROP TABLE IF EXISTS {pairs}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {pairs} AS SELECT p.project_id, p.clinic_id, p.month, "  # noqa: S608
        f"c.region_code, CASE WHEN EXISTS (SELECT 1 FROM {rc} rc WHERE "
        f"rc.clinic_id = p.clinic_id AND rc.project_id = p.project_id AND rc.month = p.month "
        f"AND rc.episodes > 0) THEN 1 ELSE 0 END AS has_cell, "
        f"bc.id AS contributor_id, bc.region_code AS counted_in "
        f"FROM (SELECT DISTINCT project_id, clinic_id, month FROM {slice_}) p "
        f"JOIN {clinic} c ON c.id = p.clinic_id LEFT JOIN {contributor} bc "
        f"ON bc.project_id = p.project_id AND bc.month = p.month AND bc.clinic_id = p.clinic_id"
    )
    cursor.execute(
        f"SELECT DISTINCT project_id FROM {pairs} "  # noqa: S608
        f"WHERE contributor_id IS NOT NULL AND counted_in <> region_code"
    )
    moved = sorted(int(row[0]) for row in cursor.fetchall())
    if moved:
        raise _RegionMoved(moved)
    cursor.execute(
        f"DELETE FROM {contributor} WHERE id IN (SELECT contributor_id FROM {pairs} "  # noqa: S608
        f"WHERE has_cell = 0 AND contributor_id IS NOT NULL)"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {contributor} ({_names(_CONTRIBUTOR_KEY)}, region_code) "  # noqa: S608
        f"SELECT project_id, month, clinic_id, region_code FROM {pairs} "
        f"WHERE has_cell = 1 AND contributor_id IS NULL"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {pairs}")
    cursor.execute(f"DROP TABLE {slice_}")
    return consumed, written


def _recompute(projects: list[int]) -> int:
    """Recompute the projects' benchmark from the clinic cells and take their journal rows,
    in one snapshot; clear the full-recompute marks it saw. Returns the rows written."""
    own_transaction = _postgres() and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            # One snapshot for the cells read and the journal rows taken.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Room to hash the nation's cells in memory (no sort on disk), and a hash join
            # of every clinic cell with its clinic (not an index probe per clinic).
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute("SET LOCAL enable_nestloop = off")
        elif _postgres():
            # In a caller's transaction (no snapshot of our own): batches that write the
            # journal wait until this commits, so cells and journal are read at one point.
            cursor.execute(f"LOCK TABLE {_table(CellChange)} IN SHARE MODE")
        marks = dict(
            BenchmarkState.objects.filter(
                project_id__in=projects, full_needed_since__isnull=False
            ).values_list("project_id", "full_needed_since")
        )
        in_projects, params = _in("project_id", projects)
        cursor.execute(f"DELETE FROM {_table(CellChange)} WHERE {in_projects}", params)  # noqa: S608
        written = _write_benchmark(cursor, projects)
        for project_id, mark in marks.items():  # a mark set meanwhile stays
            BenchmarkState.objects.filter(project_id=project_id, full_needed_since=mark).update(
                full_needed_since=None
            )
    return written


def _counts(projects: list[int]) -> tuple[int, int]:
    if not projects:
        return 0, 0
    in_projects, params = _in("project_id", projects)
    found = []
    own_transaction = _postgres() and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:  # two counts: workers cost more than they save
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for model in (BenchmarkCell, BenchmarkContributor):
            cursor.execute(f"SELECT COUNT(*) FROM {_table(model)} WHERE {in_projects}", params)  # noqa: S608
            found.append(int(cursor.fetchone()[0]))
    return found[0], found[1]


# Scratch tables of one full recompute (temporary: private to the connection, never logged).
_REGION_CELLS = "sentinel_refresh_region_cells"
_CHANGES = "sentinel_refresh_changes"
_CELL_KEY = ("project_id", "scope", "month", "speciale", "course_type", "code")
_CONTRIBUTOR_KEY = ("project_id", "month", "clinic_id")


def _write_benchmark(cursor: Any, projects: list[int]) -> int:
    rc, clinic, region = _table(ReportCell), _table(Clinic), _q(_REGION_CELLS)
    rc_where, rc_params = _in("rc.project_id", projects)
    source = f"{rc} rc JOIN {clinic} c ON c.id = rc.clinic_id WHERE {rc_where} AND rc.episodes > 0"
    keys = "month, speciale, course_type, code"
    rc_keys = "rc.month, rc.speciale, rc.course_type, rc.code"
    cursor.execute(f"DROP TABLE IF EXISTS {region}")
    # The finest level first (project × region × cell), in one pass over the clinic cells; the
    # nation is the sum of it (clinics without a region count for the nation only).
    cursor.execute(
        f"CREATE TEMPORARY TABLE {region} AS "  # noqa: S608
        f"SELECT rc.project_id, c.region_code AS scope, {rc_keys}, SUM(rc.episodes) AS episodes "
        f"FROM {source} GROUP BY rc.project_id, c.region_code, {rc_keys}",
        rc_params,
    )
    cells = (
        f"SELECT project_id, scope, {keys}, episodes FROM {region} WHERE scope <> '' "  # noqa: S608
        f"UNION ALL SELECT project_id, %s, {keys}, SUM(episodes) FROM {region} "
        f"GROUP BY project_id, {keys}"
    )
    # The distinct clinic-months first (no join, parallel on PostgreSQL), then their regions.
    contributors = (
        f"SELECT d.project_id, d.month, d.clinic_id, c.region_code FROM ("  # noqa: S608
        f"SELECT DISTINCT rc.project_id, rc.month, rc.clinic_id FROM {rc} rc "
        f"WHERE {rc_where} AND rc.episodes > 0) d JOIN {clinic} c ON c.id = d.clinic_id"
    )
    written = _apply_difference(
        cursor, BenchmarkCell, (cells, [NATION]), _CELL_KEY, "episodes", projects
    )
    written += _apply_difference(
        cursor,
        BenchmarkContributor,
        (contributors, rc_params),
        _CONTRIBUTOR_KEY,
        "region_code",
        projects,
    )
    cursor.execute(f"DROP TABLE {region}")
    return written


def _apply_difference(
    cursor: Any,
    model: type[Any],
    new: tuple[str, list[Any]],
    key: Sequence[str],
    value: str,
    projects: list[int],
) -> int:
    """Make ``model``'s rows of ``projects`` equal the rows of the query ``new`` (the key
    columns and then ``value``), writing only what differs: rows it lacks are deleted, rows
    whose value differs updated, rows it adds inserted. The difference is found in one pass
    (no join plan to go wrong) and applied by primary key. Returns the rows written."""
    table, changes = _table(model), _q(_CHANGES)
    names = ", ".join(map(_q, key))
    v = _q(value)
    new_sql, new_params = new
    in_scope, params = _in("project_id", projects)
    cursor.execute(f"DROP TABLE IF EXISTS {changes}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {changes} AS SELECT * FROM ("  # noqa: S608
        f"SELECT {names}, MAX(CASE WHEN side = 1 THEN {v} END) AS new_value, "
        f"MAX(CASE WHEN side = 0 THEN {v} END) AS old_value, MAX(old_id) AS old_id FROM ("
        f"SELECT 1 AS side, CAST(NULL AS bigint) AS old_id, n.* FROM ({new_sql}) n "
        f"UNION ALL SELECT 0, id, {names}, {v} FROM {table} WHERE {in_scope}"
        f") both_sides GROUP BY {names}) g "
        f"WHERE (g.new_value IS NULL) <> (g.old_value IS NULL) OR g.new_value <> g.old_value",
        [*new_params, *params],
    )
    cursor.execute(
        f"DELETE FROM {table} WHERE id IN "  # noqa: S608
        f"(SELECT old_id FROM {changes} WHERE new_value IS NULL)"
    )
    written = max(cursor.rowcount, 0)
    cursor.execute(
        f"UPDATE {table} SET {v} = "  # noqa: S608
        f"(SELECT new_value FROM {changes} c WHERE c.old_id = {table}.id) "
        f"WHERE id IN (SELECT old_id FROM {changes} WHERE new_value IS NOT NULL)"
    )
    written += max(cursor.rowcount, 0)
    columns = ", ".join(map(_q, (*key, value)))
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {names}, new_value FROM {changes} "  # noqa: S608
        f"WHERE old_id IS NULL"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {changes}")
    return written


def _note_refreshed(projects: list[int], started_at: dt.datetime) -> None:
    with transaction.atomic():
        BenchmarkState.objects.bulk_create(
            [BenchmarkState(project_id=p) for p in projects], ignore_conflicts=True
        )
        BenchmarkState.objects.filter(project_id__in=projects).update(refreshed_at=started_at)


# --- refreshing in the background -------------------------------------------------------


def refresh_seconds() -> int:
    """``SENTINEL_BENCHMARK_REFRESH_SECONDS``: the least time between two refreshes of a
    project's benchmark; 0 or less turns the background refresh off."""
    return int(getattr(settings, "SENTINEL_BENCHMARK_REFRESH_SECONDS", 600))


def benchmark_due(
    project: Project | int, *, now: dt.datetime | None = None, interval: int | None = None
) -> bool:
    """Whether the project's benchmark should be refreshed: its journal holds changes (or a
    full recompute is marked), and the last refresh is at least ``interval`` seconds old (the
    setting by default). Two index probes; batches never wait for it."""
    project_id = project if isinstance(project, int) else project.pk
    state = BenchmarkState.objects.filter(project_id=project_id).first()
    pending = (state is not None and state.full_needed_since is not None) or (
        CellChange.objects.filter(project_id=project_id).exists()
    )
    if not pending:
        return False
    if state is None or state.refreshed_at is None:
        return True
    elapsed = ((now or timezone.now()) - state.refreshed_at).total_seconds()
    return elapsed >= _interval(interval)


def _interval(interval: int | None) -> int:
    return refresh_seconds() if interval is None else interval


def refresh_due_benchmarks(
    *, now: dt.datetime | None = None, interval: int | None = None
) -> list[tuple[str, BenchmarkResult]]:
    """Refresh every project whose benchmark is due, one at a time; logs a line for each.

    On PostgreSQL a project being refreshed by another process is skipped."""
    moment, seconds = now or timezone.now(), _interval(interval)
    done = []
    for project in Project.objects.order_by("pk"):
        if not benchmark_due(project.pk, now=moment, interval=seconds):
            continue
        with _refresh_lock(project.pk) as mine:
            if not mine or not benchmark_due(project.pk, now=moment, interval=seconds):
                continue
            result = refresh_benchmark(project_ids=[project.pk])
        logger.info(
            "benchmark refreshed: %s, %d cells, %d contributors, %.2f s (%s)",
            project.code,
            result.cells,
            result.contributors,
            result.seconds,
            result.how,
        )
        done.append((project.code, result))
    return done


@contextmanager
def _refresh_lock(project_id: int) -> Iterator[bool]:
    """A session-level advisory lock per project on PostgreSQL (SQLite has one writer):
    yields whether this process may refresh the project now."""
    if not _postgres():
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, project_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, project_id]
                )


class BenchmarkScheduler(threading.Thread):
    """A daemon thread in the serving process that checks every ``check_seconds`` whether a
    benchmark is due and refreshes it.

    It uses its own database connection and closes it after every check, so it holds nothing
    between checks; an error is logged and the next check tries again — it never takes the
    server down."""

    def __init__(self, *, interval: int, check_seconds: float) -> None:
        super().__init__(name="sentinel-benchmark-refresh", daemon=True)
        self.interval = interval
        self.check_seconds = check_seconds
        self.refreshed: list[tuple[str, BenchmarkResult]] = []  # what it did, for the curious
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.check_seconds):
            self.check()

    def check(self) -> None:
        try:
            self.refreshed += refresh_due_benchmarks(interval=self.interval)
        except Exception:
            logger.exception("benchmark refresh failed; trying again in %.0f s", self.check_seconds)
        finally:
            try:
                connections.close_all()  # this thread's connections only
            except Exception:
                logger.exception("closing the benchmark refresh's database connection failed")

    def stop(self, timeout: float | None = None) -> None:
        self._halt.set()
        self.join(timeout)


def start_scheduler(
    *, interval: int | None = None, check_seconds: float | None = None
) -> BenchmarkScheduler | None:
    """Start the background benchmark refresh (None when the setting turns it off). Checks
    once a minute, or as often as the interval if that is shorter."""
    seconds = _interval(interval)
    if seconds <= 0:
        logger.info("benchmark refresh in the background is off")
        return None
    scheduler = BenchmarkScheduler(
        interval=seconds, check_seconds=check_seconds or float(min(60, seconds))
    )
    scheduler.start()
    return scheduler
