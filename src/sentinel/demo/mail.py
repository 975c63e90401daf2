"""The demo's mail server: a real SMTP server (aiosmtpd) in a thread of ``sentinel demo``,
keeping every mail Sentinel sends as a file in a Maildir, so that nothing leaves the machine."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from django.conf import settings

HOST = "127.0.0.1"


@dataclass
class DemoMail:
    controller: Controller
    host: str
    port: int
    maildir: Path

    def stop(self) -> None:
        self.controller.stop()


def mail_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-mail"


def start(port: int | None = None) -> DemoMail:
    """Start the server on ``port`` (SENTINEL_DEMO_SMTP_PORT) and point Django's SMTP backend at
    it for this process (and the server's worker, which forks from it)."""
    port = port or settings.SENTINEL_DEMO_SMTP_PORT
    maildir = mail_dir()
    for part in ("tmp", "new", "cur"):  # a Maildir
        (maildir / part).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(maildir), hostname=HOST, port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return DemoMail(controller, HOST, port, maildir)


@dataclass(frozen=True)
class KeptMail:
    """One mail the demo's server received, as the demo's mail page shows it."""

    key: str
    to: str
    subject: str
    sent: dt.datetime | None
    body: str


def kept_mails(limit: int = 200) -> list[KeptMail]:
    """The mails in the demo's Maildir, newest first (at most ``limit``)."""
    folder = mail_dir()
    paths = [p for part in ("new", "cur") for p in (folder / part).glob("*") if p.is_file()]
    paths.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    found = []
    for path in paths[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # noqa: S101 - the default policy's class
        part = message.get_body(preferencelist=("plain",))
        date = message.get("Date")
        found.append(
            KeptMail(
                key=path.name,
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
                sent=parsedate_to_datetime(str(date)) if date else None,
                body=part.get_content() if part is not None else "",
            )
        )
    return found
