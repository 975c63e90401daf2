"""``sentinel staff``: Sentinel's own staff users for the operator console.

``sentinel staff create USERNAME --role support|project_manager|administrator`` asks for the
password (or reads one line with ``--password-stdin``) and prints the TOTP provisioning URI
(``otpauth://…``) once, alone on standard output; everything else goes to standard error. The
staff user adds it to an authenticator app and confirms it with a first code at
``/console/enrol/``. ``sentinel staff`` (or ``staff list``) lists staff users, never secrets.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.console import staff
from sentinel.console.roles import Role, role_of
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.lib.errors import DomainError

OPERATOR = Actor.system("cli")


class Command(SentinelCommand):
    help = "Create, list and manage Sentinel staff users of the operator console."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action")
        create = sub.add_parser("create", help="create a staff user; prints the TOTP URI once")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[r.value for r in Role])
        create.add_argument("--name", default="", help="full name (for the audit log)")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        sub.add_parser("list", help="staff users, their role and second factor (the default)")
        reset = sub.add_parser(
            "reset-device", help="replace a lost authenticator app; prints the new URI once"
        )
        reset.add_argument("username")
        unlock = sub.add_parser("unlock", help="lift a login lockout now")
        unlock.add_argument("username")
        deactivate = sub.add_parser("deactivate", help="end a staff user's access")
        deactivate.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        action = (options.get("action") or "list").replace("-", "_")
        try:
            getattr(self, f"_{action}")(options)
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_stdin"]:
            stream = options.get("stdin") or sys.stdin
            password = stream.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError("no terminal to ask for the password; use --password-stdin")
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("the passwords differ")
        if not password:
            raise CommandError("the password is empty")
        return password

    def _uri(self, device: Any, note: str) -> None:
        self.stderr.write(note)
        self.stdout.write(device.config_url)

    def _enrol_hint(self) -> str:
        return (
            "Add it to an authenticator app, then confirm it with a first code at "
            f"{settings.SENTINEL_PUBLIC_URL or 'http://127.0.0.1:8000'}/console/enrol/ "
            "(the password is asked there)."
        )

    def _create(self, options: dict[str, Any]) -> None:
        password = self._password(options)
        user, device = staff.create_staff(
            by=OPERATOR,
            username=options["username"],
            password=password,
            role=options["role"],
            full_name=options["name"],
            email=options["email"],
        )
        self._uri(
            device,
            f"Created staff user {user.username} ({options['role']}). The provisioning URI of "
            "their second factor follows on standard output; it is shown only this once. "
            + self._enrol_hint(),
        )

    def _reset_device(self, options: dict[str, Any]) -> None:
        user = staff.get_staff(options["username"])
        device = staff.reset_device(by=OPERATOR, user=user)
        self._uri(
            device,
            f"New second factor for {user.username}; the old one no longer works. The URI "
            "follows on standard output, shown only this once. " + self._enrol_hint(),
        )

    def _unlock(self, options: dict[str, Any]) -> None:
        user = staff.get_staff(options["username"])
        staff.unlock(by=OPERATOR, user=user)
        self.stderr.write(f"Unlocked {user.username}.")

    def _deactivate(self, options: dict[str, Any]) -> None:
        user = staff.get_staff(options["username"])
        staff.deactivate(by=OPERATOR, user=user)
        self.stderr.write(f"Deactivated {user.username}; they can no longer log in.")

    def _list(self, options: dict[str, Any]) -> None:
        users = get_user_model().objects.filter(is_staff=True).order_by("username")
        for user in users:
            role = role_of(user)
            if staff.confirmed_device(user) is not None:
                factor = "second factor confirmed"
            elif staff.pending_device(user) is not None:
                factor = "second factor not confirmed yet"
            else:
                factor = "no second factor"
            state = "active" if user.is_active else "deactivated"
            if user.is_active and staff.is_locked_out(user.username):
                state = "locked out"
            last = (
                f"last login {timezone.localtime(user.last_login):%Y-%m-%d %H:%M}"
                if user.last_login
                else "never logged in"
            )
            self.stdout.write(
                f"{user.username}\t{role.value if role else 'no role'}\t{factor}\t{state}\t{last}"
            )
