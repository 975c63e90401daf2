"""A FHIR Bundle (parsed JSON) mapped to one record per EpisodeOfCare, and the FHIRPath a
message is about; the envelope is checked first (``envelope``). See ``sentinel.api.fhir``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.episodeofcare import EpisodeOfCareDiagnosis
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference

from sentinel.api.fhir.codes import (
    _MAX_ERRORS,
    COURSE_TYPE_SYSTEM,
    DIAGNOSIS_SOURCE_SYSTEM,
    DIAGNOSIS_SOURCES,
    ENTRY_METHODS,
    EPISODE_STATUSES,
    ICPC2_SYSTEM,
    ICPC2_SYSTEMS,
    INITIALS_URL,
    OPT_OUT_URL,
    SPECIALE_SYSTEM,
    TAKEN_RESOURCES,
    VERIFICATION_SYSTEM,
    YDERNUMMER_SYSTEM,
    EpisodeItem,
    ParsedBundle,
    _Problem,
    _redact,
    _shown,
)
from sentinel.api.fhir.envelope import entries_of
from sentinel.api.fhir.measures import MeasureProblem, read_measure
from sentinel.api.fhir.reading import (
    _as_date,
    _as_moment,
    _child,
    _children,
    _codings,
    _extension,
    _extensions,
    _limited,
    _logical_cpr,
    _object,
    _one_code,
    _organization_ydernummer,
    _patient_cpr,
    _References,
    _value,
    _version,
    _ydernummer,
)
from sentinel.collection.validation import VERIFICATION_STATUSES


def _taken(index: int, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's resource if it is of a type taken here, or a ``_Problem``."""
    where = f"entry[{index}]"
    method = _dict(entry.get("request")).get("method")
    if method is not None and (not isinstance(method, str) or method not in ENTRY_METHODS):
        raise _Problem(
            f"{where}.request.method: {_shown(method)} is not taken; a submission creates or "
            "updates (POST or PUT)"
        )
    resource = entry.get("resource")
    if not isinstance(resource, dict):
        raise _Problem(f"{where}.resource: every entry must carry a resource (an object)")
    resource_type = resource.get("resourceType")
    taken = TAKEN_RESOURCES.get(resource_type) if isinstance(resource_type, str) else None
    if taken is None:
        got = _shown(resource_type) if resource_type is not None else "a resource without type"
        *others, last = TAKEN_RESOURCES
        raise _Problem(
            f"{where}.resource: {got} is not taken; a submission carries "
            f"{', '.join(others)} and {last} resources"
        )
    _object(resource, taken.model, f"{where}.resource")
    _value(resource, "id", str, f"{where}.resource")
    return resource


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_SOURCE_SYSTEMS = frozenset({DIAGNOSIS_SOURCE_SYSTEM})
_VERIFICATION_SYSTEMS = frozenset({VERIFICATION_SYSTEM})


@dataclass
class _Diagnosis:
    code: str
    recorded_at: str | None
    source: str
    subject: int | str  # an entry, or "cpr:<number>" for a logical reference
    onset: str | None = None
    verification: str | None = None


def _diagnosis(index: int, resource: dict[str, Any], references: _References) -> _Diagnosis:
    where = f"entry[{index}].resource"
    code = _one_code(
        _codings([(f"{where}.code", _child(resource, "code", CodeableConcept, where))]),
        ICPC2_SYSTEMS,
        f"{where}.code",
        "ICPC-2 code",
    )
    if code is None:
        raise _Problem(
            f"{where}.code: no coding with system {ICPC2_SYSTEM} (or "
            "http://hl7.org/fhir/sid/icpc-2); the diagnosis must be an ICPC-2 code"
        )
    source = (
        _one_code(
            _codings(_children(resource, "category", CodeableConcept, where)),
            _SOURCE_SYSTEMS,
            f"{where}.category",
            "diagnosis source",
        )
        if "category" in resource
        else None
    )
    if source is not None and source not in DIAGNOSIS_SOURCES:
        raise _Problem(
            f"{where}.category: the diagnosis source is {_shown(source)}; "
            "it must be 'clinician' or 'referral'"
        )
    # Passed on as given: the pipeline rejects a value that is not a date-time (invalid_date).
    recorded_at = _value(resource, "recordedDate", str, where)
    onset = _value(resource, "onsetDateTime", str, where)
    verification = None
    if "verificationStatus" in resource:  # most Conditions carry none
        status_path = f"{where}.verificationStatus"
        status = _child(resource, "verificationStatus", CodeableConcept, where)
        verification = _one_code(
            _codings([(status_path, status)]),
            _VERIFICATION_SYSTEMS,
            status_path,
            "verification status",
        )
    if verification is not None and verification not in VERIFICATION_STATUSES:
        raise _Problem(f"{status_path}: {_shown(verification)} is not a verification status")
    logical = _logical_cpr(resource.get("subject"), f"{where}.subject")
    subject: int | str = (
        references.resolve(resource.get("subject"), f"{where}.subject")
        if logical is None
        else f"cpr:{logical}"
    )
    return _Diagnosis(code, recorded_at, source or "clinician", subject, onset, verification)


