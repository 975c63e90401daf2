"""Embedding gunicorn so ``sentinel serve`` and ``sentinel demo`` need no extra tools."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from sentinel.lib.redact import redact


class RedactingLogger(Logger):
    """gunicorn's logger with every access-log field through ``lib.redact``: the request line,
    the path, the query string and the referer never carry a launch token, an OIDC code or a
    CPR-shaped number."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


class _Application(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from sentinel.core.runtime import settle
        from sentinel.wsgi import application

        settle()  # the loaded code out of the collector's way (core.runtime)
        return application


def run_server(*, host: str, port: int, threads: int = 8, out: Any = None) -> None:
    """Serve until interrupted. One process with threads: SQLite allows one writer at a time."""
    if not 0 < port < 65536:
        raise CommandError(f"port must be between 1 and 65535, got {port}")
    if out is not None:
        out.write(f"Sentinel is listening on http://{host}:{port}/  (Ctrl-C stops it)")
    _Application(
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "accesslog": "-",
            "logger_class": RedactingLogger,
            "loglevel": "warning",
            "timeout": 60,
        }
    ).run()
