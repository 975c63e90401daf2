"""Outcome records at the FHIR door: ``Observation`` for tests and single scores,
``QuestionnaireResponse`` for questionnaires with items (``lib.instruments``'s
``fhir_resource``), each linked to its course's ``EpisodeOfCare``. Pure: no database.

**Observation** (NPRS, 30-second chair stand, 40-m fast-paced walk):

- ``identifier[0].value`` → ``source_id``; ``meta.versionId`` → ``version`` (absent: 1);
- ``code.coding`` with the instrument system → ``instrument``;
- extension ``workflow-episodeOfCare`` (HL7's standard extension) ``valueReference`` →
  ``episode_source_id``: a reference to an EpisodeOfCare entry of this Bundle (its
  ``identifier[0].value``), or a logical reference ``{"identifier": {"value": …}}`` to a
  course sent before;
- extension ``…/outcome-timepoint`` ``valueCode`` → ``timepoint``;
- ``effectiveDateTime`` (its date) → ``date``;
- ``valueQuantity.value`` → ``score``;
- ``performer[]``: the Organization with the ydernummer identifier → the clinic; the one
  whose ``type`` is ``Patient``, ``Practitioner`` or ``RelatedPerson`` → ``answered_by``
  (patient, therapist, proxy);
- ``subject.identifier`` with the CPR system → ``patient_cpr`` (only ever kept as the age band);
- ``status`` ``entered-in-error`` withdraws the measurement.

**QuestionnaireResponse** (PSFS): the same, with ``identifier.value``, ``questionnaire``
(``…/Questionnaire/<instrument>``) for the instrument, ``authored`` for the date, ``author``
for the clinic, ``source.type`` for who answered, and ``item[].linkId`` with
``answer[0].valueInteger``/``valueDecimal`` for the items (no question text is sent or kept).
"""

from __future__ import annotations

from typing import Any

from sentinel.api.fhir.codes import CPR_SYSTEM, YDERNUMMER_SYSTEM

BASE = "https://sentinel-data.dk/fhir"
INSTRUMENT_SYSTEM = f"{BASE}/CodeSystem/outcome-instrument"
QUESTIONNAIRE_BASE = f"{BASE}/Questionnaire/"
TIMEPOINT_URL = f"{BASE}/StructureDefinition/outcome-timepoint"
EPISODE_URL = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"
RESOURCES = ("Observation", "QuestionnaireResponse")
RESPONDENT_TYPES = {"Patient": "patient", "Practitioner": "therapist", "RelatedPerson": "proxy"}
_TYPE_OF = {v: k for k, v in RESPONDENT_TYPES.items()}


