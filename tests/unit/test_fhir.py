"""The FHIR door's mapping: Bundle → records, records → Bundle, and the batch-response.

Every CPR here is synthetic (made-up digit strings), never a real person's.
"""

import copy
import datetime as dt
import re

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.api.fhir import (
    CPR_SYSTEM,
    OPT_OUT_URL,
    REASON_SYSTEM,
    RECORD_KEYS,
    YDERNUMMER_SYSTEM,
    EntryResult,
    FhirBundleError,
    operation_outcome,
    parse_bundle,
    records_to_bundle,
    response_bundle,
)

YDER = "123456"
CPR = "0101901234"  # synthetic
OTHER_CPR = "0202851111"  # synthetic


def a_record(**changes):
    record = {
        "type": "episode",
        "source_id": "E-100234",
        "version": 3,
        "patient_cpr": CPR,
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": "2026-01-12",
        "end_date": None,
        "practitioner_initials": "MK",
        "patient_opt_out": False,
        "diagnoses": [
            {"code": "L03", "recorded_at": "2026-01-12T09:30:00+01:00", "source": "clinician"},
            {"code": "L90", "recorded_at": "2026-01-26T10:00:00+01:00", "source": "referral"},
        ],
        "services": None,
    }
    record.update(changes)
    return record


def indexes_of(bundle, resource_type):
    return [
        i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == resource_type
    ]


def resource(bundle, resource_type, n=0):
    return bundle["entry"][indexes_of(bundle, resource_type)[n]]["resource"]


def assert_every_entry_accounted_for_once(parsed):
    used = [i for item in parsed.items for i in item.entry_indexes]
    in_items = set(used)
    assert in_items.isdisjoint(parsed.entry_errors)
    assert in_items.isdisjoint(parsed.entry_ignored)
    assert set(parsed.entry_errors).isdisjoint(parsed.entry_ignored)
    covered = in_items | set(parsed.entry_errors) | set(parsed.entry_ignored)
    assert covered == set(range(parsed.total_entries))
    for item in parsed.items:  # an item lists an entry once
        assert len(item.entry_indexes) == len(set(item.entry_indexes))


def assert_every_entry_accounted_for_once_but_shared(parsed):
    covered = {i for item in parsed.items for i in item.entry_indexes} | set(parsed.entry_errors)
    assert covered | set(parsed.entry_ignored) == set(range(parsed.total_entries))


# --- round trip ------------------------------------------------------------------------------


def test_parse_bundle_round_trips_records_to_bundle():
    records = [
        a_record(),
        a_record(source_id="E-2", version=1, end_date="2026-03-01", diagnoses=[]),
        a_record(
            source_id="E-3",
            patient_cpr=OTHER_CPR,
            speciale="57",
            course_type=None,
            practitioner_initials=None,
        ),
    ]
    bundle = records_to_bundle(YDER, records)

    parsed = parse_bundle(bundle)

    assert parsed.entry_errors == {}
    assert [item.record for item in parsed.items] == records
    assert {item.ydernummer for item in parsed.items} == {YDER}
    assert parsed.total_entries == len(bundle["entry"])
    assert_every_entry_accounted_for_once(parsed)
    assert all(tuple(item.record) == RECORD_KEYS for item in parsed.items)


def test_records_to_bundle_is_valid_fhir_and_shares_a_patient_between_episodes():
    bundle = records_to_bundle(YDER, [a_record(), a_record(source_id="E-2")])

    Bundle.model_validate(bundle)  # the full fhir.resources validation
    assert bundle["type"] == "batch"
    assert len(indexes_of(bundle, "Patient")) == 1
    parsed = parse_bundle(bundle)
    first, second = parsed.items
    assert first.entry_indexes[-1] == second.entry_indexes[-1]  # the same Patient entry
    assert_every_entry_accounted_for_once_but_shared(parsed)


def test_records_to_bundle_never_derives_a_reference_from_the_cpr():
    bundle = records_to_bundle(YDER, [a_record()])
    patient_entry = bundle["entry"][indexes_of(bundle, "Patient")[0]]
    assert CPR not in patient_entry["fullUrl"]
    assert str(bundle).count(CPR) == 1  # only in Patient.identifier


