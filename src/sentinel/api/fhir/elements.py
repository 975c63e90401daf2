"""API.md's record fields as the FHIR elements they come from: the FHIR door's one table for
speaking FHIR in its answers.

The pipeline (``collection``) words its rejections in API.md's field names (``start_date``,
``diagnoses[1].code``), as the JSON door's contract says. The FHIR door translates here, and
only here: ``ELEMENTS`` names each field as the profile's element (its ElementDefinition id,
e.g. ``EpisodeOfCare.period.start``, ``Condition.code.coding:icpc2``), ``locate`` finds the
element in the submitted Bundle (a FHIRPath such as ``Bundle.entry[2].resource.period.start``)
and ``fhir_words`` rewrites a pipeline message in those names.

Which entry a rejection belongs to follows from the element: a Condition's code or date is the
Condition entry's failure, the CPR the Patient's, everything else the EpisodeOfCare's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sentinel.api.fhir.codes import (
    COURSE_TYPE_SYSTEM,
    CPR_SYSTEM,
    INITIALS_URL,
    OPT_OUT_URL,
    SPECIALE_SYSTEM,
    EpisodeItem,
)
from sentinel.lib.reasons import GATE_MESSAGES, Reason


@dataclass(frozen=True)
class Element:
    """Where a record field comes from in the profile.

    ``name`` is the element as messages say it; ``resource`` is the resource of the entry that
    carries it (``EpisodeOfCare``, ``Condition`` or ``Patient``); ``path`` is the FHIRPath
    inside that resource, where one element fits every Bundle (the rest is found by
    ``locate``)."""

    name: str
    resource: str
    path: str = ""


#: API.md's field → the profile's element. ``diagnoses[].x`` stands for ``diagnoses[n].x``.
ELEMENTS: dict[str, Element] = {
    "source_id": Element("EpisodeOfCare.identifier.value", "EpisodeOfCare", "identifier[0].value"),
    "version": Element("EpisodeOfCare.meta.versionId", "EpisodeOfCare", "meta.versionId"),
    "patient_cpr": Element("Patient.identifier:cpr.value", "Patient"),
    "speciale": Element("EpisodeOfCare.type:speciale", "EpisodeOfCare"),
    "course_type": Element("EpisodeOfCare.type:courseType", "EpisodeOfCare"),
    "start_date": Element("EpisodeOfCare.period.start", "EpisodeOfCare", "period.start"),
    "end_date": Element("EpisodeOfCare.period.end", "EpisodeOfCare", "period.end"),
    "practitioner_initials": Element(
        "EpisodeOfCare.extension:practitionerInitials", "EpisodeOfCare"
    ),
    "patient_opt_out": Element("EpisodeOfCare.extension:patientOptOut", "EpisodeOfCare"),
    "diagnoses": Element("EpisodeOfCare.diagnosis", "EpisodeOfCare", "diagnosis"),
    "services": Element("services (not carried by the FHIR profile)", "EpisodeOfCare"),
    "diagnoses[].code": Element("Condition.code.coding:icpc2", "Condition", "code"),
    "diagnoses[].recorded_at": Element("Condition.recordedDate", "Condition", "recordedDate"),
    "diagnoses[].source": Element("Condition.category:diagnosisSource", "Condition", "category"),
    "diagnoses[].verification_status": Element(
        "Condition.verificationStatus", "Condition", "verificationStatus"
    ),
    # Not fields of a record, but what some reasons are about:
    "clinic": Element(
        "EpisodeOfCare.managingOrganization", "EpisodeOfCare", "managingOrganization"
    ),
    "status": Element("EpisodeOfCare.status", "EpisodeOfCare", "status"),
}

#: Reasons that are about one element whatever the message says.
REASON_ELEMENTS: dict[Reason, str] = {
    Reason.STALE_VERSION: "version",
    Reason.DIAGNOSIS_HISTORY_REWRITTEN: "diagnoses",
    Reason.PATIENT_OPTED_OUT: "patient_opt_out",
    Reason.COURSE_ENTERED_IN_ERROR: "status",
    **dict.fromkeys(GATE_MESSAGES, "clinic"),  # the clinic's standing
}

#: Phrases of the pipeline's messages that name both doors' elements.
_PHRASES = {"(JSON: version; FHIR: meta.versionId)": "(EpisodeOfCare.meta.versionId)"}
_DIAGNOSIS_KEYS = ("code", "recorded_at", "source", "verification_status")
_TOP = sorted(
    (f for f in ELEMENTS if "[" not in f and f not in ("clinic", "status", "version")),
    key=len,
    reverse=True,
)
_FIELD = re.compile(
    rf"(?<![\w.])(?:diagnoses\[(?P<n>[0-9]+)\]\.(?P<key>{'|'.join(_DIAGNOSIS_KEYS)})"
    rf"|(?P<top>{'|'.join(_TOP)}|verification_status))(?![\w])"
)


def _field(match: re.Match[str]) -> str:
    if match.group("key"):
        return f"diagnoses[].{match.group('key')}"
    top = match.group("top")
    return "diagnoses[].verification_status" if top == "verification_status" else top


def fhir_words(text: str) -> str:
    """A pipeline message with API.md's field names replaced by the profile's elements."""
    for phrase, words in _PHRASES.items():
        text = text.replace(phrase, words)
    return _FIELD.sub(lambda m: ELEMENTS[_field(m)].name, text)


@dataclass(frozen=True)
class Located:
    """A record-level problem placed in the Bundle: the entry it belongs to and the FHIRPath
    of the element."""

    entry: int
    expression: str


def about(reason: Reason, message: str) -> tuple[str | None, int | None]:
    """The field a rejection is about (a key of ``ELEMENTS``) and, for a diagnosis, its
    position in the record's ``diagnoses``; ``(None, None)`` when it names none."""
    fixed = REASON_ELEMENTS.get(reason)
    if fixed is not None:
        return fixed, None
    match = _FIELD.search(message)
    if match is None:
        return None, None
    n = match.group("n")
    return _field(match), None if n is None else int(n)


