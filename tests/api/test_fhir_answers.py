"""What each entry of a FHIR Bundle is told, over real HTTP: creates with the ``location`` of
what was stored (FHIR R4 http.html#transaction), and rejections in the profile's words, said
once on the entry that holds the failing element, with ``expression`` pointing at it."""

from __future__ import annotations

import httpx
import pytest

from sentinel.api.fhir import REASON_SYSTEM, RECORD_KEYS, records_to_bundle
from sentinel.collection.models import DiagnosisEvent, Episode
from tests.api.conftest import episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHIR = {"Content-Type": "application/fhir+json"}
TWO_CODES = [
    {"code": "L03", "recorded_at": "2026-02-02T09:30:00+01:00"},
    {"code": "L90", "recorded_at": "2026-02-09T10:00:00+01:00"},
]


def post(api, bundle: dict) -> httpx.Response:
    return api.http.post("/fhir", json=bundle, headers=FHIR)


def indexes(bundle: dict, kind: str) -> list[int]:
    return [n for n, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == kind]


def responses(answer: httpx.Response) -> list[dict]:
    assert answer.status_code == 200, answer.text[:500]
    return [e["response"] for e in answer.json()["entry"]]


def reason(response: dict) -> str | None:
    for issue in response["outcome"]["issue"]:
        for coding in issue.get("details", {}).get("coding", ()):
            assert coding["system"] == REASON_SYSTEM
            return coding["code"]
    return None


@pytest.mark.parametrize("bundle_type", ["batch", "transaction"])
def test_a_create_answers_201_with_the_location_sentinel_resolves_again(
    api, ready_clinic, bundle_type
):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("L-1", diagnoses=TWO_CODES)])
    bundle["type"] = bundle_type

    answer = responses(post(api, bundle))

    (course,) = indexes(bundle, "EpisodeOfCare")
    stored = Episode.objects.get(source_id="L-1")
    assert answer[course]["status"] == "201 Created"
    assert answer[course]["location"] == f"EpisodeOfCare/{stored.pk}/_history/1"
    assert answer[course]["etag"] == 'W/"1"'
    for entry, code in zip(indexes(bundle, "Condition"), ["L03", "L90"], strict=True):
        assert answer[entry]["status"] == "201 Created"
        kind, pk, history, version = answer[entry]["location"].split("/")
        assert (kind, history, version) == ("Condition", "_history", "1")
        event = DiagnosisEvent.objects.get(pk=int(pk))  # resolves to the stored event
        assert (event.episode_id, event.code) == (stored.pk, code)
    (patient,) = indexes(bundle, "Patient")
    assert answer[patient]["status"] == "200 OK"  # used, not kept as a resource
    assert "location" not in answer[patient]
    cpr = bundle["entry"][patient]["resource"]["identifier"][0]["value"]
    assert cpr not in str(answer)


def test_the_same_code_twice_gets_two_conditions_each_at_its_own_event(api, ready_clinic):
    twice = [
        {"code": "L03", "recorded_at": "2026-02-02T09:30:00+01:00"},
        {"code": "L90", "recorded_at": "2026-02-03T09:30:00+01:00"},
        {"code": "L03", "recorded_at": "2026-02-09T10:00:00+01:00"},
    ]
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("L-3", diagnoses=twice)])

    answer = responses(post(api, bundle))

    locations = [answer[i]["location"] for i in indexes(bundle, "Condition")]
    events = [DiagnosisEvent.objects.get(pk=int(loc.split("/")[1])) for loc in locations]
    assert [(e.code, e.recorded_at.isoformat()) for e in events] == [
        ("L03", "2026-02-02T08:30:00+00:00"),
        ("L90", "2026-02-03T08:30:00+00:00"),
        ("L03", "2026-02-09T09:00:00+00:00"),
    ]


def test_an_update_and_a_resend_answer_200_with_the_same_course_at_its_version(api, ready_clinic):
    first = records_to_bundle(ready_clinic.ydernummer, [episode("L-2")])
    (course,) = indexes(first, "EpisodeOfCare")
    created = responses(post(api, first))[course]["location"]
    more = [*episode()["diagnoses"], {"code": "L86", "recorded_at": "2026-02-20T10:00:00"}]
    update = records_to_bundle(ready_clinic.ydernummer, [episode("L-2", version=2, diagnoses=more)])

    updated = responses(post(api, update))
    again = responses(post(api, update))

    pk = Episode.objects.get(source_id="L-2").pk
    assert created == f"EpisodeOfCare/{pk}/_history/1"
    (course,) = indexes(update, "EpisodeOfCare")
    for answer in (updated, again):
        assert answer[course]["status"] == "200 OK"
        assert answer[course]["location"] == f"EpisodeOfCare/{pk}/_history/2"
    assert again[course]["outcome"]["issue"][0]["diagnostics"].startswith("unchanged")