def test_parse_bundle_fills_defaults_the_api_has():
    record = a_record(diagnoses=[{"code": "L03", "recorded_at": "2026-01-12T09:30:00+01:00"}])
    bundle = records_to_bundle(YDER, [record])
    condition = resource(bundle, "Condition")
    del condition["category"]
    episode = resource(bundle, "EpisodeOfCare")
    del episode["meta"]
    episode["extension"] = [e for e in episode["extension"] if e["url"] != OPT_OUT_URL]

    (item,) = parse_bundle(bundle).items

    assert item.record["diagnoses"] == [
        {"code": "L03", "recorded_at": "2026-01-12T09:30:00+01:00", "source": "clinician"}
    ]
    assert item.record["version"] == 1
    assert item.record["patient_opt_out"] is False


@st.composite
def synthetic_cprs(draw):
    """A 10-digit string shaped like DDMMYYSSSS, made up for the test."""
    day = draw(st.integers(1, 28))
    month = draw(st.integers(1, 12))
    year = draw(st.integers(0, 99))
    serial = draw(st.integers(0, 9999))
    return f"{day:02d}{month:02d}{year:02d}{serial:04d}"


dates = st.one_of(
    st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2026-02-30", "12-01-2026", ""]),  # reach the pipeline as they are
)
moments = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)).map(
    lambda moment: moment.isoformat() + "+01:00"
)
diagnoses = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["L03", "L83", "L84", "L86", "L89", "L90", "A01", "X99"]),
        "recorded_at": st.one_of(st.none(), moments, st.just("not a date")),
        "source": st.sampled_from(["clinician", "referral"]),
    }
)
records = st.fixed_dictionaries(
    {
        "type": st.just("episode"),
        "source_id": st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=100
        ).filter(str.strip),
        "version": st.integers(1, 2**31 - 1),
        "patient_cpr": st.one_of(st.none(), synthetic_cprs()),
        "speciale": st.sampled_from(["51", "57", None]),
        "course_type": st.sampled_from([None, "knee_osteoarthritis", "low_back_pain"]),
        "start_date": st.one_of(st.none(), dates),
        "end_date": st.one_of(st.none(), dates),
        "practitioner_initials": st.one_of(st.none(), st.text(min_size=1, max_size=20)),
        "patient_opt_out": st.booleans(),
        "diagnoses": st.lists(diagnoses, max_size=4),
        "services": st.none(),
    }
)


@settings(max_examples=150)
@given(st.lists(records, max_size=6))
def test_parse_bundle_inverts_records_to_bundle(generated):
    bundle = records_to_bundle(YDER, generated)

    parsed = parse_bundle(bundle)

    assert parsed.entry_errors == {}
    assert [item.record for item in parsed.items] == [with_the_profiles_rules(r) for r in generated]
    assert_every_entry_accounted_for_once_but_shared(parsed)


def with_the_profiles_rules(record):
    """A diagnosis without ``recordedDate`` takes the course's start (a date as its Danish
    midnight), as the profile says."""
    start = record["start_date"]
    if start is not None and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", start):
        start = f"{start}T00:00:00"
    diagnoses = [
        {**d, "recorded_at": start} if d["recorded_at"] is None else d for d in record["diagnoses"]
    ]
    return {**record, "diagnoses": diagnoses}


# --- the mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize("system", ["urn:oid:1.2.208.176.2.31", "http://hl7.org/fhir/sid/icpc-2"])
def test_parse_bundle_accepts_both_icpc2_systems(system):
    bundle = records_to_bundle(YDER, [a_record()])
    for i in indexes_of(bundle, "Condition"):
        bundle["entry"][i]["resource"]["code"]["coding"][0]["system"] = system

    (item,) = parse_bundle(bundle).items

    assert [d["code"] for d in item.record["diagnoses"]] == ["L03", "L90"]


def test_parse_bundle_refuses_a_condition_without_icpc2_coding():
    bundle = records_to_bundle(YDER, [a_record()])
    condition = indexes_of(bundle, "Condition")[1]
    bundle["entry"][condition]["resource"]["code"]["coding"][0]["system"] = "http://snomed.info/sct"

    parsed = parse_bundle(bundle)

    assert parsed.items == []
    assert "ICPC-2" in parsed.entry_errors[condition]
    episode = indexes_of(bundle, "EpisodeOfCare")[0]
    assert f"Condition at entry[{condition}] could not be mapped" in parsed.entry_errors[episode]
    assert_every_entry_accounted_for_once(parsed)


PATIENT_UUID = "urn:uuid:4f8a1f0e-0000-4000-8000-0000000000aa"


