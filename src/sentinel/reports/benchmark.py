"""The benchmark: the national (``"DK"``) and regional benchmark cells and the contributing
clinics per month, kept in step with the clinic cells (``refresh_benchmark``).

Incremental by default: the refresh consumes the journal (``CellChange``), adds the summed
changes to the benchmark cells of the nation and of each clinic's region, and re-decides the
contributors of only the clinic-months the journal names. It recomputes everything from the
clinic cells (writing only the differences) when asked, on a project's first refresh, after a
full rebuild (``mark_full_refresh_needed``), and when the journal touches a month a clinic
contributed to from another region. Concurrency: docs/adr/0004-incremental-benchmark.md and
``reports.aggregates``.
"""

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.projects.models import Project
from sentinel.reports import development_cells, network_cells, outcome_cells, sql
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
    BenchmarkState,
    CellChange,
    ReportCell,
)

ADVISORY_LOCK_CLASS = 5_143  # pg advisory lock (class, project id): one refresh at a time
WORK_MEM = "256MB"  # PostgreSQL: for the full recompute's transaction only

Named = dict[int, set[tuple[int, dt.date, str, str]]]
"""Per project, the (clinic, month, speciale, course type) cells the journal named."""


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


def all_project_ids() -> list[int]:
    return list(Project.objects.order_by("pk").values_list("pk", flat=True))


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
    parts: tuple[tuple[str, float], ...] = ()
    """Seconds per part, in order: ``benchmark`` (the national and regional cells and the
    contributors: the aggregate itself), ``networks``, ``development``, ``outcomes``."""

    def part(self, name: str) -> float:
        return dict(self.parts).get(name, 0.0)

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
    projects = all_project_ids() if project_ids is None else sorted(set(project_ids))
    started_at = timezone.now()
    started = time.perf_counter()
    written = changes = 0
    recompute: list[int] = []
    clock = _Clock()
    if projects:
        with _taking_turns(projects):
            last = dict(
                BenchmarkState.objects.filter(project_id__in=projects).values_list(
                    "project_id", "refreshed_at"
                )
            )
            recompute = projects if full else _needing_full(projects)
            incremental = [p for p in projects if p not in recompute]
            named: Named = {}
            own_transaction = not connection.in_atomic_block
            while incremental:
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        if own_transaction and sql.postgres():
                            # Small statements: parallel workers cost more than they save.
                            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                        changes, written, named = _add_journal(cursor, incremental)
                        clock.lap("benchmark")
                        if changes:
                            written += network_cells.add_journal(cursor, _SLICE, incremental)
                        cursor.execute(f"DROP TABLE IF EXISTS {sql.q(_SLICE)}")
                        clock.lap("networks")
                    break
                except _RegionMoved as moved:  # rolled back; those projects in full
                    recompute = sorted({*recompute, *moved.projects})
                    incremental = [p for p in incremental if p not in moved.projects]
            if recompute:
                written += _recompute(recompute)
            clock.lap("benchmark")
            if recompute:
                written += network_cells.refresh(recompute)
            incremental = [p for p in projects if p not in recompute]
            changed = network_cells.changed(incremental, last)
            if changed:
                written += network_cells.refresh(incremental, changed)
            clock.lap("networks")
            # The coding development's cells follow the clinics whose cells moved.
            development_cells.refresh(project_ids=incremental, changed=named)
            development_cells.refresh(project_ids=recompute, changed=None)
            clock.lap("development")
            clinics = {p: {cell[0] for cell in cells} for p, cells in named.items()}
            outcome_cells.refresh(project_ids=incremental, clinics=clinics)
            outcome_cells.refresh(project_ids=recompute, clinics=None)
            clock.lap("outcomes")
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
        parts=tuple(clock.seconds.items()),
    )


class _Clock:
    """Seconds per part of a refresh: each ``lap`` ends the part named and starts the next."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = time.perf_counter()

    def lap(self, name: str) -> None:
        """The time since the last lap counts for ``name`` (added to what it had)."""
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._since
        self._since = now


@contextmanager
def _taking_turns(projects: list[int]) -> Iterator[None]:
    """PostgreSQL: wait for any other refresh of these projects to finish, and hold them
    until this one has (advisory locks in project order; SQLite has one writer anyway).

    Taken before the refresh's transaction, so the full recompute's snapshot is taken after
    the previous refresh committed; inside a caller's transaction, until it ends."""
    if not sql.postgres():
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


