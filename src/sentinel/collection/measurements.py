"""Outcome records in the pipeline: the gate's question, the course link, versions,
minimisation (with the age band) and storing. ``pipeline.ingest`` hands every record of type
``outcome`` to ``ingest_outcome``; the steps and their order are the pipeline's (its
docstring), the values are checked by ``collection.outcomes``.

A measurement belongs to a course: ``episode_source_id`` must name an episode the same vendor
sent for the same project (stored before, or earlier in the same batch) → ``unknown_course``.
The gate judges it with its course's type (a specification's ``course_types``): a measurement
of a course outside them is ``not_in_data_specification``, like its course.
Its rows are few next to episodes and diagnosis events, so they are written with the ORM's
bulk operations after the batch's episodes (whose ids they point at)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.minimise import note_dropped
from sentinel.collection.models import OutcomeRecord
from sentinel.collection.outcome import CREATED, UNCHANGED, UPDATED, Outcome, Rejection
from sentinel.collection.outcomes import ValidOutcome, validate_outcome
from sentinel.collection.validation import Reject, check_text, usable_source_id
from sentinel.lib.agebands import band_of
from sentinel.lib.pseudonym import pseudonym
from sentinel.lib.reasons import GATE_MESSAGES, Reason
from sentinel.projects.models import DataSpecification, Project

CENT = Decimal("0.01")

if TYPE_CHECKING:
    from sentinel.collection.pipeline import _Gate, _Stored, _Writer

#: the columns of an outcome record the pipeline writes (besides its keys)
OUTCOME_STATE = (
    "version",
    "specification_version",
    "instrument",
    "timepoint",
    "measured_on",
    "score",
    "items",
    "answered_by",
    "age_band",
    "patient_pseudonym",
)


def is_outcome(raw: dict[str, Any]) -> bool:
    return raw.get("type") == "outcome"


def preload(
    writer: _Writer, project_ids: list[int], records: list[dict[str, Any]], source_ids: list[str]
) -> None:
    """Read what the batch may touch: the episodes it names (also as the courses of its
    outcome records) and its outcome records, in one query each."""
    courses = [
        r["episode_source_id"]
        for r in records
        if is_outcome(r) and isinstance(r.get("episode_source_id"), str)
    ]
    writer.preload(project_ids, source_ids + courses if courses else source_ids)
    outcome_ids = [s for r, s in zip(records, source_ids, strict=True) if s and is_outcome(r)]
    writer.measurements.preload(project_ids, outcome_ids)


@dataclass
class StoredOutcome:
    """One outcome record (project, source id) as stored or as this batch will store it."""

    pk: int | None
    row: dict[str, Any]
    episode: _Stored | None = None
    changed: bool = False


class OutcomeStore:
    """The batch's outcome records: preloaded, checked, put and written."""

    def __init__(self, clinic: Clinic, vendor: Vendor, now: dt.datetime, key: bytes) -> None:
        self.clinic = clinic
        self.vendor = vendor
        self.now = now
        self.pseudonym_key = key
        self.outcomes: dict[tuple[int, str], StoredOutcome] = {}
        self.withdrawn: set[str] = set()

    def preload(self, project_ids: list[int], source_ids: list[str]) -> None:
        if not project_ids or not source_ids:
            return
        for values in OutcomeRecord.objects.filter(
            clinic=self.clinic,
            vendor=self.vendor,
            project_id__in=project_ids,
            source_id__in=sorted(set(source_ids)),
        ).values_list("id", "project_id", "source_id", *OUTCOME_STATE):
            row = dict(zip(OUTCOME_STATE, values[3:], strict=True))
            self.outcomes[(values[1], values[2])] = StoredOutcome(values[0], row)

    def row(self, specification: DataSpecification, record: ValidOutcome) -> dict[str, Any]:
        """The outcome record as stored for a project: minimised to its specification; the
        age band derived from the CPR (the CPR and the birth date are not kept)."""
        raw = record.raw
        keep = specification.parsed.fields_of("outcome").__contains__
        return {
            "version": raw["version"],
            "specification_version": specification.version,
            "instrument": record.instrument.code if keep("instrument") else "",
            "timepoint": raw["timepoint"] if keep("timepoint") else "",
            "measured_on": record.day if keep("date") else None,
            "score": record.score if keep("score") else None,
            "items": (
                [{"item": code, "score": str(value.quantize(CENT))} for code, value in record.items]
                if keep("items") and record.items
                else None
            ),
            "answered_by": raw["answered_by"] if keep("answered_by") else "",
            "age_band": (
                band_of(record.born, record.day)
                if keep("age_band") and record.born is not None
                else ""
            ),
            "patient_pseudonym": (
                pseudonym(self.pseudonym_key, record.cpr)
                if keep("patient_cpr") and record.cpr
                else ""
            ),
        }

    def check(
        self,
        project: Project,
        specification: DataSpecification,
        record: ValidOutcome,
        course: _Stored | None,
    ) -> None:
        raw = record.raw
        if course is None:
            raise Reject(
                Reason.UNKNOWN_COURSE,
                f"episode_source_id names no course this system sent for project "
                f"{project.code}; send the episode first (an earlier batch, or earlier in "
                "this one). A course outside the project's data specification is not "
                "collected, nor are its measurements",
            )
        stored = self.outcomes.get((project.pk, raw["source_id"]))
        if stored is None:
            return
        version = raw["version"]
        if version < stored.row["version"]:
            raise Reject(
                Reason.STALE_VERSION,
                f"version {version} is older than the stored version {stored.row['version']}",
            )
        if version == stored.row["version"]:
            row = self.row(specification, record)
            if any(row[name] != stored.row[name] for name in OUTCOME_STATE):
                raise Reject(
                    Reason.STALE_VERSION,
                    f"version {version} is stored with other values; a changed measurement "
                    f"needs a higher version: send {version + 1}",
                )

    def put(
        self,
        project: Project,
        specification: DataSpecification,
        record: ValidOutcome,
        course: _Stored,
    ) -> str:
        raw = record.raw
        key = (project.pk, raw["source_id"])
        stored = self.outcomes.get(key)
        if stored is not None and raw["version"] == stored.row["version"]:
            return UNCHANGED
        what = CREATED if stored is None else UPDATED
        if stored is None:
            stored = StoredOutcome(None, {})
            self.outcomes[key] = stored
        stored.row = self.row(specification, record)
        stored.episode = course
        stored.changed = True
        return what

    def write(self, live: set[int]) -> set[int]:
        """Write after the episodes (``live``: ids of the courses still in the batch).
        Returns the projects whose outcome records moved (for the report's journal)."""
        moved: set[int] = set()
        if self.withdrawn:
            gone = OutcomeRecord.objects.filter(
                clinic=self.clinic, vendor=self.vendor, source_id__in=self.withdrawn
            )
            moved.update(gone.values_list("project_id", flat=True))
            gone.delete()
        new: list[OutcomeRecord] = []
        updated: list[OutcomeRecord] = []
        for (project_id, source_id), stored in self.outcomes.items():
            episode = stored.episode
            if not stored.changed or episode is None or id(episode) not in live:
                continue  # unchanged, or its course was withdrawn in this batch
            if source_id in self.withdrawn:
                continue
            if episode.pk is None:  # pragma: no cover - the episodes are written first
                raise RuntimeError("an outcome's course has no id yet")
            instance = OutcomeRecord(
                pk=stored.pk,
                clinic_id=self.clinic.pk,
                vendor_id=self.vendor.pk,
                project_id=project_id,
                episode_id=episode.pk,
                source_id=source_id,
                received_at=self.now,
                updated_at=self.now,
                **stored.row,
            )
            (new if stored.pk is None else updated).append(instance)
            moved.add(project_id)
        if new:
            OutcomeRecord.objects.bulk_create(new, batch_size=500)
        if updated:
            OutcomeRecord.objects.bulk_update(
                updated, [*OUTCOME_STATE, "episode_id", "updated_at"], batch_size=500
            )
        return moved


