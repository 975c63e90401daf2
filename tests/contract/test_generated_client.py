"""A client generated from the served OpenAPI document by ``openapi-python-client`` runs the
whole vendor flow — projects, activation, subscriptions, status, launch, submissions with a
rejection, FHIR, report — using only the generated models, and every error answer it meets
is parsed into the generated error model. The client raises on any status the document does
not list, so an answer off the document fails here.

The clinic's own part (the DPA, the consent, the enrolment) is done by its owner in the
portal; here the same domain actions are called directly (tests/api/conftest.onboard)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from sentinel.api.fhir import records_to_bundle
from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from tests.api.conftest import episode, onboard
from tests.factories import valid_cvr

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PACKAGE = "sentinel_vendor_client"


def generator_cli() -> str:
    beside_python = Path(sys.executable).with_name("openapi-python-client")
    found = str(beside_python) if beside_python.exists() else shutil.which("openapi-python-client")
    assert found, "openapi-python-client is a dev dependency: make setup installs it"
    return found


@pytest.fixture
def generated(live_server, tmp_path: Path) -> Iterator[ModuleType]:
    document = httpx.get(f"{live_server.url}/api/v1/openapi.json", timeout=30)
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_text(document.text)
    (tmp_path / "config.json").write_text(
        json.dumps({"package_name_override": PACKAGE, "post_hooks": []})
    )
    result = subprocess.run(  # noqa: S603 - the installed generator, fixed arguments
        [
            generator_cli(),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def part(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture
def connect(generated, live_server) -> Iterator:
    """``connect(token)``: a generated client that raises on any status off the document."""
    opened = []

    def make(token: str):
        client = generated.AuthenticatedClient(
            base_url=live_server.url, token=token, raise_on_unexpected_status=True
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.get_httpx_client().close()


def test_the_generated_client_runs_the_whole_vendor_flow(
    generated, connect, live_server, api
) -> None:
    models = part(generated, "models")
    clinics = {
        name: part(generated, f"api.clinics.{name}")
        for name in (
            "list_projects",
            "activate_clinic",
            "get_subscriptions",
            "get_status",
            "create_launch_link",
        )
    }
    submit_records = part(generated, "api.submissions.submit_records")
    submit_fhir = part(generated, "api.submissions.submit_fhir_bundle")
    get_report = part(generated, "api.reports.get_clinic_report")
    client = connect(api.token)
    ydernummer = "822222"

    projects = clinics["list_projects"].sync(client=client)
    assert "diagnosekodning" in [p.code for p in projects]
    assert all(isinstance(p, models.ProjectOut) for p in projects)

    activation = clinics["activate_clinic"].sync(
        ydernummer,
        client=client,
        body=models.ActivationIn(
            cvr=valid_cvr(822222),
            name="Klinik Generated",
            speciale=models.ActivationInSpeciale("51"),
            municipality_code="0461",
        ),
    )
    assert isinstance(activation, models.ActivationOut)
    assert activation.activated is True
    onboard(Clinic.objects.get(ydernummer=ydernummer))

    subscriptions = clinics["get_subscriptions"].sync(ydernummer, client=client)
    assert isinstance(subscriptions, models.SubscriptionsOut)
    assert subscriptions.collecting is True
    assert [s.project for s in subscriptions.subscriptions] == ["diagnosekodning"]

    status = clinics["get_status"].sync(ydernummer, client=client)
    assert isinstance(status, models.StatusOut)
    assert {check.check.value for check in status.checks} >= {"activation", "dpa", "consent"}

    launch = clinics["create_launch_link"].sync(
        ydernummer, client=client, body=models.LaunchIn(user_id="u-17", user_name="Mette K")
    )
    assert isinstance(launch, models.LaunchOut)
    assert launch.url.startswith(live_server.url)

    bad = episode("G-2", start_date="2026-02-31")
    batch = models.SubmissionIn(
        records=[models.RecordIn.from_dict(episode("G-1")), models.RecordIn.from_dict(bad)]
    )
    answer = submit_records.sync(
        ydernummer, client=client, body=batch, idempotency_key=str(uuid.uuid4())
    )
    assert isinstance(answer, models.SubmissionOut)
    assert answer.accepted == 1
    assert [(r.index, r.source_id, r.reason.value) for r in answer.rejected] == [
        (1, "G-2", "invalid_date")
    ]

    bundle = records_to_bundle(ydernummer, [episode("G-3")])
    fhir_answer = submit_fhir.sync(client=client, body=models.FhirBundle.from_dict(bundle))
    assert isinstance(fhir_answer, models.FhirBatchResponse)
    assert fhir_answer.type_.value == "batch-response"
    assert sorted(Episode.objects.values_list("source_id", flat=True)) == ["G-1", "G-3"]

    report = get_report.sync(ydernummer, "diagnosekodning", client=client, worklist=False)
    assert isinstance(report, models.ReportOut)
    assert report.project == "diagnosekodning"


def test_every_error_the_generated_client_meets_is_a_typed_error(
    generated, connect, api, ready_clinic
) -> None:
    models = part(generated, "models")
    get_status = part(generated, "api.clinics.get_status")
    activate = part(generated, "api.clinics.activate_clinic")
    submit_records = part(generated, "api.submissions.submit_records")
    get_report = part(generated, "api.reports.get_clinic_report")
    client = connect(api.token)
    stranger = connect("snt_000000000000_unknown")
    yn = ready_clinic.ydernummer

    answers = {
        401: get_status.sync_detailed(yn, client=stranger),
        404: get_status.sync_detailed("899999", client=client),
        422: activate.sync_detailed(
            yn,
            client=client,
            body=models.ActivationIn(
                cvr="12345678", name="Klinik", speciale=models.ActivationInSpeciale("51")
            ),
        ),
        413: submit_records.sync_detailed(
            yn,
            client=client,
            body=models.SubmissionIn(
                records=[models.RecordIn.from_dict(episode(f"X-{i}")) for i in range(5001)]
            ),
        ),
        "period": get_report.sync_detailed(
            yn, "diagnosekodning", client=client, period=models.GetClinicReportPeriod("year")
        ),
    }

    for expected, response in answers.items():
        assert isinstance(response.parsed, models.ErrorOut), (expected, response.content[:200])
        if isinstance(expected, int):
            assert response.status_code == expected
    assert answers[401].parsed.error.code == "unauthorized"
    assert answers[404].parsed.error.code == "not_found"
    assert answers[422].parsed.error.code == "invalid_cvr"
    assert [f.field for f in answers[422].parsed.error.fields] == ["cvr"]
    assert answers[413].parsed.error.code == "too_large"
    assert answers["period"].status_code == 422
    assert [f.field for f in answers["period"].parsed.error.fields] == ["period"]
    assert not Episode.objects.exists()
