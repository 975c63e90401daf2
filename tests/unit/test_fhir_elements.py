"""The FHIR door's one table of API.md's fields as FHIR elements (``api.fhir.elements``)."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.api.fhir import RECORD_KEYS
from sentinel.api.fhir.elements import ELEMENTS, fhir_words
from sentinel.collection.validation import Reject, validate_record

TODAY = dt.date(2026, 3, 1)
GOOD = {
    "type": "episode",
    "source_id": "E-1",
    "version": 1,
    "patient_cpr": None,
    "speciale": "51",
    "course_type": None,
    "start_date": "2026-02-02",
    "end_date": None,
    "diagnoses": [{"code": "L90", "recorded_at": "2026-02-02T09:30:00"}],
}


def test_every_record_field_has_an_element():
    assert set(RECORD_KEYS) - {"type"} <= set(ELEMENTS)


@pytest.mark.parametrize(
    "changes",
    [
        {"start_date": "2026-02-30"},
        {"start_date": "2027-02-01"},
        {"end_date": "2026-01-01"},
        {"patient_cpr": "12345"},
        {"course_type": "shoulder"},
        {"diagnoses": [{"code": "L999", "recorded_at": "2026-02-02"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "yesterday"}]},
    ],
)
def test_the_pipelines_messages_come_out_in_fhir_words(changes):
    with pytest.raises(Reject) as rejected:
        validate_record({**GOOD, **changes}, TODAY)

    words = fhir_words(rejected.value.message)

    assert not set(words.replace("(", " ").split()) & set(RECORD_KEYS), words
    assert any(element.name in words for element in ELEMENTS.values()), words


def test_fhir_words_leave_prose_alone():
    assert fhir_words("version 3 is older than the stored version 4") == (
        "version 3 is older than the stored version 4"
    )
    assert fhir_words("diagnoses[2].recorded_at must be an ISO 8601 date-time") == (
        "Condition.recordedDate must be an ISO 8601 date-time"
    )
