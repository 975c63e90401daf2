"""A project's data specification: exactly which data a project collects.

The specification is machine-readable and is what the collection gate and minimisation obey:
a record is collected for a project only when its type and speciale are listed, its codes
pass the filter and its course's type is one of the listed course types; only the listed
fields are kept. Stored as JSON, validated here::

    {
      "record_types": ["episode"],
      "fields": ["patient_cpr", "speciale", "course_type", "start_date", "end_date", "diagnoses"],
      "specialities": ["51", "57"],
      "icpc2_filter": {"chapters": [], "codes": []},   # empty lists: every ICPC-2 code
      "course_types": ["knee_osteoarthritis"],   # empty or absent: every course, typed or not
      "person_identifiable_worklist": true   # CPR kept encrypted for the clinic's worklist
    }

A field name applies to every named record type that has it (``lib.recordtypes`` declares
each type's fields; ``patient_cpr`` is one field of both ``episode`` and ``outcome``). A
derived field (``age_band``) is computed at ingest from the field it names and is the only
thing kept of it unless the specification names that field too.

``course_types`` names structured courses of speciale 51 (``lib.icpc2.COURSE_TYPES``); when
it names any, a course without one of them is not collected, nor are its outcome records (an
outcome record's course type is its course's). A specification that limits outcome records by
course type keeps the field ``course_type``: the course's type is how its later measurements
are judged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel.lib.errors import DomainError
from sentinel.lib.icpc2 import COURSE_TYPES
from sentinel.lib.recordtypes import RECORD_TYPES

# Fields of each record type the pipeline knows, with a Danish label for the portal's
# plain-language list of what is collected (the registry ``lib.recordtypes`` is their home).
KNOWN_FIELDS: dict[str, dict[str, str]] = {
    name: {f.name: f.label_da for f in record_type.fields}
    for name, record_type in RECORD_TYPES.items()
}
KNOWN_SPECIALITIES = {"51", "57"}
ICPC2_CHAPTERS = set("ABDFHKLNPRSTUWXYZ")
_ICPC2_CODE = re.compile(r"[ABDFHKLNPRSTUWXYZ][0-9][0-9]")


@dataclass(frozen=True)
class DataSpec:
    record_types: tuple[str, ...]
    fields: tuple[str, ...]
    specialities: tuple[str, ...]
    icpc2_chapters: tuple[str, ...] = ()
    icpc2_codes: tuple[str, ...] = ()
    person_identifiable_worklist: bool = False
    course_types: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "record_types": list(self.record_types),
            "fields": list(self.fields),
            "specialities": list(self.specialities),
            "icpc2_filter": {
                "chapters": list(self.icpc2_chapters),
                "codes": list(self.icpc2_codes),
            },
            "course_types": list(self.course_types),
            "person_identifiable_worklist": self.person_identifiable_worklist,
        }

    def takes(
        self,
        record_type: str,
        speciale: str | None,
        codes: Sequence[str],
        course_type: str | None = None,
    ) -> bool:
        """Whether the specification takes a record: its type, its speciale, its course's
        type among the specification's course types (when it names any; ``None`` is a course
        that is no structured course), and every code within the specification's ICPC-2
        chapters or codes (when it names any). For an outcome record ``course_type`` is the
        type of the course it belongs to."""
        if record_type not in self.record_types:
            return False
        known = RECORD_TYPES.get(record_type)
        if (known is None or known.has_speciale) and speciale not in self.specialities:
            return False
        if self.course_types and course_type not in self.course_types:
            return False
        if not self.icpc2_chapters and not self.icpc2_codes:
            return True
        return all(c[0] in self.icpc2_chapters or c in self.icpc2_codes for c in codes)

    def field_labels_da(self) -> list[tuple[str, str]]:
        labels: list[tuple[str, str]] = []
        seen: set[str] = set()
        for record_type in self.record_types:
            known = KNOWN_FIELDS[record_type]
            for name in self.fields:
                if name in known and name not in seen:
                    seen.add(name)
                    labels.append((name, known[name]))
        return labels

    def fields_of(self, record_type: str) -> frozenset[str]:
        """The specification's fields that a record of ``record_type`` has."""
        known = KNOWN_FIELDS.get(record_type, {})
        return frozenset(name for name in self.fields if name in known)


