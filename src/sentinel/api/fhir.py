"""The FHIR door: a FHIR R4 ``Bundle`` in, the API's record dicts out, and the FHIR answer.

``POST /api/v1/fhir`` takes the same data as ``POST /clinics/{ydernummer}/submissions``, as a
FHIR R4 Bundle of type ``batch`` or ``transaction``. This module is pure (no database, no
Django): ``parse_bundle`` maps the Bundle to one record dict per ``EpisodeOfCare`` (the record
shape of API.md, which ``pipeline.ingest`` consumes), ``response_bundle`` builds the answer, and
``records_to_bundle`` is the inverse mapping (for tests, the demo vendor and the benchmark).
``fhir.resources`` supplies the R4B models (R4B is wire-compatible with R4 for every resource
used here); see "Validation choices" below for what is validated how.

The profile vendors follow
==========================

Identifier and code systems (HL7 Denmark dk-core where one exists):

=====================  ===================================================================
CPR                    ``urn:oid:1.2.208.176.1.2``
ydernummer             ``urn:oid:1.2.208.176.1.4``
ICPC-2                 ``urn:oid:1.2.208.176.2.31`` (Danish profiles) or
                       ``http://hl7.org/fhir/sid/icpc-2``
speciale               ``https://sentinel-data.dk/fhir/CodeSystem/speciale``
course type            ``https://sentinel-data.dk/fhir/CodeSystem/course-type``
diagnosis source       ``https://sentinel-data.dk/fhir/CodeSystem/diagnosis-source``
patient opt-out        extension ``https://sentinel-data.dk/fhir/StructureDefinition/patient-opt-out``
practitioner initials  extension ``https://sentinel-data.dk/fhir/StructureDefinition/practitioner-initials``
reason (answer)        ``https://sentinel-data.dk/fhir/CodeSystem/reason``
=====================  ===================================================================

A submission Bundle carries three resource types; anything else is answered per entry as not
taken. Every entry is a create or update: ``request.method`` is ``POST`` or ``PUT`` (or absent);
``GET``, ``DELETE`` and the rest are refused per entry.

**EpisodeOfCare** — one per record (a patient course, *forløb*):

- ``identifier[0].value`` → ``source_id`` (any system; the vendor's own id of the course,
  at most 100 characters). Required.
- ``meta.versionId`` → ``version``: a whole number from 1 to 2³¹−1 as text (``"3"``); absent
  means 1.
- ``period.start`` → ``start_date``, ``period.end`` → ``end_date``: dates as ``YYYY-MM-DD``.
  The profile narrows FHIR's dateTime to a date; a value that is not a real date reaches the
  pipeline as given and the record is rejected with reason ``invalid_date``.
- ``patient`` → a Patient entry of this Bundle (see references below).
- ``managingOrganization.identifier`` with the ydernummer system → the clinic. Required; a
  ``reference`` to an Organization alone is not enough (one Bundle may hold several clinics).
- ``type[].coding`` with the speciale system → ``speciale`` (``51``, ``57``); with the
  course-type system → ``course_type`` (``knee_osteoarthritis`` …, at most 40 characters).
- ``diagnosis[].condition`` → Condition entries of this Bundle, the full diagnosis history in
  order (``diagnosis.rank`` and ``role`` are not read).
- extension ``…/patient-opt-out`` ``valueBoolean`` → ``patient_opt_out`` (absent means false).
  The record is then counted as ``patient_opted_out`` and nothing of it is kept; to send no
  CPR at all for such a patient, point ``patient`` at a Patient without a CPR identifier.
- extension ``…/practitioner-initials`` ``valueString`` → ``practitioner_initials``
  (at most 20 characters).
- ``status`` is required, one of FHIR's EpisodeOfCare statuses; it does not change the record.

**Condition** — one diagnosis event:

- ``code.coding`` with an ICPC-2 system → the ICPC-2-DK code (two codings with different
  codes are refused; unknown codes are rejected by the pipeline as ``unknown_icpc2_code``).
- ``recordedDate`` → ``recorded_at``: when the code was put on the course (ISO 8601; passed
  on as given, an invalid one is rejected by the pipeline as ``invalid_date``).
- ``category[].coding`` with the diagnosis-source system, code ``clinician`` or ``referral``
  → ``source`` (absent means ``clinician``; ``referral`` for vederlagsfri courses whose
  diagnosis comes from the henvisning).
- ``subject`` → the same patient as the EpisodeOfCare that lists it.

**Patient** — ``identifier`` with the CPR system → ``patient_cpr`` (10 digits as text). A
Patient without a CPR identifier gives ``patient_cpr: null``. One Patient may serve several
episodes.

**References** (``EpisodeOfCare.patient``, ``EpisodeOfCare.diagnosis.condition``,
``Condition.subject``) resolve inside the Bundle only: by an entry's ``fullUrl`` (e.g.
``urn:uuid:…``, the usual form in a transaction) or by ``<Type>/<id>`` (the resource's ``id``,
or the last two segments of an ``http(s)`` fullUrl). ``_history`` suffixes are ignored.

Outcomes
--------

- The body is not a usable Bundle (not JSON object, not a Bundle, ``type`` not batch or
  transaction, an envelope that ``fhir.resources`` refuses) → ``FhirBundleError`` → HTTP 422.
- Otherwise every entry gets an outcome. An entry that cannot be mapped (a resource that
  ``fhir.resources`` refuses, an EpisodeOfCare without ydernummer, a reference that resolves
  to nothing, a resource type not taken, a Condition or Patient no usable EpisodeOfCare
  lists) is in ``ParsedBundle.entry_errors``; when a Condition or the Patient of an episode
  cannot be mapped, the EpisodeOfCare is not mapped either (a partial diagnosis history would
  look like a rewritten one), and neither are its other entries. Every other entry belongs
  to an ``EpisodeItem`` whose record goes through the pipeline; its reason (API.md) comes
  back in ``issue.details.coding`` with the reason system.
- A ``transaction`` Bundle is processed like a ``batch`` (entry by entry, as the JSON door
  does record by record) and answered with a ``batch-response``.

Validation choices
------------------

- The envelope (the Bundle with each entry's ``resource`` set aside) is validated with
  ``fhir.resources``; an error there is a 422 for the whole body, naming the field.
  ``fhir.resources`` does not check ``Bundle.type`` or ``request.method`` against their value
  sets, so those are checked here.
- The resources are NOT validated with ``fhir.resources``: for a Bundle of 1,000 episodes
  (5,000 entries) that alone took ~0.55 s, most of the whole request's budget. Instead every
  element the mapping reads is checked here on the raw JSON: its JSON type (string, boolean,
  object, array; no nulls), its required presence, and for each object read (the resource,
  Identifier, Reference, Period, Meta, CodeableConcept, Coding, Extension,
  EpisodeOfCare.diagnosis) that it has no element FHIR R4 does not define for its type (the
  names come from the ``fhir.resources`` models, so a misspelt ``recordDate`` is refused, not
  silently lost) and no ``modifierExtension`` (which a receiver that does not understand it
  must not ignore). Elements not read (``Patient.name``, ``Condition.note`` …) are not
  checked and not kept. A problem costs its entry, not the batch.
- Dates are passed on as the strings they are: ``EpisodeOfCare.period.start``/``end`` and
  ``Condition.recordedDate`` only have to be strings here, so ``2026-02-30`` reaches the
  pipeline and the record is rejected with reason ``invalid_date`` (``fhir.resources`` would
  have refused it while parsing and made a record-level reason a malformed entry).
- Privacy: no message or exception text built here contains an input value that could be a
  CPR. ``pydantic`` errors are described by their ``loc`` and ``msg`` only (never
  ``str(exc)``, which carries ``input_value=…``); ``FhirBundleError`` is raised outside the
  ``except`` block, so no chained ``__context__`` carries the input into a log; and every
  message passes ``_redact``, which blanks any run of exactly 10 digits (``DDMMYYSSSS``,
  with or without the dash) — e.g. a CPR used as ``Patient.id`` in a reference, or as a
  JSON key.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.episodeofcare import EpisodeOfCare, EpisodeOfCareDiagnosis
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from pydantic import BaseModel, ValidationError

from sentinel.lib.reasons import Reason

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

_MODELS: dict[str, type[BaseModel]] = {
    "EpisodeOfCare": EpisodeOfCare,
    "Condition": Condition,
    "Patient": Patient,
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
    #: order it lists them) and its Patient. A Patient (or a Condition) may belong to
    #: several items.
    entry_indexes: list[int]


@dataclass
class ParsedBundle:
    total_entries: int
    items: list[EpisodeItem]
    #: Entries that could not be mapped, with a message for the vendor's developer. Every
    #: entry index is in exactly one of ``entry_errors`` and the items' ``entry_indexes``.
    entry_errors: dict[int, str]
    bundle_type: str = "batch"


@dataclass
class EntryResult:
    """The outcome of one request entry, as it goes into the batch-response."""

    status: str  # "200 OK", "400 Bad Request", "404 Not Found", "422 Unprocessable Entity" …
    severity: str  # information | warning | error
    code: str  # FHIR IssueType: informational | invalid | business-rule | not-found | processing
    message: str
    reason: str | None = None  # a reason code of API.md
    expression: str | None = None  # FHIRPath into the submitted Bundle


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


# --- reading raw FHIR JSON, checking what is read ----------------------------------------------


@cache
def _elements(model: type[BaseModel]) -> frozenset[str]:
    """The JSON element names FHIR R4 defines for ``model`` (``_x`` primitive extensions too)."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    return frozenset((names | {"resourceType"}) - {"fhir_comments"})


