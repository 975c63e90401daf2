"""The clinic's ledger of how its data is used (Administrer → "Brug af jeres data").

One home for the figures; the portal page and its CSV both call ``ledger_for``. Per project:
the records received and, per month, how many records brought each field the project keeps
and how many had a field dropped (minimisation); every export that included the clinic's data
(recipient, day, kind, period, SHA-256 of the manifest — never the data); every retention
deletion (day, rule, courses and diagnosis events); each vendor that transferred data for it
and when. For the clinic as a whole: the records Sentinel refused, by reason, with the
clinic's own course ids (``source_id``) and the vendor that sent them (whom to call, with
phone), and every vendor that sent anything.

Everything is read from what is written as it happens, never recomputed from the data: the
``Submission`` log (``by_project`` and ``refused``, written by the pipeline in the batch's
transaction), the ``export.created`` audit rows (``clinics``: whose courses the export read)
and the ``retention.deleted`` audit rows (``by_clinic``). No patient data is in any of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import Episode, Submission
from sentinel.collection.reason_texts import REFUSAL_REASONS
from sentinel.lib.dataspec import KNOWN_FIELDS
from sentinel.projects.models import Enrolment, Project, Recipient
from sentinel.sharing.exports import KINDS

FIELDS = tuple(KNOWN_FIELDS["episode"])
RETENTION_RULES: dict[str, Promise] = {
    "past_retention": _("opbevaringstiden var udløbet"),
    "unenrolled": _("klinikken var frameldt projektet"),
}


def _month(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment).replace(day=1)


@dataclass
class FieldMonth:
    """One month of a project's records: how many arrived, and per field how many brought
    it (kept) and how many had it dropped."""

    month: dt.date
    records: int = 0
    received: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportEntry:
    at: dt.datetime
    recipient_code: str
    recipient_name: str
    kind: str
    kind_label: str
    start: dt.date
    end: dt.date
    manifest_sha256: str
    courses: int
    """The clinic's courses the export read."""


@dataclass(frozen=True)
class DeletionEntry:
    at: dt.datetime
    on: str
    rule: str
    rule_label: str | Promise
    episodes: int
    diagnoses: int


@dataclass
class VendorEntry:
    vendor: Vendor
    first_at: dt.datetime
    last_at: dt.datetime
    batches: int = 0
    records: int = 0
    accepted: int = 0
    refused: int = 0


@dataclass
class ProjectLedger:
    project: Project
    months: list[FieldMonth]
    """Newest first."""
    fields_received: list[str]
    fields_dropped: list[str]
    exports: list[ExportEntry]
    deletions: list[DeletionEntry]
    vendors: list[VendorEntry]

    @property
    def records(self) -> int:
        return sum(m.records for m in self.months)


@dataclass(frozen=True)
class RefusedRecord:
    at: dt.datetime
    source_id: str
    """The clinic's own course id, as its practice system sent it ('' when unusable)."""
    vendor: Vendor
    stored_later: bool = False
    """The same vendor's course of this id has been stored since (sent again and accepted)."""


@dataclass
class RefusalGroup:
    reason: str
    label: str
    records: list[RefusedRecord]
    """Newest first."""

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def source_ids(self) -> list[str]:
        """The distinct course ids, newest first."""
        return list(dict.fromkeys(r.source_id for r in self.records if r.source_id))

    @property
    def stored_later(self) -> set[str]:
        """The course ids whose latest refusal here has been made good since."""
        latest: dict[str, RefusedRecord] = {}
        for r in self.records:
            if r.source_id and r.source_id not in latest:
                latest[r.source_id] = r
        return {i for i, r in latest.items() if r.stored_later}

    @property
    def without_id(self) -> int:
        return sum(1 for r in self.records if not r.source_id)

    @property
    def vendors(self) -> list[Vendor]:
        return list({r.vendor.pk: r.vendor for r in self.records}.values())


@dataclass
class Ledger:
    clinic: Clinic
    projects: list[ProjectLedger]
    refusals: list[RefusalGroup]
    vendors: list[VendorEntry]


def _projects(clinic: Clinic, codes: set[str]) -> list[Project]:
    enrolled = set(Enrolment.objects.filter(clinic=clinic).values_list("project_id", flat=True))
    return list(Project.objects.filter(Q(pk__in=enrolled) | Q(code__in=codes)).order_by("name"))


