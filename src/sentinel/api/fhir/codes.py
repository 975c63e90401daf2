"""The FHIR door's vocabulary: the identifier systems and code sets it reads and writes, the
shapes the parse hands on (``ParsedBundle``, ``EntryResult``) and how a vendor's value is shown
in a message (shortened, CPR-like digits redacted). See ``sentinel.api.fhir``."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel, ValidationError

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
YDERNUMMER_SYSTEM = "urn:oid:1.2.208.176.1.4"
ICPC2_SYSTEM = "urn:oid:1.2.208.176.2.31"
ICPC2_SYSTEMS = frozenset({ICPC2_SYSTEM, "http://hl7.org/fhir/sid/icpc-2"})
SPECIALE_SYSTEM = "https://sentinel-data.dk/fhir/CodeSystem/speciale"
COURSE_TYPE_SYSTEM = "https://sentinel-data.dk/fhir/CodeSystem/course-type"
DIAGNOSIS_SOURCE_SYSTEM = "https://sentinel-data.dk/fhir/CodeSystem/diagnosis-source"
REASON_SYSTEM = "https://sentinel-data.dk/fhir/CodeSystem/reason"
OPT_OUT_URL = "https://sentinel-data.dk/fhir/StructureDefinition/patient-opt-out"
INITIALS_URL = "https://sentinel-data.dk/fhir/StructureDefinition/practitioner-initials"
#: The identifier system ``records_to_bundle`` gives the source id (parsing takes any system).
SOURCE_ID_SYSTEM = "https://sentinel-data.dk/fhir/NamingSystem/source-id"

#: The keys of an episode record, exactly as API.md names them.
RECORD_KEYS = (
    "type",
    "source_id",
    "version",
    "patient_cpr",
    "speciale",
    "course_type",
    "start_date",
    "end_date",
    "practitioner_initials",
    "patient_opt_out",
    "diagnoses",
    "services",
)
DIAGNOSIS_SOURCES = frozenset({"clinician", "referral"})
BUNDLE_TYPES = frozenset({"batch", "transaction"})
ENTRY_METHODS = frozenset({"POST", "PUT"})
EPISODE_STATUSES = frozenset(
    {"planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error"}
)
VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
SEVERITIES = frozenset({"fatal", "error", "warning", "information"})
#: FHIR R4 IssueType (http://hl7.org/fhir/issue-type).
ISSUE_CODES = frozenset(
    {
        "invalid",
        "structure",
        "required",
        "value",
        "invariant",
        "security",
        "login",
        "unknown",
        "expired",
        "forbidden",
        "suppressed",
        "processing",
        "not-supported",
        "duplicate",
        "multiple-matches",
        "not-found",
        "deleted",
        "too-long",
        "code-invalid",
        "extension",
        "too-costly",
        "business-rule",
        "conflict",
        "transient",
        "lock-error",
        "no-store",
        "exception",
        "timeout",
        "incomplete",
        "throttled",
        "informational",
    }
)
MAX_VERSION = 2**31 - 1  # the stored column is a PositiveIntegerField
MAX_LENGTHS = {"source_id": 100, "course_type": 40, "practitioner_initials": 20}


@dataclass(frozen=True)
class Taken:
    """A resource type the door takes: its R4 model and what it carries (the
    CapabilityStatement says it)."""

    model: type[BaseModel]
    documentation: str


TAKEN_RESOURCES: dict[str, Taken] = {
    "EpisodeOfCare": Taken(
        EpisodeOfCare, "a patient course: the clinic's ydernummer, the speciale, dates"
    ),
    "Condition": Taken(Condition, "an ICPC-2 diagnosis on a course (EpisodeOfCare.diagnosis)"),
    "Patient": Taken(Patient, "the patient, by CPR (urn:oid:1.2.208.176.1.2)"),
    "Organization": Taken(
        Organization, "the clinic, by ydernummer (urn:oid:1.2.208.176.1.4), as dk-core has it"
    ),
    "Observation": Taken(
        Observation,
        "an outcome measurement with one score (NPRS, 30-second chair stand, 40-m walk) of a "
        "course (extension workflow-episodeOfCare)",
    ),
    "QuestionnaireResponse": Taken(
        QuestionnaireResponse,
        "an outcome questionnaire with items (PSFS) of a course (extension "
        "workflow-episodeOfCare); item scores only, no question text",
    ),
}
_CPR_LIKE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
_STATUS = re.compile(r"[1-5][0-9]{2}( .*)?")
_MAX_ERRORS = 5
_REFERENCE_NAMESPACE = uuid.UUID("5b0f3c5e-6a0e-4f6b-9a53-2f1d1c0e7a11")


class FhirBundleError(Exception):
    """The body is not a usable Bundle at all (HTTP 422). ``message`` never holds a CPR."""

    def __init__(self, message: str) -> None:
        self.message = _redact(message)
        super().__init__(self.message)


@dataclass
class EpisodeItem:
    """One EpisodeOfCare mapped to a record, with the clinic it is for."""

    ydernummer: str
    record: dict[str, Any]
    #: Indexes into ``Bundle.entry``: the EpisodeOfCare first, then its Conditions (in the
    #: order it lists them), its Patient and its Organization. A Patient (or a Condition,
    #: an Organization) may belong to several items.
    entry_indexes: list[int]
    #: The Condition entries, in the order of ``record["diagnoses"]``.
    conditions: list[int] = field(default_factory=list)
    #: The Patient entry; None for a patient referred to by CPR identifier alone.
    patient: int | None = None
    #: The Organization entry the clinic came from, if it came from one.
    organization: int | None = None
    #: Condition entry → (entry, FHIRPath) of the element used as its date when it has no
    #: ``recordedDate`` (its ``onsetDateTime``, or the course's ``period.start``).
    recorded_from: dict[int, tuple[int, str]] = field(default_factory=dict)


@dataclass
class ParsedBundle:
    total_entries: int
    items: list[EpisodeItem]
    #: Entries that could not be mapped, with a message for the vendor's developer. Every
    #: entry index is in exactly one of ``entry_errors``, ``entry_ignored`` and the items'
    #: ``entry_indexes``.
    entry_errors: dict[int, str]
    bundle_type: str = "batch"
    #: Warnings about entries that were taken (a rule of the profile filled something in).
    entry_notes: dict[int, list[str]] = field(default_factory=dict)
    #: Entries taken but not needed (an Organization no EpisodeOfCare refers to), with why.
    entry_ignored: dict[int, str] = field(default_factory=dict)
    #: The Bundle's entries as sent (to place an answer's ``expression``).
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EntryResult:
    """The outcome of one request entry, as it goes into the batch-response."""

    status: str  # "200 OK", "400 Bad Request", "404 Not Found", "422 Unprocessable Entity" …
    severity: str  # information | warning | error
    code: str  # FHIR IssueType: informational | invalid | business-rule | not-found | processing
    message: str
    reason: str | None = None  # a reason code of API.md
    expression: str | None = None  # FHIRPath into the submitted Bundle
    location: str | None = None  # ``<Type>/<id>/_history/<version>`` of what was stored
    etag: str | None = None  # ``W/"<version>"``


class _Problem(Exception):
    """An entry cannot be mapped; ``message`` is for the vendor's developer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- messages ------------------------------------------------------------------------------


def _redact(text: str) -> str:
    """Blank anything that looks like a CPR number (10 digits, an optional dash after 6)."""
    return _CPR_LIKE.sub("[redacted]", text)


def _shown(value: object) -> str:
    """A vendor's value, quoted for a message (shortened; CPR-like digits are redacted)."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return repr(_redact(text))


def _path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "Bundle"


def _describe(exc: ValidationError, prefix: str) -> str:
    """Describe a validation error from each error's location and message only."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = [
        f"{_path(prefix, tuple(error['loc']))}: {' '.join(str(error['msg']).split())}"
        for error in errors[:_MAX_ERRORS]
    ]
    if len(errors) > _MAX_ERRORS:
        parts.append(f"and {len(errors) - _MAX_ERRORS} more")
    return _redact("; ".join(parts))
