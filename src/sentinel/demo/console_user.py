"""The demo's operator-console user: an administrator with a known password and an
authenticator app still to confirm. Only ``sentinel demo`` makes it (never a production
setting); staff are otherwise created with ``sentinel staff create``."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from sentinel.audit.actors import Actor
from sentinel.console import staff
from sentinel.lib.errors import DomainError

USERNAME = "demo-admin"
PASSWORD = "Demo-Konsol-2026"  # noqa: S105 - the demo's published password, demo only
ROLE = "administrator"


@dataclass(frozen=True)
class ConsoleUser:
    user: Any
    secret: str
    """The authenticator key to type in (base32, groups of four), until it is confirmed."""


def ensure_console_user() -> ConsoleUser:
    """The demo's console user, made once; its key is shown only while not yet confirmed.
    Refused unless the demo is on (``SENTINEL_DEMO``): a known password is for the demo only."""
    if not settings.DEMO:
        raise DomainError("not_demo", "the demo console user exists only with SENTINEL_DEMO=true")
    user = get_user_model().objects.filter(username=USERNAME, is_staff=True).first()
    if user is None:
        user, _device = staff.create_staff(
            by=Actor.system("demo"),
            username=USERNAME,
            password=PASSWORD,
            role=ROLE,
            full_name="Demo Administrator",
        )
    device = staff.pending_device(user)
    if device is None:
        return ConsoleUser(user, "")
    key = b32encode(device.bin_key).decode("ascii")
    return ConsoleUser(user, " ".join(key[i : i + 4] for i in range(0, len(key), 4)))
