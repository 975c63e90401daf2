"""Open items and their exceptions (GET/POST /api/v1/clinics/{ydernummer}/open-items…), over
real HTTP, and the exceptions counted apart in the report and shown on the worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.reports.models import OpenItemException
from tests.api.conftest import episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ITEMS = "/clinics/811111/open-items"
PROJECT = {"project": "diagnosekodning"}


def _day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def _coded(code: str, days_ago: int) -> list[dict]:
    return [{"code": code, "recorded_at": f"{_day(days_ago)}T09:00:00+01:00"}]


@pytest.fixture
def sent(api, ready_clinic):
    """Courses of every kind the ``api`` vendor sent to 811111 (enrolled 12.01.2026)."""
    records = [
        episode("OK-KNEE"),  # knee, L90: nothing expected
        episode("NO-CODE", diagnoses=[]),  # knee without a code: missing_required_code
        episode("WRONG", diagnoses=_coded("L15", 200)),  # knee with L15: missing
        episode(  # not structured, symptom code since 7 weeks: symptom_code_current
            "SYMPTOM-OLD", course_type=None, start_date=_day(49), diagnoses=_coded("L02", 49)
        ),
        episode(  # not structured, symptom code since 2 weeks: not yet
            "SYMPTOM-NEW", course_type=None, start_date=_day(14), diagnoses=_coded("L02", 14)
        ),
        episode(  # low back pain with L03, a symptom code its type requires: nothing
            "LBP", course_type="low_back_pain", diagnoses=_coded("L03", 200)
        ),
        episode("FREE", course_type=None, diagnoses=[]),  # voluntary, uncoded: nothing
    ]
    response = api.submit("811111", records)
    assert response.status_code == 200 and response.json()["accepted"] == 7, response.text
    return ready_clinic


def _items(api) -> list[dict]:
    response = api.http.get(ITEMS, params=PROJECT)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_open_items_lists_what_the_project_still_expects(api, sent):
    response = api.http.get(ITEMS, params=PROJECT)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["ydernummer"], body["project"]) == ("811111", "diagnosekodning")
    found = {i["source_id"]: i for i in body["items"]}
    assert set(found) == {"NO-CODE", "WRONG", "SYMPTOM-OLD"}
    assert found["NO-CODE"]["kind"] == "missing_required_code"
    assert found["NO-CODE"]["expected_codes"] == ["L90"]
    assert found["NO-CODE"]["current_code"] is None
    assert found["WRONG"]["current_code"] == "L15"
    old = found["SYMPTOM-OLD"]
    assert old["kind"] == "symptom_code_current"
    assert old["current_code"] == "L02" and old["expected_codes"] == []
    assert old["due_since"] == _day(49 - 42)
    assert old["id"].startswith("symptom_code_current-")
    assert "L02" in old["message_da"] and "L02" in old["message_en"]
    reasons = [r["code"] for r in body["exception_reasons"]]
    assert "patient_declined" in reasons and len(reasons) == len(set(reasons))


def test_exception_answers_an_item_and_is_counted_apart_in_the_report(api, sent):
    item = next(i for i in _items(api) if i["source_id"] == "NO-CODE")
    url = f"{ITEMS}/{item['id']}/exception"

    response = api.http.post(url, params=PROJECT, json={"reason": "patient_declined"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["item_id"], body["source_id"], body["reason"]) == (
        item["id"],
        "NO-CODE",
        "patient_declined",
    )
    assert "NO-CODE" not in {i["source_id"] for i in _items(api)}
    # The same answer again writes nothing; another reason is a conflict.
    again = api.http.post(url, params=PROJECT, json={"reason": "patient_declined"})
    assert again.status_code == 200, again.text
    other = api.http.post(url, params=PROJECT, json={"reason": "referred_elsewhere"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "exception_exists"
    assert OpenItemException.objects.count() == 1
    audited = AuditEvent.objects.filter(action="report.open_item_excepted")
    assert audited.count() == 1 and audited.get().details["reason"] == "patient_declined"

    report = api.http.get("/clinics/811111/reports/diagnosekodning").json()
    section = next(s for s in report["sections"] if s["key"] == "exceptions")
    rows = section["tables"][0]["rows"]
    assert rows[0]["kind"] == "Mangler krævet diagnosekode"
    assert rows[0]["reason"] == "Patienten ønsker det ikke"
    assert rows[0]["courses"] == 1
    assert rows[-1]["courses"] == 1  # the total
    listed = {r["source_id"]: r for r in report["worklist"]["rows"]}
    assert listed["NO-CODE"]["exception"] == "Patienten ønsker det ikke"
    assert listed["WRONG"]["exception"] is None
    english = {r["source_id"]: r for r in report["worklist"]["rows_en"]}
    assert english["NO-CODE"]["exception"] == "The patient declined"

    # Coded since: no longer an exception, nor on the worklist.
    coded = api.submit("811111", [episode("NO-CODE", version=2, patient_cpr=None)])
    assert coded.status_code == 200 and coded.json()["accepted"] == 1, coded.text
    report = api.http.get("/clinics/811111/reports/diagnosekodning").json()
    section = next(s for s in report["sections"] if s["key"] == "exceptions")
    assert section["tables"][0]["rows"] == [{"kind": "I alt", "reason": "", "courses": 0}]
    assert "NO-CODE" not in {r["source_id"] for r in report["worklist"]["rows"]}


def test_exception_refuses_bad_input_and_stores_nothing(api, sent):
    item = next(i for i in _items(api) if i["source_id"] == "WRONG")
    url = f"{ITEMS}/{item['id']}/exception"

    unknown_reason = api.http.post(url, params=PROJECT, json={"reason": "too_busy"})
    no_reason = api.http.post(url, params=PROJECT, json={})
    extra = api.http.post(url, params=PROJECT, json={"reason": "patient_declined", "note": "x"})
    no_item = api.http.post(
        f"{ITEMS}/missing_required_code-999999/exception",
        params=PROJECT,
        json={"reason": "patient_declined"},
    )
    bad_id = api.http.post(
        f"{ITEMS}/whatever/exception", params=PROJECT, json={"reason": "patient_declined"}
    )
    wrong_kind = api.http.post(
        url.replace("missing_required_code", "symptom_code_current"),
        params=PROJECT,
        json={"reason": "patient_declined"},
    )
    no_project = api.http.post(url, params={"project": "nope"}, json={"reason": "patient_declined"})

    assert unknown_reason.status_code == 422
    assert unknown_reason.json()["error"]["fields"][0]["field"] == "reason"
    assert no_reason.status_code == 422 and extra.status_code == 422
    for refused in (no_item, bad_id, wrong_kind):
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "no_open_item"
    assert no_project.status_code == 404
    assert not OpenItemException.objects.exists()
    assert not AuditEvent.objects.filter(action="report.open_item_excepted").exists()


def test_open_items_of_another_vendor_are_out_of_reach(api, other_api, sent):
    item = _items(api)[0]

    listed = other_api.http.get(ITEMS, params=PROJECT)
    answered = other_api.http.post(
        f"{ITEMS}/{item['id']}/exception", params=PROJECT, json={"reason": "patient_declined"}
    )
    unknown_project = api.http.get(ITEMS, params={"project": "nope"})
    not_a_project = api.http.get(ITEMS, params={"project": "diagnose\x00kodning"})
    no_project = api.http.get(ITEMS)
    anonymous = api.http.get(ITEMS, params=PROJECT, headers={"Authorization": ""})

    assert listed.status_code == 404 and answered.status_code == 404
    assert unknown_project.status_code == 404
    assert not_a_project.status_code == 404, not_a_project.text
    assert no_project.status_code == 422
    assert anonymous.status_code == 401
    assert not OpenItemException.objects.exists()


def test_open_items_in_the_openapi_document_with_their_enums(api):
    document = api.http.get("/openapi.json").json()

    listing = document["paths"]["/api/v1/clinics/{ydernummer}/open-items"]["get"]
    answer = document["paths"]["/api/v1/clinics/{ydernummer}/open-items/{item_id}/exception"][
        "post"
    ]
    schemas = document["components"]["schemas"]

    assert listing["operationId"] == "listOpenItems"
    assert answer["operationId"] == "answerOpenItem"
    assert {"200", "201", "404", "409", "422"} <= set(answer["responses"])
    assert set(schemas["OpenItemOut"]["properties"]["kind"]["enum"]) == set(
        OpenItemException.Kind.values
    )
    assert set(schemas["ExceptionIn"]["properties"]["reason"]["enum"]) == set(
        OpenItemException.Reason.values
    )
    item_param = next(p for p in answer["parameters"] if p["name"] == "item_id")
    assert "missing_required_code" in item_param["schema"]["pattern"]
