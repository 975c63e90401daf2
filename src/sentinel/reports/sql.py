"""The few SQL pieces the aggregate statements share: quoting, the month expression, an
"in" list, and the cell tables' columns. Plain SQL that runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

CELL_COLUMNS = ("clinic_id", "project_id", "month", "speciale", "course_type", "code")
KEY_COLUMNS = ("month", "speciale", "course_type", "code")


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Any]) -> str:
    return q(model._meta.db_table)


def names(columns: Iterable[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{q(c)}" for c in columns)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def month(column: str) -> str:
    """SQL for the first day of ``column``'s month, as each database stores a date."""
    if postgres():
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"substr({column}, 1, 8) || '01'"  # SQLite keeps dates as 'YYYY-MM-DD' text


def in_(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` in ``values``: one array parameter on PostgreSQL, an IN list on SQLite."""
    if postgres():
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
