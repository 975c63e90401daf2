"""``sentinel notices send``: mail the notices that are due to the clinics' verified addresses.

    sentinel notices send [--date YYYY-MM-DD]

Each notice goes once per occasion and address (a report opened; no data for
SENTINEL_DATA_FLOW_THRESHOLD_DAYS days; a new DPA or consent version to sign) and is recorded,
so a second run sends nothing new. Progress goes to standard error, the summary to standard
output; exit 1 when a mail could not be delivered (it is tried again on the next run). Run it
daily from the host's scheduler.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.notices.sending import send_due


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(SentinelCommand):
    help = "Mail the notices that are due to the clinics' verified addresses."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        send = sub.add_parser(
            "send",
            help="send every notice that is due, once per occasion and address",
            description=(
                "Sends the notices that are due to every verified address that has not been "
                "stopped, and records each one; a second run sends nothing new."
            ),
        )
        send.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        on = _date(options["date"]) if options.get("date") else None
        result = send_due(on=on, progress=lambda line: self.stderr.write(line))
        self.stdout.write(
            f"{result.sent} notices sent, {result.already} sent before, {result.failed} failed "
            f"({result.clinics} clinics with addresses)"
        )
        if result.failed:
            raise CommandError(f"{result.failed} notices could not be delivered; run again later")
