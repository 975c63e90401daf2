"""The files of an export: its tables (``Table``, ``Column``) written as CSV and Parquet, each
with its rows, columns and SHA-256 for the manifest, in a new directory under
``SENTINEL_EXPORT_DIR``.

The CSV is for machines: UTF-8 without a byte-order mark, comma-separated, ``.`` as the
decimal point, a header row, RFC 4180 quoting, CRLF line ends; an empty field is null;
booleans are ``true``/``false``, dates ``YYYY-MM-DD``, times ISO 8601 in UTC. The Parquet file
is written by DuckDB from that CSV with the declared column types, so both hold the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from sentinel.lib.errors import DomainError

CSV_FORMAT = {
    "encoding": "UTF-8 (no byte-order mark)",
    "delimiter": ",",
    "decimal_point": ".",
    "quoting": "RFC 4180 (double quotes, doubled inside)",
    "line_end": "CRLF",
    "header": True,
    "null": "empty field",
    "boolean": "true/false",
    "date": "YYYY-MM-DD",
    "timestamp": "ISO 8601 in UTC, e.g. 2026-02-02T08:30:00Z",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """The column's type as DuckDB and Parquet know it: VARCHAR, INTEGER, BOOLEAN, DATE,
    TIMESTAMPTZ."""
    description: str
    field: str | None = None
    """The data specification field this column carries (None: part of every export)."""


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    rows: Iterable[Sequence[Any]]


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        return utc.isoformat(timespec="seconds" if not utc.microsecond else "microseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_csv(path: Path, table: Table) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([c.name for c in table.columns])
        for row in table.rows:
            writer.writerow([csv_value(v) for v in row])
            count += 1
    return count


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _write_parquet(duck: Any, csv_path: Path, parquet_path: Path, table: Table) -> int:
    # Paths and column names are ours (slugs, fixed names), quoted as SQL text anyway.
    types = ", ".join(f"{_sql_text(c.name)}: {_sql_text(c.type)}" for c in table.columns)
    source = (
        f"read_csv({_sql_text(str(csv_path))}, header = true, delim = ',', quote = '\"', "
        f"escape = '\"', nullstr = '', auto_detect = false, columns = {{{types}}})"
    )
    duck.execute(
        f"COPY (SELECT * FROM {source}) TO {_sql_text(str(parquet_path))} (FORMAT parquet)"  # noqa: S608
    )
    row = duck.execute("SELECT COUNT(*) FROM read_parquet(?)", [str(parquet_path)]).fetchone()
    return int(row[0])


def _file_entry(path: Path, table: Table, file_format: str, rows: int) -> dict[str, Any]:
    return {
        "name": path.name,
        "table": table.name,
        "format": file_format,
        "rows": rows,
        "columns": [
            {"name": c.name, "type": c.type, "description": c.description} for c in table.columns
        ],
        "bytes": path.stat().st_size,
        "sha256": sha256(path),
    }


def write_tables(directory: Path, tables: list[Table]) -> list[dict[str, Any]]:
    import duckdb

    files: list[dict[str, Any]] = []
    duck = duckdb.connect(config={"threads": 1})
    try:
        for table in tables:
            csv_path = directory / f"{table.name}.csv"
            parquet_path = directory / f"{table.name}.parquet"
            rows = _write_csv(csv_path, table)
            parquet_rows = _write_parquet(duck, csv_path, parquet_path, table)
            if parquet_rows != rows:  # pragma: no cover - DuckDB read back what we wrote
                raise RuntimeError(
                    f"{table.name}: {rows} rows in the CSV but {parquet_rows} in the Parquet file"
                )
            for path, file_format in ((csv_path, "csv"), (parquet_path, "parquet")):
                path.chmod(0o600)
                files.append(_file_entry(path, table, file_format, rows))
    finally:
        duck.close()
    return files


def export_dir() -> Path:
    return Path(settings.SENTINEL_EXPORT_DIR)


def final_directory(parent: Path, stamp: str, kind: str) -> Path:
    for n in range(1, 1000):
        candidate = parent / (f"{stamp}-{kind}" if n == 1 else f"{stamp}-{kind}-{n}")
        if not candidate.exists():
            return candidate
    raise DomainError("export_exists", f"too many exports named {stamp}-{kind} in {parent}")