def hand_written_bundle(patient_ref, *, patient_full_url=None, patient_id=None):
    patient = {"resourceType": "Patient", "identifier": [{"system": CPR_SYSTEM, "value": CPR}]}
    if patient_id:
        patient["id"] = patient_id
    patient_entry = {"resource": patient, "request": {"method": "PUT", "url": "Patient/p1"}}
    if patient_full_url:
        patient_entry["fullUrl"] = patient_full_url
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:4f8a1f0e-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "EpisodeOfCare",
                    "identifier": [{"system": "https://ehr.example/forloeb", "value": "F-1"}],
                    "status": "active",
                    "patient": {"reference": patient_ref},
                    "managingOrganization": {
                        "identifier": {"system": YDERNUMMER_SYSTEM, "value": YDER}
                    },
                    "period": {"start": "2026-01-12"},
                    "diagnosis": [{"condition": {"reference": "Condition/c1"}}],
                },
                "request": {"method": "POST", "url": "EpisodeOfCare"},
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": "c1",
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": "L86"}]
                    },
                    "subject": {"reference": patient_ref},
                    "recordedDate": "2026-01-12T09:30:00+01:00",
                },
                "request": {"method": "PUT", "url": "Condition/c1"},
            },
            patient_entry,
        ],
    }


@pytest.mark.parametrize(
    ("reference", "full_url", "patient_id"),
    [
        (PATIENT_UUID, PATIENT_UUID, None),
        ("Patient/p1", None, "p1"),
        ("Patient/p1", "https://ehr.example/fhir/Patient/p1", None),
        ("https://ehr.example/fhir/Patient/p1", "https://ehr.example/fhir/Patient/p1", None),
        ("Patient/p1/_history/4", None, "p1"),
    ],
)
def test_parse_bundle_resolves_references_by_full_url_and_by_type_and_id(
    reference, full_url, patient_id
):
    bundle = hand_written_bundle(reference, patient_full_url=full_url, patient_id=patient_id)

    parsed = parse_bundle(bundle)

    assert parsed.entry_errors == {}
    (item,) = parsed.items
    assert item.entry_indexes == [0, 1, 2]
    assert item.ydernummer == YDER
    assert item.record == {
        "type": "episode",
        "source_id": "F-1",
        "version": 1,
        "patient_cpr": CPR,
        "speciale": None,
        "course_type": None,
        "start_date": "2026-01-12",
        "end_date": None,
        "practitioner_initials": None,
        "patient_opt_out": False,
        "diagnoses": [
            {"code": "L86", "recorded_at": "2026-01-12T09:30:00+01:00", "source": "clinician"}
        ],
        "services": None,
    }


def test_parse_bundle_reads_the_opt_out_extension():
    bundle = records_to_bundle(YDER, [a_record(patient_opt_out=True), a_record(source_id="E-2")])

    opted_out, other = parse_bundle(bundle).items

    assert opted_out.record["patient_opt_out"] is True
    assert other.record["patient_opt_out"] is False


def test_parse_bundle_refuses_an_opt_out_extension_without_a_boolean():
    bundle = records_to_bundle(YDER, [a_record()])
    episode = resource(bundle, "EpisodeOfCare")
    episode["extension"][0] = {"url": OPT_OUT_URL, "valueString": "yes"}

    parsed = parse_bundle(bundle)

    assert parsed.items == []
    assert "valueBoolean" in parsed.entry_errors[indexes_of(bundle, "EpisodeOfCare")[0]]


def test_parse_bundle_takes_an_opted_out_patient_without_cpr():
    bundle = records_to_bundle(YDER, [a_record(patient_opt_out=True, patient_cpr=None)])

    (item,) = parse_bundle(bundle).items

    assert item.record["patient_cpr"] is None
    assert item.record["patient_opt_out"] is True


def test_parse_bundle_passes_invalid_dates_on_for_the_pipeline_to_reject():
    record = a_record(
        start_date="2026-02-30",
        end_date="soon",
        diagnoses=[{"code": "L03", "recorded_at": "2026-13-01T25:00", "source": "clinician"}],
    )

    parsed = parse_bundle(records_to_bundle(YDER, [record]))

    assert parsed.entry_errors == {}
    assert parsed.items[0].record == record


def test_parse_bundle_refuses_a_date_that_is_not_a_string():
    bundle = records_to_bundle(YDER, [a_record()])
    resource(bundle, "EpisodeOfCare")["period"]["start"] = 20260112

    parsed = parse_bundle(bundle)

    episode = indexes_of(bundle, "EpisodeOfCare")[0]
    assert (
        parsed.entry_errors[episode] == f"entry[{episode}].resource.period.start: must be a string"
    )


