"""Schemathesis over the served OpenAPI document, against the live server with a real credential
and an onboarded clinic, on the database the run uses (SQLite, then PostgreSQL in `make test`).

The real ``st run`` command, every phase (examples, coverage, fuzzing, stateful), positive and
negative data, every check: no 5xx, every status code, header, content type and body as the
document says, invalid data refused, valid data not refused, no answer without the credential.
``SENTINEL_FUZZ_EXAMPLES`` examples per operation (default 200); a fixed seed, so a failure
repeats. Schemathesis' own pytest plugin is not used: its lazy schema (needed for a live
server) does not run under pytest 9.2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.api.protocol import MAX_KEY_LENGTH
from sentinel.clinics.models import Clinic

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOOKS = Path(__file__).with_name("hooks.py")
EXAMPLES = int(os.environ.get("SENTINEL_FUZZ_EXAMPLES", "200"))


def schemathesis_cli() -> str:
    beside_python = Path(sys.executable).with_name("st")
    found = str(beside_python) if beside_python.exists() else shutil.which("st")
    assert found, "schemathesis is a dev dependency: make setup installs it"
    return found


def test_fuzzing_finds_no_server_error_and_no_answer_off_the_document(
    live_server, api, ready_clinic: Clinic, tmp_path: Path
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "\n".join(
            [
                "seed = 20261203",
                f"hooks = {json.dumps(str(HOOKS))}",
                "[auth.openapi.VendorBearer]",
                f"bearer = {json.dumps(api.token)}",
                "[generation]",
                f"max-examples = {EXAMPLES}",
                'mode = "all"',
                'database = "none"',
                "[parameters]",
                f'"path.ydernummer" = {json.dumps(ready_clinic.ydernummer)}',
                '"path.project" = "diagnosekodning"',
                '"query.project" = "diagnosekodning"',
                # A batch over the record limit is refused with 413 (API.md, limits), which is
                # as much a refusal of invalid data as 422.
                "[checks.negative_data_rejection]",
                'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413",'
                ' "415", "422", "428", "429"]',
                # The activation's CVR check digit, SOR id length and municipality code (a
                # list of 104 in shared/data) are checked by the server with their own reason
                # codes; the document states their shape, not the whole rule. Everywhere else
                # valid data must be accepted.
                "[[operations]]",
                'include-operation-id = "activateClinic"',
                "[operations.checks.positive_data_acceptance]",
                'expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]',
                # A period is checked against the clinic's enrolment and today (a year or
                # months before the enrolment, `from` after `to`: 422 naming `period`).
                # The FHIR resources' content is checked by the server, not described by the
                # document (only the Bundle's envelope is): a transaction with a bad entry is
                # refused whole, as FHIR requires.
                "[[operations]]",
                'include-operation-id = "submitFhirBundle"',
                "[operations.checks.positive_data_acceptance]",
                'expected-statuses = ["2xx", "400", "401", "404", "422", "429"]',
                "[[operations]]",
                'include-operation-id = "getClinicReport"',
                "[operations.checks.positive_data_acceptance]",
                'expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]',
                # An item id of the right shape names an open item only when a course lacks
                # something (else 404 no_open_item); a second answer with another reason is 409.
                "[[operations]]",
                'include-operation-id = "answerOpenItem"',
                "[operations.checks.positive_data_acceptance]",
                'expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]',
            ]
        )
        + "\n"
    )
    result = subprocess.run(  # noqa: S603 - the installed schemathesis CLI, fixed arguments
        [
            schemathesis_cli(),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": "",
            "SENTINEL_FUZZ_MAX_KEY_LENGTH": str(MAX_KEY_LENGTH),
        },
    )
    output = result.stdout + result.stderr
    report = Path(os.environ.get("SENTINEL_VAR_DIR", tmp_path)) / "schemathesis.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(output)
    assert result.returncode == 0, (
        f"schemathesis found failures (whole report: {report}):\n{output[-8000:]}"
    )
