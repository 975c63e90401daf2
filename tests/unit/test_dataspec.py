import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.lib.dataspec import parse_spec
from sentinel.lib.errors import DomainError
from sentinel.lib.icpc2 import COURSE_TYPES

VALID = {
    "record_types": ["episode"],
    "fields": ["patient_cpr", "diagnoses"],
    "specialities": ["51"],
    "icpc2_filter": {"chapters": ["L"], "codes": ["L03"]},
    "course_types": ["hip_osteoarthritis", "knee_osteoarthritis"],
    "person_identifiable_worklist": True,
}


def test_parse_spec_round_trips_a_valid_specification():
    spec = parse_spec(VALID)
    assert spec.as_json() == VALID
    assert spec.course_types == ("hip_osteoarthritis", "knee_osteoarthritis")
    assert [name for name, _ in spec.field_labels_da()] == ["patient_cpr", "diagnoses"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fields": ["shoe_size"]}, "fields the pipeline does not know: shoe_size"),
        ({"record_types": ["invoice"]}, "unknown record type"),
        ({"record_types": []}, "at least one record type"),
        ({"specialities": ["99"]}, "specialities must be"),
        ({"icpc2_filter": {"codes": ["L3"]}}, "ICPC-2 codes like L03"),
        ({"icpc2_filter": {"chapters": ["Q"]}}, "chapter letters"),
        ({"person_identifiable_worklist": "yes"}, "true or false"),
        ({"colour": "blue"}, "unknown keys: colour"),
        ({"course_types": ["ankle_sprain"]}, "course_types must be some of .*'ankle_sprain'"),
        ({"course_types": "knee_osteoarthritis"}, "course_types must be a list"),
        ({"course_types": [7]}, "course_types must be a list"),
        ({"course_types": None}, "course_types must be a list"),
    ],
)
def test_parse_spec_names_what_is_wrong(change, message):
    with pytest.raises(DomainError, match=message) as exc:
        parse_spec({**VALID, **change})
    assert exc.value.code == "invalid_data_specification"


def test_parse_spec_unknown_course_type_is_named_in_danish_too():
    with pytest.raises(DomainError) as exc:
        parse_spec({**VALID, "course_types": ["knee_osteoarthritis", "ankle_sprain"]})
    assert exc.value.message_da.startswith("Ukendt forløbstype: 'ankle_sprain'.")


@pytest.mark.parametrize("absent", [{}, {"course_types": []}])
def test_parse_spec_without_course_types_takes_every_course(absent):
    raw = {k: v for k, v in VALID.items() if k != "course_types"} | absent
    spec = parse_spec(raw)
    assert spec.course_types == ()
    assert spec.as_json()["course_types"] == []
    for course_type in (None, *COURSE_TYPES):
        assert spec.takes("episode", "51", ["L03"], course_type)


def test_parse_spec_limiting_outcomes_by_course_type_keeps_the_course_type():
    raw = {
        "record_types": ["episode", "outcome"],
        "fields": ["speciale", "start_date", "instrument", "score"],
        "specialities": ["51"],
        "course_types": ["low_back_pain"],
    }
    with pytest.raises(DomainError, match="must keep the field course_type"):
        parse_spec(raw)
    assert parse_spec({**raw, "fields": [*raw["fields"], "course_type"]}).course_types


@given(
    limit=st.lists(st.sampled_from(sorted(COURSE_TYPES)), unique=True),
    course_type=st.sampled_from([None, *sorted(COURSE_TYPES)]),
    record_type=st.sampled_from(["episode", "outcome"]),
)
def test_takes_a_course_type_exactly_when_the_specification_lists_it_or_lists_none(
    limit, course_type, record_type
):
    spec = parse_spec(
        {
            "record_types": ["episode", "outcome"],
            "fields": ["course_type"],
            "specialities": ["51"],
            "course_types": limit,
        }
    )
    expected = not limit or course_type in limit
    speciale = "51" if record_type == "episode" else None
    assert spec.takes(record_type, speciale, ["L03"], course_type) is expected
    # the other conditions still hold on their own
    assert not spec.takes("episode", "57", ["L03"], course_type)
