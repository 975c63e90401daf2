"""``sentinel retention run [--apply]``: delete collected data the projects may no longer keep.

Dry run by default: prints, per project, what would be deleted (courses past the project's
retention by start date, and the data of clinics that unenrolled longer ago than the grace
period). With ``--apply`` it deletes, in batches, keeps the report aggregates consistent and
writes one audit row per project with the counts. Safe to run daily: a second run deletes
nothing more. See ``console.retention`` for the exact rules.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandError, CommandParser

from sentinel.audit.actors import Actor
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.projects.models import Project
from sentinel.sharing import retention


class Command(SentinelCommand):
    help = "Delete collected data past each project's retention (dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = sub.add_parser(
            "run",
            help="apply the projects' retention rules (a dry run unless --apply)",
            description=(
                "Deletes courses started before each project's retention cutoff and the data "
                "of clinics unenrolled longer ago than its grace period. Prints what it would "
                "delete unless --apply is given."
            ),
        )
        run.add_argument("--apply", action="store_true", help="delete (default: only print)")
        run.add_argument(
            "--project", action="append", metavar="CODE", help="only this project (repeatable)"
        )
        run.add_argument(
            "--by", default="retention", metavar="NAME", help="the audit log's actor name"
        )
        run.add_argument(
            "--batch-size", type=int, default=retention.BATCH_SIZE, help=argparse.SUPPRESS
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        codes = options.get("project") or None
        if codes:
            known = set(Project.objects.values_list("code", flat=True))
            unknown = sorted(set(codes) - known)
            if unknown:
                raise CommandError(
                    f"no project {', '.join(unknown)} (known: {', '.join(sorted(known))})"
                )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1", returncode=2)
        results = retention.run(
            by=Actor.system(options["by"]),
            apply=options["apply"],
            projects=codes,
            batch_size=options["batch_size"],
        )
        for result in results:
            self.stdout.write(result.summary())
        if not options["apply"]:
            self.stderr.write("Dry run: nothing was deleted. Run with --apply to delete.")
