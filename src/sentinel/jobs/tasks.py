"""What the worker runs: one plain function per job, taking JSON-able keyword arguments only,
so a job is queued by name (``jobs.schedule.JOBS``) and can be tried again as it was.

A scheduled run gets ``scheduled_for`` (the moment of its slot, ISO 8601) and works as of that
slot's day, so a retry of yesterday's run does yesterday's work. A job that did not finish
raises (``JobIncomplete`` or the error itself): the job runner records the failure, which the
console shows, and hands the job out again after ``SENTINEL_JOB_RETRY_SECONDS``. Every job is
safe to run twice: notices are sent once per occasion, retention deletes nothing twice, and the
benchmark refresh only does what its journal holds.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.notices.sending import send_due
from sentinel.reports.aggregates import refresh_due_benchmarks
from sentinel.sharing import retention


class JobIncompleteError(Exception):
    """A job did part of its work; the rest is done when it is tried again."""


def _day(scheduled_for: str | None, on: str | None) -> dt.date:
    if on:
        return dt.date.fromisoformat(on)
    if scheduled_for:
        return timezone.localdate(dt.datetime.fromisoformat(scheduled_for))
    return timezone.localdate()


def send_notices(*, scheduled_for: str | None = None, on: str | None = None) -> str:
    """Mail the notices due on the slot's day (``notices.sending.send_due``)."""
    result = send_due(on=_day(scheduled_for, on))
    summary = (
        f"{result.sent} notices sent, {result.already} sent before, {result.failed} failed "
        f"({result.clinics} clinics with addresses)"
    )
    if result.failed:
        raise JobIncompleteError(summary)
    return summary


def apply_retention(*, scheduled_for: str | None = None, on: str | None = None) -> str:
    """Delete what the projects may no longer keep (``sharing.retention.run(apply=True)``)."""
    results = retention.run(by=Actor.system("retention"), apply=True, on=_day(scheduled_for, on))
    return "; ".join(r.summary() for r in results) or "no projects"


def refresh_benchmarks(*, scheduled_for: str | None = None, on: str | None = None) -> str:
    """Refresh the benchmark of every project whose journal holds changes and whose last
    refresh is older than ``SENTINEL_BENCHMARK_REFRESH_SECONDS``."""
    done = refresh_due_benchmarks()
    if not done:
        return "nothing to refresh"
    return "; ".join(f"{code}: {r.cells} cells ({r.how})" for code, r in done)