def _exports(clinic: Clinic, project: Project) -> list[ExportEntry]:
    key = str(clinic.pk)
    rows = AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT_CREATED,
        object_type=Project._meta.label_lower,
        object_id=str(project.pk),
        details__clinics__has_key=key,
    ).order_by("-at", "-id")
    names = dict(Recipient.objects.filter(project=project).values_list("code", "name"))
    entries = []
    for event in rows:
        d = event.details
        kind = str(d.get("kind", ""))
        entries.append(
            ExportEntry(
                at=event.at,
                recipient_code=str(d.get("recipient", "")),
                recipient_name=names.get(str(d.get("recipient", "")), str(d.get("recipient", ""))),
                kind=kind,
                kind_label=KINDS.get(kind, kind),
                start=dt.date.fromisoformat(str(d["from"])),
                end=dt.date.fromisoformat(str(d["to"])),
                manifest_sha256=str(d.get("manifest_sha256", "")),
                courses=int(d["clinics"][key]),
            )
        )
    return entries


def _deletions(clinic: Clinic, project: Project) -> list[DeletionEntry]:
    key = str(clinic.pk)
    rows = AuditEvent.objects.filter(
        action=AuditEvent.Action.RETENTION_DELETED,
        object_type=Project._meta.label_lower,
        object_id=str(project.pk),
        details__by_clinic__has_key=key,
    ).order_by("-at", "-id")
    entries = []
    for event in rows:
        mine: dict[str, Any] = event.details["by_clinic"][key]
        rule = str(mine.get("rule", ""))
        entries.append(
            DeletionEntry(
                at=event.at,
                on=str(event.details.get("on", "")),
                rule=rule,
                rule_label=RETENTION_RULES.get(rule, rule),
                episodes=int(mine.get("episodes", 0)),
                diagnoses=int(mine.get("diagnoses", 0)),
            )
        )
    return entries


def _vendor_entry(
    entries: dict[int, VendorEntry], vendors: dict[int, Vendor], vendor_id: int, at: dt.datetime
) -> VendorEntry:
    entry = entries.get(vendor_id)
    if entry is None:
        entry = entries[vendor_id] = VendorEntry(vendors[vendor_id], at, at)
    entry.first_at = min(entry.first_at, at)
    entry.last_at = max(entry.last_at, at)
    return entry


def _mark_stored_later(clinic: Clinic, refusals: dict[str, list[RefusedRecord]]) -> None:
    """Mark each refused record whose course the same vendor has had stored since."""
    ids = sorted({r.source_id for records in refusals.values() for r in records if r.source_id})
    if not ids:
        return
    stored: dict[tuple[int, str], dt.datetime] = {}
    for vendor_id, source_id, updated_at in Episode.objects.filter(
        clinic=clinic, source_id__in=ids
    ).values_list("vendor_id", "source_id", "updated_at"):
        key = (vendor_id, source_id)
        stored[key] = max(updated_at, stored.get(key, updated_at))
    for reason, records in refusals.items():
        refusals[reason] = [
            replace(r, stored_later=True)
            if (at := stored.get((r.vendor.pk, r.source_id))) is not None and at > r.at
            else r
            for r in records
        ]


def ledger_for(clinic: Clinic) -> Ledger:
    """The ledger of ``clinic``'s data: everything Sentinel has recorded of its use."""
    submissions = list(
        Submission.objects.filter(clinic=clinic)
        .order_by("-received_at", "-id")
        .values_list(
            "received_at",
            "vendor_id",
            "records",
            "accepted",
            "rejected_by_reason",
            "refused",
            "by_project",
        )
    )
    vendors = {v.pk: v for v in Vendor.objects.filter(pk__in={s[1] for s in submissions})}
    months: dict[str, dict[dt.date, FieldMonth]] = defaultdict(dict)
    project_vendors: dict[str, dict[int, VendorEntry]] = defaultdict(dict)
    overall: dict[int, VendorEntry] = {}
    refusals: dict[str, list[RefusedRecord]] = defaultdict(list)
    for at, vendor_id, records, accepted, by_reason, refused, by_project in submissions:
        entry = _vendor_entry(overall, vendors, vendor_id, at)
        entry.batches += 1
        entry.records += records
        entry.accepted += accepted
        entry.refused += sum(int(n) for n in (by_reason or {}).values())
        for source_id, reason in refused or []:
            refusals[reason].append(RefusedRecord(at, source_id, vendors[vendor_id]))
        for code, counts in (by_project or {}).items():
            month = _month(at)
            row = months[code].get(month)
            if row is None:
                row = months[code][month] = FieldMonth(month)
            row.records += int(counts.get("records", 0))
            for name, n in counts.get("fields", {}).items():
                row.received[name] = row.received.get(name, 0) + int(n)
            for name, n in counts.get("dropped", {}).items():
                row.dropped[name] = row.dropped.get(name, 0) + int(n)
            per_project = _vendor_entry(project_vendors[code], vendors, vendor_id, at)
            per_project.batches += 1
            per_project.records += int(counts.get("records", 0))
            per_project.accepted += int(counts.get("records", 0))

    _mark_stored_later(clinic, refusals)
    projects = []
    for project in _projects(clinic, set(months)):
        rows = sorted(months.get(project.code, {}).values(), key=lambda m: m.month, reverse=True)
        received = {name for m in rows for name in m.received}
        dropped = {name for m in rows for name in m.dropped}
        projects.append(
            ProjectLedger(
                project=project,
                months=rows,
                fields_received=[f for f in FIELDS if f in received],
                fields_dropped=[f for f in FIELDS if f in dropped],
                exports=_exports(clinic, project),
                deletions=_deletions(clinic, project),
                vendors=sorted(
                    project_vendors.get(project.code, {}).values(), key=lambda v: v.vendor.name
                ),
            )
        )
    return Ledger(
        clinic=clinic,
        projects=projects,
        refusals=sorted(
            (
                RefusalGroup(reason, str(REFUSAL_REASONS.get(reason, reason)), records)
                for reason, records in refusals.items()
            ),
            key=lambda g: (-g.count, g.reason),
        ),
        vendors=sorted(overall.values(), key=lambda v: v.vendor.name),
    )