def test_parse_bundle_answers_each_entry_of_an_episode_without_ydernummer():
    bundle = records_to_bundle(YDER, [a_record(), a_record(source_id="E-2", patient_cpr=OTHER_CPR)])
    first = indexes_of(bundle, "EpisodeOfCare")[0]
    del bundle["entry"][first]["resource"]["managingOrganization"]

    parsed = parse_bundle(bundle)

    (item,) = parsed.items
    assert item.record["source_id"] == "E-2"
    assert "ydernummer" in parsed.entry_errors[first]
    assert YDERNUMMER_SYSTEM in parsed.entry_errors[first]
    its_others = {0, 1, 2}  # its Patient and two Conditions
    assert set(parsed.entry_errors) == {first} | its_others
    for i in its_others:
        assert f"EpisodeOfCare that refers to it (entry[{first}])" in parsed.entry_errors[i]
    assert_every_entry_accounted_for_once(parsed)


def test_parse_bundle_refuses_a_ydernummer_of_another_system():
    bundle = records_to_bundle(YDER, [a_record()])
    organization = resource(bundle, "EpisodeOfCare")["managingOrganization"]
    organization["identifier"]["system"] = "http://cvr.dk"

    parsed = parse_bundle(bundle)

    assert parsed.items == []
    assert "ydernummer is required" in parsed.entry_errors[indexes_of(bundle, "EpisodeOfCare")[0]]


def test_parse_bundle_reports_a_condition_reference_that_resolves_to_nothing():
    bundle = records_to_bundle(YDER, [a_record()])
    episode = indexes_of(bundle, "EpisodeOfCare")[0]
    bundle["entry"][episode]["resource"]["diagnosis"][1]["condition"]["reference"] = "Condition/x"

    parsed = parse_bundle(bundle)

    assert parsed.items == []
    message = parsed.entry_errors[episode]
    assert f"entry[{episode}].resource.diagnosis[1].condition" in message
    assert "'Condition/x' resolves to no entry of this Bundle" in message
    orphan = indexes_of(bundle, "Condition")[1]
    assert "lists this Condition" in parsed.entry_errors[orphan]
    assert_every_entry_accounted_for_once(parsed)


def test_parse_bundle_refuses_a_reference_to_the_wrong_resource_type():
    bundle = records_to_bundle(YDER, [a_record()])
    episode = resource(bundle, "EpisodeOfCare")
    episode["patient"] = copy.deepcopy(episode["diagnosis"][0]["condition"])

    parsed = parse_bundle(bundle)

    assert "not a Patient" in parsed.entry_errors[indexes_of(bundle, "EpisodeOfCare")[0]]


def test_parse_bundle_refuses_a_condition_about_another_patient():
    bundle = records_to_bundle(YDER, [a_record(), a_record(source_id="E-2", patient_cpr=OTHER_CPR)])
    other_patient = bundle["entry"][indexes_of(bundle, "Patient")[1]]["fullUrl"]
    resource(bundle, "Condition", 0)["subject"]["reference"] = other_patient

    parsed = parse_bundle(bundle)

    assert [item.record["source_id"] for item in parsed.items] == ["E-2"]
    first = indexes_of(bundle, "EpisodeOfCare")[0]
    assert "about another patient" in parsed.entry_errors[first]
    assert CPR not in parsed.entry_errors[first]


def test_parse_bundle_answers_resource_types_and_methods_it_does_not_take():
    bundle = records_to_bundle(YDER, [a_record()])
    bundle["entry"].append(
        {
            "resource": {"resourceType": "Practitioner", "name": [{"family": "Fysio"}]},
            "request": {"method": "POST", "url": "Practitioner"},
        }
    )
    bundle["entry"].append({"request": {"method": "DELETE", "url": "EpisodeOfCare/1"}})

    parsed = parse_bundle(bundle)

    assert len(parsed.items) == 1
    assert "'Practitioner' is not taken" in parsed.entry_errors[len(bundle["entry"]) - 2]
    assert "'DELETE' is not taken" in parsed.entry_errors[len(bundle["entry"]) - 1]
    assert_every_entry_accounted_for_once(parsed)


