"""The registry of record types (``lib.recordtypes``) and what reads it: the data
specification, the portal's words, the reason texts, the instruments and the age bands."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.collection.reason_texts import REFUSAL_REASONS
from sentinel.lib import agebands
from sentinel.lib.dataspec import KNOWN_FIELDS, parse_spec
from sentinel.lib.errors import DomainError
from sentinel.lib.instruments import INSTRUMENTS
from sentinel.lib.reasons import Reason
from sentinel.lib.recordtypes import RECORD_TYPES
from sentinel.portal import texts


def test_episode_is_one_entry_and_its_fields_are_unchanged():
    assert list(KNOWN_FIELDS["episode"]) == [
        "patient_cpr",
        "speciale",
        "course_type",
        "start_date",
        "end_date",
        "diagnoses",
        "practitioner_initials",
        "services",
    ]
    assert set(RECORD_TYPES) == {"episode", "outcome"}


def test_every_field_and_record_type_has_the_portals_words():
    for record_type in RECORD_TYPES.values():
        assert record_type.name in texts.RECORD_TYPES
        for field in record_type.fields:
            assert field.name in texts.FIELD_LABELS, field.name


def test_every_reason_has_words_for_the_clinic():
    assert set(REFUSAL_REASONS) >= {r.value for r in Reason}


def test_the_age_band_is_derived_from_the_cpr():
    assert RECORD_TYPES["outcome"].derived() == {"age_band": "patient_cpr"}
    assert RECORD_TYPES["outcome"].allowed_values["age_band"] == agebands.LABELS


def test_instruments_are_the_free_ones_and_each_has_a_scale():
    assert set(INSTRUMENTS) == {"nprs", "psfs", "chair_stand_30s", "walk_40m_fast"}
    for instrument in INSTRUMENTS.values():
        assert instrument.minimum < instrument.maximum
        assert instrument.direction in ("higher", "lower")
        assert (instrument.shape == "items") == bool(instrument.item_codes)
    assert INSTRUMENTS["psfs"].fhir_resource == "QuestionnaireResponse"
    assert INSTRUMENTS["nprs"].fhir_resource == "Observation"


def _spec(**overrides):
    raw = {
        "record_types": ["episode", "outcome"],
        "fields": ["start_date", "instrument", "score", "age_band"],
        "specialities": ["51"],
    }
    raw.update(overrides)
    return raw


def test_a_specification_may_name_both_record_types_and_their_fields():
    spec = parse_spec(_spec())
    assert spec.fields_of("outcome") == {"instrument", "score", "age_band"}
    assert spec.fields_of("episode") == {"start_date"}
    assert [name for name, _ in spec.field_labels_da()] == [
        "start_date",
        "instrument",
        "score",
        "age_band",
    ]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"record_types": ["outcome"]}, "must name episode too"),
        ({"record_types": ["episode"]}, "fields the pipeline does not know: instrument"),
        ({"record_types": ["episode", "survey"]}, "unknown record type 'survey'"),
    ],
)
def test_a_wrong_specification_is_refused(overrides, words):
    with pytest.raises(DomainError) as caught:
        parse_spec(_spec(**overrides))
    assert words in caught.value.message_en


@pytest.mark.parametrize(
    ("born", "day", "band"),
    [
        (dt.date(2000, 2, 29), dt.date(2018, 2, 28), "0-17"),
        (dt.date(2000, 2, 29), dt.date(2018, 3, 1), "18-29"),
        (dt.date(1946, 6, 1), dt.date(2026, 5, 31), "70-79"),
        (dt.date(1946, 6, 1), dt.date(2026, 6, 1), "80+"),
    ],
)
def test_age_bands_turn_on_the_birthday(born, day, band):
    assert agebands.band_of(born, day) == band