def _add_journal(cursor: Any, projects: list[int]) -> tuple[int, int, Named]:
    """Consume the projects' journal and add it to the benchmark. Returns the journal rows
    consumed, the benchmark rows written and the cells the journal named (clinic, month,
    speciale, course type) per project; the journal's rows, summed per cell, stay in the
    temporary table ``_SLICE`` for the networks until the caller drops it."""
    journal, slice_ = sql.table(CellChange), sql.q(_SLICE)
    cell, contributor = sql.table(BenchmarkCell), sql.table(BenchmarkContributor)
    rc, clinic = sql.table(ReportCell), sql.table(Clinic)
    columns = sql.names(sql.CELL_COLUMNS)
    in_projects, params = sql.in_("project_id", projects)
    cursor.execute(f"DROP TABLE IF EXISTS {slice_}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {slice_} AS SELECT {columns}, delta, 1 AS entries "  # noqa: S608
        f"FROM {journal} WHERE 1 = 0"
    )
    summed = f"SELECT {columns}, SUM(delta), COUNT(*) FROM {{rows}} GROUP BY {columns}"  # noqa: S608
    if sql.postgres():  # exactly the rows deleted are summed, whatever commits meanwhile
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
        return 0, 0, {}
    cursor.execute(
        f"SELECT DISTINCT project_id, clinic_id, month, speciale, course_type FROM {slice_}"  # noqa: S608
    )
    named: Named = {}
    for project_id, clinic_id, month, speciale, course_type in cursor.fetchall():
        named.setdefault(project_id, set()).add(
            (clinic_id, sql.as_date(month), speciale, course_type)
        )
    keys, s_keys = sql.names(sql.KEY_COLUMNS), sql.names(sql.KEY_COLUMNS, "s")
    cell_key_columns = sql.names(_CELL_KEY)
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
    written = sql.add_deltas(cursor, add, [NATION], cell, (in_projects, params))
    # The clinic-months the journal named: a contributor while the clinic has a cell there.
    pairs = sql.q(_PAIRS)
    cursor.execute(f"DROP TABLE IF EXISTS {pairs}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {pairs} AS SELECT p.project_id, p.clinic_id, p.month, "  # noqa: S608
        f"c.region_code, {sql.has_cell(rc)} AS has_cell, "
        f"bc.id AS contributor_id, bc.region_code AS counted_in "
        f"FROM ({sql.named_months(slice_)}) p "
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
        f"INSERT INTO {contributor} ({sql.names(_CONTRIBUTOR_KEY)}, region_code) "  # noqa: S608
        f"SELECT project_id, month, clinic_id, region_code FROM {pairs} "
        f"WHERE has_cell = 1 AND contributor_id IS NULL"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {pairs}")
    return consumed, written, named


def _recompute(projects: list[int]) -> int:
    """Recompute the projects' benchmark from the clinic cells and take their journal rows,
    in one snapshot; clear the full-recompute marks it saw. Returns the rows written."""
    own_transaction = sql.postgres() and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            # One snapshot for the cells read and the journal rows taken.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Room to hash the nation's cells in memory (no sort on disk), and a hash join
            # of every clinic cell with its clinic (not an index probe per clinic).
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute("SET LOCAL enable_nestloop = off")
        elif sql.postgres():
            # In a caller's transaction (no snapshot of our own): batches that write the
            # journal wait until this commits, so cells and journal are read at one point.
            cursor.execute(f"LOCK TABLE {sql.table(CellChange)} IN SHARE MODE")
        marks = dict(
            BenchmarkState.objects.filter(
                project_id__in=projects, full_needed_since__isnull=False
            ).values_list("project_id", "full_needed_since")
        )
        in_projects, params = sql.in_("project_id", projects)
        cursor.execute(f"DELETE FROM {sql.table(CellChange)} WHERE {in_projects}", params)  # noqa: S608
        written = _write_benchmark(cursor, projects)
        for project_id, mark in marks.items():  # a mark set meanwhile stays
            BenchmarkState.objects.filter(project_id=project_id, full_needed_since=mark).update(
                full_needed_since=None
            )
    return written


def _counts(projects: list[int]) -> tuple[int, int]:
    if not projects:
        return 0, 0
    in_projects, params = sql.in_("project_id", projects)
    found = []
    own_transaction = sql.postgres() and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:  # two counts: workers cost more than they save
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for model in (BenchmarkCell, BenchmarkContributor):
            cursor.execute(f"SELECT COUNT(*) FROM {sql.table(model)} WHERE {in_projects}", params)  # noqa: S608
            found.append(int(cursor.fetchone()[0]))
    return found[0], found[1]


# Scratch tables of one full recompute (temporary: private to the connection, never logged).
_REGION_CELLS = "sentinel_refresh_region_cells"
_CELL_KEY = ("project_id", "scope", "month", "speciale", "course_type", "code")
_CONTRIBUTOR_KEY = ("project_id", "month", "clinic_id")


def _write_benchmark(cursor: Any, projects: list[int]) -> int:
    rc, clinic, region = sql.table(ReportCell), sql.table(Clinic), sql.q(_REGION_CELLS)
    rc_where, rc_params = sql.in_("rc.project_id", projects)
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
    written = sql.apply_difference(
        cursor, BenchmarkCell, (cells, [NATION]), _CELL_KEY, "episodes", projects
    )
    written += sql.apply_difference(
        cursor,
        BenchmarkContributor,
        (contributors, rc_params),
        _CONTRIBUTOR_KEY,
        "region_code",
        projects,
    )
    cursor.execute(f"DROP TABLE {region}")
    return written


def _note_refreshed(projects: list[int], started_at: dt.datetime) -> None:
    with transaction.atomic():
        BenchmarkState.objects.bulk_create(
            [BenchmarkState(project_id=p) for p in projects], ignore_conflicts=True
        )
        BenchmarkState.objects.filter(project_id__in=projects).update(refreshed_at=started_at)
