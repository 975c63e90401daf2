"""Authentication, vendor isolation and the non-submission endpoints, over real HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.clinics.credentials import revoke_credential, rotate_credential
from sentinel.clinics.launch import LaunchLink
from sentinel.clinics.models import Activation, ActivationRequest, Clinic, VendorCredential
from sentinel.collection.status import check_status
from tests.api.conftest import OPERATOR, episode, onboard
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_api_without_or_with_a_wrong_credential_is_401(api, live_server):
    anonymous = httpx.get(f"{live_server.url}/api/v1/projects")
    wrong = httpx.get(
        f"{live_server.url}/api/v1/projects", headers={"Authorization": "Bearer snt_nope_nope"}
    )
    tampered = httpx.get(
        f"{live_server.url}/api/v1/projects",
        headers={"Authorization": f"Bearer {api.token[:-2]}xx"},
    )

    for response in (anonymous, wrong, tampered):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert api.http.get("/projects").status_code == 200


def test_api_revoked_credential_is_401(api):
    revoke_credential(by=OPERATOR, credential=VendorCredential.objects.get(vendor=api.vendor))

    assert api.http.get("/projects").status_code == 401


def test_api_rotated_credential_works_through_its_grace_period(api, make_vendor_client):
    old = VendorCredential.objects.get(vendor=api.vendor)
    _new, token = rotate_credential(by=OPERATOR, credential=old, grace=dt.timedelta(hours=1))
    fresh = make_vendor_client(vendor=api.vendor, token=token)

    assert api.http.get("/projects").status_code == 200
    assert fresh.http.get("/projects").status_code == 200
    VendorCredential.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert api.http.get("/projects").status_code == 401
    assert fresh.http.get("/projects").status_code == 200


def test_credentials_are_stored_hashed(api):
    credential = VendorCredential.objects.get(vendor=api.vendor)
    secret = api.token.split("_", 2)[2]  # snt_<prefix>_<secret>; the secret may hold "_"

    assert secret not in credential.secret_sha256
    assert api.token.startswith(f"snt_{credential.prefix}_")
    assert AuditEvent.objects.filter(action="credential.issued").exists()


def test_projects_lists_diagnosekodning_with_its_specification(api):
    response = api.http.get("/projects")

    projects = {p["code"]: p for p in response.json()}
    assert list(projects) == ["diagnosekodning", "forlobsresultater"]  # both migrated
    project = projects["diagnosekodning"]
    assert project["specification"]["version"] == 1
    assert "diagnoses" in project["specification"]["fields"]
    assert project["first_report_delay_months"] == 2


def test_activation_creates_the_clinic_and_is_idempotent(api):
    first = api.activate("812345", municipality_code="0851")
    again = api.activate("812345", municipality_code="0851")

    assert first.status_code == again.status_code == 200
    assert first.json()["activated"] is True
    assert first.json()["activated_at"] == again.json()["activated_at"]
    clinic = Clinic.objects.get(ydernummer="812345")
    assert clinic.region_code == "DK-81"
    assert Activation.objects.filter(clinic=clinic).count() == 1


@pytest.mark.parametrize(
    ("ydernummer", "body", "field"),
    [
        ("812345", {"cvr": "12345678"}, "cvr"),
        ("81234", {}, "ydernummer"),
        ("812345", {"speciale": "99"}, "speciale"),
        ("812345", {"municipality_code": "9999"}, "municipality_code"),
    ],
)
def test_activation_with_bad_input_is_422_naming_the_field_and_stores_nothing(
    api, ydernummer, body, field
):
    response = api.activate(ydernummer, **body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == field
    assert not Clinic.objects.exists()


def test_activation_with_a_malformed_body_is_422(api):
    response = api.http.put("/clinics/812345/activation", json={"cvr": valid_cvr(1), "colour": "x"})

    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {"name", "speciale", "colour"} <= fields
    assert not Clinic.objects.exists()


def test_activation_of_a_known_ydernummer_with_another_cvr_is_pending_and_tells_nothing(
    api, other_api
):
    api.activate("812345")
    right = other_api.activate("812345")
    response = other_api.activate("812345", cvr=valid_cvr(99))

    assert (right.status_code, response.status_code) == (202, 202)
    assert (
        response.json()
        == right.json()
        == {
            "ydernummer": "812345",
            "activated": False,
            "pending_approval": True,
        }
    )
    assert not Activation.objects.filter(vendor=other_api.vendor).exists()
    request = ActivationRequest.objects.get(vendor=other_api.vendor)
    assert (request.state, request.cvr_matches) == ("pending", True)


def test_a_wrong_cvr_on_a_first_request_is_kept_for_the_owner_never_told(api, other_api):
    api.activate("812346")
    response = other_api.activate("812346", cvr=valid_cvr(99))

    assert response.status_code == 202
    assert "cvr" not in response.text.lower()
    request = ActivationRequest.objects.get(vendor=other_api.vendor)
    assert (request.state, request.cvr_matches) == ("pending", False)


def test_another_vendors_clinic_answers_404_everywhere(api, other_api, ready_clinic):
    yd = ready_clinic.ydernummer
    calls = [
        other_api.http.get(f"/clinics/{yd}/status"),
        other_api.http.get(f"/clinics/{yd}/subscriptions"),
        other_api.http.post(f"/clinics/{yd}/launch", json={"user_id": "u", "user_name": "U"}),
        other_api.submit(yd, [episode()]),
        other_api.http.delete(f"/clinics/{yd}/activation"),
        other_api.http.get("/clinics/999999/status"),  # does not exist at all: the same answer
    ]

    for response in calls:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert Activation.objects.active().filter(clinic=ready_clinic).count() == 1


def test_deactivation_stops_collection_and_keeps_history(api, ready_clinic):
    response = api.http.delete(f"/clinics/{ready_clinic.ydernummer}/activation")
    submitted = api.submit(ready_clinic.ydernummer, [episode()])

    assert response.status_code == 204
    assert submitted.status_code == 404  # an ended vendor reaches nothing (``clinics.reach``)
    assert Activation.objects.filter(clinic=ready_clinic).get().deactivated_at is not None
    status = api.http.get(f"/clinics/{ready_clinic.ydernummer}/status")
    assert status.status_code == 404
    assert status.json() == submitted.json()
    assert check_status(ready_clinic).checks[0].ok is False


def test_status_endpoint_returns_the_status_check(api, ready_clinic):
    body = api.http.get(f"/clinics/{ready_clinic.ydernummer}/status").json()

    assert [c["check"] for c in body["checks"]][:4] == ["activation", "dpa", "consent", "enrolment"]
    for check in body["checks"]:
        assert {"check", "ok", "detail", "action", "contact"} <= set(check)
    assert body["reports_open_on"] == {"diagnosekodning": "2026-03-12"}


def test_subscriptions_say_what_to_extract_and_what_blocks(api):
    api.activate("813333")
    clinic = Clinic.objects.get(ydernummer="813333")

    blocked = api.http.get("/clinics/813333/subscriptions").json()
    onboard(clinic)
    ready = api.http.get("/clinics/813333/subscriptions").json()

    assert blocked["collecting"] is False
    assert blocked["blocked_by"] == "no_dpa"
    assert "data processing agreement" in blocked["blocked_message"]
    assert blocked["subscriptions"] == []
    assert ready["collecting"] is True
    (subscription,) = ready["subscriptions"]
    assert subscription["project"] == "diagnosekodning"
    assert subscription["collect_from"] == "2026-01-12"
    assert subscription["specification"]["fields"][0] == "patient_cpr"


def test_launch_link_opens_once_and_expires(api, ready_clinic, live_server):
    response = api.http.post(
        f"/clinics/{ready_clinic.ydernummer}/launch", json={"user_id": "u-7", "user_name": "Ida"}
    )
    assert response.status_code == 200
    url = response.json()["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]

    first = httpx.get(f"{live_server.url}/{path}")
    second = httpx.get(f"{live_server.url}/{path}")

    assert first.status_code == 200
    for entry in ("Administrer", "Praksis samtykke", "Underskriv ny databehandleraftale"):
        assert entry in first.text
    assert second.status_code == 410
    assert "allerede brugt" in second.text

    again = api.http.post(
        f"/clinics/{ready_clinic.ydernummer}/launch", json={"user_id": "u-7", "user_name": "Ida"}
    )
    LaunchLink.objects.filter(used_at__isnull=True).update(expires_at=timezone.now())
    late = httpx.get(f"{live_server.url}/{again.json()['url'].split('/', 3)[3]}")
    assert late.status_code == 410
    assert "udløbet" in late.text
    assert httpx.get(f"{live_server.url}/launch/not-a-token").status_code == 404
    assert AuditEvent.objects.filter(action="launch.used").count() == 1


def test_openapi_document_and_docs_page_are_served(api, live_server):
    spec = httpx.get(f"{live_server.url}/api/v1/openapi.json")
    docs = httpx.get(f"{live_server.url}/api/v1/docs")

    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/api/v1/projects",
        "/api/v1/clinics/{ydernummer}/activation",
        "/api/v1/clinics/{ydernummer}/status",
        "/api/v1/clinics/{ydernummer}/subscriptions",
        "/api/v1/clinics/{ydernummer}/launch",
        "/api/v1/clinics/{ydernummer}/submissions",
        "/api/v1/fhir",
    ):
        assert path in paths
    assert docs.status_code == 200
