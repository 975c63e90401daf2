"""Data-sharing exports: a project's data for one of its named recipients, written as files.

The operator runs an export per project, recipient, kind and period (the console's export
page and ``sentinel export``; both call ``create_export``). Only staff with the permission
``console.export_data`` (project managers, administrators) or Sentinel itself (a system actor:
the CLI, a scheduled job) may export; support staff may not. Every export writes an audit row
(``export.created``) with what the manifest summarises, never data.

Two kinds, both limited to the period (by each course's start date, both days included):

- ``aggregated``: counts per start month × region (the clinic's) × ICPC-2 code (current code),
  and coding completeness of the structured courses of speciale 51 per month × region × course
  type (courses, validly coded courses), with the benchmark's small-cell rules: a count under
  5 is suppressed (the field is empty and the ``…_suppressed`` column is true; a validly coded
  count is also suppressed when the uncoded rest is 1–4, which subtraction would reveal), and
  a month × region where fewer than 5 clinics contributed is left out altogether. Clinics
  without a region and courses without a code are not in the code table.
- ``record_level``: one row per course and one per diagnosis event, with exactly the fields the
  project's data specification names — per record, the version in force on its start date; a
  field the record's version does not name is empty (null). The patient, the clinic and the
  course appear only as pseudonyms specific to this project and recipient: HMAC-SHA256 under a
  key derived from Sentinel's pseudonym key, the project code and the recipient code. They
  link within and across this recipient's exports, never with another recipient's or with
  Sentinel's stored pseudonym; no CPR (plain or encrypted), no source ids, no vendor. Only a
  recipient marked ``record_level`` may receive this kind.

Files, in a new directory under ``SENTINEL_EXPORT_DIR`` (``PROJECT/RECIPIENT/STAMP-KIND``):
every table as CSV and as Parquet, and ``manifest.json`` (project, recipient, kind, period,
the specification versions, created at/by, and per file its rows, columns and SHA-256). The
CSV is for machines: UTF-8 without a byte-order mark, comma-separated, ``.`` as the decimal
point, a header row, RFC 4180 quoting, CRLF line ends; an empty field is null; booleans are
``true``/``false``, dates ``YYYY-MM-DD``, times ISO 8601 in UTC (``2026-02-02T08:30:00Z``).
The Parquet file is written by DuckDB from that CSV with the declared column types, so both
hold the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.lib import icpc2
from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Project, Recipient
from sentinel.reports.diagnosekodning import MIN_CELL, MIN_CLINICS, STRUCTURED_SPECIALE

PERMISSION = "console.export_data"
FORMAT = "sentinel-export/1"
AGGREGATED = "aggregated"
RECORD_LEVEL = "record_level"
KINDS = {AGGREGATED: "Aggregerede tabeller", RECORD_LEVEL: "Pseudonymiserede data på postniveau"}
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
_KEY_CONTEXT = "sentinel-export/v1"


# --- who may export ---------------------------------------------------------------------


def may_export(by: Actor) -> bool:
    """Sentinel itself (a system actor) may export; a staff actor only while their user is
    active staff with ``console.export_data``; nobody else."""
    if by.kind == AuditEvent.ActorKind.SYSTEM:
        return True
    if by.kind != AuditEvent.ActorKind.STAFF:
        return False
    user = get_user_model().objects.filter(username=by.id, is_active=True, is_staff=True).first()
    return user is not None and user.has_perm(PERMISSION)


# --- recipient-specific pseudonyms ------------------------------------------------------


def recipient_key(project: Project, recipient: Recipient) -> bytes:
    """The recipient's own pseudonym key: derived from Sentinel's pseudonym key, the project
    and the recipient (HMAC-SHA256), so no two recipients' pseudonyms can be linked."""
    label = f"{_KEY_CONTEXT}/{project.code}/{recipient.code}".encode()
    return hmac.new(settings.SENTINEL_PSEUDONYM_KEY, label, hashlib.sha256).digest()


def recipient_pseudonym(key: bytes, kind: str, value: str) -> str:
    """The pseudonym of ``value`` (a stored patient pseudonym, a ydernummer, a course id) of
    ``kind`` (``patient``, ``clinic``, ``episode``) under a recipient's key: 64 hex digits."""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# --- specification versions -------------------------------------------------------------


