"""Idempotency-Key over real HTTP: a retry replays the answer and writes nothing; the key
with another body is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.collection.models import DataFlow, Episode, Submission
from tests.api.conftest import episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEY = {"Idempotency-Key": "3f1c6c1e-7d1b-4c55-9a36-0b8c2f3b9a10"}


def test_same_key_and_body_replays_the_answer_and_writes_nothing(api, ready_clinic):
    records = [episode("E-1"), episode("E-2", patient_cpr="3102801234")]
    first = api.submit(ready_clinic.ydernummer, records, **KEY)

    retry = api.submit(ready_clinic.ydernummer, records, **KEY)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert first.json()["rejected"][0]["reason"] == "invalid_cpr"
    assert Submission.objects.count() == 1
    assert Episode.objects.count() == 1
    assert DataFlow.objects.get(clinic=ready_clinic).records_received == 1


@pytest.mark.parametrize("change", ["body", "clinic"])
def test_same_key_with_another_request_is_422_reused(api, ready_clinic, change):
    api.submit(ready_clinic.ydernummer, [episode("E-1")], **KEY)
    ydernummer = ready_clinic.ydernummer
    if change == "clinic":
        ydernummer = "812222"
        assert api.activate(ydernummer).status_code == 200
    records = [episode("E-1")] if change == "clinic" else [episode("E-1"), episode("E-2")]

    response = api.submit(ydernummer, records, **KEY)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["fields"][0]["field"] == "Idempotency-Key"
    assert Submission.objects.count() == 1
    assert Episode.objects.count() == 1


def test_key_of_another_vendor_is_its_own(api, other_api, ready_clinic):
    other_api.activate("813333")
    api.submit(ready_clinic.ydernummer, [episode("E-1")], **KEY)

    response = other_api.submit("813333", [episode("E-1")], **KEY)

    assert response.status_code == 200
    assert Submission.objects.count() == 2


def test_key_is_remembered_for_24_hours_then_it_is_new(api, ready_clinic):
    api.submit(ready_clinic.ydernummer, [episode("E-1")], **KEY)
    Submission.objects.update(
        received_at=Submission.objects.get().received_at - dt.timedelta(hours=23)
    )
    assert api.submit(ready_clinic.ydernummer, [episode("E-2")], **KEY).status_code == 422
    Submission.objects.update(
        received_at=Submission.objects.get().received_at - dt.timedelta(hours=2)
    )

    response = api.submit(ready_clinic.ydernummer, [episode("E-2")], **KEY)

    assert response.status_code == 200
    assert Submission.objects.count() == 2


def test_without_a_key_every_batch_is_a_submission(api, ready_clinic):
    api.submit(ready_clinic.ydernummer, [episode("E-1")])
    api.submit(ready_clinic.ydernummer, [episode("E-1")])

    assert Submission.objects.count() == 2
