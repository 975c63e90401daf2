"""The jobs Sentinel runs in the background, and when (one table, ``JOBS``).

``sentinel worker`` writes this table into the job runner's schedules when it starts
(``ensure_schedules``): a daily job at its local time (``SENTINEL_NOTICES_AT``,
``SENTINEL_RETENTION_AT``; the same wall-clock time across summer time), the benchmark refresh
every ``SENTINEL_BENCHMARK_REFRESH_SECONDS`` rounded up to whole minutes (0: not scheduled). The
job runner's scheduler then queues each run once, when its time has come, with the slot's moment
as ``scheduled_for``; a worker that was down runs a missed slot once when it is back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_q.models import Schedule

PREFIX = "sentinel."


@dataclass(frozen=True)
class Plan:
    """When a job runs: daily at a local time, or every ``minutes``."""

    at: dt.time | None = None
    minutes: int | None = None

    @property
    def schedule_type(self) -> str:
        return Schedule.DAILY if self.at is not None else Schedule.MINUTES

    def first_run(self, now: dt.datetime) -> dt.datetime:
        """The first slot after ``now``."""
        if self.at is None:
            return now + dt.timedelta(minutes=self.minutes or 1)
        local = timezone.localtime(now)
        slot = timezone.make_aware(dt.datetime.combine(local.date(), self.at))
        if slot <= now:
            slot = timezone.make_aware(
                dt.datetime.combine(local.date() + dt.timedelta(days=1), self.at)
            )
        return slot

    def describe(self, language: str = "da") -> str:
        if language == "en":
            if self.at is not None:
                return f"daily at {self.at:%H:%M}"
            return "every minute" if self.minutes == 1 else f"every {self.minutes} minutes"
        if self.at is not None:
            return f"dagligt kl. {self.at:%H:%M}"
        return "hvert minut" if self.minutes == 1 else f"hvert {self.minutes}. minut"


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    title: str
    """Danish, for the console."""

    def plan(self) -> Plan | None:
        if self.name == "benchmark":
            seconds = settings.SENTINEL_BENCHMARK_REFRESH_SECONDS
            return Plan(minutes=math.ceil(seconds / 60)) if seconds > 0 else None
        setting = {"notices": "SENTINEL_NOTICES_AT", "retention": "SENTINEL_RETENTION_AT"}
        return Plan(at=local_time(setting[self.name]))

    @property
    def schedule_name(self) -> str:
        return PREFIX + self.name


def local_time(setting: str) -> dt.time:
    text = getattr(settings, setting)
    try:
        return dt.time.fromisoformat(text).replace(second=0, microsecond=0)
    except ValueError:
        raise ImproperlyConfigured(f"{setting} must be a time HH:MM, got {text!r}") from None


JOBS = {
    job.name: job
    for job in (
        Job("notices", "sentinel.jobs.tasks.send_notices", "Beskeder til klinikkerne"),
        Job("retention", "sentinel.jobs.tasks.apply_retention", "Sletning efter opbevaringstid"),
        Job("benchmark", "sentinel.jobs.tasks.refresh_benchmarks", "Benchmark (region og land)"),
    )
}


def job_for(func: str) -> Job | None:
    return next((j for j in JOBS.values() if j.func == func), None)


def ensure_schedules(now: dt.datetime | None = None) -> list[Schedule]:
    """Make the job runner's schedules say what ``JOBS`` says. A schedule that already says it
    keeps its next run (a restart moves nothing); a changed one starts at its first slot after
    ``now``; a job that is off loses its schedule."""
    moment = now or timezone.now()
    kept = []
    for job in JOBS.values():
        plan = job.plan()
        existing = Schedule.objects.filter(name=job.schedule_name).order_by("pk")
        if plan is None:
            existing.delete()
            continue
        schedule = existing.first()
        same = schedule is not None and (
            schedule.func == job.func
            and schedule.schedule_type == plan.schedule_type
            and schedule.minutes == plan.minutes
            and schedule.next_run is not None
            and (
                plan.at is None
                or timezone.localtime(schedule.next_run).time().replace(second=0) == plan.at
            )
        )
        if schedule is None:
            schedule = Schedule(name=job.schedule_name)
        if not same:
            schedule.func = job.func
            schedule.schedule_type = plan.schedule_type
            schedule.minutes = plan.minutes
            schedule.repeats = -1
            schedule.intended_date_kwarg = "scheduled_for"
            schedule.next_run = plan.first_run(moment)
            schedule.save()
        existing.exclude(pk=schedule.pk).delete()
        kept.append(schedule)
    return kept