_KINDS: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    list: "an array",
    dict: "an object",
}


def _value(obj: dict[str, Any], key: str, kind: type, where: str, *, required: bool = False) -> Any:
    """``obj[key]`` if it is of ``kind``; None if absent (a ``_Problem`` if required)."""
    value = obj.get(key)
    if value is None:
        if key in obj:
            raise _Problem(f"{where}.{key}: null is not allowed in FHIR JSON; leave it out")
        if required:
            raise _Problem(f"{where}.{key}: required")
        return None
    if not isinstance(value, kind):
        raise _Problem(f"{where}.{key}: must be {_KINDS[kind]}")
    return value


def _object(value: Any, model: type[BaseModel], where: str) -> dict[str, Any]:
    """``value`` as an object of FHIR type ``model``: no unknown elements, no modifiers."""
    if not isinstance(value, dict):
        raise _Problem(f"{where}: must be an object (FHIR {model.__name__})")
    unknown = value.keys() - _elements(model)
    if unknown:
        names = ", ".join(_shown(name) for name in sorted(unknown)[:3])
        raise _Problem(f"{where}: {names} is not an element of FHIR R4 {model.__name__}")
    if value.get("modifierExtension"):
        raise _Problem(
            f"{where}.modifierExtension: not understood here, so the element cannot be taken"
        )
    return value


