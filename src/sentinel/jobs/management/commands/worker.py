"""``sentinel worker``: run the background jobs (notices, retention, benchmark refresh) until
stopped.

It writes the job table (``jobs.schedule.JOBS``) into the job runner's schedules, then runs the
job runner (django-q2, its queue a table of Sentinel's own database): a scheduler that queues
each scheduled run on time, and worker processes that run queued jobs one at a time. SIGTERM or
Ctrl-C stops it after the running job; a worker killed harder leaves its job in the queue, and
the next worker runs it again after ``SENTINEL_JOB_RETRY_SECONDS``. Run exactly one per
deployment under the host's service manager, beside ``sentinel serve`` (README).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone
from django_q.cluster import Cluster

from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.jobs.schedule import JOBS, ensure_schedules


class Command(SentinelCommand):
    help = "Run the background jobs (notices, retention, benchmark refresh) until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        schedules = {s.name: s for s in ensure_schedules()}
        for job in JOBS.values():
            plan = job.plan()
            schedule = schedules.get(job.schedule_name)
            when = (
                f"{plan.describe('en')}, next "
                f"{timezone.localtime(schedule.next_run):%Y-%m-%d %H:%M %Z}"
                if plan and schedule and schedule.next_run
                else "off"
            )
            self.stdout.write(f"job {job.name}: {when}")
        self.stdout.write(
            f"Sentinel worker: {settings.Q_CLUSTER['workers']} worker process(es); "
            "Ctrl-C or SIGTERM stops it after the running job."
        )
        self.stdout.flush()
        connections.close_all()  # the job runner forks; each process opens its own
        cluster = Cluster()
        cluster.start()
        # The cluster's own signal handler stops and joins inside the handler, which hangs when
        # the whole process group got the signal: here a signal only asks to stop.
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        sentinel = cluster.sentinel
        assert sentinel is not None and cluster.stop_event is not None  # noqa: S101 - started
        while sentinel.is_alive() and not stop.wait(0.5):
            pass
        # A signal to the whole group (a service manager's stop) has already ended the cluster's
        # processes: the running job is handed out again later. Setting the stop event then
        # could wait forever on a lock a killed process held, so look first.
        sentinel.join(1.0)
        if sentinel.is_alive():
            self.stdout.write("Stopping after the running job …")
            cluster.stop_event.set()
            sentinel.join(settings.SENTINEL_JOB_TIMEOUT_SECONDS + 30)
        if sentinel.is_alive():
            sentinel.terminate()
        elif not stop.is_set():
            raise CommandError(f"the job runner stopped by itself (exit {sentinel.exitcode})")