def test_parse_bundle_answers_a_patient_no_episode_uses():
    bundle = records_to_bundle(YDER, [a_record()])
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:4f8a1f0e-0000-4000-8000-0000000000ff",
            "resource": {"resourceType": "Patient"},
            "request": {"method": "POST", "url": "Patient"},
        }
    )

    parsed = parse_bundle(bundle)

    assert "no EpisodeOfCare" in parsed.entry_errors[len(bundle["entry"]) - 1]
    assert len(parsed.items) == 1


def test_parse_bundle_refuses_an_element_fhir_does_not_define():
    bundle = records_to_bundle(YDER, [a_record()])
    condition = indexes_of(bundle, "Condition")[0]
    bundle["entry"][condition]["resource"]["recordDate"] = "2026-01-12"

    parsed = parse_bundle(bundle)

    assert parsed.entry_errors[condition] == (
        f"entry[{condition}].resource: 'recordDate' is not an element of FHIR R4 Condition"
    )
    assert parsed.items == []


@pytest.mark.parametrize("version_id", ["0", "abc", "99999999999", "1.5"])
def test_parse_bundle_refuses_a_version_that_is_not_a_positive_whole_number(version_id):
    bundle = records_to_bundle(YDER, [a_record()])
    resource(bundle, "EpisodeOfCare")["meta"]["versionId"] = version_id

    parsed = parse_bundle(bundle)

    assert "meta.versionId" in parsed.entry_errors[indexes_of(bundle, "EpisodeOfCare")[0]]


def test_parse_bundle_refuses_values_longer_than_what_is_stored():
    bundle = records_to_bundle(YDER, [a_record(practitioner_initials="X" * 21)])

    parsed = parse_bundle(bundle)

    assert "longer than 20" in parsed.entry_errors[indexes_of(bundle, "EpisodeOfCare")[0]]


def test_parse_bundle_takes_an_empty_bundle():
    parsed = parse_bundle({"resourceType": "Bundle", "type": "batch"})

    assert (parsed.total_entries, parsed.items, parsed.entry_errors) == (0, [], {})


# --- not a usable Bundle -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], "JSON object"),
        ("Bundle", "JSON object"),
        ({"records": []}, "resourceType must be 'Bundle'"),
        ({"resourceType": "Patient"}, "resourceType must be 'Bundle'"),
        ({"resourceType": "Bundle"}, "Bundle.type must be 'batch' or 'transaction'"),
        ({"resourceType": "Bundle", "type": "searchset"}, "got 'searchset'"),
        ({"resourceType": "Bundle", "type": "batch", "entry": {}}, "Bundle.entry"),
        ({"resourceType": "Bundle", "type": "batch", "entry": [1]}, "Bundle.entry"),
        (
            {"resourceType": "Bundle", "type": "batch", "entry": [{"request": {"url": "x"}}]},
            "entry[0].request.method",
        ),
    ],
)
def test_parse_bundle_refuses_a_body_that_is_not_a_usable_bundle(body, expected):
    with pytest.raises(FhirBundleError) as exc:
        parse_bundle(body)

    assert expected in exc.value.message


# --- privacy ----------------------------------------------------------------------------------


def all_text(parsed_or_exc):
    if isinstance(parsed_or_exc, BaseException):
        return " ".join([str(parsed_or_exc), repr(parsed_or_exc), parsed_or_exc.message])
    return " ".join(parsed_or_exc.entry_errors.values())


@pytest.mark.parametrize("cpr", [CPR, "010190-1234"])
def test_parse_bundle_never_puts_a_cpr_in_an_envelope_error(cpr):
    bundle = records_to_bundle(YDER, [a_record()])
    bundle["entry"][0]["fullUrl"] = int(cpr.replace("-", ""))  # not a string: refused
    bundle["entry"][1]["request"]["method"] = [cpr]
    bundle["id"] = {"value": cpr}

    with pytest.raises(FhirBundleError) as exc:
        parse_bundle(bundle)

    assert "entry[0].fullUrl" in exc.value.message
    assert cpr not in all_text(exc.value)
    assert cpr.replace("-", "") not in all_text(exc.value)
    assert exc.value.__cause__ is None
    assert exc.value.__context__ is None  # no chained pydantic error holding the input


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Bundle", "type": CPR},
        {"resourceType": CPR},
        {"resourceType": "Bundle", "type": "batch", CPR: 1},
    ],
)
def test_fhir_bundle_error_never_holds_a_cpr(body):
    with pytest.raises(FhirBundleError) as exc:
        parse_bundle(body)

    assert CPR not in all_text(exc.value)


