"""Bulk writes of plain rows for the ingest hot path, on PostgreSQL and SQLite alike.

Model instances and ``bulk_create`` cost more than the database does for a batch of 1,000
episodes (and ``Episode``'s binary column keeps Django 5.2 from its fast ``UNNEST`` insert).
So new rows go in as tuples: binary ``COPY … FROM STDIN`` on PostgreSQL (each value sent in
the column type's own binary form, typed by the model's fields), ``executemany`` on SQLite,
with primary keys reserved beforehand so diagnosis events can point at new episodes.

Values are Python values (``date``, aware ``datetime``, ``bytes``, ``dict``/``list`` for JSON,
None); adapting them to each database is done here, once per column.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Lookup, Max

# The columns of an Episode that the pipeline reads and writes (all but the keys), and of a
# DiagnosisEvent as the pipeline inserts them (and the bench that loads synthetic data).
EPISODE_STATE = (
    "source_id",
    "version",
    "specification_version",
    "patient_pseudonym",
    "patient_cpr_encrypted",
    "cpr_key_id",
    "speciale",
    "course_type",
    "start_date",
    "end_date",
    "practitioner_initials",
    "services",
    "current_code",
    "received_at",
    "updated_at",
)
EVENT_COLUMNS = ("clinic_id", "episode_id", "code", "recorded_at", "source", "verification_status")


class AnyOf(Lookup):
    """``field__any_of=[…]``: membership in a list as ONE parameter on PostgreSQL
    (``= ANY(%s)``; an ``IN`` list of 1,000 parameters costs more to bind than to run),
    a plain ``IN`` list elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.CharField.register_lookup(AnyOf)


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, in the current transaction.

    PostgreSQL takes them from the identity sequence (safe under concurrency). SQLite writes
    one transaction at a time (``transaction_mode = IMMEDIATE``), so the next ids after the
    highest ever used are free."""
    if count == 0:
        return []
    table = _table(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once (MATERIALIZED), not once per id: ten times faster.
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
                "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
    used = model._default_manager.aggregate(highest=Max("pk"))["highest"] or 0
    last = max(int(found[0]) if found else 0, used)
    return list(range(last + 1, last + 1 + count))


def _sqlite_adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else value.isoformat()
    return None


def _postgres_type(field: models.Field[Any, Any]) -> str:
    """The column's type as binary ``COPY`` names it (``varchar(100)`` → ``varchar``)."""
    db_type = field.db_type(connection) or ""
    return db_type.split("(", 1)[0]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, database column names) into
    ``model``'s table in the current transaction. Returns the number of rows."""
    rows = list(rows)
    if not rows:
        return 0
    fields = {field.column: field for field in model._meta.concrete_fields}
    postgres = connection.vendor == "postgresql"
    adapters: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        adapt = None if postgres else _sqlite_adapter(fields[name])
        if adapt is not None:
            adapters.append((i, adapt))
    if adapters:
        adapted = []
        for row in rows:
            values = list(row)
            for i, adapt in adapters:
                values[i] = adapt(values[i])
            adapted.append(values)
        rows = adapted
    table = _table(model)
    names = ", ".join(f'"{name}"' for name in columns)
    with connection.cursor() as cursor:
        if postgres:
            # Binary: no value is formatted as text to be parsed again (timestamps above all).
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
                copy.set_types([_postgres_type(fields[name]) for name in columns])
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 (model's)
            cursor.executemany(sql, rows)
    return len(rows)
