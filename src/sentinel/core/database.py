"""Checks that the database is there and migrated, with messages a person can act on."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def require_migrated_database() -> None:
    """Raise ``CommandError`` (one line) unless the database exists and is fully migrated."""
    if settings.EMBEDDED and not settings.SQLITE_PATH.exists():
        raise CommandError(
            f"no database at {settings.SQLITE_PATH}; run 'sentinel migrate' (or 'sentinel demo')",
            returncode=3,
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError("the database is not up to date; run 'sentinel migrate'", returncode=3)