def _child(obj: dict[str, Any], key: str, model: type[BaseModel], where: str) -> dict[str, Any]:
    """The object ``obj[key]`` of FHIR type ``model``, ``{}`` if absent."""
    value = _value(obj, key, dict, where)
    return {} if value is None else _object(value, model, f"{where}.{key}")


def _children(
    obj: dict[str, Any], key: str, model: type[BaseModel], where: str
) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the array ``obj[key]``, each with its path."""
    values = _value(obj, key, list, where) or []
    return [
        (f"{where}.{key}[{i}]", _object(value, model, f"{where}.{key}[{i}]"))
        for i, value in enumerate(values)
    ]


def _codings(concepts: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The codings of CodeableConcepts, each with its path."""
    codings = []
    for path, concept in concepts:
        for coding_path, coding in _children(concept, "coding", Coding, path):
            _value(coding, "system", str, coding_path)
            codings.append((coding_path, coding))
    return codings


def _one_code(
    codings: list[tuple[str, dict[str, Any]]], systems: frozenset[str], where: str, what: str
) -> str | None:
    """The single code of ``systems`` among ``codings``; None if there is none."""
    codes: list[str] = []
    for path, coding in codings:
        if coding.get("system") in systems:
            code = _value(coding, "code", str, path, required=True)
            if code not in codes:
                codes.append(code)
    if len(codes) > 1:
        raise _Problem(f"{where}: more than one {what} ({', '.join(map(_shown, codes))})")
    return codes[0] if codes else None