def test_a_bad_start_is_said_once_on_the_episode_in_fhir_words(api, ready_clinic):
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("R-1", start_date="2026-02-30")])

    answer = responses(post(api, bundle))

    (course,) = indexes(bundle, "EpisodeOfCare")
    assert answer[course]["status"].startswith("422")
    (issue,) = answer[course]["outcome"]["issue"]
    assert issue["expression"] == [f"Bundle.entry[{course}].resource.period.start"]
    assert issue["diagnostics"].startswith("EpisodeOfCare.period.start ")
    assert reason(answer[course]) == "invalid_date"
    for other in indexes(bundle, "Patient") + indexes(bundle, "Condition"):
        assert answer[other]["status"] == "424 Failed Dependency"
        (issue,) = answer[other]["outcome"]["issue"]
        assert reason(answer[other]) is None  # not a copy of the rejection
        assert f"entry[{course}]" in issue["diagnostics"]
        assert issue["expression"] == [f"Bundle.entry[{other}]"]
    assert not Episode.objects.exists()


def test_an_unknown_code_is_the_conditions_failure_with_its_expression(api, ready_clinic):
    codes = [TWO_CODES[0], {"code": "L999", "recorded_at": "2026-02-09T10:00:00+01:00"}]
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("R-2", diagnoses=codes)])

    answer = responses(post(api, bundle))

    first, second = indexes(bundle, "Condition")
    (course,) = indexes(bundle, "EpisodeOfCare")
    assert answer[second]["status"].startswith("422")
    (issue,) = answer[second]["outcome"]["issue"]
    assert issue["expression"] == [f"Bundle.entry[{second}].resource.code"]
    assert issue["diagnostics"].startswith("Condition.code.coding:icpc2 'L999'")
    assert reason(answer[second]) == "unknown_icpc2_code"
    assert answer[course]["status"] == answer[first]["status"] == "424 Failed Dependency"


def test_a_stale_version_points_at_meta_version_id(api, ready_clinic):
    assert api.submit(ready_clinic.ydernummer, [episode("R-3")]).json()["accepted"] == 1
    bundle = records_to_bundle(ready_clinic.ydernummer, [episode("R-3", end_date="2026-03-01")])

    answer = responses(post(api, bundle))

    (course,) = indexes(bundle, "EpisodeOfCare")
    (issue,) = answer[course]["outcome"]["issue"]
    assert reason(answer[course]) == "stale_version"
    assert issue["expression"] == [f"Bundle.entry[{course}].resource.meta.versionId"]
    assert "EpisodeOfCare.period.end" in issue["diagnostics"]
    assert "send 2 (EpisodeOfCare.meta.versionId)" in issue["diagnostics"]
    assert "JSON" not in issue["diagnostics"]


def test_no_api_field_name_in_any_fhir_message_and_an_expression_on_every_error(api, ready_clinic):
    bad = [
        episode("R-4", start_date="2026-13-01"),
        episode("R-5", end_date="2026-01-01"),
        episode("R-6", patient_cpr="3102801234"),
        episode("R-7", course_type="shoulder"),
        episode("R-8", start_date="2025-01-01"),
        episode("R-9", diagnoses=[{"code": "L90", "recorded_at": "2026-02-31T10:00:00"}]),
    ]
    bundle = records_to_bundle(ready_clinic.ydernummer, bad)

    answer = responses(post(api, bundle))

    errors = [i for r in answer for i in r["outcome"]["issue"] if i["severity"] == "error"]
    assert len([r for r in answer if reason(r)]) == len(bad)  # each said once
    for issue in errors:
        assert issue["expression"][0].startswith("Bundle.entry[")
        words = issue["diagnostics"].replace("(", " ").replace(")", " ").split()
        assert not set(words) & set(RECORD_KEYS), issue["diagnostics"]


def test_a_transaction_names_only_the_failing_element(api, ready_clinic):
    bundle = records_to_bundle(
        ready_clinic.ydernummer, [episode("T-1"), episode("T-2", end_date="2026-01-30")]
    )
    bundle["type"] = "transaction"

    response = post(api, bundle)

    assert response.status_code == 422, response.text[:300]
    error, information = response.json()["issue"]
    second_course = indexes(bundle, "EpisodeOfCare")[1]
    assert error["expression"] == [f"Bundle.entry[{second_course}].resource.period.end"]
    assert "EpisodeOfCare.period.end is before EpisodeOfCare.period.start" in error["diagnostics"]
    assert information["severity"] == "information"
    assert not Episode.objects.exists()


def test_the_json_door_keeps_api_md_words(api, ready_clinic):
    answer = api.submit(ready_clinic.ydernummer, [episode("J-1", start_date="2026-02-30")]).json()

    (rejection,) = answer["rejected"]
    assert rejection["reason"] == "invalid_date"
    assert rejection["message"].startswith("start_date ")
