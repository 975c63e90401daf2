import pytest

from sentinel.lib.dataspec import parse_spec
from sentinel.lib.errors import DomainError

VALID = {
    "record_types": ["episode"],
    "fields": ["patient_cpr", "diagnoses"],
    "specialities": ["51"],
    "icpc2_filter": {"chapters": ["L"], "codes": ["L03"]},
    "person_identifiable_worklist": True,
}


def test_parse_spec_round_trips_a_valid_specification():
    spec = parse_spec(VALID)
    assert spec.as_json() == VALID
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
    ],
)
def test_parse_spec_names_what_is_wrong(change, message):
    with pytest.raises(DomainError, match=message) as exc:
        parse_spec({**VALID, **change})
    assert exc.value.code == "invalid_data_specification"
