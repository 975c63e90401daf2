"""Base class for Sentinel's management commands: refusals as one line, 'sentinel CMD: …'."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class SentinelCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if options.get("traceback"):
                raise
            name = self.__module__.rsplit(".", 1)[-1]
            self.stderr.write(f"sentinel {name}: {exc}")
            sys.exit(exc.returncode)
