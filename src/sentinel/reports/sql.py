"""The few SQL pieces the aggregate statements share: quoting, the month expression, an
"in" list, the cell tables' columns, the scopes' sums over contributing clinics, making a
table's rows equal a query's writing only the differences (``apply_difference``) or equal
counts worked out in Python (``write_counts``), adding changes to cells and dropping those
they empty (``add_deltas``, ``add_counts``), and the clinic-months a journal slice names with
whether each still has a cell (``named_months``, ``has_cell``). Plain SQL that runs on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection

from sentinel.collection.rows import insert_rows

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


def add_deltas(
    cursor: Any,
    upsert: str,
    params: list[Any],
    table: str,
    projects: tuple[str, list[Any]],
    value: str = "episodes",
) -> int:
    """Run ``upsert`` (an ``INSERT … ON CONFLICT`` that adds deltas to the ``value`` column of
    ``table``'s cells) and delete the cells it left at zero or below. Returns the rows
    written. PostgreSQL: the emptied cells come back from the upsert itself (no scan of the
    table); SQLite: the cells of ``projects`` (a condition and its parameters) at zero or below
    are deleted."""
    v = q(value)
    if postgres():
        cursor.execute(
            f"WITH added AS ({upsert} RETURNING id, {v}) "  # noqa: S608
            f"SELECT COUNT(*), array_agg(id) FILTER (WHERE {v} <= 0) FROM added",
            params,
        )
        written, emptied = cursor.fetchone()
        if emptied:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [emptied])  # noqa: S608
            written += max(cursor.rowcount, 0)
        return int(written)
    cursor.execute(upsert, params)
    written = max(cursor.rowcount, 0)
    in_projects, project_params = projects
    cursor.execute(f"DELETE FROM {table} WHERE {in_projects} AND {v} <= 0", project_params)  # noqa: S608
    return written + max(cursor.rowcount, 0)


def add_counts(
    cursor: Any,
    model: type[Any],
    key: Sequence[str],
    value: str,
    deltas: Mapping[tuple[Any, ...], int],
    projects: tuple[str, list[Any]],
) -> int:
    """Add ``deltas`` (key values → a change of ``value``) to ``model``'s cells, creating
    the missing ones and deleting those left at zero or below (``add_deltas``); ``projects``
    bounds that deletion on SQLite. Returns the rows written."""
    rows = [(*k, n) for k, n in sorted(deltas.items()) if n]
    if not rows:
        return 0
    target, columns = table(model), names((*key, value))
    conflict, v = names(key), q(value)
    written = 0
    for i in range(0, len(rows), VALUES_CHUNK):
        chunk = rows[i : i + VALUES_CHUNK]
        marks = ", ".join(["(" + ", ".join(["%s"] * len(chunk[0])) + ")"] * len(chunk))
        upsert = (
            f"INSERT INTO {target} ({columns}) VALUES {marks} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {v} = {target}.{v} + excluded.{v}"
        )
        params = [_param(x) for row in chunk for x in row]
        written += add_deltas(cursor, upsert, params, target, projects, value)
    return written


def write_counts(
    cursor: Any,
    model: type[Any],
    columns: Sequence[str],
    old: Mapping[tuple[Any, ...], tuple[int, int]],
    new: Mapping[tuple[Any, ...], int],
) -> int:
    """Make the rows read as ``old`` (key values → (id, count)) hold ``new`` (key values →
    count; ``columns`` name the key values and then the count), writing only what differs:
    rows ``new`` lacks deleted, changed counts updated by id, new rows inserted. Returns the
    rows written."""
    target, count = table(model), q(columns[-1])
    gone = [row_id for k, (row_id, _n) in old.items() if k not in new]
    changed = [(n, old[k][0]) for k, n in new.items() if k in old and old[k][1] != n]
    added = [(*k, n) for k, n in sorted(new.items()) if k not in old]
    for i in range(0, len(gone), VALUES_CHUNK):
        where, params = in_("id", gone[i : i + VALUES_CHUNK])
        cursor.execute(f"DELETE FROM {target} WHERE {where}", params)  # noqa: S608
    if changed:
        cursor.executemany(f"UPDATE {target} SET {count} = %s WHERE id = %s", changed)  # noqa: S608
    insert_rows(model, columns, added)  # COPY on PostgreSQL (a full recount adds them all)
    return len(gone) + len(changed) + len(added)


VALUES_CHUNK = 500
"""Rows per ``VALUES`` list (SQLite allows 32,766 parameters in a statement)."""


def as_date(value: dt.date | str) -> dt.date:
    """A date as a raw statement returns it (SQLite: ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _param(value: Any) -> Any:
    """A value as a parameter of a raw statement: SQLite keeps dates as ISO text."""
    if not postgres() and isinstance(value, dt.date):
        return value.isoformat()
    return value


def named_months(slice_table: str) -> str:
    """SQL: the clinic-months a journal slice (``reports.benchmark``'s temporary table of the
    consumed journal, one row per cell and its net ``delta``) names, with the largest net
    change of a cell in each (``grew``)."""
    return (
        f"SELECT project_id, clinic_id, month, MAX(delta) AS grew FROM {slice_table} "  # noqa: S608
        "GROUP BY project_id, clinic_id, month"
    )


def has_cell(report_cells: str, alias: str = "p") -> str:
    """SQL: 1 when the clinic-month ``alias`` (a row of ``named_months``) has a clinic cell
    with episodes, else 0. A cell that grew has episodes (a cell never goes below zero), so
    the clinic cells are looked up only for a clinic-month whose cells all shrank or held."""
    return (
        f"CASE WHEN {alias}.grew > 0 THEN 1 WHEN EXISTS (SELECT 1 FROM {report_cells} rc "  # noqa: S608
        f"WHERE rc.clinic_id = {alias}.clinic_id AND rc.project_id = {alias}.project_id "
        f"AND rc.month = {alias}.month AND rc.episodes > 0) THEN 1 ELSE 0 END"
    )


def sum_scopes(
    cursor: Any,
    *,
    cells: str,
    contributors: str,
    scopes: str,
    key: Sequence[str],
    project_id: int,
    nation: str,
) -> None:
    """Rewrite a project's scope sums (``scopes``: the nation's and each region's) of clinic
    cells (``cells``, by ``key`` columns besides the month) from the clinics that contributed to
    the benchmark in each month (``contributors``: ``BenchmarkContributor``, whose region
    counts). The coding development's and the outcome report's, on a full refresh."""
    grouped = ", ".join(["c.month", *(f"c.{q(c)}" for c in key)])
    columns = f"project_id, scope, month, {names(key)}, courses"
    joined = (
        f"FROM {cells} c JOIN {contributors} b ON b.project_id = c.project_id "
        f"AND b.month = c.month AND b.clinic_id = c.clinic_id WHERE c.project_id = %s"
    )
    cursor.execute(f"DELETE FROM {scopes} WHERE project_id = %s", [project_id])  # noqa: S608
    cursor.execute(
        f"INSERT INTO {scopes} ({columns}) "
        f"SELECT c.project_id, %s, {grouped}, SUM(c.courses) {joined} "
        f"GROUP BY c.project_id, {grouped}",
        [nation, project_id],
    )
    cursor.execute(
        f"INSERT INTO {scopes} ({columns}) "
        f"SELECT c.project_id, b.region_code, {grouped}, SUM(c.courses) {joined} "
        f"AND b.region_code <> '' GROUP BY c.project_id, b.region_code, {grouped}",
        [project_id],
    )


_CHANGES = "sentinel_refresh_changes"


def apply_difference(
    cursor: Any,
    model: type[Any],
    new: tuple[str, list[Any]],
    key: Sequence[str],
    value: str,
    projects: list[int],
    only: tuple[str, list[Any]] | None = None,
) -> int:
    """Make ``model``'s rows of ``projects`` equal the rows of the query ``new`` (the key
    columns and then ``value``), writing only what differs: rows it lacks are deleted, rows
    whose value differs updated, rows it adds inserted. The difference is found in one pass
    (no join plan to go wrong) and applied by primary key. Returns the rows written."""
    target, changes = table(model), q(_CHANGES)
    names = ", ".join(map(q, key))
    v = q(value)
    new_sql, new_params = new
    in_scope, params = in_("project_id", projects)
    if only is not None:  # a further condition on the rows compared (e.g. some networks)
        in_scope, params = f"{in_scope} AND {only[0]}", [*params, *only[1]]
    cursor.execute(f"DROP TABLE IF EXISTS {changes}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {changes} AS SELECT * FROM ("  # noqa: S608
        f"SELECT {names}, MAX(CASE WHEN side = 1 THEN {v} END) AS new_value, "
        f"MAX(CASE WHEN side = 0 THEN {v} END) AS old_value, MAX(old_id) AS old_id FROM ("
        f"SELECT 1 AS side, CAST(NULL AS bigint) AS old_id, n.* FROM ({new_sql}) n "
        f"UNION ALL SELECT 0, id, {names}, {v} FROM {target} WHERE {in_scope}"
        f") both_sides GROUP BY {names}) g "
        f"WHERE (g.new_value IS NULL) <> (g.old_value IS NULL) OR g.new_value <> g.old_value",
        [*new_params, *params],
    )
    cursor.execute(
        f"DELETE FROM {target} WHERE id IN "  # noqa: S608
        f"(SELECT old_id FROM {changes} WHERE new_value IS NULL)"
    )
    written = max(cursor.rowcount, 0)
    cursor.execute(
        f"UPDATE {target} SET {v} = "  # noqa: S608
        f"(SELECT new_value FROM {changes} c WHERE c.old_id = {target}.id) "
        f"WHERE id IN (SELECT old_id FROM {changes} WHERE new_value IS NOT NULL)"
    )
    written += max(cursor.rowcount, 0)
    columns = ", ".join(map(q, (*key, value)))
    cursor.execute(
        f"INSERT INTO {target} ({columns}) SELECT {names}, new_value FROM {changes} "  # noqa: S608
        f"WHERE old_id IS NULL"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {changes}")
    return written
