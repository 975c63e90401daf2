"""Data-sharing exports: a project's data for one of its named recipients, written as files.

The operator runs an export per project, recipient, kind and period (the console's export
page and ``sentinel export``; both call ``create_export``). Only staff with the permission
``console.export_data`` (project managers, administrators) or Sentinel itself (a system actor:
the CLI, a scheduled job) may export; support staff may not. Every export writes an audit row
(``export.created``) with what the manifest summarises, never data, and which clinics' courses
it read (``clinics``: courses by clinic id; each clinic's ledger lists the export).

Two kinds, both limited to the period (by each course's start date, both days included):

- ``aggregated``: counts per start month × region (the clinic's) × ICPC-2 code (current code),
  and coding completeness of the structured courses of speciale 51 per month × region × course
  type (courses, validly coded courses), shown as the disclosure rule allows
  (``reports.disclosure``; a suppressed count's field is empty and its ``…_suppressed``
  column true; a month × region is the rule's group). Clinics without a region and courses
  without a code are not in the code table.
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

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.collection.models import Episode
from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Project, Recipient
from sentinel.reports.disclosure import RULE_EN
from sentinel.sharing.contents import Period, Versions, aggregated_tables, record_level_tables
from sentinel.sharing.files import (
    CSV_FORMAT,
    csv_value,
    export_dir,
    final_directory,
    sha256,
    write_tables,
)

# The export's files and contents live in ``sharing.files`` and ``sharing.contents``, the
# recipient pseudonyms in ``sharing.pseudonyms``.

PERMISSION = "console.export_data"
FORMAT = "sentinel-export/1"
AGGREGATED = "aggregated"
RECORD_LEVEL = "record_level"
KINDS = {AGGREGATED: "Aggregerede tabeller", RECORD_LEVEL: "Pseudonymiserede data på postniveau"}

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
    history = Versions(project)
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
                tables, rules = aggregated_tables(project, period, versions)
            else:
                tables = record_level_tables(project, recipient, period, versions, history)
            clinics = _clinics_in(project, period)
            files = write_tables(partial, tables)
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
            final = final_directory(parent, stamp, kind)
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
                    "manifest_sha256": sha256(final / "manifest.json"),
                    "files": [
                        {"name": f["name"], "rows": f["rows"], "sha256": f["sha256"]} for f in files
                    ],
                    "clinics": clinics,
                },
            )
    except BaseException:
        shutil.rmtree(final if moved and final is not None else partial, ignore_errors=True)
        raise
    return ExportResult(final, manifest, event)


def _clinics_in(project: Project, period: Period) -> dict[str, int]:
    """The clinics whose data the export read (courses started in the period), with their
    number of courses, by clinic id: each clinic's ledger lists the exports that included its
    data. Read in the export's snapshot."""
    rows = (
        Episode.objects.filter(
            project=project, start_date__gte=period.start, start_date__lte=period.end
        )
        .values_list("clinic_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {str(clinic_id): n for clinic_id, n in rows}


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
        "created_at": csv_value(moment),
        "created_by": {"kind": by.kind, "id": by.id, "name": by.name},
        "csv": CSV_FORMAT,
        "files": files,
    }
    if rules is not None:
        manifest["suppression"] = {
            **rules,
            "rule": RULE_EN,
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