class _Versions:
    """The project's data specification versions and which one is in force on a day."""

    def __init__(self, project: Project) -> None:
        self.all = list(project.specifications.order_by("-version"))
        self._on: dict[dt.date, DataSpecification | None] = {}

    def on(self, day: dt.date) -> DataSpecification | None:
        if day not in self._on:
            self._on[day] = next((v for v in self.all if v.effective_from <= day), None)
        return self._on[day]

    def in_period(self, start: dt.date, end: dt.date) -> list[DataSpecification]:
        """Every version in force on some day of the period, oldest first."""
        found = {}
        first = self.on(start)
        if first is not None:
            found[first.version] = first
        for version in self.all:
            if start < version.effective_from <= end and self.on(version.effective_from) == version:
                found[version.version] = version
        return [found[v] for v in sorted(found)]


# --- tables -----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def _csv_value(value: Any) -> str:
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


# Aggregated -------------------------------------------------------------------------------


def _aggregated_tables(
    project: Project, period: Period, versions: list[DataSpecification]
) -> tuple[list[Table], dict[str, Any]]:
    named = {f for v in versions for f in v.parsed.fields}
    base = (
        Episode.objects.filter(project=project, start_date__range=(period.start, period.end))
        .exclude(clinic__region_code="")
        .annotate(month=TruncMonth("start_date"))
        .order_by()
    )
    clinics = {
        (row["month"], row["clinic__region_code"]): row["n"]
        for row in base.values("month", "clinic__region_code").annotate(
            n=Count("clinic", distinct=True)
        )
    }
    shown = {group: n for group, n in clinics.items() if n >= MIN_CLINICS}
    rules = {
        "min_cell": MIN_CELL,
        "min_clinics": MIN_CLINICS,
        "groups_left_out": len(clinics) - len(shown),
    }
    tables: list[Table] = []
    group_columns = [
        Column("month", "DATE", "First day of the courses' start month"),
        Column("region", "VARCHAR", "The clinics' region (DK-81 … DK-85)"),
    ]
    clinics_column = Column(
        "clinics",
        "INTEGER",
        f"Clinics contributing courses in the month and region (≥ {MIN_CLINICS})",
    )
    if "diagnoses" in named:
        counts = (
            base.exclude(current_code="")
            .values("month", "clinic__region_code", "current_code")
            .annotate(n=Count("id"))
        )
        rows: list[tuple[Any, ...]] = []
        for row in counts:
            group = (row["month"], row["clinic__region_code"])
            if group not in shown:
                continue
            small = row["n"] < MIN_CELL
            rows.append(
                (*group, row["current_code"], shown[group], None if small else row["n"], small)
            )
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        tables.append(
            Table(
                "courses_by_month_region_code",
                "Courses per start month, region and current ICPC-2 code",
                [
                    *group_columns,
                    Column("code", "VARCHAR", "The courses' current ICPC-2 code"),
                    clinics_column,
                    Column("courses", "INTEGER", f"Courses (empty when under {MIN_CELL})"),
                    Column("courses_suppressed", "BOOLEAN", f"true: under {MIN_CELL} courses"),
                ],
                rows,
            )
        )
    if {"diagnoses", "course_type"} <= named:
        structured: dict[tuple[dt.date, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for row in (
            base.filter(speciale=STRUCTURED_SPECIALE, course_type__in=list(icpc2.COURSE_TYPES))
            .values("month", "clinic__region_code", "course_type", "current_code")
            .annotate(n=Count("id"))
        ):
            key = (row["month"], row["clinic__region_code"], row["course_type"])
            structured[key][0] += row["n"]
            if row["current_code"] in icpc2.COURSE_TYPES[row["course_type"]]:
                structured[key][1] += row["n"]
        rows = []
        for (month, region, course_type), (courses, valid) in sorted(structured.items()):
            if (month, region) not in shown:
                continue
            courses_small = courses < MIN_CELL
            valid_small = valid < MIN_CELL or 0 < courses - valid < MIN_CELL
            rows.append(
                (
                    month,
                    region,
                    course_type,
                    shown[(month, region)],
                    None if courses_small else courses,
                    courses_small,
                    None if valid_small else valid,
                    valid_small,
                )
            )
        tables.append(
            Table(
                "completeness_by_month_region_course_type",
                f"Coding completeness of the structured courses of speciale {STRUCTURED_SPECIALE}",
                [
                    *group_columns,
                    Column("course_type", "VARCHAR", "The structured course type"),
                    clinics_column,
                    Column("courses", "INTEGER", f"Courses (empty when under {MIN_CELL})"),
                    Column("courses_suppressed", "BOOLEAN", f"true: under {MIN_CELL} courses"),
                    Column(
                        "validly_coded",
                        "INTEGER",
                        "Courses whose current code is one of the course type's codes (empty "
                        f"when under {MIN_CELL}, or when the rest is 1–{MIN_CELL - 1})",
                    ),
                    Column("validly_coded_suppressed", "BOOLEAN", "true: validly_coded is empty"),
                ],
                rows,
            )
        )
    return tables, rules


# Record-level ----------------------------------------------------------------------------

_EPISODE_VALUES = (
    "id",
    "clinic__ydernummer",
    "patient_pseudonym",
    "speciale",
    "course_type",
    "start_date",
    "end_date",
    "current_code",
    "practitioner_initials",
    "services",
)


def _services(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# The courses' columns in order, each with how it is read from an episode's values (under the
# recipient's key and the record's specification version).
_Getter = Callable[[dict[str, Any], bytes, DataSpecification], Any]
_EPISODE_COLUMNS: list[tuple[Column, _Getter]] = [
    (
        Column("episode", "VARCHAR", "The course (recipient-specific pseudonym)"),
        lambda r, key, v: recipient_pseudonym(key, "episode", str(r["id"])),
    ),
    (
        Column("clinic", "VARCHAR", "The clinic (recipient-specific pseudonym)"),
        lambda r, key, v: recipient_pseudonym(key, "clinic", r["clinic__ydernummer"]),
    ),
    (
        Column("patient", "VARCHAR", "The patient (recipient-specific pseudonym)", "patient_cpr"),
        lambda r, key, v: (
            recipient_pseudonym(key, "patient", r["patient_pseudonym"])
            if r["patient_pseudonym"]
            else None
        ),
    ),
    (Column("speciale", "VARCHAR", "Speciale (51, 57)", "speciale"), lambda r, k, v: r["speciale"]),
    (
        Column("course_type", "VARCHAR", "Structured course type", "course_type"),
        lambda r, k, v: r["course_type"],
    ),
    (Column("start_date", "DATE", "Start date", "start_date"), lambda r, k, v: r["start_date"]),
    (Column("end_date", "DATE", "End date", "end_date"), lambda r, k, v: r["end_date"]),
    (
        Column("current_code", "VARCHAR", "Current (latest) ICPC-2 code", "diagnoses"),
        lambda r, k, v: r["current_code"],
    ),
    (
        Column(
            "practitioner_initials", "VARCHAR", "Practitioner's initials", "practitioner_initials"
        ),
        lambda r, k, v: r["practitioner_initials"],
    ),
    (
        Column("services", "VARCHAR", "Services as JSON: [{code, date}]", "services"),
        lambda r, k, v: _services(r["services"]),
    ),
    (
        Column("specification_version", "INTEGER", "The data specification version of the record"),
        lambda r, k, v: v.version,
    ),
]


def _record_level_tables(
    project: Project,
    recipient: Recipient,
    period: Period,
    versions: list[DataSpecification],
    history: _Versions,
) -> list[Table]:
    named = {f for v in versions for f in v.parsed.fields}
    columns = [(c, get) for c, get in _EPISODE_COLUMNS if c.field is None or c.field in named]
    key = recipient_key(project, recipient)
    in_period = {"start_date__gte": period.start, "start_date__lte": period.end}

    def episodes() -> Iterator[tuple[Any, ...]]:
        rows = (
            Episode.objects.filter(project=project, **in_period)
            .order_by("start_date", "id")
            .values(*_EPISODE_VALUES)
            .iterator(chunk_size=2000)
        )
        for row in rows:
            version = history.on(row["start_date"])
            if version is None:
                continue  # before the first version: it cannot have been collected
            fields = set(version.parsed.fields)
            values: list[Any] = []
            for column, get in columns:
                if column.field is not None and column.field not in fields:
                    values.append(None)  # not named by the record's version
                else:
                    value = get(row, key, version)
                    values.append(None if value == "" else value)
            yield tuple(values)

    tables = [
        Table(
            "episodes",
            "Courses (forløb) started in the period, one row each",
            [c for c, _ in columns],
            episodes(),
        )
    ]
    if "diagnoses" in named:

        def diagnoses() -> Iterator[tuple[Any, ...]]:
            rows = (
                DiagnosisEvent.objects.filter(
                    episode__project=project,
                    episode__start_date__gte=period.start,
                    episode__start_date__lte=period.end,
                )
                .order_by("episode__start_date", "episode_id", "recorded_at", "id")
                .values_list("episode_id", "episode__start_date", "code", "recorded_at")
                .iterator(chunk_size=5000)
            )
            for episode_id, start, code, recorded_at in rows:
                version = history.on(start)
                if version is None or "diagnoses" not in version.parsed.fields:
                    continue
                yield (recipient_pseudonym(key, "episode", str(episode_id)), code, recorded_at)

        tables.append(
            Table(
                "diagnoses",
                "ICPC-2 codes put on the courses, with when (history kept: never removed)",
                [
                    Column("episode", "VARCHAR", "The course (as in episodes)"),
                    Column("code", "VARCHAR", "ICPC-2 code", "diagnoses"),
                    Column("recorded_at", "TIMESTAMPTZ", "When the code was recorded", "diagnoses"),
                ],
                diagnoses(),
            )
        )
    return tables


# --- writing files ----------------------------------------------------------------------


def _sha256(path: Path) -> str:
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
            writer.writerow([_csv_value(v) for v in row])
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
        "sha256": _sha256(path),
    }


def _write_tables(directory: Path, tables: list[Table]) -> list[dict[str, Any]]:
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


def _final_directory(parent: Path, stamp: str, kind: str) -> Path:
    for n in range(1, 1000):
        candidate = parent / (f"{stamp}-{kind}" if n == 1 else f"{stamp}-{kind}-{n}")
        if not candidate.exists():
            return candidate
    raise DomainError("export_exists", f"too many exports named {stamp}-{kind} in {parent}")


# --- the export -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    manifest: dict[str, Any]
    audit_event: AuditEvent

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"


def _refuse_unless_allowed(
    *, by: Actor, project: Project, recipient: Recipient, kind: str, period: Period
) -> None:
    if not may_export(by):
        raise DomainError(
            "not_allowed",
            "exports need the permission console.export_data (a project manager or an "
            "administrator)",
            "Kun projektledere og administratorer må lave dataudtræk.",
        )
    if recipient.project_id != project.pk:
        raise DomainError(
            "unknown_recipient",
            f"{recipient.code} is not a recipient of {project.code}",
            f"{recipient.name} er ikke modtager i {project.name}.",
        )
    if kind not in KINDS:
        raise DomainError("invalid_kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == RECORD_LEVEL and not recipient.record_level:
        raise DomainError(
            "record_level_not_allowed",
            f"{recipient.code} may receive aggregated tables only (the project description "
            "does not name it for record-level data)",
            f"{recipient.name} må kun modtage aggregerede tabeller.",
        )
    if period.start > period.end:
        raise DomainError(
            "invalid_period",
            f"the period starts ({period.start}) after it ends ({period.end})",
            "Perioden starter efter den slutter.",
        )


def create_export(
    *,
    by: Actor,
    project: Project,
    recipient: Recipient,
    kind: str,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> ExportResult:
    """Export ``project``'s data of the period ``start``–``end`` (start dates, both days
    included) for ``recipient`` as ``kind`` (``aggregated`` or ``record_level``).

    Refuses (``DomainError``) an actor without the permission, a recipient of another
    project, record-level data for a recipient not named for it, and a period that ends
    before it starts. The files and the audit row are written together: if the audit row
    cannot be written, the directory is removed. On PostgreSQL the data is read from one
    snapshot; on SQLite the export holds the write lock while it runs."""
    period = Period(start, end)
    _refuse_unless_allowed(by=by, project=project, recipient=recipient, kind=kind, period=period)
    moment = now or timezone.now()
    history = _Versions(project)
    versions = history.in_period(start, end)
    if not versions:
        raise DomainError(
            "no_specification",
            f"{project.code} has no data specification in force in {start}–{end}; nothing "
            "can have been collected",
            "Projektet havde ingen dataspecifikation i perioden.",
        )
    parent = export_dir() / project.code / recipient.code
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=parent))
    final: Path | None = None
    moved = False
    try:
        own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic():
            if own_snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rules: dict[str, Any] | None = None
            if kind == AGGREGATED:
                tables, rules = _aggregated_tables(project, period, versions)
            else:
                tables = _record_level_tables(project, recipient, period, versions, history)
            files = _write_tables(partial, tables)
            manifest = _manifest(
                by=by,
                project=project,
                recipient=recipient,
                kind=kind,
                period=period,
                versions=versions,
                moment=moment,
                files=files,
                rules=rules,
            )
            manifest_path = partial / "manifest.json"
            manifest_path.write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            manifest_path.chmod(0o600)
            stamp = moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            final = _final_directory(parent, stamp, kind)
            os.rename(partial, final)
            moved = True
            event = record(
                by=by,
                action=AuditEvent.Action.EXPORT_CREATED,
                obj=project,
                details={
                    "project": project.code,
                    "recipient": recipient.code,
                    "kind": kind,
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "specification_versions": [v.version for v in versions],
                    "directory": str(final.relative_to(export_dir())),
                    "manifest_sha256": _sha256(final / "manifest.json"),
                    "files": [
                        {"name": f["name"], "rows": f["rows"], "sha256": f["sha256"]} for f in files
                    ],
                },
            )
    except BaseException:
        shutil.rmtree(final if moved and final is not None else partial, ignore_errors=True)
        raise
    return ExportResult(final, manifest, event)


def _manifest(
    *,
    by: Actor,
    project: Project,
    recipient: Recipient,
    kind: str,
    period: Period,
    versions: list[DataSpecification],
    moment: dt.datetime,
    files: list[dict[str, Any]],
    rules: dict[str, Any] | None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "project": {"code": project.code, "name": project.name},
        "recipient": {"code": recipient.code, "name": recipient.name},
        "kind": kind,
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "by": "course start date, both days included",
        },
        "specification_versions": [
            {
                "version": v.version,
                "effective_from": v.effective_from.isoformat(),
                "fields": list(v.parsed.fields),
            }
            for v in versions
        ],
        "created_at": _csv_value(moment),
        "created_by": {"kind": by.kind, "id": by.id, "name": by.name},
        "csv": CSV_FORMAT,
        "files": files,
    }
    if rules is not None:
        manifest["suppression"] = {
            **rules,
            "rule": (
                f"counts under {rules['min_cell']} are empty with the …_suppressed column "
                f"true; months × regions with fewer than {rules['min_clinics']} contributing "
                "clinics are left out"
            ),
        }
    else:
        manifest["pseudonyms"] = (
            "episode, clinic and patient are HMAC-SHA256 pseudonyms specific to this project "
            "and recipient; they link across this recipient's exports only"
        )
    return manifest


def past_exports(project: Project, *, limit: int = 50) -> list[AuditEvent]:
    """The project's latest exports, as their audit rows say."""
    return list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.EXPORT_CREATED,
            object_type=Project._meta.label_lower,
            object_id=str(project.pk),
        ).order_by("-at", "-id")[:limit]
    )


def export_file(project: Project, export_id: int, name: str) -> Path | None:
    """A file of one of ``project``'s exports, as its audit row lists it (or its
    ``manifest.json``), or None: never a path outside ``SENTINEL_EXPORT_DIR``."""
    event = AuditEvent.objects.filter(
        pk=export_id,
        action=AuditEvent.Action.EXPORT_CREATED,
        object_type=Project._meta.label_lower,
        object_id=str(project.pk),
    ).first()
    if event is None or not isinstance(event.details.get("directory"), str):
        return None
    names = {f.get("name") for f in event.details.get("files", [])} | {"manifest.json"}
    if name not in names:
        return None
    root = export_dir().resolve()
    path = (root / event.details["directory"] / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
