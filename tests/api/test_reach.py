"""Who may reach a clinic (``clinics.reach``, ``collection.approvals``), walked over real HTTP.

Every vendor door — JSON, FHIR, reports, launch — must answer a clinic the vendor does not
reach exactly as it answers a clinic that does not exist, whatever the reason: never asked,
pending, refused, ended, or asked with a wrong CVR. A vendor that does reach the clinic sees
only what it sent, in the JSON worklist and in the portal through its own launch link.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from sentinel.agreements.actions import Signer
from sentinel.agreements.models import AssuranceLevel
from sentinel.api.fhir import records_to_bundle
from sentinel.clinics.models import Activation, ActivationRequest, Clinic
from sentinel.collection import approvals
from sentinel.collection.models import Episode
from tests.api.conftest import VendorClient, episode, synthetic_cpr
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YD = "811111"  # ``ready_clinic``
UNKNOWN = "819999"  # no clinic has it
LACKING = [{"code": "L03", "recorded_at": "2026-02-03T09:00:00+01:00"}]  # knee without L90


def owner_of(clinic: Clinic) -> Signer:
    return Signer(uuid.uuid4(), "Ejer Hansen", clinic.cvr, AssuranceLevel.HIGH, True)


def answers(vendor: VendorClient, yd: str) -> list[tuple[str, int, str]]:
    """Every clinic door's answer for ``yd`` (status and body, the number blanked out)."""
    calls: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("status", lambda: vendor.http.get(f"/clinics/{yd}/status")),
        ("subscriptions", lambda: vendor.http.get(f"/clinics/{yd}/subscriptions")),
        ("report", lambda: vendor.http.get(f"/clinics/{yd}/reports/diagnosekodning")),
        (
            "launch",
            lambda: vendor.http.post(
                f"/clinics/{yd}/launch", json={"user_id": "u-1", "user_name": "Ida"}
            ),
        ),
        ("submit", lambda: vendor.submit(yd, [episode("X-1")])),
        (
            "fhir",
            lambda: vendor.http.post(
                "/fhir",
                json=records_to_bundle(yd, [episode("X-1")]),
                headers={"Content-Type": "application/fhir+json"},
            ),
        ),
        ("deactivate", lambda: vendor.http.delete(f"/clinics/{yd}/activation")),
    ]
    out = []
    for name, call in calls:
        response = call()
        body = re.sub(r"urn:uuid:[0-9a-f-]+", "urn:uuid:…", response.text.replace(yd, "YD"))
        out.append((name, response.status_code, body))
    return out


@pytest.fixture
def served(api, ready_clinic) -> Clinic:
    """``ready_clinic`` with two courses from its vendor ``api`` that lack a required code."""
    records = [episode(f"A-{n}", patient_cpr=synthetic_cpr(), diagnoses=LACKING) for n in (1, 2)]
    assert api.submit(YD, records).json()["accepted"] == 2
    return ready_clinic


def test_every_door_answers_an_unreached_clinic_as_an_unknown_one(
    api, other_api, make_vendor_client, served
):
    owner = owner_of(served)
    unknown = answers(other_api, UNKNOWN)
    assert {status for _name, status, _body in unknown} == {404, 200}  # FHIR: a batch-response
    assert "A-1" not in str(unknown)

    assert answers(other_api, YD) == unknown, "another vendor's clinic"

    assert other_api.activate(YD).status_code == 202
    assert answers(other_api, YD) == unknown, "pending"

    request = ActivationRequest.objects.get(vendor=other_api.vendor, clinic=served)
    approvals.refuse(owner=owner, clinic=served, request_id=request.pk)
    assert other_api.activate(YD).status_code == 202  # asking again changes nothing
    assert answers(other_api, YD) == unknown, "refused"
    assert ActivationRequest.objects.filter(vendor=other_api.vendor).count() == 1

    third = make_vendor_client()
    wrong = third.activate(YD, cvr=valid_cvr(77))
    assert (wrong.status_code, wrong.json()) == (
        202,
        {"ydernummer": YD, "activated": False, "pending_approval": True},
    )
    assert answers(third, YD) == unknown, "wrong CVR"
    assert ActivationRequest.objects.get(vendor=third.vendor).cvr_matches is False

    api.http.delete(f"/clinics/{YD}/activation")
    assert answers(api, YD) == unknown, "ended by the vendor itself"
    assert Activation.objects.filter(vendor=api.vendor, clinic=served).count() == 1  # history
    assert Episode.objects.filter(clinic=served).count() == 2  # nothing deleted