_UNKNOWN_COURSE = (
    "episode_source_id names no course this system sent that was collected; send the episode "
    "first (an earlier batch, or earlier in this one). A course outside the data "
    "specification is not collected, nor are its measurements"
)


def course_type_of(gate: _Gate, writer: _Writer, course_id: Any) -> tuple[bool, str | None]:
    """Whether the course an outcome record names is known, and its course type (``None``:
    no structured course): as this batch sent it, else as stored — the copy most recently
    received among the projects whose specification keeps ``course_type``."""
    if not isinstance(course_id, str):
        return False, None
    if course_id in gate.course_types:
        return True, gate.course_types[course_id]
    versions = gate.standing.specifications
    copies = []
    for project_id in gate.projects:
        stored = writer.stored.get((project_id, course_id))
        if stored is None or stored.pk is None:
            continue
        spec = next(
            (
                s.parsed
                for s in versions.get(project_id, ())
                if s.version == stored.row["specification_version"]
            ),
            None,
        )
        if spec is not None and "course_type" in spec.fields:
            copies.append(stored.row)
    if not copies:
        return False, None
    latest = max(copies, key=lambda row: row["updated_at"])
    return True, latest["course_type"] or None


def _projects_for(
    gate: _Gate, writer: _Writer, record: ValidOutcome
) -> list[tuple[Project, DataSpecification]]:
    """The projects collecting outcome records of the record's course on the record's date,
    or a rejection. The course's type is its course's (``course_type_of``); a course never
    collected has none to judge by, so a specification's refusal is then ``unknown_course``."""
    known, course_type = course_type_of(gate, writer, record.raw.get("episode_source_id"))
    verdict = gate.standing.projects_for(
        day=record.day, record_type="outcome", speciale=None, codes=(), course_type=course_type
    )
    if isinstance(verdict, tuple):
        if verdict[0] is Reason.NOT_IN_DATA_SPECIFICATION and not known:
            raise Reject(Reason.UNKNOWN_COURSE, _UNKNOWN_COURSE)
        raise Reject(*verdict)
    return verdict