def locate(
    field: str | None, position: int | None, item: EpisodeItem, entries: list[dict[str, Any]]
) -> Located:
    """Where ``field`` (of the diagnosis at ``position``) of ``item``'s record is in the Bundle."""
    episode = item.entry_indexes[0]
    at = f"Bundle.entry[{episode}].resource"
    element = ELEMENTS.get(field or "")
    if element is None:
        return Located(episode, at)
    if element.resource == "Condition" and position is not None:
        if position < len(item.conditions):
            condition = item.conditions[position]
            if field == "diagnoses[].recorded_at" and condition in item.recorded_from:
                entry, path = item.recorded_from[condition]  # onsetDateTime, the course's start
                return Located(entry, path)
            return Located(condition, f"Bundle.entry[{condition}].resource.{element.path}")
        return Located(episode, f"{at}.diagnosis")
    if field == "patient_cpr":
        if item.patient is None:  # a logical reference by CPR identifier
            return Located(episode, f"{at}.patient.identifier.value")
        resource = _resource(entries, item.patient)
        n = _index(resource.get("identifier"), lambda i: i.get("system") == CPR_SYSTEM)
        where = f"Bundle.entry[{item.patient}].resource.identifier"
        return Located(item.patient, where if n is None else f"{where}[{n}].value")
    resource = _resource(entries, episode)
    if field in ("speciale", "course_type"):
        system = SPECIALE_SYSTEM if field == "speciale" else COURSE_TYPE_SYSTEM
        n = _index(
            resource.get("type"),
            lambda concept: any(
                isinstance(c, dict) and c.get("system") == system
                for c in concept.get("coding") or ()
            ),
        )
        return Located(episode, f"{at}.type" if n is None else f"{at}.type[{n}]")
    if field in ("practitioner_initials", "patient_opt_out"):
        url = INITIALS_URL if field == "practitioner_initials" else OPT_OUT_URL
        n = _index(resource.get("extension"), lambda e: e.get("url") == url)
        return Located(episode, f"{at}.extension" if n is None else f"{at}.extension[{n}]")
    return Located(episode, f"{at}.{element.path}" if element.path else at)


def _resource(entries: list[dict[str, Any]], index: int) -> dict[str, Any]:
    resource = entries[index].get("resource")
    return resource if isinstance(resource, dict) else {}


def _index(values: Any, wanted: Any) -> int | None:
    if not isinstance(values, list):
        return None
    for n, value in enumerate(values):
        if isinstance(value, dict) and wanted(value):
            return n
    return None
