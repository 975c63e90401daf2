"""Hostile and careless input over real HTTP: Unicode digits, control characters, loose JSON
types, odd dates, CPR numbers in identifier fields. Every refusal is a reason code or a 422
naming the field, nothing is stored, and none is a 5xx."""

from __future__ import annotations

import pytest

from sentinel.clinics.models import Clinic
from sentinel.collection.models import DiagnosisEvent, Episode, Submission
from tests.api.conftest import episode
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
def test_submission_unicode_digit_cpr_is_invalid_cpr_and_the_batch_goes_on(
    api, ready_clinic, digits
):
    good = [episode(f"E-{i}") for i in range(3)]
    bad = episode("E-bad")
    bad["patient_cpr"] = bad["patient_cpr"].translate(digits)
    opted_out = episode("E-out", patient_opt_out=True)
    opted_out["patient_cpr"] = opted_out["patient_cpr"].translate(digits)

    response = api.submit(ready_clinic.ydernummer, [good[0], bad, good[1], opted_out, good[2]])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 3
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [
        (1, "invalid_cpr"),
        (3, "patient_opted_out"),
    ]
    assert sorted(Episode.objects.values_list("source_id", flat=True)) == ["E-0", "E-1", "E-2"]


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
@pytest.mark.parametrize("field", ["ydernummer", "cvr", "sor_id"])
def test_activation_with_unicode_digits_is_422_and_creates_no_clinic(api, digits, field):
    ydernummer = "841002"
    body = {"cvr": valid_cvr(841002), "name": "Klinik", "speciale": "51"}
    if field == "ydernummer":
        ydernummer = ydernummer.translate(digits)
    elif field == "cvr":
        body["cvr"] = body["cvr"].translate(digits)
    else:
        body["sor_id"] = "123456789012".translate(digits)

    response = api.http.put(f"/clinics/{ydernummer}/activation", json=body)

    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    assert not Clinic.objects.exists()


def test_unicode_digit_ydernummer_in_a_path_is_404(api, ready_clinic):
    response = api.submit(ready_clinic.ydernummer.translate(FULLWIDTH), [episode()])

    assert response.status_code == 404


@pytest.mark.parametrize("character", ["\x00", "\x1f", "\n", "\x7f", "\x85"])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("source_id",), "records.0.source_id"),
        (("practitioner_initials",), "records.0.practitioner_initials"),
        (("diagnoses", 0, "code"), "records.0.diagnoses.0.code"),
    ],
)
def test_submission_control_character_is_422_naming_the_field(
    api, ready_clinic, character, path, field
):
    record = episode("E-1", practitioner_initials="MK")
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = f"L{character}9"

    response = api.submit(ready_clinic.ydernummer, [record])

    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    assert not Episode.objects.exists()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["name", "speciale", "municipality_code"])
def test_activation_control_character_is_422_naming_the_field(api, field):
    response = api.activate("841003", **{field: "4\x00"})

    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    assert not Clinic.objects.exists()


@pytest.mark.parametrize("field", ["user_id", "user_name"])
def test_launch_control_character_is_422(api, ready_clinic, field):
    body = {"user_id": "u-1", "user_name": "Mette", field: "a\x00b"}

    response = api.http.post(f"/clinics/{ready_clinic.ydernummer}/launch", json=body)

    assert response.status_code == 422, response.text
    assert fields(response) == [field]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"version": "2"}, "records.0.version"),
        ({"version": True}, "records.0.version"),
        ({"version": 2.5}, "records.0.version"),
        ({"patient_opt_out": 0}, "records.0.patient_opt_out"),
        ({"patient_opt_out": "false"}, "records.0.patient_opt_out"),
        ({"source_id": 17}, "records.0.source_id"),
        ({"patient_cpr": 101901234}, "records.0.patient_cpr"),
    ],
)
def test_submission_loose_json_types_are_422(api, ready_clinic, override, field):
    response = api.submit(ready_clinic.ydernummer, [{**episode("E-1"), **override}])

    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    assert not Episode.objects.exists()


def test_a_whole_number_written_with_a_fraction_is_an_integer(api, ready_clinic):
    """JSON has one number type, and the document's ``integer`` (JSON Schema) includes 2.0."""
    response = api.submit(ready_clinic.ydernummer, [{**episode("E-1"), "version": 2.0}])

    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    assert Episode.objects.get().version == 2


@pytest.mark.parametrize(
    "override",
    [
        {"start_date": "20260302"},
        {"start_date": "2026-W10-1"},
        {"start_date": "2026-061"},
        {"start_date": "1899-12-31"},
        {"start_date": "٢٠٢٦-٠٢-٠٢"},
        {"end_date": "9999-12-31"},
        {"end_date": "2026-3-2"},
        {"services": [{"code": "2101", "date": "02-02-2026"}]},
        {"services": [{"code": "2101", "date": "9999-12-31"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "9999-12-31T23:59:59-14:00"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "0001-01-01T00:00:00"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "1899-12-31T23:59:59+01:00"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "20260202T093000"}]},
        {"diagnoses": [{"code": "L90", "recorded_at": "2026-02-02 09:30"}]},
    ],
)
def test_submission_dates_outside_the_format_or_range_are_invalid_date(api, ready_clinic, override):
    response = api.submit(ready_clinic.ydernummer, [episode("E-1", **override), episode("E-2")])

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(0, "invalid_date")]
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["E-2"]