# --- CSV ---------------------------------------------------------------------------------

CSV_HEADER = [
    "afsnit",
    "projekt",
    "dato",
    "emne",
    "antal",
    "forloebs_id",
    "senere_modtaget",
    "systemhus",
    "systemhus_telefon",
    "modtager",
    "periode_fra",
    "periode_til",
    "manifest_sha256",
]


def _day(moment: dt.datetime) -> str:
    return timezone.localdate(moment).isoformat()


def _row(section: str, project: str, day: str, **values: str | int) -> dict[str, str | int]:
    return {"afsnit": section, "projekt": project, "dato": day, **values}


def ledger_rows(ledger: Ledger) -> list[dict[str, str | int]]:
    """The ledger as rows of ``CSV_HEADER``, oldest first (one kind of fact per ``afsnit``)."""
    rows: list[dict[str, str | int]] = []
    for p in ledger.projects:
        code = p.project.code
        for m in reversed(p.months):
            month = m.month.strftime("%Y-%m")
            rows.append(_row("poster_modtaget", code, month, antal=m.records))
            rows.extend(
                _row("felt_modtaget", code, month, emne=name, antal=m.received[name])
                for name in FIELDS
                if name in m.received
            )
            rows.extend(
                _row("felt_frasorteret", code, month, emne=name, antal=m.dropped[name])
                for name in FIELDS
                if name in m.dropped
            )
        for e in reversed(p.exports):
            rows.append(
                _row(
                    "udtraek",
                    code,
                    _day(e.at),
                    emne=e.kind,
                    antal=e.courses,
                    modtager=_cell(e.recipient_name),
                    periode_fra=e.start.isoformat(),
                    periode_til=e.end.isoformat(),
                    manifest_sha256=e.manifest_sha256,
                )
            )
        for d in reversed(p.deletions):
            rows.append(_row("sletning_forloeb", code, _day(d.at), emne=d.rule, antal=d.episodes))
            rows.append(
                _row("sletning_diagnoser", code, _day(d.at), emne=d.rule, antal=d.diagnoses)
            )
        for v in p.vendors:
            vendor = {
                "systemhus": _cell(v.vendor.name),
                "systemhus_telefon": v.vendor.support_phone,
            }
            rows.append(
                _row("systemhus_foerste", code, _day(v.first_at), antal=v.records, **vendor)
            )
            rows.append(_row("systemhus_seneste", code, _day(v.last_at), antal=v.records, **vendor))
    for g in ledger.refusals:
        rows.extend(
            _row(
                "afvist",
                "",
                _day(r.at),
                emne=g.reason,
                antal=1,
                forloebs_id=_cell(r.source_id),
                senere_modtaget="ja" if r.stored_later else "nej",
                systemhus=_cell(r.vendor.name),
                systemhus_telefon=r.vendor.support_phone,
            )
            for r in reversed(g.records)
        )
    return rows


def _cell(text: str) -> str:
    """A text a spreadsheet must not read as a formula (a course id is the vendor's)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def ledger_csv(ledger: Ledger) -> str:
    """The ledger as CSV: UTF-8 (the caller adds a byte-order mark for spreadsheets),
    comma-separated, a header row, RFC 4180 quoting, CRLF line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_HEADER, lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(ledger_rows(ledger))
    return out.getvalue()
