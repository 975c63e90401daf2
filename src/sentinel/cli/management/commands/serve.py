"""``sentinel serve``: the web service behind gunicorn (threads; SQLite-friendly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from sentinel.cli.server import run_server
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database


class Command(SentinelCommand):
    help = "Run the Sentinel web service."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument("--threads", type=int, default=8, help="worker threads")

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        require_migrated_database()
        run_server(host=host, port=port, threads=threads, out=self.stdout)