def _extension(resource: dict[str, Any], url: str, value_key: str, kind: type, where: str) -> Any:
    found = [
        (path, extension)
        for path, extension in _children(resource, "extension", Extension, where)
        if _value(extension, "url", str, path, required=True) == url
    ]
    if not found:
        return None
    if len(found) > 1:
        raise _Problem(f"{where}.extension: {url} appears more than once")
    path, extension = found[0]
    value = extension.get(value_key)
    if not isinstance(value, kind):
        raise _Problem(f"{path}: the extension {url} must carry {value_key}")
    return value


def _limited(value: str, field: str, where: str) -> str:
    if len(value) > MAX_LENGTHS[field]:
        raise _Problem(f"{where}: {field} is longer than {MAX_LENGTHS[field]} characters")
    return value


# --- references -----------------------------------------------------------------------------


class _References:
    """Resolves references to entries of this Bundle: by fullUrl or by ``Type/id``."""

    def __init__(self) -> None:
        self._keys: dict[str, list[int]] = {}

    def add(self, index: int, full_url: Any, resource: dict[str, Any]) -> None:
        keys = set()
        if isinstance(full_url, str) and full_url:
            keys.add(full_url)
            if full_url.startswith(("http://", "https://")):
                keys.add(_type_and_id(full_url))
        resource_type, resource_id = resource.get("resourceType"), resource.get("id")
        if isinstance(resource_type, str) and isinstance(resource_id, str):
            keys.add(f"{resource_type}/{resource_id}")
        for key in keys:
            self._keys.setdefault(key, []).append(index)

    def resolve(self, value: Any, where: str) -> int:
        reference = _object(value, Reference, where) if value is not None else {}
        text = _value(reference, "reference", str, where)
        if text is None:
            raise _Problem(
                f"{where}: a reference to an entry of this Bundle is required "
                "(reference = the entry's fullUrl or <Type>/<id>)"
            )
        found = self._keys.get(text)
        if found is None:
            base = text.split("/_history/", 1)[0]
            found = self._keys.get(base) or self._keys.get(_type_and_id(base))
        if not found:
            raise _Problem(
                f"{where}: reference {_shown(text)} resolves to no entry of this Bundle "
                "(it must be an entry's fullUrl or <Type>/<id>)"
            )
        if len(found) > 1:
            entries = ", ".join(f"entry[{i}]" for i in found)
            raise _Problem(f"{where}: reference {_shown(text)} matches several entries ({entries})")
        return found[0]


def _type_and_id(url: str) -> str:
    return "/".join(url.rstrip("/").split("/")[-2:])


# --- parsing --------------------------------------------------------------------------------


def _check_entry_shape(where: str, entry: dict[str, Any]) -> None:
    """The JSON shape of an entry's resource and request (their content is checked per entry)."""
    if not isinstance(entry.get("resource", {}), dict):
        raise FhirBundleError(f"{where}.resource: must be a FHIR resource (an object)")
    if "request" not in entry:
        return
    request = entry["request"]
    if not isinstance(request, dict):
        raise FhirBundleError(f"{where}.request: must be an object with method and url")
    for key in ("method", "url"):
        if not isinstance(request.get(key), str):
            raise FhirBundleError(f"{where}.request.{key}: required, a string")
    extra = sorted(set(request) - {"method", "url"})
    if extra:
        raise FhirBundleError(f"{where}.request.{extra[0][:80]}: not a Bundle.entry.request field")


