"""The submission pipeline: parse → validate → gate → minimise → store.

Both doors (the JSON submissions endpoint and the FHIR endpoint) hand records to ``ingest``
as plain dicts in the API's record shape. One call is one batch and one transaction: every
accepted record is stored, or (on a fault) none is. Records are rejected one by one with a
fixed reason code (``reasons.Reason``), checked in this order:

1. ``patient_opt_out`` → ``patient_opted_out`` before anything else is looked at;
2. validation (``collection.validation``) → ``invalid_text``, ``invalid_cpr``,
   ``invalid_date``, ``unknown_icpc2_code``;
3. the gate (as of now for the clinic, as of the record's start date for enrolment):
   activation by the submitting vendor, DPA, consent, enrolment covering the start date,
   the project's data specification (record type, speciale, code filter);
4. versions: lower than stored → ``stale_version``; a resubmission may add diagnoses but
   never drop one → ``diagnosis_history_rewritten``; the same version again is a replay,
   accepted, storing nothing new — unless the course changed (a diagnosis, the end date or the
   course type the project collects differs from what is stored at that version): then it is
   ``stale_version`` with the version to send, for a 200 must never store nothing silently.

Records of type ``outcome`` take the same steps in ``collection.measurements`` (its
docstring names their reasons and the course link).

Accepted records are minimised per project to the fields its specification names (the
response lists the dropped fields) and stored per project. No plain CPR is kept: a keyed
pseudonym, and an encrypted CPR only for projects with a person-identifiable worklist.
Nothing of a rejected record is stored or logged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection import rows
from sentinel.collection.measurements import OutcomeStore, ingest_outcome, is_outcome, preload
from sentinel.collection.minimise import FieldCounts
from sentinel.collection.models import DiagnosisEvent, Episode, Submission
from sentinel.collection.outcome import (
    CREATED,
    IDEMPOTENCY_WINDOW,
    UNCHANGED,
    UPDATED,
    IdempotencyKeyReused,
    Outcome,
    Rejection,
)
from sentinel.collection.rows import EPISODE_STATE, EVENT_COLUMNS
from sentinel.collection.services import record_received
from sentinel.collection.validation import (
    Diagnosis,
    Reject,
    Valid,
    check_text,
    usable_source_id,
    validate_record,
)
from sentinel.collection.versions import changed_at_the_same_version
from sentinel.lib.cpr import InvalidCpr, parse_cpr
from sentinel.lib.pseudonym import CprCipher, pseudonym
from sentinel.lib.reasons import GATE_MESSAGES, Reason
from sentinel.projects.models import DataSpecification, Project
from sentinel.projects.participation import Participation
from sentinel.reports import aggregates
from sentinel.reports.aggregates import CellKey, cell_key


@dataclass
class _Stored:
    """One episode (project, source id) as stored, or as it will be stored by this batch.

    ``row`` holds the column values by field name (``EPISODE_STATE``); ``pk`` is None for
    an episode this batch creates until ids are reserved. ``loaded_cell`` is the report cell
    the episode counted in when it was read from the database (None for a new one)."""

    pk: int | None
    row: dict[str, Any]
    events: set[tuple[str, dt.datetime]]
    loaded_cell: CellKey | None = None
    changed: bool = False
    #: verificationStatus by event (code, recorded_at), where one was sent
    verification: dict[tuple[str, dt.datetime], str] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.loaded_cell is None

    def cell(self) -> CellKey:
        row = self.row
        return cell_key(row["start_date"], row["speciale"], row["course_type"], row["current_code"])


# --- the gate ---------------------------------------------------------------------------


@dataclass
class _Gate:
    """The participation model's verdicts for one batch: the clinic's standing read once."""

    standing: Participation
    clinic_reason: Reason | None
    #: the course type of each course this batch validated (by source id, the last one
    #: sent), whether or not a project took it: its outcome records are judged by it
    course_types: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, clinic: Clinic, vendor: Vendor, now: dt.datetime) -> _Gate:
        standing = Participation.read(clinic, timezone.localdate(now))
        return cls(standing, standing.clinic_reason(vendor, now))

    @property
    def projects(self) -> dict[int, Project]:
        """The projects the clinic ever enrolled in, by id (whose episodes a batch may touch)."""
        return {e.project_id: e.project for e in self.standing.enrolments}

    def projects_for(self, record: Valid) -> list[tuple[Project, DataSpecification]]:
        """The projects whose enrolment and specification cover ``record``, or a rejection."""
        course_type = record.raw.get("course_type")
        self.course_types[record.raw["source_id"]] = course_type
        verdict = self.standing.projects_for(
            day=record.start,
            record_type="episode",
            speciale=record.raw.get("speciale"),
            codes=[d.code for d in record.diagnoses],
            course_type=course_type,
        )
        if isinstance(verdict, tuple):
            raise Reject(*verdict)
        return verdict


# --- storing ----------------------------------------------------------------------------


class _Writer:
    """Collects the batch's inserts and updates and writes them in bulk.

    New episodes and diagnosis events are the hot path: they are written as plain rows
    (``rows.insert_rows``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite) with ids reserved
    up front, never as model instances. Updates of stored episodes are rarer and go through
    ``bulk_update``. The report cells move with the episodes in the same transaction."""

    def __init__(self, clinic: Clinic, vendor: Vendor, now: dt.datetime) -> None:
        self.clinic = clinic
        self.vendor = vendor
        self.now = now
        self.cipher = CprCipher(settings.SENTINEL_CPR_KEYS, settings.SENTINEL_CPR_KEY_ID)
        self.pseudonym_key = settings.SENTINEL_PSEUDONYM_KEY
        self.stored: dict[tuple[int, str], _Stored] = {}
        self.new_events: list[tuple[_Stored, Diagnosis]] = []
        self.marked_events: list[tuple[_Stored, tuple[str, dt.datetime], str]] = []
        self.received: Counter[int] = Counter()  # records stored, by project id
        self.projects: dict[int, Project] = {}
        #: (row, CPR) of the episodes whose CPR is kept encrypted: sealed in one go by
        #: ``write`` (``CprCipher.encrypt_many``), never left in a row that is written
        self.sealing: list[tuple[dict[str, Any], str]] = []
        self.withdrawn_sources: set[str] = set()
        self.withdrawn_patients: set[str] = set()
        self.measurements = OutcomeStore(clinic, vendor, now, self.pseudonym_key)

    def preload(self, project_ids: list[int], source_ids: list[str]) -> None:
        if not project_ids or not source_ids:
            return
        episodes = Episode.objects.filter(
            clinic=self.clinic,
            vendor=self.vendor,
            project_id__in=project_ids,
            source_id__any_of=sorted(set(source_ids)),
        ).values_list("id", "project_id", *EPISODE_STATE)
        by_id: dict[int, _Stored] = {}
        for values in episodes:
            row = dict(zip(EPISODE_STATE, values[2:], strict=True))
            stored = _Stored(values[0], row, set())
            stored.loaded_cell = stored.cell()
            self.stored[(values[1], row["source_id"])] = stored
            by_id[values[0]] = stored
        if by_id:
            for code, recorded_at, episode_id, verification in DiagnosisEvent.objects.filter(
                clinic=self.clinic, episode_id__in=by_id
            ).values_list("code", "recorded_at", "episode_id", "verification_status"):
                by_id[episode_id].events.add((code, recorded_at))
                if verification:
                    by_id[episode_id].verification[(code, recorded_at)] = verification

    def withdraw(self, source_id: str, cpr: Any, today: dt.date) -> None:
        """The patient opted out: drop what was stored of this course and of this patient
        (as far as the record's ``source_id`` and CPR are usable)."""
        if source_id:
            self.withdrawn_sources.add(source_id)
        try:
            normalised, _born = parse_cpr(cpr, today=today)
        except InvalidCpr:
            return
        self.withdrawn_patients.add(pseudonym(self.pseudonym_key, normalised))

    def check(self, project: Project, specification: DataSpecification, record: Valid) -> None:
        stored = self.stored.get((project.pk, record.raw["source_id"]))
        if stored is None:
            return
        version = record.raw["version"]
        if version == stored.row["version"]:
            changed = changed_at_the_same_version(
                stored.events, stored.verification, stored.row, specification, record
            )
            if changed:
                raise Reject(
                    Reason.STALE_VERSION,
                    f"version {version} is stored with another {changed}; a changed course "
                    f"needs a higher version: send {version + 1} (JSON: version; FHIR: "
                    "meta.versionId)",
                )
        if version < stored.row["version"]:
            raise Reject(
                Reason.STALE_VERSION,
                f"version {version} is older than the stored version {stored.row['version']}",
            )
        if version > stored.row["version"]:
            submitted = {(d.code, d.recorded_at) for d in record.diagnoses}
            missing = stored.events - submitted
            if missing:
                code, when = sorted(missing)[0]
                raise Reject(
                    Reason.DIAGNOSIS_HISTORY_REWRITTEN,
                    f"diagnosis {code} recorded at {when.isoformat()} was sent before and is "
                    "missing now; codes may be added or changed, never removed",
                )

    def put(self, project: Project, specification: DataSpecification, record: Valid) -> str:
        """Store the record for the project; says ``created``, ``updated`` or ``unchanged``."""
        raw = record.raw
        project_id = project.pk
        key = (project_id, raw["source_id"])
        stored = self.stored.get(key)
        if stored is not None and raw["version"] == stored.row["version"]:
            return UNCHANGED  # a replay: accepted, nothing new
        what = CREATED if stored is None else UPDATED
        spec = specification.parsed
        fields = spec.fields
        if stored is None:
            stored = _Stored(None, {"source_id": raw["source_id"], "received_at": self.now}, set())
            self.stored[key] = stored
        row = stored.row
        row["version"] = raw["version"]
        row["specification_version"] = specification.version
        row["start_date"] = record.start
        row["updated_at"] = self.now
        row["end_date"] = record.end if "end_date" in fields else None
        row["speciale"] = (raw.get("speciale") or "") if "speciale" in fields else ""
        row["course_type"] = (raw.get("course_type") or "") if "course_type" in fields else ""
        row["practitioner_initials"] = (
            (raw.get("practitioner_initials") or "") if "practitioner_initials" in fields else ""
        )
        row["services"] = raw.get("services") if "services" in fields else None
        row.setdefault("patient_pseudonym", "")
        row.setdefault("patient_cpr_encrypted", None)
        row.setdefault("cpr_key_id", "")
        row.setdefault("current_code", "")
        if "patient_cpr" in fields and record.cpr:
            row["patient_pseudonym"] = pseudonym(self.pseudonym_key, record.cpr)
            if spec.person_identifiable_worklist:
                self.sealing.append((row, record.cpr))
        if "diagnoses" in fields and record.diagnoses:
            counting = [d for d in record.diagnoses if d.counts]
            row["current_code"] = (
                max(counting, key=lambda d: d.recorded_at).code if counting else ""
            )
        stored.changed = True
        if "diagnoses" in fields:
            for diagnosis in record.diagnoses:
                marker = (diagnosis.code, diagnosis.recorded_at)
                if marker not in stored.events:
                    stored.events.add(marker)
                    self.new_events.append((stored, diagnosis))
                elif stored.verification.get(marker, "") != diagnosis.verification_status:
                    self.marked_events.append((stored, marker, diagnosis.verification_status))
                if diagnosis.verification_status:
                    stored.verification[marker] = diagnosis.verification_status
                elif stored.verification:  # most courses never carry one
                    stored.verification.pop(marker, None)
        self.received[project_id] += 1
        self.projects[project_id] = project
        return what

    def _drop_withdrawn(self) -> None:
        """Forget this batch's data of patients who opted out, and delete what was stored."""
        Episode.objects.filter(clinic=self.clinic).filter(
            Q(vendor=self.vendor, source_id__in=self.withdrawn_sources)
            | Q(patient_pseudonym__in=self.withdrawn_patients)
        ).delete()
        gone = self.withdrawn_patients
        dropped = {
            id(s)
            for (_, source_id), s in self.stored.items()
            if source_id in self.withdrawn_sources or s.row.get("patient_pseudonym") in gone
        }
        self.stored = {k: s for k, s in self.stored.items() if id(s) not in dropped}
        self.new_events = [(s, d) for s, d in self.new_events if id(s) not in dropped]

    def write(self) -> tuple[int, int]:
        withdrawn = bool(self.withdrawn_sources or self.withdrawn_patients)
        if withdrawn:
            self._drop_withdrawn()
        self._seal()
        new = [(project_id, s) for (project_id, _), s in self.stored.items() if s.is_new]
        ids = rows.reserve_ids(Episode, len(new))
        for (_, stored), pk in zip(new, ids, strict=True):
            stored.pk = pk
        common = {"clinic_id": self.clinic.pk, "vendor_id": self.vendor.pk}
        rows.insert_rows(
            Episode,
            ("id", "clinic_id", "vendor_id", "project_id", *EPISODE_STATE),
            [
                (
                    s.pk,
                    common["clinic_id"],
                    common["vendor_id"],
                    project_id,
                    *(s.row[name] for name in EPISODE_STATE),
                )
                for project_id, s in new
            ],
        )
        updated = [s for s in self.stored.values() if not s.is_new and s.changed]
        if updated:
            Episode.objects.bulk_update(
                [Episode(pk=s.pk, **s.row) for s in updated],
                [name for name in EPISODE_STATE if name not in {"source_id", "received_at"}],
                batch_size=500,
            )
        rows.insert_rows(
            DiagnosisEvent,
            EVENT_COLUMNS,
            [
                (
                    common["clinic_id"],
                    stored.pk,
                    d.code,
                    d.recorded_at,
                    d.source,
                    d.verification_status,
                )
                for stored, d in self.new_events
            ],
        )
        for stored, (code, recorded_at), verification in self.marked_events:
            if stored.pk is not None:  # marked, never removed
                DiagnosisEvent.objects.filter(
                    episode_id=stored.pk, code=code, recorded_at=recorded_at
                ).update(verification_status=verification)
        measured = self.measurements.write(live={id(s) for s in self.stored.values()})
        self._move_report_cells(withdrawn)
        if measured:  # the outcome report's cells follow at the next benchmark refresh
            aggregates.note_outcome_changes(clinic_id=self.clinic.pk, project_ids=measured)
        for project_id, count in self.received.items():
            record_received(
                clinic=self.clinic, project=self.projects[project_id], at=self.now, count=count
            )
        return len(new), len(self.new_events)

    def _seal(self) -> None:
        """Encrypt the CPRs ``put`` left to seal, and forget them."""
        sealed = self.cipher.encrypt_many(
            [cpr for _, cpr in self.sealing], clinic_id=self.clinic.pk
        )
        for (row, _), (blob, key_id) in zip(self.sealing, sealed, strict=True):
            row["patient_cpr_encrypted"] = blob
            row["cpr_key_id"] = key_id
        self.sealing.clear()

    def _move_report_cells(self, withdrawn: bool) -> None:
        """Keep the report aggregates in step with what this batch stored."""
        if withdrawn:
            # Deletions can touch any of the clinic's episodes: recount the clinic from scratch.
            aggregates.rebuild(clinic_ids=[self.clinic.pk])
            return
        changes: dict[int, Counter[CellKey]] = defaultdict(Counter)
        for (project_id, _), stored in self.stored.items():
            if not stored.changed:
                continue
            cell = stored.cell()
            if cell == stored.loaded_cell:
                continue
            changes[project_id][cell] += 1
            if stored.loaded_cell is not None:
                changes[project_id][stored.loaded_cell] -= 1
        for project_id, deltas in changes.items():
            aggregates.apply_changes(
                clinic_id=self.clinic.pk, project_id=project_id, changes=deltas
            )


def ingest(
    *,
    vendor: Vendor,
    clinic: Clinic,
    records: list[dict[str, Any]],
    channel: str = Submission.Channel.JSON,
    idempotency_key: str = "",
    fingerprint: str = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """Run one batch through the pipeline and store what passes, atomically.

    Batches for one clinic run one at a time: the clinic's row is locked first (ADR 0006), so
    each batch sees every batch committed before it and the highest version wins. With an
    ``idempotency_key``, a batch of the last 24 hours with the same key and ``fingerprint``
    is answered again as it was, and nothing is written; another fingerprint raises
    ``IdempotencyKeyReused``."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    outcome = Outcome()
    fields = FieldCounts()
    dropped: set[str] = set()  # the outcome records' (collection.measurements notes them)
    with transaction.atomic():
        Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
        if idempotency_key:
            earlier = (
                Submission.objects.filter(
                    vendor=vendor,
                    idempotency_key=idempotency_key,
                    received_at__gte=moment - IDEMPOTENCY_WINDOW,
                )
                .order_by("-received_at", "-id")
                .first()
            )
            if earlier is not None:
                if earlier.fingerprint != fingerprint or earlier.answer is None:
                    raise IdempotencyKeyReused()
                return Outcome.replay(earlier.answer)
        gate = _Gate.load(clinic, vendor, moment)
        writer = _Writer(clinic, vendor, moment)
        source_ids = [usable_source_id(r) for r in records]
        preload(writer, list(gate.projects), records, source_ids)
        for index, raw in enumerate(records):
            source_id = source_ids[index]
            if is_outcome(raw):
                ingest_outcome(index, raw, source_id, gate, writer, outcome, dropped, today)
                continue
            try:
                if raw.get("entered_in_error"):  # the FHIR door's EpisodeOfCare.status
                    writer.withdraw(source_id, None, today)
                    raise Reject(
                        Reason.COURSE_ENTERED_IN_ERROR,
                        "the course was entered in error: nothing of it is kept, and what was "
                        "stored of it before is deleted (the reports are recounted)",
                    )
                if raw.get("patient_opt_out"):
                    writer.withdraw(source_id, raw.get("patient_cpr"), today)
                    raise Reject(
                        Reason.PATIENT_OPTED_OUT,
                        "the patient has declined data sharing; nothing of the record was "
                        "kept, and what was stored of this course or patient before is deleted",
                    )
                check_text(raw, usable_source_id=source_id)
                record = validate_record(raw, today)
                if gate.clinic_reason is not None:
                    raise Reject(gate.clinic_reason, GATE_MESSAGES[gate.clinic_reason])
                targets = gate.projects_for(record)
                for project, specification in targets:
                    writer.check(project, specification, record)
            except Reject as rejection:
                outcome.rejected.append(
                    Rejection(index, source_id, rejection.reason, rejection.message)
                )
                continue
            results = {writer.put(p, spec, record) for p, spec in targets}
            fields.note(raw, targets)
            outcome.accepted += 1
            outcome.results[index] = (
                CREATED if CREATED in results else UPDATED if UPDATED in results else UNCHANGED
            )
        outcome.stored_episodes, outcome.stored_diagnoses = writer.write()
        outcome.dropped_fields = sorted({*fields.dropped(), *dropped})
        Submission.objects.create(
            clinic=clinic,
            vendor=vendor,
            channel=channel,
            received_at=moment,
            idempotency_key=idempotency_key[:200],
            fingerprint=fingerprint if idempotency_key else "",
            answer=outcome.as_dict() if idempotency_key else None,
            records=len(records),
            accepted=outcome.accepted,
            stored=sum(writer.received.values()),
            rejected_by_reason=dict(Counter(r.reason.value for r in outcome.rejected)),
            dropped_fields=outcome.dropped_fields,
            refused=[[r.source_id, r.reason.value] for r in outcome.rejected],
            by_project=fields.by_project(),
        )
    return outcome
