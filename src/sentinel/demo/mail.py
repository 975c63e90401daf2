"""The demo's mail server: a real SMTP server (aiosmtpd) in a thread of ``sentinel demo``,
keeping every mail Sentinel sends as a file in a Maildir, so that nothing leaves the machine."""

from __future__ import annotations

from dataclasses import dataclass
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
