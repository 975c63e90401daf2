"""``sentinel demo``: migrate the embedded database, build the synthetic nation, serve it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from sentinel.cli.server import run_server
from sentinel.clinics.launch import create_launch_link
from sentinel.clinics.models import Activation, Clinic
from sentinel.core.command import SentinelCommand
from sentinel.demo import mail
from sentinel.demo.console_user import PASSWORD, ROLE, USERNAME, ensure_console_user
from sentinel.demo.nation import VENDORS, build_nation
from sentinel.demo.oidc import demo_users, start_provider_process
from sentinel.demo.vendor import push_year
from sentinel.reports.aggregates import refresh_benchmark

VENDOR_SLUGS = [v["slug"] for v in VENDORS]


def _me() -> str:
    """How the user called us, so the hint can be pasted as it is (e.g. .venv/bin/sentinel)."""
    called = Path(sys.argv[0])
    if called.is_absolute() and called.is_relative_to(Path.cwd()):
        called = called.relative_to(Path.cwd())
    return shlex.quote(str(called)) if called.name == "sentinel" else "sentinel"


class Command(SentinelCommand):
    help = "Set up the demo: migrate, create a synthetic nation of clinics, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--clinics", type=int, default=320, help="clinics to create")
        parser.add_argument("--no-serve", action="store_true", help="set up the data, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clinics"] < 1:
            raise CommandError("--clinics must be at least 1")
        where = settings.SQLITE_PATH if settings.EMBEDDED else "the database in DATABASE_URL"
        self.stdout.write(f"Setting up the database ({where}) …")
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write("Creating the synthetic nation of clinics …")
        today = timezone.localdate()
        created = build_nation(
            today=today, clinics_count=options["clinics"], progress=self.stdout.write
        )
        total = Clinic.objects.count()
        if created:
            stories = Counter(created.values())
            summary = ", ".join(f"{name} {count}" for name, count in sorted(stories.items()))
            self.stdout.write(f"Created {len(created)} clinics ({summary}).")
            self.stdout.write("The demo vendors send a year of courses through the vendor API …")
            sent = push_year(stories=created, today=today, progress=self.stdout.write)
            rejected = ", ".join(f"{k} {v}" for k, v in sorted(sent.items()) if k != "accepted")
            self.stdout.write(
                f"Accepted {sent['accepted']} records; rejected: {rejected or 'none'}."
            )
            self.stdout.write("Computing the regional and national benchmark …")
            result = refresh_benchmark()
            self.stdout.write(
                f"Benchmark: {result.cells} cells from {result.contributors} clinic-months "
                f"in {result.seconds:.1f} s."
            )
        else:
            self.stdout.write("The demo data was already there; nothing added.")
        self.stdout.write(f"{total} clinics in the demo.")
        base = f"http://{options['host']}:{options['port']}"
        self._print_console_user(base)
        self._print_vendor_clinics()
        if options["no_serve"]:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"\nOpen {base}/demo/ for the demo clinics and their status checks\n"
                f"(or {base}/ for the front page). Ctrl-C stops the server.\n"
                f"On the command line: {_me()} status 900001\n"
            )
        )
        self._print_launch_link(base)
        provider = self._start_login_provider()
        mail_server = self._start_mail_server()
        worker = self._start_worker(base, mail_server)
        try:
            run_server(host=options["host"], port=options["port"])
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=10)
            if mail_server is not None:
                mail_server.stop()
            if provider is not None:
                provider.terminate()
                provider.wait(timeout=10)

    def _start_worker(
        self, base: str, mail_server: mail.DemoMail | None
    ) -> subprocess.Popen[bytes] | None:
        """``sentinel worker`` as a process of its own (the background jobs: notices at
        SENTINEL_NOTICES_AT, retention, the benchmark refresh), mailing through the demo's
        SMTP server, with links to this server; its output goes to var/demo-worker.log."""
        env = {**os.environ, "SENTINEL_DEMO": "true"}
        env.setdefault("SENTINEL_PUBLIC_URL", base)
        if mail_server is not None:
            env["SENTINEL_SMTP_HOST"] = mail_server.host
            env["SENTINEL_SMTP_PORT"] = str(mail_server.port)
        log_path = Path(settings.VAR_DIR) / "demo-worker.log"
        with log_path.open("ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "sentinel.cli", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.stdout.write(
            f"Background jobs: `sentinel worker` runs beside the server (log: {log_path}); "
            f"the jobs and their runs are under Baggrundsjob in {base}/console/, the mails it "
            f"sent at {base}/demo/post/."
        )
        return worker

    def _start_mail_server(self) -> mail.DemoMail | None:
        """The local SMTP server every mail of the demo goes to (unless SENTINEL_SMTP_HOST
        names another server), and where its mails are kept."""
        if settings.SENTINEL_SMTP_HOST:
            self.stdout.write(
                f"Mail: to the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT} "
                "(SENTINEL_SMTP_HOST)."
            )
            return None
        try:
            server = mail.start()
        except (RuntimeError, OSError) as exc:
            self.stderr.write(
                f"Mail is not available: {exc}. Set SENTINEL_DEMO_SMTP_PORT to a free port."
            )
            return None
        self.stdout.write(
            f"Mail: a local SMTP server (aiosmtpd) runs on {server.host}:{server.port}; every "
            f"mail Sentinel sends is kept as a file in {server.maildir / 'new'}.\n"
            "Add an address under Administrer → Beskeder pr. e-mail, open the link in the "
            "mail, then send the notices that are due:\n"
            f"  SENTINEL_SMTP_HOST={server.host} SENTINEL_SMTP_PORT={server.port} "
            f"{_me()} notices send"
        )
        return server

    def _print_console_user(self, base: str) -> None:
        """The demo's operator-console user (an administrator), and how to give it its
        second factor."""
        console = ensure_console_user()
        self.stdout.write(
            f"Operator console: {base}/console/ as {USERNAME}, password {PASSWORD} "
            f"({ROLE}; demo only)."
        )
        if console.secret:
            self.stdout.write(
                f"  Second factor: first confirm an authenticator app at {base}/console/enrol/ "
                f"(it shows a QR code), or type in the key {console.secret}\n"
                f"  (without a phone: oathtool --totp -b '{console.secret.replace(' ', '')}')."
            )
        else:
            self.stdout.write("  Second factor: the authenticator app you confirmed for it.")

    def _print_vendor_clinics(self) -> None:
        """For the README's API example: each demo vendor and a clinic it serves."""
        self.stdout.write(
            "The API as a demo vendor: TOKEN=$(sentinel vendor issue SLUG), then e.g. "
            "GET /api/v1/clinics/YDERNUMMER/status with one of its clinics:"
        )
        for slug in VENDOR_SLUGS:
            served = (
                Activation.objects.active()
                .filter(vendor__slug=slug)
                .select_related("vendor", "clinic")
                .order_by("clinic__ydernummer")
            )
            first = served.first()
            if first is not None:
                self.stdout.write(
                    f"  {slug}  {first.vendor.name}: {served.count()} clinics, "
                    f"e.g. {first.clinic.ydernummer} ({first.clinic.name})"
                )

    def _print_launch_link(self, base: str) -> None:
        """A launch link as a practice system would ask for one (valid 5 minutes), for the
        demo's clinic where all is in order: the menu opened from inside the practice system."""
        owner = next(iter(demo_users()), None)
        clinic = Clinic.objects.filter(ydernummer=owner.ydernummer).first() if owner else None
        served = Activation.objects.active().filter(clinic=clinic).select_related("vendor")
        activation = served.first() if clinic is not None else None
        if clinic is None or activation is None:
            return
        url, _expires = create_launch_link(
            vendor=activation.vendor,
            clinic=clinic,
            user_id="demo-1",
            user_name="Demo Behandler",
            base_url=base,
        )
        self.stdout.write(
            f"The Sentinel menu as {activation.vendor.name} opens it (valid 5 minutes, once):\n"
            f"  {url}\n"
            f"A new link: POST /api/v1/clinics/{clinic.ydernummer}/launch with the vendor's "
            "credential (see README)."
        )

    def _start_login_provider(self) -> subprocess.Popen[bytes] | None:
        """The local OpenID Connect provider the demo logs in against, with the demo users
        (unless SENTINEL_OIDC_ISSUER names another provider)."""
        port = settings.SENTINEL_DEMO_OIDC_PORT
        if f"http://127.0.0.1:{port}" != settings.SENTINEL_OIDC_ISSUER:
            return None
        users = demo_users()
        try:
            process = start_provider_process(users, port=port)
        except (RuntimeError, OSError) as exc:
            self.stderr.write(
                f"Login is not available: {exc}. Set SENTINEL_DEMO_OIDC_PORT to a free port."
            )
            return None
        self.stdout.write(
            f"Login: a local OpenID Connect provider (oidc-provider-mock) runs on "
            f"{settings.SENTINEL_OIDC_ISSUER}. Log in as one of these demo users (click the "
            "name on its login page):"
        )
        for user in users:
            self.stdout.write(
                f"  {user.sub}  {user.name}, CVR {user.cvr} ({user.ydernummer}): {user.role}"
            )
        return process