class MeasureProblem(Exception):
    """The entry cannot be read as a measurement; ``message`` names the element."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _extension(resource: dict[str, Any], url: str) -> dict[str, Any]:
    for extension in _list(resource.get("extension")):
        if _dict(extension).get("url") == url:
            return _dict(extension)
    return {}


def _ydernummer(reference: Any) -> str | None:
    identifier = _dict(_dict(reference).get("identifier"))
    if identifier.get("system") == YDERNUMMER_SYSTEM and isinstance(identifier.get("value"), str):
        return str(identifier["value"]).zfill(6)
    return None


def _respondent(reference: Any) -> str | None:
    kind = _dict(reference).get("type")
    return RESPONDENT_TYPES.get(kind) if isinstance(kind, str) else None


def _version(resource: dict[str, Any], where: str) -> int:
    raw = _dict(resource.get("meta")).get("versionId", "1")
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit():
        raise MeasureProblem(f'{where}.meta.versionId: a whole number as text, e.g. "1"')
    return int(raw)


def _date(value: Any) -> Any:
    """A dateTime's day as written (``2026-02-02T10:00:00+01:00`` → ``2026-02-02``); any
    other value reaches the pipeline as it is (and is refused there as ``invalid_date``)."""
    return value[:10] if isinstance(value, str) and len(value) > 10 else value


def read_measure(
    index: int,
    resource: dict[str, Any],
    course_of: dict[str, tuple[str, str | None]],
) -> tuple[str | None, dict[str, Any]]:
    """The entry's ydernummer (None if it names none) and its record in the API's shape.

    ``course_of`` maps a reference (``fullUrl`` or ``EpisodeOfCare/<id>``) to an EpisodeOfCare
    entry of the Bundle: its ``source_id`` and its clinic's ydernummer."""
    where = f"entry[{index}].resource"
    kind = resource.get("resourceType")
    episode_ref = _dict(_extension(resource, EPISODE_URL).get("valueReference"))
    course_id: Any = None
    course_clinic = None
    reference = episode_ref.get("reference")
    if isinstance(reference, str):
        found = course_of.get(reference.split("/_history")[0])
        if found is None:
            raise MeasureProblem(
                f"{where}.extension(workflow-episodeOfCare): {reference[:60]!r} is no "
                "EpisodeOfCare of this Bundle; refer to a course sent before by identifier"
            )
        course_id, course_clinic = found
    else:
        course_id = _dict(episode_ref.get("identifier")).get("value")
    if not isinstance(course_id, str):
        raise MeasureProblem(
            f"{where}.extension(workflow-episodeOfCare): required, the course (EpisodeOfCare) "
            "the measurement belongs to"
        )
    timepoint = _extension(resource, TIMEPOINT_URL).get("valueCode")
    subject = _dict(_dict(resource.get("subject")).get("identifier"))
    cpr = subject.get("value") if subject.get("system") == CPR_SYSTEM else None
    record: dict[str, Any] = {
        "type": "outcome",
        "version": _version(resource, where),
        "episode_source_id": course_id,
        "patient_cpr": cpr,
        "timepoint": timepoint,
        "entered_in_error": resource.get("status") == "entered-in-error",
        "patient_opt_out": False,
    }
    if kind == "Observation":
        identifier = _dict(next(iter(_list(resource.get("identifier"))), {}))
        codings = _list(_dict(resource.get("code")).get("coding"))
        instrument = next(
            (c.get("code") for c in map(_dict, codings) if c.get("system") == INSTRUMENT_SYSTEM),
            None,
        )
        performers = _list(resource.get("performer"))
        clinic = next((y for y in map(_ydernummer, performers) if y), None)
        answered_by = next((r for r in map(_respondent, performers) if r), None)
        record.update(
            source_id=identifier.get("value"),
            instrument=instrument,
            date=_date(resource.get("effectiveDateTime")),
            score=_dict(resource.get("valueQuantity")).get("value"),
            items=None,
            answered_by=answered_by,
        )
    else:
        identifier = _dict(resource.get("identifier"))
        questionnaire = resource.get("questionnaire")
        instrument = (
            questionnaire.removeprefix(QUESTIONNAIRE_BASE)
            if isinstance(questionnaire, str) and questionnaire.startswith(QUESTIONNAIRE_BASE)
            else questionnaire
        )
        items = []
        for item in map(_dict, _list(resource.get("item"))):
            answer = _dict(next(iter(_list(item.get("answer"))), {}))
            value = answer.get("valueInteger", answer.get("valueDecimal"))
            items.append({"item": item.get("linkId"), "score": value})
        clinic = _ydernummer(resource.get("author"))
        record.update(
            source_id=identifier.get("value"),
            instrument=instrument,
            date=_date(resource.get("authored")),
            score=None,
            items=items,
            answered_by=_respondent(resource.get("source")),
        )
    if not isinstance(record["source_id"], str) or not record["source_id"]:
        raise MeasureProblem(
            f"{where}.identifier: required, the system's own id of the measurement"
        )
    return clinic or course_clinic, record


def measure_resource(record: dict[str, Any], ydernummer: str, instrument_shape: str) -> dict:
    """The inverse of ``read_measure`` (for tests, the demo vendor and the benchmark)."""
    episode = {
        "url": EPISODE_URL,
        "valueReference": {"identifier": {"value": record["episode_source_id"]}},
    }
    extensions = [episode, {"url": TIMEPOINT_URL, "valueCode": record["timepoint"]}]
    clinic = {
        "type": "Organization",
        "identifier": {"system": YDERNUMMER_SYSTEM, "value": ydernummer},
    }
    respondent = {"type": _TYPE_OF[record["answered_by"]]}
    resource: dict[str, Any]
    if instrument_shape == "items":
        resource = {
            "resourceType": "QuestionnaireResponse",
            "identifier": {"value": record["source_id"]},
            "questionnaire": QUESTIONNAIRE_BASE + record["instrument"],
            "status": "completed",
            "authored": record["date"],
            "author": clinic,
            "source": respondent,
            "item": [
                {"linkId": i["item"], "answer": [{"valueInteger": int(i["score"])}]}
                for i in record["items"] or ()
            ],
        }
    else:
        resource = {
            "resourceType": "Observation",
            "identifier": [{"value": record["source_id"]}],
            "status": "final",
            "code": {"coding": [{"system": INSTRUMENT_SYSTEM, "code": record["instrument"]}]},
            "effectiveDateTime": record["date"],
            "performer": [clinic, respondent],
            "valueQuantity": {"value": record["score"]},
        }
    resource["meta"] = {"versionId": str(record["version"])}
    resource["extension"] = extensions
    if record.get("patient_cpr"):
        resource["subject"] = {"identifier": {"system": CPR_SYSTEM, "value": record["patient_cpr"]}}
    return resource