def _entries(data: Any) -> list[dict[str, Any]]:
    """The Bundle's entries, once the envelope is known to be a usable batch or transaction."""
    if not isinstance(data, dict):
        raise FhirBundleError("the body must be a JSON object: a FHIR Bundle")
    resource_type = data.get("resourceType")
    if resource_type != "Bundle":
        got = _shown(resource_type) if resource_type is not None else "nothing"
        raise FhirBundleError(f"resourceType must be 'Bundle', got {got}")
    bundle_type = data.get("type")
    if not isinstance(bundle_type, str) or bundle_type not in BUNDLE_TYPES:
        got = _shown(bundle_type) if bundle_type is not None else "nothing"
        raise FhirBundleError(f"Bundle.type must be 'batch' or 'transaction', got {got}")
    entries = data.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FhirBundleError("Bundle.entry must be an array of objects")
    # The content of each resource and request is checked per entry (a bad one is that
    # entry's 400); their JSON shape is checked below, for the whole Bundle.
    envelope = {
        **data,
        "entry": [
            {k: v for k, v in e.items() if k not in ("resource", "request")} for e in entries
        ],
    }
    problem = None
    try:
        Bundle.model_validate(envelope)
    except ValidationError as exc:
        problem = _describe(exc, "")
    except (ValueError, TypeError):
        problem = "the Bundle envelope is not valid FHIR R4"
    if problem is not None:
        # Raised outside the except block: no __context__ holding the input for a logger.
        raise FhirBundleError(problem)
    for where, envelope_part in [("Bundle", data)] + [
        (f"entry[{i}]", e) for i, e in enumerate(entries)
    ]:
        empty = sorted(k for k, v in envelope_part.items() if v is None)
        if empty:  # FHIR JSON has no null; fhir.resources would read it as absent
            raise FhirBundleError(
                f"{where}.{empty[0][:80]}: null is not allowed in FHIR JSON; leave it out"
            )
        if where != "Bundle":
            _check_entry_shape(where, envelope_part)
    return entries


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
    model = _MODELS.get(resource_type) if isinstance(resource_type, str) else None
    if model is None:
        got = _shown(resource_type) if resource_type is not None else "a resource without type"
        raise _Problem(
            f"{where}.resource: {got} is not taken; a submission carries EpisodeOfCare, "
            "Condition and Patient resources"
        )
    _object(resource, model, f"{where}.resource")
    _value(resource, "id", str, f"{where}.resource")
    return resource


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _patient_cpr(index: int, resource: dict[str, Any]) -> str | None:
    values: list[str] = []
    for path, identifier in _children(
        resource, "identifier", Identifier, f"entry[{index}].resource"
    ):
        if _value(identifier, "system", str, path) == CPR_SYSTEM:
            value = _value(identifier, "value", str, path)
            if not value:
                raise _Problem(f"{path}.value: the CPR identifier has no value")
            if value not in values:
                values.append(value)
    if len(values) > 1:
        raise _Problem(f"entry[{index}].resource.identifier: more than one CPR number")
    return values[0] if values else None


