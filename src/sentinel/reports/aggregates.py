"""Keeping the report aggregates (``reports.models``) in step with the collected data.

Three ways the clinic cells (``ReportCell``) move, and one way the benchmark does:

- ``apply_changes``: the ingest pipeline hands over, inside its storing transaction, the net
  change per cell of one clinic and project (+1 for a new episode in a cell, -1 when a stored
  episode leaves it). Written set-based as one upsert per cell; cells that reach 0 are removed,
  so a cell row always means "at least one episode".
- ``rebuild``: recount cells from the raw episodes from scratch (``sentinel reports refresh``,
  and after deletions: a patient's opt-out, retention). Rebuilt equals incremental; the tests
  hold it to that.
- ``refresh_benchmark``: recompute the national (``"DK"``) and regional benchmark cells and the
  contributing clinics per month from the clinic cells. It runs in the background of
  ``sentinel serve`` (``BenchmarkScheduler``) when clinic cells have changed and the last
  refresh is older than ``SENTINEL_BENCHMARK_REFRESH_SECONDS``, and on demand.

A cell is (month, speciale, course type, code): the month is the first day of the episode's
start month, the code the episode's current code ("" when it has none). Only collected data
is counted, and data is collected only while a clinic is enrolled, so the benchmark is made of
enrolled clinics' data by construction.

The refresh recomputes everything from the clinic cells but writes only the differences
(after a day's data that is about a thousand rows of ~100,000), so readers and the WAL see
little churn. The changed mark is set by a batch only when it is not set already, so
concurrent batches do not queue on the state row; the price is that a batch committing while
a refresh runs may wait for the next mark (the next batch anywhere) to be counted.

All statements are plain SQL that runs unchanged on SQLite and PostgreSQL (upserts with
``ON CONFLICT``), apart from the month expression and PostgreSQL-only refinements of the
refresh: one snapshot for all of it, planner settings for its transaction, and an advisory
lock so that two serving processes do not refresh the same project at once.
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
    ReportCell,
)

logger = logging.getLogger("sentinel.reports")

CellKey = tuple[dt.date, str, str, str]
"""(month, speciale, course_type, code) of a clinic's report cell."""

Progress = Callable[[str], None]

REBUILD_CHUNK = 250  # clinics per rebuild statement (a progress line each)
ADVISORY_LOCK_CLASS = 5_143  # pg_try_advisory_lock(class, project id): one refresh at a time
WORK_MEM = "256MB"  # PostgreSQL: for the benchmark refresh's transaction only
CELL_COLUMNS = ("clinic_id", "project_id", "month", "speciale", "course_type", "code")


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
    """Add the net ``changes`` (episodes per cell) to one clinic's cells of one project.

    Runs in the caller's (storing) transaction. Zero changes are skipped; a cell that reaches
    zero is removed. Marks the project's benchmark as changed."""
    deltas: Counter[CellKey] = Counter()
    for (month, speciale, course_type, code), n in changes.items():
        deltas[cell_key(month, speciale, course_type, code)] += n
    rows = sorted((key, n) for key, n in deltas.items() if n)  # a fixed order: no deadlocks
    if not rows:
        return
    table = _table(ReportCell)
    date = connection.ops.adapt_datefield_value
    columns = ", ".join(map(_q, (*CELL_COLUMNS, "episodes")))
    conflict = ", ".join(map(_q, CELL_COLUMNS))
    upsert = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET episodes = {table}.episodes + excluded.episodes"
    )
    emptied = [key for key, n in rows if n < 0]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(
            upsert,
            [
                (clinic_id, project_id, date(month), speciale, course_type, code, n)
                for (month, speciale, course_type, code), n in rows
            ],
        )
        if emptied:
            where = " AND ".join(f"{_q(c)} = %s" for c in CELL_COLUMNS)
            cursor.executemany(
                f"DELETE FROM {table} WHERE {where} AND episodes <= 0",  # noqa: S608
                [(clinic_id, project_id, date(m), s, t, c) for m, s, t, c in emptied],
            )
        mark_changed([project_id])


