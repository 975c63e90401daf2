"""HTTP as vendors expect it, over real HTTP: media types, bodies that are not JSON, 401 with
its challenge, the size limits (413 beyond, 200 at them), and /healthz with the database
gone."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sentinel.api.protocol import MAX_BODY_BYTES, MAX_DEPTH, MAX_RECORDS
from sentinel.collection.models import Episode, Submission
from tests.api.conftest import episode
from tests.cli import clean_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def submissions(clinic) -> str:
    return f"/clinics/{clinic.ydernummer}/submissions"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
)
def test_submission_body_that_is_not_application_json_is_415(api, ready_clinic, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps({"records": [episode()]}).encode()

    response = api.http.post(submissions(ready_clinic), content=body, headers=headers)

    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert not Submission.objects.exists()


def test_submission_json_with_a_charset_is_fine(api, ready_clinic):
    body = json.dumps({"records": [episode()]}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}

    response = api.http.post(submissions(ready_clinic), content=body, headers=headers)

    assert response.json()["accepted"] == 1


@pytest.mark.parametrize("body", [b"{", b"records=1", b"\xff\xfe", b"[" * 100_000])
def test_submission_body_that_is_not_json_is_422_naming_the_body(api, ready_clinic, body):
    headers = {"Content-Type": "application/json"}

    response = api.http.post(submissions(ready_clinic), content=body, headers=headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["field"] == "body"


def _nested(depth: int) -> bytes:
    """A JSON object whose ``records`` nests arrays so that the whole is ``depth`` deep."""
    return b'{"records":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(("depth", "field"), [(MAX_DEPTH, "records.0"), (MAX_DEPTH + 1, "body")])
def test_submission_body_nesting_beyond_the_limit_is_422_naming_the_body(
    api, ready_clinic, depth, field
):
    headers = {"Content-Type": "application/json"}

    response = api.http.post(submissions(ready_clinic), content=_nested(depth), headers=headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["field"] == field
    assert not Submission.objects.exists()


def test_activation_body_nesting_beyond_the_limit_is_422_naming_the_body(api):
    response = api.http.put(
        "/clinics/841001/activation",
        content=_nested(MAX_DEPTH + 1),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_body"
    assert response.json()["error"]["fields"][0]["field"] == "body"


def test_activation_body_that_is_not_json_is_422(api):
    response = api.http.put(
        "/clinics/841001/activation", content=b"cvr=1", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body"


@pytest.mark.parametrize("token", [None, "snt_nope_nope"])
def test_401_carries_a_bearer_challenge(live_server, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    response = httpx.get(f"{live_server.url}/api/v1/projects", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/clinics/811111/submissions", "/fhir"])
def test_body_over_the_limit_is_413_before_it_is_read(api, ready_clinic, path):
    body = b'{"records": [' + b" " * MAX_BODY_BYTES + b"]}"
    content_type = "application/fhir+json" if path == "/fhir" else "application/json"

    response = api.http.post(path, content=body, headers={"Content-Type": content_type})

    assert response.status_code == 413, response.text[:200]
    if path == "/fhir":
        (issue,) = response.json()["issue"]
        assert issue["code"] == "too-costly"
        assert response.headers["Content-Type"].startswith("application/fhir+json")
    else:
        assert response.json()["error"]["code"] == "too_large"
    assert not Submission.objects.exists()


def test_batch_over_the_record_limit_is_413(api, ready_clinic):
    records = [episode(f"E-{i}") for i in range(MAX_RECORDS + 1)]

    response = api.submit(ready_clinic.ydernummer, records)

    assert response.status_code == 413, response.text[:300]
    assert str(MAX_RECORDS) in response.json()["error"]["message"]
    assert not Episode.objects.exists()


def test_batch_at_the_record_limit_with_six_codes_each_is_200(api, ready_clinic):
    codes = ["L03", "L86", "L84", "L89", "L90", "L83"]
    records = [
        episode(
            f"E-{i}",
            diagnoses=[
                {"code": code, "recorded_at": f"2026-02-{2 + n:02d}T09:30:00+01:00"}
                for n, code in enumerate(codes)
            ],
            services=[{"code": "2101", "date": "2026-02-02"}],
        )
        for i in range(MAX_RECORDS)
    ]

    response = api.http.post(submissions(ready_clinic), json={"records": records}, timeout=300)

    assert response.status_code == 200, response.text[:300]
    assert response.json()["accepted"] == MAX_RECORDS
    assert Episode.objects.count() == MAX_RECORDS


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000, b"{"])
def test_fhir_body_that_is_not_json_is_422_outcome(api, body):
    response = api.http.post(
        "/fhir", content=body, headers={"Content-Type": "application/fhir+json"}
    )

    assert response.status_code == 422, response.text[:200]
    assert response.json()["resourceType"] == "OperationOutcome"


def test_fhir_body_of_another_media_type_is_415_outcome(api):
    response = api.http.post("/fhir", content=b"{}", headers={"Content-Type": "text/plain"})

    assert response.status_code == 415
    assert response.json()["resourceType"] == "OperationOutcome"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthz_and_the_api_are_503_json_when_the_database_is_unreachable(tmp_path: Path):
    port = _free_port()
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/gone",
        SENTINEL_SECRET_KEY="tests-only",
        SENTINEL_PSEUDONYM_KEY="dGVzdHMtb25seS1wc2V1ZG9ueW0ta2V5LTMyLWJ5dGU",
        SENTINEL_CPR_KEYS="t1:dGVzdHMtb25seS1jcHItZW5jcnlwdGlvbi1rZXktMzI",
        SENTINEL_ALLOWED_HOSTS="127.0.0.1",
        SENTINEL_SSL_REDIRECT="false",
    )
    server = subprocess.Popen(  # noqa: S603 - gunicorn serving our own WSGI app
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "sentinel.wsgi:application"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        response = None
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except httpx.TransportError:
                time.sleep(0.1)  # the server is starting
        assert response is not None
        assert response.status_code == 503, response.text[:300]
        assert response.json()["status"] == "unavailable"
        vendor_call = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/projects",
            headers={"Authorization": "Bearer snt_0123456789ab_whatever"},
            timeout=10,
        )
        assert vendor_call.status_code == 503, vendor_call.text[:300]
        assert vendor_call.json()["error"]["code"] == "unavailable"
        assert vendor_call.headers["Retry-After"] == "30"
    finally:
        server.terminate()
        server.wait(timeout=30)
