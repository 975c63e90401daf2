"""Queue a job now, and read what the job runner holds: queued and running jobs, each job's
schedule and its recent runs (for ``sentinel jobs`` and the console's Baggrundsjob page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task
from django_q.tasks import async_task

from sentinel.jobs.schedule import JOBS, Job, job_for
from sentinel.lib.errors import DomainError


def enqueue(name: str, **kwargs: str) -> str:
    """Queue job ``name`` to run as soon as a worker is free; the job's id. Inside a
    transaction, the job is queued when (and only if) it commits: the queue is a table."""
    job = JOBS.get(name)
    if job is None:
        raise DomainError(
            "unknown_job",
            f"no job {name!r} (known: {', '.join(sorted(JOBS))})",
            "Jobbet findes ikke.",
        )
    return str(async_task(job.func, group=job.name, **kwargs))


@dataclass
class Queued:
    id: str
    job: Job | None
    func: str
    queued_at: dt.datetime | None
    taken_until: dt.datetime | None
    """Set while a worker holds it; when it passes unfinished, another worker takes it."""
    attempts: int = 0
    """Earlier attempts that ended (failed); an attempt whose worker died leaves no trace."""

    @property
    def running(self) -> bool:
        return self.taken_until is not None and self.taken_until > timezone.now()


@dataclass
class JobState:
    job: Job
    next_run: dt.datetime | None
    runs: list[Task] = field(default_factory=list)

    @property
    def last(self) -> Task | None:
        return self.runs[0] if self.runs else None


def queued() -> list[Queued]:
    """What waits in the queue, or is being run, oldest first."""
    found = []
    for row in OrmQ.objects.order_by("pk"):
        task: dict[str, Any] = row.task
        earlier = Task.objects.filter(id=task.get("id")).values_list("attempt_count", flat=True)
        found.append(
            Queued(
                id=str(task.get("id", "")),
                job=job_for(str(task.get("func", ""))),
                func=str(task.get("func", "")),
                queued_at=task.get("started"),
                taken_until=row.lock if row.lock and row.lock > timezone.now() else None,
                attempts=int(earlier.first() or 0),
            )
        )
    return found


def overview(runs: int = 5) -> list[JobState]:
    """Each job with its next scheduled run and its latest ``runs`` runs, newest first."""
    names = [j.schedule_name for j in JOBS.values()]
    schedules = {s.name: s for s in Schedule.objects.filter(name__in=names)}
    states = []
    for job in JOBS.values():
        schedule = schedules.get(job.schedule_name)
        states.append(
            JobState(
                job=job,
                next_run=schedule.next_run if schedule else None,
                runs=list(Task.objects.filter(func=job.func).order_by("-started")[:runs]),
            )
        )
    return states