@dataclass
class _Diagnosis:
    code: str
    recorded_at: str | None
    source: str
    subject: int


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
    source = _one_code(
        _codings(_children(resource, "category", CodeableConcept, where)),
        frozenset({DIAGNOSIS_SOURCE_SYSTEM}),
        f"{where}.category",
        "diagnosis source",
    )
    if source is not None and source not in DIAGNOSIS_SOURCES:
        raise _Problem(
            f"{where}.category: the diagnosis source is {_shown(source)}; "
            "it must be 'clinician' or 'referral'"
        )
    # Passed on as given: the pipeline rejects a value that is not a date-time (invalid_date).
    recorded_at = _value(resource, "recordedDate", str, where)
    subject = references.resolve(resource.get("subject"), f"{where}.subject")
    return _Diagnosis(code, recorded_at, source or "clinician", subject)


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

    def run(self) -> ParsedBundle:
        for index, entry in enumerate(self.entries):
            resource = entry.get("resource")
            if isinstance(resource, dict):
                self.references.add(index, entry.get("fullUrl"), resource)
            try:
                self.resources[index] = _taken(index, entry)
            except _Problem as problem:
                self.errors[index] = problem.message
        episodes = []
        for index, resource in self.resources.items():
            try:
                match resource["resourceType"]:
                    case "Patient":
                        self.cprs[index] = _patient_cpr(index, resource)
                    case "Condition":
                        self.diagnoses[index] = _diagnosis(index, resource, self.references)
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
        self.unused({i for item in items for i in item.entry_indexes})
        errors = {i: _redact(self.errors[i]) for i in sorted(self.errors)}
        return ParsedBundle(len(self.entries), items, errors)

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
        patient = self.target(
            resource.get("patient"), f"{where}.patient", "Patient", index, problems
        )
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
        cpr = self.cprs[patient]
        for target in conditions:
            subject = self.diagnoses[target].subject
            if subject != patient and (cpr is None or self.cprs.get(subject) != cpr):
                raise _Problem(
                    f"{where}.diagnosis: the Condition at entry[{target}] is about another "
                    f"patient than this EpisodeOfCare (its subject is entry[{subject}])"
                )
        status = _value(resource, "status", str, where, required=True)
        if status not in EPISODE_STATUSES:
            raise _Problem(f"{where}.status: {_shown(status)} is not an EpisodeOfCare status")
        ydernummer = _ydernummer(resource, where)
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
        initials = _extension(resource, INITIALS_URL, "valueString", str, where)
        opt_out = _extension(resource, OPT_OUT_URL, "valueBoolean", bool, where)
        record: dict[str, Any] = {
            "type": "episode",
            "source_id": _limited(source_id, "source_id", f"{where}.identifier[0].value"),
            "version": _version(resource, where),
            "patient_cpr": cpr,
            "speciale": _one_code(types, frozenset({SPECIALE_SYSTEM}), f"{where}.type", "speciale"),
            "course_type": None
            if course_type is None
            else _limited(course_type, "course_type", f"{where}.type"),
            # Passed on as given: the pipeline rejects what is not a real date (invalid_date).
            "start_date": _value(period, "start", str, f"{where}.period"),
            "end_date": _value(period, "end", str, f"{where}.period"),
            "practitioner_initials": None
            if initials is None
            else _limited(initials, "practitioner_initials", f"{where}.extension"),
            "patient_opt_out": bool(opt_out),
            "diagnoses": [
                {
                    "code": self.diagnoses[target].code,
                    "recorded_at": self.diagnoses[target].recorded_at,
                    "source": self.diagnoses[target].source,
                }
                for target in conditions
            ],
            "services": None,
        }
        return EpisodeItem(ydernummer, record, [index, *conditions, patient])

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


def _ydernummer(resource: dict[str, Any], where: str) -> str:
    organization = _child(resource, "managingOrganization", Reference, where)
    path = f"{where}.managingOrganization"
    identifier = _child(organization, "identifier", Identifier, path)
    value = _value(identifier, "value", str, f"{path}.identifier")
    if _value(identifier, "system", str, f"{path}.identifier") != YDERNUMMER_SYSTEM or not value:
        raise _Problem(
            f"{path}: the clinic's ydernummer is required, as managingOrganization.identifier "
            f"with system {YDERNUMMER_SYSTEM}"
        )
    return value


