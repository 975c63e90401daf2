"""The inverse: records as a FHIR batch Bundle (for tests, the demo and the benchmark).
See ``sentinel.api.fhir``."""

from __future__ import annotations

import uuid
from typing import Any

from sentinel.api.fhir.codes import (
    _REFERENCE_NAMESPACE,
    COURSE_TYPE_SYSTEM,
    CPR_SYSTEM,
    DIAGNOSIS_SOURCE_SYSTEM,
    ICPC2_SYSTEM,
    INITIALS_URL,
    OPT_OUT_URL,
    SOURCE_ID_SYSTEM,
    SPECIALE_SYSTEM,
    YDERNUMMER_SYSTEM,
)
from sentinel.api.fhir.measures import measure_resource
from sentinel.lib.instruments import INSTRUMENTS


def _full_url(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_REFERENCE_NAMESPACE, '/'.join(map(str, parts)))}"


def records_to_bundle(ydernummer: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch Bundle (JSON) carrying ``records`` of the clinic ``ydernummer``.

    One Patient per distinct CPR (a Patient without identifier for a record without one), one
    Condition per diagnosis, one EpisodeOfCare per record (an outcome record: an Observation
    or a QuestionnaireResponse, ``measures``); references by ``urn:uuid`` fullUrls
    derived from positions only (never from a CPR). ``services`` is not carried.
    """
    entries: list[dict[str, Any]] = []
    patients: dict[str, str] = {}

    def add(full_url: str, resource: dict[str, Any]) -> None:
        request = {"method": "POST", "url": resource["resourceType"]}
        entries.append({"fullUrl": full_url, "resource": resource, "request": request})

    for n, record in enumerate(records):
        if record.get("type") == "outcome":
            known = INSTRUMENTS.get(record.get("instrument") or "")
            shape = known.shape if known is not None else "single"
            add(_full_url(ydernummer, "measure", n), measure_resource(record, ydernummer, shape))
            continue
        if record.get("type", "episode") != "episode":
            raise ValueError(f"records[{n}]: only episode and outcome records go as FHIR")
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
