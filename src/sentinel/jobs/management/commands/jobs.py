"""``sentinel jobs``: the background jobs, their next runs and latest results, and what waits
in the queue; ``sentinel jobs run NAME`` queues a job now (``sentinel worker`` runs it).

    sentinel jobs [list]
    sentinel jobs run notices|retention|benchmark
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.jobs import queue
from sentinel.jobs.schedule import JOBS
from sentinel.lib.errors import DomainError


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


class Command(SentinelCommand):
    help = "The background jobs: their schedules, latest runs and queue; run one now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION")
        sub.add_parser("list", help="each job's next run and latest results, and the queue")
        run = sub.add_parser("run", help="queue a job now; a running `sentinel worker` runs it")
        run.add_argument("name", choices=sorted(JOBS))

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        if options.get("action") == "run":
            try:
                job_id = queue.enqueue(options["name"])
            except DomainError as exc:
                raise CommandError(exc.message_en) from None
            self.stdout.write(job_id)
            return
        for state in queue.overview():
            plan = state.job.plan()
            self.stdout.write(
                f"{state.job.name}: {plan.describe('en') if plan else 'off'}; "
                f"next {_when(state.next_run)}"
            )
            for run in state.runs:
                outcome = "ok" if run.success else "FAILED"
                self.stdout.write(
                    f"  {_when(run.started)}  {outcome}  attempts {run.attempt_count}  "
                    f"{str(run.result)[:120]}"
                )
        waiting = queue.queued()
        self.stdout.write(f"queue: {len(waiting)}")
        for item in waiting:
            name = item.job.name if item.job else item.func
            what = "running" if item.running else "waiting"
            self.stdout.write(
                f"  {item.id}  {name}  {what}  queued {_when(item.queued_at)}  "
                f"earlier attempts {item.attempts}"
            )
