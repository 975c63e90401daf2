"""The profile's code systems as FHIR R4 CodeSystem resources, served under
``/api/v1/fhir/CodeSystem/<id>`` (their canonical URLs are ``https://sentinel-data.dk/fhir/
CodeSystem/<id>``, the systems the profile in this package's docstring names).

Each is built from the one home of its codes — the clinic model's specialer, ``lib.icpc2``'s
course types, the diagnosis sources, ``lib.reasons.Reason`` — so the published code system
can never drift from what the door takes and answers."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from sentinel.api.fhir.codes import (
    COURSE_TYPE_SYSTEM,
    DIAGNOSIS_SOURCE_SYSTEM,
    DIAGNOSIS_SOURCES,
    REASON_SYSTEM,
    SPECIALE_SYSTEM,
)
from sentinel.api.fhir.measures import INSTRUMENT_SYSTEM
from sentinel.clinics.models import Speciale
from sentinel.collection.reason_texts import REFUSAL_REASONS
from sentinel.lib import icpc2
from sentinel.lib.instruments import INSTRUMENTS
from sentinel.lib.reasons import Reason

VERSION = "1"


def _code_system(url: str, name: str, title: str, concepts: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": url.rsplit("/", 1)[1],
        "url": url,
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "publisher": "Sentinel",
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def code_systems() -> dict[str, dict[str, Any]]:
    """Every code system of the profile, by id."""
    with translation.override("da"):
        reasons = [{"code": r.value, "display": str(REFUSAL_REASONS[r.value])} for r in Reason]
    systems = [
        _code_system(
            SPECIALE_SYSTEM,
            "SentinelSpeciale",
            "Speciale (the clinic's or the course's, as in the ydernummer register)",
            [{"code": value, "display": str(label)} for value, label in Speciale.choices],
        ),
        _code_system(
            COURSE_TYPE_SYSTEM,
            "SentinelCourseType",
            "Structured course types of speciale 51 and the ICPC-2 code each expects",
            [
                {"code": name, "display": f"{name} (ICPC-2 {' or '.join(sorted(codes))})"}
                for name, codes in sorted(icpc2.COURSE_TYPES.items())
            ],
        ),
        _code_system(
            DIAGNOSIS_SOURCE_SYSTEM,
            "SentinelDiagnosisSource",
            "Who put the code on the course: the clinician, or the referral (henvisning)",
            [{"code": code, "display": code} for code in sorted(DIAGNOSIS_SOURCES)],
        ),
        _code_system(
            INSTRUMENT_SYSTEM,
            "SentinelOutcomeInstrument",
            "Free-to-use outcome instruments Sentinel takes (lib.instruments; the scale only)",
            [
                {"code": i.code, "display": f"{i.name}: {i.minimum} to {i.maximum}"}
                for i in INSTRUMENTS.values()
            ],
        ),
        _code_system(
            REASON_SYSTEM,
            "SentinelReason",
            "Why a record was refused (API.md's reason codes)",
            reasons,
        ),
    ]
    return {system["id"]: system for system in systems}