def _version(resource: dict[str, Any], where: str) -> int:
    meta = _child(resource, "meta", Meta, where)
    version_id = _value(meta, "versionId", str, f"{where}.meta")
    if version_id is None:
        return 1
    if not _WHOLE_NUMBER.fullmatch(version_id) or not 1 <= int(version_id) <= MAX_VERSION:
        raise _Problem(
            f"{where}.meta.versionId: the record version must be a whole number from 1 to "
            f'{MAX_VERSION} (as text, e.g. "3"), got {_shown(version_id)}'
        )
    return int(version_id)


def parse_bundle(data: Any) -> ParsedBundle:
    """Map a FHIR Bundle (parsed JSON) to one record per EpisodeOfCare; see the module doc.

    Raises ``FhirBundleError`` when ``data`` is not a usable batch or transaction Bundle.
    """
    parsed = _Mapper(_entries(data)).run()
    parsed.bundle_type = data["type"]
    return parsed


_LEADING_PATH = re.compile(r"^(Bundle|entry\[[0-9]+\])((\.[A-Za-z_]+)|(\[[0-9]+\]))*")


def expression_of(message: str, index: int | None = None) -> str:
    """The FHIRPath a message is about: its leading ``entry[2].resource.period`` (as this
    module writes its messages), else the entry ``index``, else the Bundle."""
    match = _LEADING_PATH.match(message)
    if match is not None:
        path = match.group(0)
        return path if path.startswith("Bundle") else f"Bundle.{path}"
    return "Bundle" if index is None else f"Bundle.entry[{index}]"


# --- the answer ----------------------------------------------------------------------------