@pytest.mark.parametrize(
    "recorded_at",
    ["2026-02-02", "2026-02-02T09:30", "2026-02-02T09:30:00.123Z", "2026-02-02T09:30:00+01:00"],
)
def test_submission_accepts_the_documented_date_time_forms(api, ready_clinic, recorded_at):
    record = episode("E-1", diagnoses=[{"code": "L90", "recorded_at": recorded_at}])

    response = api.submit(ready_clinic.ydernummer, [record])

    assert response.json()["accepted"] == 1, response.text
    assert DiagnosisEvent.objects.count() == 1


@pytest.mark.parametrize("source_id", ["0101901234", "010190-1234", "E-0101901234-x"])
def test_submission_cpr_as_source_id_is_422_and_not_stored(api, ready_clinic, source_id):
    response = api.submit(ready_clinic.ydernummer, [episode(source_id)])

    assert response.status_code == 422, response.text
    assert fields(response) == ["records.0.source_id"]
    assert source_id not in response.text
    assert not Episode.objects.exists()
    assert not Submission.objects.exists()


def test_submission_ten_digits_that_are_no_date_are_a_fine_source_id(api, ready_clinic):
    response = api.submit(ready_clinic.ydernummer, [episode("1700000000")])

    assert response.json()["accepted"] == 1


def test_submission_cpr_as_idempotency_key_is_422(api, ready_clinic):
    response = api.submit(ready_clinic.ydernummer, [episode()], **{"Idempotency-Key": "0101901234"})

    assert response.status_code == 422, response.text
    assert fields(response) == ["Idempotency-Key"]
    assert not Submission.objects.exists()


def test_launch_cpr_as_user_id_is_422(api, ready_clinic):
    body = {"user_id": "010190-1234", "user_name": "Mette"}

    response = api.http.post(f"/clinics/{ready_clinic.ydernummer}/launch", json=body)

    assert response.status_code == 422, response.text
    assert fields(response) == ["user_id"]


@pytest.mark.parametrize(
    "override",
    [{"source_id": "F-\x00"}, {"practitioner_initials": "M\x00K"}, {"source_id": "F-0101901234"}],
)
def test_fhir_control_character_or_cpr_in_text_is_invalid_text_per_entry(
    api, ready_clinic, override
):
    from sentinel.api.fhir import records_to_bundle

    bundle = records_to_bundle(
        ready_clinic.ydernummer, [episode("F-1"), {**episode("F-2"), **override}]
    )

    response = api.http.post(
        "/fhir", json=bundle, headers={"Content-Type": "application/fhir+json"}
    )

    assert response.status_code == 200, response.text[:300]
    codes = [
        coding["code"]
        for entry in response.json()["entry"]
        for issue in entry["response"]["outcome"]["issue"]
        for coding in issue.get("details", {}).get("coding", [])
    ]
    assert "invalid_text" in codes
    assert "0101901234" not in response.text
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["F-1"]


def _bundle_with(ydernummer: str, change) -> dict:
    from sentinel.api.fhir import records_to_bundle

    bundle = records_to_bundle(ydernummer, [episode("F-1")])
    change(bundle)
    return bundle


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda b: b.update(type={}), "Bundle.type"),
        (lambda b: b.update(id=None), "Bundle.id: null is not allowed"),
        (lambda b: b["entry"][0].update(resource=None), "entry[0].resource: null"),
        (lambda b: b["entry"][0].update(resource=5), "entry[0].resource: must be"),
        (lambda b: b["entry"][0].update(request="POST"), "entry[0].request: must be"),
        (lambda b: b["entry"][0]["request"].update(method={}), "entry[0].request.method"),
        (lambda b: b["entry"][0]["request"].pop("url"), "entry[0].request.url"),
        (lambda b: b["entry"][0]["request"].update(verb="POST"), "entry[0].request.verb"),
    ],
    ids=[
        "type-object",
        "null-id",
        "null-resource",
        "number-resource",
        "string-request",
        "object-method",
        "no-url",
        "unknown-request-field",
    ],
)
def test_fhir_bundle_of_the_wrong_json_shape_is_422_whole_and_stores_nothing(
    api, ready_clinic, change, said
):
    """The fuzzing's finds: an unhashable ``type`` was a 500; a null or non-object resource or
    request was answered per entry though the document says the Bundle is malformed."""
    response = api.http.post(
        "/fhir",
        json=_bundle_with(ready_clinic.ydernummer, change),
        headers={"Content-Type": "application/fhir+json"},
    )

    assert response.status_code == 422, response.text[:300]
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert said in outcome["issue"][0]["diagnostics"]
    assert not Episode.objects.exists()