def test_parse_bundle_never_puts_a_cpr_in_an_entry_error():
    bundle = records_to_bundle(YDER, [a_record(), a_record(source_id="E-2")])
    episodes = indexes_of(bundle, "EpisodeOfCare")
    conditions = indexes_of(bundle, "Condition")
    patient = resource(bundle, "Patient")
    patient[CPR] = True  # a CPR as an element name
    bundle["entry"][episodes[1]]["resource"]["patient"]["reference"] = f"Patient/{CPR}"
    bundle["entry"][conditions[0]]["resource"]["code"]["coding"][0]["code"] = CPR
    bundle["entry"][conditions[0]]["resource"]["code"]["coding"].append(
        {"system": "http://hl7.org/fhir/sid/icpc-2", "code": "L90"}
    )
    bundle["entry"][conditions[1]]["resource"]["category"][0]["coding"][0]["code"] = CPR

    parsed = parse_bundle(bundle)

    assert parsed.items == []
    text = all_text(parsed)
    assert "[redacted]" in text
    assert CPR not in text


def test_operation_outcome_redacts_a_cpr_in_a_message():
    outcome = operation_outcome("error", "invalid", f"patient {CPR} is unknown")

    assert CPR not in str(outcome)


# --- the answer -------------------------------------------------------------------------------


def test_response_bundle_answers_every_entry_in_order():
    results = {
        0: EntryResult("200 OK", "information", "informational", "accepted"),
        1: EntryResult(
            "422 Unprocessable Entity",
            "error",
            "business-rule",
            "the patient has declined data sharing; nothing of the record was kept",
            reason="patient_opted_out",
        ),
        2: EntryResult("404 Not Found", "error", "not-found", "no such clinic"),
        3: EntryResult("400 Bad Request", "error", "invalid", "entry[3].resource: ..."),
    }

    answer = response_bundle(4, results)

    Bundle.model_validate(answer)
    assert answer["resourceType"] == "Bundle"
    assert answer["type"] == "batch-response"
    assert [e["response"]["status"] for e in answer["entry"]] == [
        "200 OK",
        "422 Unprocessable Entity",
        "404 Not Found",
        "400 Bad Request",
    ]
    outcome = answer["entry"][1]["response"]["outcome"]
    assert outcome["resourceType"] == "OperationOutcome"
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error"
    assert issue["code"] == "business-rule"
    assert issue["diagnostics"].startswith("the patient has declined")
    assert issue["details"]["coding"] == [{"system": REASON_SYSTEM, "code": "patient_opted_out"}]
    assert "details" not in answer["entry"][0]["response"]["outcome"]["issue"][0]


def test_response_bundle_needs_a_result_for_every_entry():
    ok = EntryResult("200 OK", "information", "informational", "accepted")

    with pytest.raises(ValueError, match="no result for entries"):
        response_bundle(2, {0: ok})
    with pytest.raises(ValueError, match="does not have"):
        response_bundle(1, {0: ok, 1: ok})


@pytest.mark.parametrize(
    "result",
    [
        EntryResult("OK", "information", "informational", "x"),
        EntryResult("200 OK", "info", "informational", "x"),
        EntryResult("200 OK", "information", "fine", "x"),
        EntryResult("422 Unprocessable Entity", "error", "invalid", "x", reason="bad_reason"),
    ],
)
def test_response_bundle_refuses_what_fhir_or_the_api_does_not_define(result):
    with pytest.raises(ValueError):
        response_bundle(1, {0: result})


def test_response_bundle_answers_a_parsed_bundle_entry_by_entry():
    bundle = records_to_bundle(YDER, [a_record(), a_record(source_id="E-2", patient_cpr=OTHER_CPR)])
    del resource(bundle, "EpisodeOfCare")["managingOrganization"]
    parsed = parse_bundle(bundle)
    results = {
        i: EntryResult("400 Bad Request", "error", "invalid", message)
        for i, message in parsed.entry_errors.items()
    }
    for item in parsed.items:
        for i in item.entry_indexes:
            results[i] = EntryResult("200 OK", "information", "informational", "accepted")

    answer = response_bundle(parsed.total_entries, results)

    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["400 Bad Request"] * 4 + ["200 OK"] * 4
    assert "ydernummer" in answer["entry"][3]["response"]["outcome"]["issue"][0]["diagnostics"]
