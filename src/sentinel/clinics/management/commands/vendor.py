"""``sentinel vendor``: vendors and their API credentials (the operator's door until the console).

A new credential is printed once, alone on standard output, so scripts can capture it:
``TOKEN=$(sentinel vendor create "Fysiodata A/S")``; everything else goes to standard error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import create_vendor
from sentinel.clinics.credentials import issue_credential, revoke_credential, rotate_credential
from sentinel.clinics.models import Vendor, VendorCredential
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.lib.errors import DomainError

OPERATOR = Actor.system("cli")


class Command(SentinelCommand):
    help = "Create vendors and issue, rotate, revoke and list their API credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a vendor and print its first credential")
        create.add_argument("name")
        create.add_argument("--slug", help="short machine name (default: from the name)")
        create.add_argument(
            "--menu-help-da", default="", help="where the Sentinel menu is (Danish)"
        )
        create.add_argument("--menu-help-en", default="", help="the same in English")
        create.add_argument("--phone", default="", help="the vendor's support phone")
        create.add_argument("--email", default="", help="the vendor's support e-mail")
        issue = sub.add_parser("issue", help="print a further credential for a vendor")
        issue.add_argument("slug")
        rotate = sub.add_parser(
            "rotate", help="replace a credential; the old one works for a while"
        )
        rotate.add_argument("prefix", help="the credential's prefix (see 'list')")
        rotate.add_argument("--grace-days", type=int, default=7)
        revoke = sub.add_parser("revoke", help="end a credential now")
        revoke.add_argument("prefix")
        sub.add_parser("list", help="vendors and their credentials (never the secrets)")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _token(self, token: str, note: str) -> None:
        self.stderr.write(note)
        self.stdout.write(token)

    def _create(self, options: dict[str, Any]) -> None:
        slug = options["slug"] or slugify(options["name"])
        if not slug:
            raise CommandError("give the vendor a name with letters or digits, or --slug")
        if Vendor.objects.filter(slug=slug).exists():
            raise CommandError(
                f"a vendor with slug {slug!r} exists; use 'sentinel vendor issue {slug}'"
            )
        with transaction.atomic():
            vendor = create_vendor(
                by=OPERATOR,
                slug=slug,
                name=options["name"],
                menu_help_da=options["menu_help_da"],
                menu_help_en=options["menu_help_en"],
                support_phone=options["phone"],
                support_email=options["email"],
            )
            credential, token = issue_credential(by=OPERATOR, vendor=vendor)
        self._token(
            token,
            f"Created vendor {vendor.name} ({vendor.slug}). Its credential (prefix "
            f"{credential.prefix}) follows on standard output; it is shown only this once.",
        )

    def _vendor(self, slug: str) -> Vendor:
        vendor = Vendor.objects.filter(slug=slug).first()
        if vendor is None:
            raise CommandError(f"no vendor with slug {slug!r} (see 'sentinel vendor list')")
        return vendor

    def _credential(self, prefix: str) -> VendorCredential:
        credential = VendorCredential.objects.select_related("vendor").filter(prefix=prefix).first()
        if credential is None:
            raise CommandError(f"no credential with prefix {prefix!r} (see 'sentinel vendor list')")
        return credential

    def _issue(self, options: dict[str, Any]) -> None:
        vendor = self._vendor(options["slug"])
        credential, token = issue_credential(by=OPERATOR, vendor=vendor)
        self._token(
            token, f"New credential for {vendor.name} (prefix {credential.prefix}); shown once."
        )

    def _rotate(self, options: dict[str, Any]) -> None:
        if options["grace_days"] < 0:
            raise CommandError("--grace-days cannot be negative")
        old = self._credential(options["prefix"])
        new, token = rotate_credential(
            by=OPERATOR, credential=old, grace=dt.timedelta(days=options["grace_days"])
        )
        old.refresh_from_db()
        self._token(
            token,
            f"Rotated {old.prefix} → {new.prefix} for {old.vendor.name}. The old credential "
            f"works until {timezone.localtime(old.expires_at):%Y-%m-%d %H:%M}. New one shown once.",
        )

    def _revoke(self, options: dict[str, Any]) -> None:
        credential = revoke_credential(by=OPERATOR, credential=self._credential(options["prefix"]))
        self.stderr.write(f"Revoked {credential.prefix} of {credential.vendor.name}.")

    def _list(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        for vendor in Vendor.objects.prefetch_related("credentials").order_by("slug"):
            self.stdout.write(f"{vendor.slug}\t{vendor.name}")
            for c in vendor.credentials.all():
                if c.revoked_at:
                    state = f"revoked {timezone.localtime(c.revoked_at):%Y-%m-%d}"
                elif c.expires_at and c.expires_at <= now:
                    state = f"expired {timezone.localtime(c.expires_at):%Y-%m-%d}"
                elif c.expires_at:
                    state = f"expires {timezone.localtime(c.expires_at):%Y-%m-%d %H:%M}"
                else:
                    state = "active"
                used = (
                    f", last used {timezone.localtime(c.last_used_at):%Y-%m-%d}"
                    if c.last_used_at
                    else ""
                )
                self.stdout.write(f"  {c.prefix}\t{state}{used}")