def test_an_approved_vendor_sees_only_what_it_sent(api, other_api, served, live_server):
    assert other_api.activate(YD).status_code == 202
    request = ActivationRequest.objects.get(vendor=other_api.vendor)
    approvals.approve(owner=owner_of(served), clinic=served, request_id=request.pk)

    again = other_api.activate(YD)
    assert (again.status_code, again.json()["activated"]) == (200, True)  # idempotent now
    sent = other_api.submit(YD, [episode("B-1", patient_cpr=synthetic_cpr(), diagnoses=LACKING)])
    assert sent.json()["accepted"] == 1, sent.text

    def listed(vendor: VendorClient) -> list[str]:
        body = vendor.http.get(f"/clinics/{YD}/reports/diagnosekodning").json()
        return [row["source_id"] for row in body["worklist"]["rows"]]

    assert listed(api) == ["A-1", "A-2"]
    assert listed(other_api) == ["B-1"]

    # The portal through each vendor's launch link: the worklist page and its CSV.
    for vendor, own, foreign in ((other_api, "B-1", "A-1"), (api, "A-1", "B-1")):
        url = vendor.http.post(
            f"/clinics/{YD}/launch", json={"user_id": "u-9", "user_name": "Ida"}
        ).json()["url"]
        with httpx.Client(base_url=live_server.url, follow_redirects=True) as browser:
            assert browser.get(urlsplit(url).path).status_code == 200
            page = browser.get(f"/klinik/{YD}/rapporter/diagnosekodning/")
            csv = browser.get(f"/klinik/{YD}/rapporter/diagnosekodning/csv/worklist/")
        assert page.status_code == csv.status_code == 200
        assert own in page.text and own in csv.text
        assert foreign not in page.text and foreign not in csv.text
        assert csv.headers["Cache-Control"] == "no-store"


def test_a_launch_link_opened_after_deactivation_is_refused(api, served, live_server):
    url = api.http.post(f"/clinics/{YD}/launch", json={"user_id": "u-1", "user_name": "Ida"})
    api.http.delete(f"/clinics/{YD}/activation")

    with httpx.Client(base_url=live_server.url) as browser:
        opened = browser.get(urlsplit(url.json()["url"]).path)

    assert opened.status_code == 403
    assert "Linket virker ikke" in opened.text


def test_a_launch_session_ends_when_the_vendor_no_longer_reaches_the_clinic(
    api, served, live_server
):
    url = api.http.post(f"/clinics/{YD}/launch", json={"user_id": "u-1", "user_name": "Ida"})
    with httpx.Client(base_url=live_server.url) as browser:
        assert browser.get(urlsplit(url.json()["url"]).path).status_code == 200
        assert browser.get(f"/klinik/{YD}/status/").status_code == 200
        api.http.delete(f"/clinics/{YD}/activation")
        assert browser.get(f"/klinik/{YD}/status/").status_code == 404


def test_the_report_with_its_worklist_is_not_stored_by_caches(api, served):
    response = api.http.get(f"/clinics/{YD}/reports/diagnosekodning")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_clinic_is_activated_at_once_and_a_clinic_with_data_waits_for_its_owner(
    api, other_api
):
    first = api.activate("812222")
    assert (first.status_code, first.json()["activated"]) == (200, True)
    request = ActivationRequest.objects.get(vendor=api.vendor)
    assert (request.state, request.automatic) == ("approved", True)

    second = other_api.activate("812222")  # another vendor serves it: the owner decides
    assert second.status_code == 202
    assert not Activation.objects.filter(vendor=other_api.vendor).exists()
