"""``sentinel export``: a data-sharing export of a project for one of its recipients.

    sentinel export PROJECT --recipient CODE --kind aggregated|record-level
                    --from YYYY-MM-DD --to YYYY-MM-DD [--by NAME | --by staff:USERNAME]

The same service as the console's export page (``console.exports.create_export``): the files
and ``manifest.json`` go to a new directory under ``SENTINEL_EXPORT_DIR``, whose path is
printed alone on standard output; a summary goes to standard error. The export is audited
as the system actor NAME (default ``cli``), or as the staff user USERNAME, who must have the
permission to export.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from sentinel.audit.actors import Actor
from sentinel.console.staff import staff_actor
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.sharing import exports

KIND_NAMES = {
    "aggregated": exports.AGGREGATED,
    "record-level": exports.RECORD_LEVEL,
    "record_level": exports.RECORD_LEVEL,
}


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)", returncode=2) from None


def actor_from(value: str) -> Actor:
    """``staff:USERNAME`` is that staff user; anything else a system actor of that name."""
    if value.startswith("staff:"):
        from django.contrib.auth import get_user_model

        username = value.removeprefix("staff:")
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"no staff user {username!r}")
        return staff_actor(user)
    if not value.strip():
        raise CommandError("--by needs a name", returncode=2)
    return Actor.system(value.strip())


class Command(SentinelCommand):
    help = "Export a project's data for one of its recipients (Parquet + CSV + manifest)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", metavar="PROJECT", help="the project's code")
        parser.add_argument("--recipient", required=True, metavar="CODE")
        parser.add_argument("--kind", required=True, choices=["aggregated", "record-level"])
        parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument(
            "--by",
            default="cli",
            metavar="NAME",
            help="who the audit log names: a system name (default cli) or staff:USERNAME",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        start, end = _day(options["start"]), _day(options["end"])
        project = Project.objects.filter(code=options["project"]).first()
        if project is None:
            known = ", ".join(Project.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"no project {options['project']!r} (known: {known or 'none'})")
        recipient = project.recipients.filter(code=options["recipient"]).first()
        if recipient is None:
            known = ", ".join(project.recipients.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"{project.code} has no recipient {options['recipient']!r} "
                f"(known: {known or 'none'})"
            )
        by = actor_from(options["by"])
        try:
            result = exports.create_export(
                by=by,
                project=project,
                recipient=recipient,
                kind=KIND_NAMES[options["kind"]],
                start=start,
                end=end,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        for entry in result.manifest["files"]:
            self.stderr.write(f"  {entry['name']}: {entry['rows']} rows, sha256 {entry['sha256']}")
        self.stderr.write(
            f"Exported {project.code} for {recipient.code} ({result.manifest['kind']}, "
            f"{start}–{end}); audited as {by.kind}:{by.id}."
        )
        self.stdout.write(str(result.directory))