def operation_outcome(
    severity: str,
    code: str,
    message: str,
    reason: str | None = None,
    expression: str | None = None,
) -> dict[str, Any]:
    """An OperationOutcome with one issue; ``reason`` (API.md) goes in ``details.coding``,
    ``expression`` (FHIRPath) says where."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {sorted(SEVERITIES)}")
    if code not in ISSUE_CODES:
        raise ValueError("code must be a FHIR IssueType code")
    text = _redact(message)
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if reason is not None:
        reason = Reason(reason).value  # ValueError for a code API.md does not have
        issue["details"] = {
            "coding": [{"system": REASON_SYSTEM, "code": reason}],
            "text": text,
        }
    if expression is not None:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def transaction_failure(results: dict[int, EntryResult]) -> dict[str, Any]:
    """One OperationOutcome naming every failing entry of a transaction (nothing stored)."""
    issues = []
    for index, result in sorted(results.items()):
        if result.severity != "error":
            continue
        message = result.message
        if not message.startswith("entry["):
            message = f"entry[{index}]: {message}"
        expression = result.expression or f"Bundle.entry[{index}]"
        outcome = operation_outcome("error", result.code, message, result.reason, expression)
        issues.extend(outcome["issue"])
    nothing = "the transaction was not carried out: nothing was stored"
    issues.extend(operation_outcome("information", "informational", nothing)["issue"])
    return {"resourceType": "OperationOutcome", "issue": issues}


def response_bundle(
    total_entries: int, results: dict[int, EntryResult], bundle_type: str = "batch"
) -> dict[str, Any]:
    """The batch-response (or transaction-response): one entry per request entry, in order,
    each with its outcome; no ``entry`` at all for an empty Bundle (FHIR JSON has no empty
    arrays).

    Every request entry must have a result (``ValueError`` otherwise).
    """
    missing = [i for i in range(total_entries) if i not in results]
    if missing:
        raise ValueError(f"no result for entries {missing[:10]}; every entry needs one")
    extra = sorted(set(results) - set(range(total_entries)))
    if extra:
        raise ValueError(f"results for entries the Bundle does not have: {extra[:10]}")
    entries = []
    for index in range(total_entries):
        result = results[index]
        if not _STATUS.fullmatch(result.status):
            raise ValueError(f"entry {index}: status must start with an HTTP status code")
        expression = result.expression or (
            f"Bundle.entry[{index}]" if result.severity == "error" else None
        )
        outcome = operation_outcome(
            result.severity, result.code, result.message, result.reason, expression
        )
        entries.append({"response": {"status": result.status, "outcome": outcome}})
    answer: dict[str, Any] = {"resourceType": "Bundle", "type": f"{bundle_type}-response"}
    if entries:
        answer["entry"] = entries
    return answer


# --- the inverse: records → Bundle -----------------------------------------------------------


def _full_url(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_REFERENCE_NAMESPACE, '/'.join(map(str, parts)))}"


def records_to_bundle(ydernummer: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch Bundle (JSON) carrying ``records`` of the clinic ``ydernummer``.

    One Patient per distinct CPR (a Patient without identifier for a record without one), one
    Condition per diagnosis, one EpisodeOfCare per record; references by ``urn:uuid`` fullUrls
    derived from positions only (never from a CPR). ``services`` is not carried.
    """
    entries: list[dict[str, Any]] = []
    patients: dict[str, str] = {}

    def add(full_url: str, resource: dict[str, Any]) -> None:
        request = {"method": "POST", "url": resource["resourceType"]}
        entries.append({"fullUrl": full_url, "resource": resource, "request": request})

    for n, record in enumerate(records):
        if record.get("type", "episode") != "episode":
            raise ValueError(f"records[{n}]: only episode records can be sent as FHIR")
        cpr = record.get("patient_cpr")
        patient_url = patients.get(cpr) if cpr is not None else None
        if patient_url is None:
            patient_url = _full_url(ydernummer, "patient", n)
            patient: dict[str, Any] = {"resourceType": "Patient"}
            if cpr is not None:
                patient["identifier"] = [{"system": CPR_SYSTEM, "value": cpr}]
                patients[cpr] = patient_url
            add(patient_url, patient)
        episode_url = _full_url(ydernummer, "episode", n)
        diagnosis_refs = []
        for d, diagnosis in enumerate(record.get("diagnoses") or ()):
            condition_url = _full_url(ydernummer, "condition", n, d)
            condition: dict[str, Any] = {
                "resourceType": "Condition",
                "category": [
                    {
                        "coding": [
                            {
                                "system": DIAGNOSIS_SOURCE_SYSTEM,
                                "code": diagnosis.get("source") or "clinician",
                            }
                        ]
                    }
                ],
                "code": {"coding": [{"system": ICPC2_SYSTEM, "code": diagnosis["code"]}]},
                "subject": {"reference": patient_url},
            }
            if diagnosis.get("recorded_at") is not None:
                condition["recordedDate"] = diagnosis["recorded_at"]
            add(condition_url, condition)
            diagnosis_refs.append({"condition": {"reference": condition_url}})
        extensions: list[dict[str, Any]] = [
            {"url": OPT_OUT_URL, "valueBoolean": bool(record.get("patient_opt_out"))}
        ]
        if record.get("practitioner_initials") is not None:
            extensions.append({"url": INITIALS_URL, "valueString": record["practitioner_initials"]})
        codings = [
            {"coding": [{"system": system, "code": record[key]}]}
            for key, system in (("speciale", SPECIALE_SYSTEM), ("course_type", COURSE_TYPE_SYSTEM))
            if record.get(key) is not None
        ]
        period = {
            key: record[name]
            for key, name in (("start", "start_date"), ("end", "end_date"))
            if record.get(name) is not None
        }
        episode: dict[str, Any] = {
            "resourceType": "EpisodeOfCare",
            "meta": {"versionId": str(record.get("version") or 1)},
            "extension": extensions,
            "identifier": [{"system": SOURCE_ID_SYSTEM, "value": record["source_id"]}],
            "status": "finished" if record.get("end_date") else "active",
            "type": codings,
            "patient": {"reference": patient_url},
            "managingOrganization": {
                "identifier": {"system": YDERNUMMER_SYSTEM, "value": ydernummer}
            },
        }
        if period:
            episode["period"] = period
        if diagnosis_refs:
            episode["diagnosis"] = diagnosis_refs
        if not codings:
            del episode["type"]
        add(episode_url, episode)
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}
