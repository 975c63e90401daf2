"""Refreshing the benchmark in the background: when a project's journal holds changes and its
last refresh is older than ``SENTINEL_BENCHMARK_REFRESH_SECONDS`` (``refresh_due_benchmarks``,
run by ``sentinel worker``'s benchmark job, ``jobs.schedule``)."""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from sentinel.projects.models import Project
from sentinel.reports import outcome_cells, sql
from sentinel.reports.benchmark import ADVISORY_LOCK_CLASS, BenchmarkResult, refresh_benchmark
from sentinel.reports.models import (
    BenchmarkState,
    CellChange,
)

logger = logging.getLogger("sentinel.reports")


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
        or outcome_cells.pending(project_id)
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
            "benchmark refreshed: %s, %d cells, %d contributors, %.2f s (%s; %s)",
            project.code,
            result.cells,
            result.contributors,
            result.seconds,
            result.how,
            ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.parts),
        )
        done.append((project.code, result))
    return done


@contextmanager
def _refresh_lock(project_id: int) -> Iterator[bool]:
    """A session-level advisory lock per project on PostgreSQL (SQLite has one writer):
    yields whether this process may refresh the project now."""
    if not sql.postgres():
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
