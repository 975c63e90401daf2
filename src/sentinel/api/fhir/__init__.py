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

Published as conformance resources: authored in FSH (``fhir/input/fsh/``), compiled by SUSHI
into ``profile/`` and served under ``/api/v1/fhir/StructureDefinition/<id>`` and ``ValueSet/<id>``
(``published``; ``docs/adr/0010-fhir-profile-sushi.md``). What the door does with each element:

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

A submission Bundle carries EpisodeOfCare, Condition and Patient resources, and the clinic's
Organization (dk-core's); anything else is answered per entry as not taken. Every entry is a
create or update: ``request.method`` is ``POST`` or ``PUT`` (or absent); ``GET``, ``DELETE``
and the rest are refused per entry.

**EpisodeOfCare** — one per record (a patient course, *forløb*):

- ``identifier[0].value`` → ``source_id`` (any system; the vendor's own id of the course,
  at most 100 characters). Required.
- ``meta.versionId`` → ``version``: a whole number from 1 to 2³¹−1 as text (``"3"``); absent
  means 1. A course sent again at the same version is a replay (answered ``unchanged``) when
  nothing the project collects differs; when something does (a new Condition, an end date), it
  is rejected as ``stale_version`` with the version to send — FHIR clients that never set
  ``meta.versionId`` are told to. Never a 200 that stores nothing silently.
- ``period.start`` → ``start_date``, ``period.end`` → ``end_date``: a date, or a dateTime taken
  as its date in Danish time (``2026-02-01T23:30:00Z`` is 2 February); a value that is not a
  real date reaches the pipeline as given and the record is rejected with ``invalid_date``.
- ``patient`` → a Patient entry of this Bundle (see references below), or a logical reference
  ``{"identifier": {"system": <CPR>, "value": …}}`` (no Patient entry needed).
- ``managingOrganization.identifier`` with the ydernummer system → the clinic; or a
  ``reference`` to an Organization entry of this Bundle with that identifier. Required.
  Ydernumre written without leading zeros (dk-core's ``77410``) are read as six digits.
  An Organization no EpisodeOfCare refers to is answered ``200`` with an informational issue.
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
- ``recordedDate`` → ``recorded_at``: when the code was put on the course (a dateTime; a date
  alone is that day's Danish midnight; an invalid one is rejected as ``invalid_date``). When
  it is missing, ``onsetDateTime`` is used, else the course's ``period.start``, and the entry's
  answer carries a warning saying so. Other codings beside ICPC-2 (SNOMED CT …) are ignored.
- ``category[].coding`` with the diagnosis-source system, code ``clinician`` or ``referral``
  → ``source`` (absent means ``clinician``; ``referral`` for vederlagsfri courses whose
  diagnosis comes from the henvisning).
- ``subject`` → the same patient as the EpisodeOfCare that lists it (by reference or by CPR
  identifier).

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
- A ``batch`` is answered entry by entry (``results``): ``201 Created`` for a new course and
  its Conditions, with ``location`` ``EpisodeOfCare/<id>/_history/<version>`` and
  ``Condition/<id>/_history/1`` (Sentinel's own row ids, never a CPR); ``200 OK`` for an
  update or an unchanged resend (the outcome says which, with the location); ``200 OK`` for a
  Patient or Organization used by a stored course (no such resource is kept). A rejected
  course is said once, on the entry that holds the failing element, in the profile's element
  names (``elements``: ``EpisodeOfCare.period.start``, not API.md's ``start_date``) with
  ``expression`` at it (``Bundle.entry[2].resource.period.start``); the course's other
  entries are ``424 Failed Dependency`` pointing at that entry.
- A ``transaction`` is all or nothing (FHIR R4 http.html#transaction): an entry that cannot
  be mapped is ``400`` before anything is tried; a rejected or unreachable one rolls everything
  back; either way the answer is one OperationOutcome naming every failing entry (not the
  ``424`` ones), each issue with its ``expression`` (FHIRPath into the Bundle). Success is a
  ``transaction-response`` with the same ``location``s as a batch.

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

from sentinel.api.fhir.answer import (
    operation_outcome,
    response_bundle,
    transaction_failure,
)
from sentinel.api.fhir.codes import (
    BUNDLE_TYPES,
    COURSE_TYPE_SYSTEM,
    CPR_SYSTEM,
    DIAGNOSIS_SOURCE_SYSTEM,
    DIAGNOSIS_SOURCES,
    ENTRY_METHODS,
    EPISODE_STATUSES,
    ICPC2_SYSTEM,
    ICPC2_SYSTEMS,
    INITIALS_URL,
    ISSUE_CODES,
    MAX_LENGTHS,
    MAX_VERSION,
    OPT_OUT_URL,
    REASON_SYSTEM,
    RECORD_KEYS,
    SEVERITIES,
    SOURCE_ID_SYSTEM,
    SPECIALE_SYSTEM,
    TAKEN_RESOURCES,
    YDERNUMMER_SYSTEM,
    EntryResult,
    EpisodeItem,
    FhirBundleError,
    ParsedBundle,
)
from sentinel.api.fhir.outbound import (
    records_to_bundle,
)
from sentinel.api.fhir.parsing import (
    expression_of,
    parse_bundle,
)

__all__ = [
    "BUNDLE_TYPES",
    "COURSE_TYPE_SYSTEM",
    "CPR_SYSTEM",
    "DIAGNOSIS_SOURCES",
    "DIAGNOSIS_SOURCE_SYSTEM",
    "ENTRY_METHODS",
    "EPISODE_STATUSES",
    "ICPC2_SYSTEM",
    "ICPC2_SYSTEMS",
    "INITIALS_URL",
    "ISSUE_CODES",
    "MAX_LENGTHS",
    "MAX_VERSION",
    "OPT_OUT_URL",
    "REASON_SYSTEM",
    "RECORD_KEYS",
    "SEVERITIES",
    "SOURCE_ID_SYSTEM",
    "SPECIALE_SYSTEM",
    "TAKEN_RESOURCES",
    "YDERNUMMER_SYSTEM",
    "EntryResult",
    "EpisodeItem",
    "FhirBundleError",
    "ParsedBundle",
    "expression_of",
    "operation_outcome",
    "parse_bundle",
    "records_to_bundle",
    "response_bundle",
    "transaction_failure",
]
