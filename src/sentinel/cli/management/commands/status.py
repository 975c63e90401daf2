"""``sentinel status YDERNUMMER``: the status check, readable or as JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from sentinel.clinics.models import Clinic
from sentinel.collection.status import State, StatusReport, check_status
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.lib.dates import format_da
from sentinel.lib.identifiers import InvalidIdentifier, validate_ydernummer

MARK = {State.OK: "[ok]  ", State.WAITING: "[wait]", State.ACTION_NEEDED: "[!!]  "}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--on takes a date as YYYY-MM-DD, got {value!r}") from None


class Command(SentinelCommand):
    help = "Print the status check of one clinic (what works, what to do, whom to call)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ydernummer")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.add_argument("--on", help="check as of this date (YYYY-MM-DD); default today")
        parser.add_argument(
            "--language", choices=["da", "en"], default="da", help="language of the texts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ydernummer = validate_ydernummer(options["ydernummer"])
        except InvalidIdentifier as exc:
            raise CommandError(str(exc)) from None
        on = _date(options["on"]) if options["on"] else None
        require_migrated_database()
        clinic = Clinic.objects.filter(ydernummer=ydernummer).first()
        if clinic is None:
            raise CommandError(f"no clinic with ydernummer {ydernummer}")
        report = check_status(clinic, on)
        if options["json"]:
            payload = report.as_dict(options["language"])
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._readable(report, options["language"]))

    def _readable(self, report: StatusReport, language: str) -> str:
        da = language == "da"
        clinic = report.clinic
        lines = [
            f"{clinic.name} — ydernummer {clinic.ydernummer}, CVR {clinic.cvr}",
            f"Status {format_da(report.on) if da else report.on.isoformat()}",
            "",
        ]
        for check in report.checks:
            label = check.title("da" if da else "en")
            lines.append(f"{MARK[check.state]} {label}")
            lines.append(f"        {check.detail_da if da else check.detail_en}")
            action = check.action_da if da else check.action_en
            if action and not check.ok:
                lines.append(f"        → {action}")
            for contact in check.contacts if not check.ok else ():
                reach = ", ".join(p for p in (contact.phone, contact.email) if p)
                word = "Kontakt" if da else "Contact"
                lines.append(f"        {word}: {contact.name}{f' ({reach})' if reach else ''}")
        help_text = report.vendor_menu_help_da if da else report.vendor_menu_help_en
        if help_text:
            lines += ["", f"{'Sentinel-menuen' if da else 'The Sentinel menu'}: {help_text}"]
        for project in report.projects:
            if da:
                opens = format_da(project.reports_open_on) if project.reports_open_on else "—"
                lines.append(
                    f"\n{project.name}: data fra {format_da(project.period_from)}, "
                    f"rapport åbner {opens}"
                )
            else:
                opens = project.reports_open_on.isoformat() if project.reports_open_on else "—"
                lines.append(
                    f"\n{project.name}: data from {project.period_from}, report opens {opens}"
                )
        return "\n".join(lines)