def mark_changed(project_ids: Iterable[int], *, at: dt.datetime | None = None) -> None:
    """Note that clinic cells of these projects changed (the benchmark is due for a refresh).

    Writes only when the mark is not already set, so concurrent batches do not queue up on the
    state row; a missing state row is created."""
    now = at or timezone.now()
    for project_id in sorted(set(project_ids)):
        state = (
            BenchmarkState.objects.filter(project_id=project_id)
            .values_list("changed_since", flat=True)
            .first()
        )
        if state is not None:
            continue  # already marked
        updated = BenchmarkState.objects.filter(
            project_id=project_id, changed_since__isnull=True
        ).update(changed_since=now)
        if not updated:
            BenchmarkState.objects.bulk_create(
                [BenchmarkState(project_id=project_id, changed_since=now)],
                ignore_conflicts=True,
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
    and recounted clinic chunk by clinic chunk. A batch that stores for the same clinic while
    its chunk is recounted may be counted once too few or too many on PostgreSQL; run a full
    rebuild when ingestion is quiet (it is a repair tool)."""
    if clinic_ids is None:
        chosen = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    else:
        chosen = sorted(set(clinic_ids))
    projects = None if project_ids is None else sorted(set(project_ids))
    table, episodes = _table(ReportCell), _table(Episode)
    columns = ", ".join(map(_q, (*CELL_COLUMNS, "episodes")))
    conflict = ", ".join(map(_q, CELL_COLUMNS))
    month = _month_sql("start_date")
    written = 0
    started = time.perf_counter()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for first in range(0, len(chosen), REBUILD_CHUNK):
            chunk = chosen[first : first + REBUILD_CHUNK]
            where, params = _in("clinic_id", chunk)
            if projects is not None:
                more, extra = _in("project_id", projects)
                where, params = f"{where} AND {more}", [*params, *extra]
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"SELECT clinic_id, project_id, {month}, speciale, course_type, current_code, "
                f"COUNT(*) FROM {episodes} WHERE {where} "
                f"GROUP BY clinic_id, project_id, {month}, speciale, course_type, current_code "
                f"ON CONFLICT ({conflict}) DO UPDATE SET episodes = excluded.episodes",
                params,
            )
            written += max(cursor.rowcount, 0)
            if progress is not None:
                progress(
                    f"  clinics {first + len(chunk)}/{len(chosen)}: {written} cells, "
                    f"{time.perf_counter() - started:.1f} s"
                )
        if chosen:
            mark_changed(projects if projects is not None else _all_project_ids())
    return written


def _all_project_ids() -> list[int]:
    return list(Project.objects.order_by("pk").values_list("pk", flat=True))


# --- the benchmark ----------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkResult:
    """What a benchmark refresh found and did: cells (nation and regions) and contributors
    (clinic × month) after it, rows it wrote (inserted, updated or deleted; unchanged cells
    are left alone), for how many projects, in how many seconds."""

    projects: int
    cells: int
    contributors: int
    written: int
    seconds: float
    refreshed_at: dt.datetime


def refresh_benchmark(
    *, project_ids: Sequence[int] | None = None, months: Sequence[dt.date] | None = None
) -> BenchmarkResult:
    """Recompute the national and regional benchmark of the given projects (all by default)
    from the clinic cells, and the clinics that contribute per month (any cell with episodes).

    Everything is recomputed, then only the differences are written, in one transaction that
    reads one snapshot of the clinic cells. Afterwards the state says when: ``refreshed_at`` is
    set, and the changed mark is cleared unless a batch set it after the refresh began.

    With ``months`` (first days of months) only those months are recomputed and the state is
    left alone: for a caller that knows which months changed (nothing records that yet)."""
    projects = _all_project_ids() if project_ids is None else sorted(set(project_ids))
    scope = _Scope(projects, None if months is None else sorted({m.replace(day=1) for m in months}))
    started_at = timezone.now()
    started = time.perf_counter()
    counts = (0, 0, 0)
    if projects and scope.months != []:
        own_transaction = _postgres() and not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if own_transaction:  # (inside a caller's transaction, the caller's settings hold)
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # Room to hash the nation's cells in memory (no sort on disk), and a hash join
                # of every clinic cell with its clinic (not an index probe per clinic).
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                cursor.execute("SET LOCAL enable_nestloop = off")
            counts = _write_benchmark(cursor, scope)
    if months is None:
        _note_refreshed(projects, started_at)
    cells, contributors, written = counts
    return BenchmarkResult(
        projects=len(projects),
        cells=cells,
        contributors=contributors,
        written=written,
        seconds=time.perf_counter() - started,
        refreshed_at=started_at,
    )


@dataclass(frozen=True)
class _Scope:
    """The projects (and, if given, the months) a refresh covers."""

    projects: list[int]
    months: list[dt.date] | None

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        prefix = f"{alias}." if alias else ""
        sql, params = _in(f"{prefix}project_id", self.projects)
        if self.months is not None:
            date = connection.ops.adapt_datefield_value
            more, extra = _in(f"{prefix}month", [date(m) for m in self.months])
            sql, params = f"{sql} AND {more}", [*params, *extra]
        return sql, params


# Scratch tables of one refresh (temporary: private to the connection, never logged).
_REGION_CELLS = "sentinel_refresh_region_cells"
_CHANGES = "sentinel_refresh_changes"
_CELL_KEY = ("project_id", "scope", "month", "speciale", "course_type", "code")
_CONTRIBUTOR_KEY = ("project_id", "month", "clinic_id")


def _write_benchmark(cursor: Any, scope: _Scope) -> tuple[int, int, int]:
    rc, clinic, region = _table(ReportCell), _table(Clinic), _q(_REGION_CELLS)
    rc_where, rc_params = scope.where("rc")
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
        cursor, BenchmarkCell, (cells, [NATION]), _CELL_KEY, "episodes", scope
    )
    written += _apply_difference(
        cursor,
        BenchmarkContributor,
        (contributors, rc_params),
        _CONTRIBUTOR_KEY,
        "region_code",
        scope,
    )
    cursor.execute(f"DROP TABLE {region}")
    in_projects, params = _Scope(scope.projects, None).where()
    counts = []
    for model in (BenchmarkCell, BenchmarkContributor):
        cursor.execute(f"SELECT COUNT(*) FROM {_table(model)} WHERE {in_projects}", params)  # noqa: S608
        counts.append(int(cursor.fetchone()[0]))
    return counts[0], counts[1], written


def _apply_difference(
    cursor: Any,
    model: type[Any],
    new: tuple[str, list[Any]],
    key: Sequence[str],
    value: str,
    scope: _Scope,
) -> int:
    """Make ``model``'s rows in ``scope`` equal the rows of the query ``new`` (the key
    columns and then ``value``), writing only what differs: rows it lacks are deleted, rows
    whose value differs updated, rows it adds inserted. The difference is found in one pass
    (no join plan to go wrong) and applied by primary key. Returns the rows written."""
    table, changes = _table(model), _q(_CHANGES)
    names = ", ".join(map(_q, key))
    v = _q(value)
    new_sql, new_params = new
    in_scope, params = scope.where()
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
        BenchmarkState.objects.filter(
            project_id__in=projects, changed_since__lte=started_at
        ).update(changed_since=None)


# --- refreshing in the background -------------------------------------------------------


def refresh_seconds() -> int:
    """``SENTINEL_BENCHMARK_REFRESH_SECONDS``: the least time between two refreshes of a
    project's benchmark; 0 or less turns the background refresh off."""
    return int(getattr(settings, "SENTINEL_BENCHMARK_REFRESH_SECONDS", 600))