class _Mapper:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.errors: dict[int, str] = {}
        self.resources: dict[int, dict[str, Any]] = {}
        self.references = _References()
        self.cprs: dict[int, str | None] = {}
        self.diagnoses: dict[int, _Diagnosis] = {}
        # entry → the EpisodeOfCare entries that refer to it
        self.referrers: dict[int, list[int]] = {}
        self.organizations: dict[int, str | None] = {}  # entry → its ydernummer, if any
        self.notes: dict[int, list[str]] = {}
        self.ignored: dict[int, str] = {}
        # Condition entry → (entry, FHIRPath) of the element that stood in for recordedDate
        self.recorded_from: dict[int, tuple[int, str]] = {}

    def run(self, bundle_type: str = "batch") -> ParsedBundle:
        for index, entry in enumerate(self.entries):
            resource = entry.get("resource")
            if isinstance(resource, dict):
                self.references.add(index, entry.get("fullUrl"), resource)
            try:
                self.resources[index] = _taken(index, entry)
            except _Problem as problem:
                self.errors[index] = problem.message
        episodes: list[int] = []
        measures: list[int] = []
        for index, resource in self.resources.items():
            try:
                match resource["resourceType"]:
                    case "Patient":
                        self.cprs[index] = _patient_cpr(index, resource)
                    case "Condition":
                        self.diagnoses[index] = _diagnosis(index, resource, self.references)
                    case "Organization":
                        self.organizations[index] = _organization_ydernummer(index, resource)
                    case "Observation" | "QuestionnaireResponse":
                        measures.append(index)
                    case _:
                        episodes.append(index)
            except _Problem as problem:
                self.errors[index] = problem.message
        items = []
        for index in episodes:
            try:
                items.append(self.episode(index))
            except _Problem as problem:
                self.errors[index] = problem.message
        items.extend(self.measures(measures, items))
        self.unused({i for item in items for i in item.entry_indexes})
        errors = {i: _redact(self.errors[i]) for i in sorted(self.errors)}
        notes = {i: [_redact(n) for n in self.notes[i]] for i in sorted(self.notes)}
        return ParsedBundle(
            len(self.entries),
            items,
            errors,
            bundle_type=bundle_type,
            entry_notes=notes,
            entry_ignored=self.ignored,
            entries=self.entries,
        )

    def measures(self, indexes: list[int], courses: list[EpisodeItem]) -> list[EpisodeItem]:
        """The Observation and QuestionnaireResponse entries as outcome records, after the
        courses (the pipeline takes a course before its measurements)."""
        course_of: dict[str, tuple[str, str | None]] = {}
        for item in courses:
            episode = item.entry_indexes[0]
            found = (item.record["source_id"], item.ydernummer)
            full_url = self.entries[episode].get("fullUrl")
            if isinstance(full_url, str):
                course_of[full_url] = found
            resource_id = self.resources[episode].get("id")
            if isinstance(resource_id, str):
                course_of[f"EpisodeOfCare/{resource_id}"] = found
        items = []
        for index in indexes:
            try:
                ydernummer, record = read_measure(index, self.resources[index], course_of)
            except MeasureProblem as problem:
                self.errors[index] = problem.message
                continue
            if ydernummer is None:
                self.errors[index] = (
                    f"entry[{index}].resource: the clinic is required: a performer (Observation) "
                    "or author (QuestionnaireResponse) with the ydernummer identifier "
                    f"({YDERNUMMER_SYSTEM})"
                )
                continue
            items.append(EpisodeItem(ydernummer, record, [index]))
        return items

    def target(
        self, reference: Any, where: str, expected: str, episode: int, problems: list[str]
    ) -> int | None:
        """Resolve a reference of the EpisodeOfCare at ``episode`` to a usable entry."""
        try:
            target = self.references.resolve(reference, where)
        except _Problem as problem:
            problems.append(problem.message)
            return None
        self.referrers.setdefault(target, []).append(episode)
        resource_type = _dict(self.entries[target].get("resource")).get("resourceType")
        if resource_type != expected:
            problems.append(
                f"{where}: refers to entry[{target}], a {_shown(resource_type)}, not a {expected}"
            )
        elif target in self.errors:
            problems.append(f"{where}: the {expected} at entry[{target}] could not be mapped")
        else:
            return target
        return None

    def episode(self, index: int) -> EpisodeItem:
        resource = self.resources[index]
        where = f"entry[{index}].resource"
        # Every reference is followed before giving up, so that each referenced entry learns
        # which episode it belonged to.
        problems: list[str] = []
        patient = self.patient(resource.get("patient"), f"{where}.patient", index, problems)
        conditions: list[int] = []
        for path, diagnosis in _children(resource, "diagnosis", EpisodeOfCareDiagnosis, where):
            target = self.target(
                diagnosis.get("condition"), f"{path}.condition", "Condition", index, problems
            )
            if target is not None and target not in conditions:
                conditions.append(target)
        if problems or patient is None:  # no problems means the patient resolved
            more = len(problems) - _MAX_ERRORS
            raise _Problem(
                "; ".join(problems[:_MAX_ERRORS]) + (f"; and {more} more" if more > 0 else "")
            )
        cpr = self.cprs[patient] if isinstance(patient, int) else patient.removeprefix("cpr:")
        for target in conditions:
            subject = self.diagnoses[target].subject
            subject_cpr = (
                self.cprs.get(subject) if isinstance(subject, int) else subject[len("cpr:") :]
            )
            if subject != patient and (cpr is None or subject_cpr != cpr):
                raise _Problem(
                    f"{where}.diagnosis: the Condition at entry[{target}] is about another "
                    f"patient than this EpisodeOfCare (its subject is entry[{subject}])"
                )
        status = _value(resource, "status", str, where, required=True)
        if status not in EPISODE_STATUSES:
            raise _Problem(f"{where}.status: {_shown(status)} is not an EpisodeOfCare status")
        ydernummer, organization = self.ydernummer(resource, where)
        identifiers = _children(resource, "identifier", Identifier, where)
        source_id = (
            _value(identifiers[0][1], "value", str, identifiers[0][0]) if identifiers else None
        )
        if not source_id or not source_id.strip():
            raise _Problem(
                f"{where}.identifier: identifier[0].value (your id of the course, the "
                "record's source_id) is required"
            )
        period = _child(resource, "period", Period, where)
        types = _codings(_children(resource, "type", CodeableConcept, where))
        course_type = _one_code(
            types, frozenset({COURSE_TYPE_SYSTEM}), f"{where}.type", "course type"
        )
        extensions = _extensions(resource, where)
        initials = _extension(extensions, INITIALS_URL, "valueString", str, where)
        opt_out = _extension(extensions, OPT_OUT_URL, "valueBoolean", bool, where)
        record: dict[str, Any] = {
            "type": "episode",
            "source_id": _limited(source_id, "source_id", f"{where}.identifier[0].value"),
            "version": _version(resource, where),
            "patient_cpr": cpr,
            "speciale": _one_code(types, frozenset({SPECIALE_SYSTEM}), f"{where}.type", "speciale"),
            "course_type": None
            if course_type is None
            else _limited(course_type, "course_type", f"{where}.type"),
            # Passed on as given (a dateTime as its Danish date): the pipeline rejects what is
            # not a real date (invalid_date).
            "start_date": _as_date(_value(period, "start", str, f"{where}.period")),
            "end_date": _as_date(_value(period, "end", str, f"{where}.period")),
            "practitioner_initials": None
            if initials is None
            else _limited(initials, "practitioner_initials", f"{where}.extension"),
            "patient_opt_out": bool(opt_out),
            "diagnoses": [self.diagnosis(target, index, period) for target in conditions],
            "services": None,
        }
        used = [index, *conditions]
        used += [i for i in (patient, organization) if isinstance(i, int)]
        if status == "entered-in-error":  # withdrawn: the pipeline deletes what it stored
            record["entered_in_error"] = True
        return EpisodeItem(
            ydernummer,
            record,
            used,
            conditions=conditions,
            patient=patient if isinstance(patient, int) else None,
            organization=organization,
            recorded_from={t: self.recorded_from[t] for t in conditions if t in self.recorded_from},
        )

    def diagnosis(self, target: int, episode: int, period: dict[str, Any]) -> dict[str, Any]:
        found = self.diagnoses[target]
        diagnosis = {
            "code": found.code,
            "recorded_at": self.recorded_at(target, episode, period.get("start")),
            "source": found.source,
        }
        if found.verification is not None:
            diagnosis["verification_status"] = found.verification
        return diagnosis

    def recorded_at(self, target: int, episode: int, course_start: Any) -> str | None:
        """``Condition.recordedDate``; when it is missing, ``onsetDateTime`` and else the
        course's start (FHIR does not require it; the profile's rule, said as a warning)."""
        diagnosis = self.diagnoses[target]
        if diagnosis.recorded_at is not None:
            return _as_moment(diagnosis.recorded_at)
        where = f"entry[{target}].resource"
        if diagnosis.onset is not None:
            self.notes.setdefault(target, []).append(
                f"{where}.recordedDate is missing: onsetDateTime is used as the date of the code"
            )
            self.recorded_from[target] = (target, f"Bundle.{where}.onsetDateTime")
            return _as_moment(diagnosis.onset)
        if isinstance(course_start, str):
            self.notes.setdefault(target, []).append(
                f"{where}.recordedDate is missing: the course's start "
                "(EpisodeOfCare.period.start) is used as the date of the code"
            )
            self.recorded_from[target] = (
                episode,
                f"Bundle.entry[{episode}].resource.period.start",
            )
            return _as_moment(_as_date(course_start) or course_start)
        return None

    def patient(
        self, reference: Any, where: str, episode: int, problems: list[str]
    ) -> int | str | None:
        """The Patient entry, or ``"cpr:<number>"`` for a logical reference by CPR identifier
        with no Patient entry in the Bundle (dk-core allows both)."""
        logical = _logical_cpr(reference, where)
        if logical is None:
            return self.target(reference, where, "Patient", episode, problems)
        for index, cpr in self.cprs.items():
            if cpr == logical and index not in self.errors:
                self.referrers.setdefault(index, []).append(episode)
                return index
        return f"cpr:{logical}"

    def ydernummer(self, resource: dict[str, Any], where: str) -> tuple[str, int | None]:
        """The clinic: ``managingOrganization.identifier`` with the ydernummer system, or a
        reference to an Organization entry of this Bundle that carries one."""
        organization = _child(resource, "managingOrganization", Reference, where)
        path = f"{where}.managingOrganization"
        if "identifier" in organization or "reference" not in organization:
            return _ydernummer(organization, path), None
        target = self.references.resolve(organization, path)
        if target not in self.organizations:
            raise _Problem(f"{path}: refers to entry[{target}], which is not a usable Organization")
        value = self.organizations[target]
        if value is None:
            raise _Problem(
                f"{path}: the Organization at entry[{target}] has no identifier with system "
                f"{YDERNUMMER_SYSTEM} (the clinic's ydernummer)"
            )
        return value, target

    def unused(self, used: set[int]) -> None:
        """Give every entry that is in no item and has no error of its own an error."""
        for index, resource in self.resources.items():
            if index in used or index in self.errors:
                continue
            referrers = sorted(set(self.referrers.get(index, ())))
            if referrers:
                listed = ", ".join(f"entry[{i}]" for i in referrers)
                self.errors[index] = (
                    f"entry[{index}]: not used, because the EpisodeOfCare that refers to it "
                    f"({listed}) could not be mapped"
                )
            elif resource["resourceType"] == "Organization":
                self.ignored[index] = (
                    f"entry[{index}]: not used — no EpisodeOfCare of this Bundle has this "
                    "Organization as its managingOrganization (nothing of it is stored)"
                )
            elif resource["resourceType"] == "Patient":
                self.errors[index] = (
                    f"entry[{index}]: no EpisodeOfCare of this Bundle has this Patient as its "
                    "patient; a Patient is taken only as the patient of an episode"
                )
            else:
                self.errors[index] = (
                    f"entry[{index}]: no EpisodeOfCare of this Bundle lists this Condition in "
                    "its diagnosis; a Condition is taken only as a diagnosis of an episode"
                )


def parse_bundle(data: Any) -> ParsedBundle:
    """Map a FHIR Bundle (parsed JSON) to one record per EpisodeOfCare; see the module doc.

    Raises ``FhirBundleError`` when ``data`` is not a usable batch or transaction Bundle.
    """
    entries = entries_of(data)  # the envelope checked: data["type"] is batch or transaction
    return _Mapper(entries).run(bundle_type=data["type"])


_LEADING_PATH = re.compile(r"^(Bundle|entry\[[0-9]+\])((\.[A-Za-z_]+)|(\[[0-9]+\]))*")


def expression_of(message: str, index: int | None = None) -> str:
    """The FHIRPath a message is about: its leading ``entry[2].resource.period`` (as this
    module writes its messages), else the entry ``index``, else the Bundle."""
    match = _LEADING_PATH.match(message)
    if match is not None:
        path = match.group(0)
        return path if path.startswith("Bundle") else f"Bundle.{path}"
    return "Bundle" if index is None else f"Bundle.entry[{index}]"
