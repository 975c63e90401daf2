"""Checks that the database is there and migrated, with messages a person can act on."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def require_migrated_database() -> None:
    """Raise ``CommandError`` (one line, exit 3) unless the database exists and is migrated."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        in_memory = name == ":memory:" or name.startswith("file:")
        if not in_memory and not Path(name).exists():
            raise CommandError(
                f"no database at {name}; run 'sentinel migrate' (or 'sentinel demo')",
                returncode=3,
            )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError("the database is not up to date; run 'sentinel migrate'", returncode=3)