def benchmark_due(
    project: Project | int, *, now: dt.datetime | None = None, interval: int | None = None
) -> bool:
    """Whether the project's benchmark should be refreshed: its clinic cells changed since
    the last refresh, and that refresh is at least ``interval`` seconds old (the setting by
    default)."""
    project_id = project if isinstance(project, int) else project.pk
    state = BenchmarkState.objects.filter(project_id=project_id).first()
    return state is not None and _due(state, now or timezone.now(), _interval(interval))


def _interval(interval: int | None) -> int:
    return refresh_seconds() if interval is None else interval


def _due(state: BenchmarkState, now: dt.datetime, interval: int) -> bool:
    if state.changed_since is None:
        return False
    if state.refreshed_at is None:
        return True
    return (now - state.refreshed_at).total_seconds() >= interval


def refresh_due_benchmarks(
    *, now: dt.datetime | None = None, interval: int | None = None
) -> list[tuple[str, BenchmarkResult]]:
    """Refresh every project whose benchmark is due, one at a time; logs a line for each.

    On PostgreSQL a project being refreshed by another process is skipped."""
    moment, seconds = now or timezone.now(), _interval(interval)
    done = []
    states = BenchmarkState.objects.filter(changed_since__isnull=False).select_related("project")
    for state in list(states):
        if not _due(state, moment, seconds):
            continue
        with _refresh_lock(state.project_id) as mine:
            if not mine or not benchmark_due(state.project_id, now=moment, interval=seconds):
                continue
            result = refresh_benchmark(project_ids=[state.project_id])
        logger.info(
            "benchmark refreshed: %s, %d cells, %d contributors, %.2f s",
            state.project.code,
            result.cells,
            result.contributors,
            result.seconds,
        )
        done.append((state.project.code, result))
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