def _course(writer: _Writer, project: Project, raw: dict[str, Any]) -> _Stored | None:
    source_id = raw["episode_source_id"]
    if source_id in writer.withdrawn_sources:
        return None
    return writer.stored.get((project.pk, source_id))


def ingest_outcome(
    index: int,
    raw: dict[str, Any],
    source_id: str,
    gate: _Gate,
    writer: _Writer,
    outcome: Outcome,
    dropped: set[str],
    today: dt.date,
) -> None:
    """One outcome record through the steps (the episode's steps, ``ingest``'s loop)."""
    store = writer.measurements
    try:
        if raw.get("entered_in_error"):  # the FHIR door's Observation/QuestionnaireResponse
            if source_id:
                store.withdrawn.add(source_id)
            raise Reject(
                Reason.COURSE_ENTERED_IN_ERROR,
                "the measurement was entered in error: nothing of it is kept, and what was "
                "stored of it before is deleted",
            )
        course_id = raw.get("episode_source_id")
        if raw.get("patient_opt_out"):
            usable = usable_source_id({"source_id": course_id})
            writer.withdraw(usable, raw.get("patient_cpr"), today)
            raise Reject(
                Reason.PATIENT_OPTED_OUT,
                "the patient has declined data sharing; nothing of the record was kept, and "
                "what was stored of this course or patient before is deleted",
            )
        check_text(raw, usable_source_id=source_id)
        if (
            isinstance(course_id, str)
            and course_id
            and not usable_source_id({"source_id": course_id})
        ):
            raise Reject(
                Reason.INVALID_TEXT,
                "episode_source_id holds a CPR number or a control character; use the "
                "practice system's own id of the course",
            )
        record = validate_outcome(raw, today)
        if gate.clinic_reason is not None:
            raise Reject(gate.clinic_reason, GATE_MESSAGES[gate.clinic_reason])
        targets = _projects_for(gate, writer, record)
        for project, specification in targets:
            store.check(project, specification, record, _course(writer, project, raw))
    except Reject as rejection:
        outcome.rejected.append(Rejection(index, source_id, rejection.reason, rejection.message))
        return
    results = set()
    for project, specification in targets:
        course = _course(writer, project, raw)
        if course is None:  # pragma: no cover - checked above
            continue
        what = store.put(project, specification, record, course)
        results.add(what)
        if what != UNCHANGED:
            writer.received[project.pk] += 1
            writer.projects[project.pk] = project
    kept = frozenset(name for _, spec in targets for name in spec.parsed.fields_of("outcome"))
    note_dropped(raw, kept, dropped, "outcome")
    outcome.accepted += 1
    outcome.results[index] = (
        CREATED if CREATED in results else UPDATED if UPDATED in results else UNCHANGED
    )