def _invalid(message: str, message_da: str | None = None) -> DomainError:
    return DomainError("invalid_data_specification", message, message_da)


def _string_list(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(f"{key} must be a list of strings")
    return value


def parse_spec(raw: Any) -> DataSpec:
    """Validate a JSON data specification; raises ``DomainError`` naming what is wrong."""
    if not isinstance(raw, dict):
        raise _invalid("a data specification is a JSON object")
    unknown_keys = set(raw) - {
        "record_types",
        "fields",
        "specialities",
        "icpc2_filter",
        "course_types",
        "person_identifiable_worklist",
    }
    if unknown_keys:
        raise _invalid(f"unknown keys: {', '.join(sorted(unknown_keys))}")
    record_types = _string_list(raw, "record_types")
    if not record_types:
        raise _invalid("record_types must name at least one record type")
    for record_type in record_types:
        if record_type not in KNOWN_FIELDS:
            raise _invalid(f"unknown record type {record_type!r}")
    if "outcome" in record_types and "episode" not in record_types:
        raise _invalid(
            "outcome records belong to a course: a specification naming outcome must name "
            "episode too"
        )
    fields = _string_list(raw, "fields")
    allowed = {f for t in record_types for f in KNOWN_FIELDS[t]}
    unknown_fields = [f for f in fields if f not in allowed]
    if unknown_fields:
        raise _invalid(f"fields the pipeline does not know: {', '.join(unknown_fields)}")
    specialities = _string_list(raw, "specialities")
    bad_specialities = [s for s in specialities if s not in KNOWN_SPECIALITIES]
    if not specialities or bad_specialities:
        raise _invalid(
            f"specialities must be some of {sorted(KNOWN_SPECIALITIES)}, got {specialities}"
        )
    code_filter = raw.get("icpc2_filter", {}) or {}
    if not isinstance(code_filter, dict) or set(code_filter) - {"chapters", "codes"}:
        raise _invalid("icpc2_filter takes only 'chapters' and 'codes'")
    chapters = _string_list(code_filter, "chapters")
    codes = _string_list(code_filter, "codes")
    if any(c not in ICPC2_CHAPTERS for c in chapters):
        raise _invalid(f"icpc2_filter.chapters must be ICPC-2 chapter letters, got {chapters}")
    if any(not _ICPC2_CODE.fullmatch(c) for c in codes):
        raise _invalid(f"icpc2_filter.codes must be ICPC-2 codes like L03, got {codes}")
    course_types = raw.get("course_types", [])
    if not isinstance(course_types, list) or not all(isinstance(t, str) for t in course_types):
        raise _invalid(
            "course_types must be a list of course types (strings)",
            "Forløbstyper (course_types) skal være en liste af forløbstyper.",
        )
    unknown_types = [t for t in course_types if t not in COURSE_TYPES]
    if unknown_types:
        named = ", ".join(map(repr, unknown_types))
        known = ", ".join(sorted(COURSE_TYPES))
        raise _invalid(
            f"course_types must be some of {known}; unknown: {named}",
            f"Ukendt forløbstype: {named}. Brug nogle af de strukturerede forløb: {known}.",
        )
    if course_types and "outcome" in record_types and "course_type" not in fields:
        raise _invalid(
            "outcome records are limited by their course's type: a specification naming "
            "course_types and outcome must keep the field course_type",
            "Resultatmål begrænses efter forløbets type: når dataspecifikationen nævner "
            "forløbstyper og resultatmål, skal feltet course_type (forløbets type) opsamles.",
        )
    worklist = raw.get("person_identifiable_worklist", False)
    if not isinstance(worklist, bool):
        raise _invalid("person_identifiable_worklist must be true or false")
    return DataSpec(
        record_types=tuple(record_types),
        fields=tuple(dict.fromkeys(fields)),
        specialities=tuple(specialities),
        icpc2_chapters=tuple(chapters),
        icpc2_codes=tuple(codes),
        person_identifiable_worklist=worklist,
        course_types=tuple(dict.fromkeys(course_types)),
    )
