"""The ``sentinel`` console command, run as a real subprocess on its own SQLite file.

Every test points ``SENTINEL_VAR_DIR`` at a temporary directory and removes ``DATABASE_URL``
and the other ``SENTINEL_*`` variables, so nothing here touches the test database that
pytest-django creates, the repository's ``var/`` or a PostgreSQL server. The migrated demo
database is built once per module.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import run_sentinel as run
from tests.cli import serving

pytestmark = pytest.mark.slow

COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 20.0
UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/nope"
# Everything a server setup needs besides the secret key (dummy keys: 32 zero bytes).
_DUMMY_KEY = base64.urlsafe_b64encode(bytes(32)).decode("ascii")
SERVER_KEYS = {"SENTINEL_PSEUDONYM_KEY": _DUMMY_KEY, "SENTINEL_CPR_KEYS": f"k1:{_DUMMY_KEY}"}
CHECK_KEYS = {"check", "ok", "state", "detail", "action", "contact"}
MARKS = ("[ok]", "[wait]", "[!!]")
LABELS_DA = (
    "Aktiveret af systemhus",
    "Databehandleraftale",
    "Praksis samtykke",
    "Tilmelding til projekter",
)


def run_sentinel(var_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run(var_dir, *args, timeout=COMMAND_TIMEOUT, **extra_env)


def _stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@dataclass(frozen=True)
class DemoSetup:
    var_dir: Path
    migrate: subprocess.CompletedProcess[str]
    demo: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo_setup(tmp_path_factory: pytest.TempPathFactory) -> DemoSetup:
    """A var dir with a migrated database and a demo nation of 60 clinics."""
    var_dir = tmp_path_factory.mktemp("sentinel-var")
    migrate = run_sentinel(var_dir, "migrate")
    demo = run_sentinel(var_dir, "demo", "--no-serve", "--clinics", "60")
    return DemoSetup(var_dir=var_dir, migrate=migrate, demo=demo)


@pytest.fixture
def demo_var_dir(demo_setup: DemoSetup) -> Path:
    if demo_setup.migrate.returncode != 0 or demo_setup.demo.returncode != 0:
        pytest.fail(
            "the demo setup failed:\n"
            f"{demo_setup.migrate.stderr}\n{demo_setup.demo.stdout}\n{demo_setup.demo.stderr}"
        )
    return demo_setup.var_dir


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local http
        return response.status, response.read().decode("utf-8")


# --- help -----------------------------------------------------------------------------------


def test_cli_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_sentinel(tmp_path, "--help")

    assert result.returncode == 0
    for command in ("demo", "serve", "migrate", "status"):
        assert command in result.stdout
    assert result.stderr == ""


# --- no database ----------------------------------------------------------------------------


def test_cli_status_without_database_refuses_in_one_line(tmp_path: Path) -> None:
    result = run_sentinel(tmp_path, "status", "900001")

    assert result.returncode == 3
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel status:")
    assert "sentinel migrate" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""
    assert not (tmp_path / "sentinel.sqlite3").exists()


# --- migrate and demo -----------------------------------------------------------------------


def test_cli_migrate_then_demo_sets_up_the_nation(demo_setup: DemoSetup) -> None:
    assert demo_setup.migrate.returncode == 0, demo_setup.migrate.stderr
    assert demo_setup.demo.returncode == 0, demo_setup.demo.stderr
    assert "Creating the synthetic nation of clinics" in demo_setup.demo.stdout
    assert "50/60 clinics" in demo_setup.demo.stdout
    assert "60 clinics in the demo." in demo_setup.demo.stdout
    assert (
        "Operator console: http://127.0.0.1:8000/console/ as demo-admin, password "
        "Demo-Konsol-2026 (administrator; demo only)." in demo_setup.demo.stdout
    )
    assert "oathtool --totp -b '" in demo_setup.demo.stdout
    # The README's API example: a demo vendor that has clinics.
    assert re.search(
        r"fysiodata  Fysiodata Demo A/S: \d+ clinics, e\.g\. 9\d{5}", demo_setup.demo.stdout
    )
    assert (demo_setup.var_dir / "sentinel.sqlite3").exists()


# --- status ---------------------------------------------------------------------------------


def test_cli_status_prints_a_readable_danish_report(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "status", "900001")

    assert result.returncode == 0, result.stderr
    assert "ydernummer 900001" in result.stdout
    for label in LABELS_DA:
        assert label in result.stdout
    assert any(mark in result.stdout for mark in MARKS)
    assert "Status " in result.stdout
    assert result.stderr == ""


def test_cli_status_json_has_the_documented_shape(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "status", "900001", "--json")

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {"ydernummer", "checks", "projects"} <= payload.keys()
    assert payload["ydernummer"] == "900001"
    assert isinstance(payload["projects"], list)
    assert [c["check"] for c in payload["checks"][:4]] == [
        "activation",
        "dpa",
        "consent",
        "enrolment",
    ]
    for check in payload["checks"]:
        assert check.keys() >= CHECK_KEYS
        assert check["state"] in {"ok", "waiting", "action_needed"}
        assert check["ok"] is (check["state"] == "ok")
    activation = payload["checks"][0]["detail"]
    assert any(
        text in activation
        for text in ("Sentinel er aktiveret", "Dit systemhus har ikke", "deaktiverede Sentinel")
    )


def test_cli_status_json_in_english_on_a_given_day(demo_var_dir: Path) -> None:
    on = dt.date(2026, 1, 15)

    result = run_sentinel(
        demo_var_dir, "status", "900001", "--json", "--language", "en", "--on", on.isoformat()
    )

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["checked_on"] == on.isoformat()
    activation = payload["checks"][0]
    assert activation["check"] == "activation"
    assert any(
        text in activation["detail"]
        for text in ("Sentinel is activated", "No practice system vendor", "deactivated Sentinel")
    )
    details = " ".join(c["detail"] for c in payload["checks"])
    for danish in ("Du har", "Dit systemhus", "Du er", "Vi modtager", "Rapporten"):
        assert danish not in details


def test_cli_status_unknown_ydernummer_refuses(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "status", "123456")

    assert result.returncode == 1
    assert _stderr_lines(result) == ["sentinel status: no clinic with ydernummer 123456"]
    assert result.stdout.strip() == ""


def test_cli_status_malformed_ydernummer_refuses(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "status", "12x")

    assert result.returncode == 1
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel status:")
    assert "6 digits" in lines[0]
    assert "'12x'" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""


def test_cli_status_invalid_date_refuses(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "status", "900001", "--on", "2026-13-01")

    assert result.returncode == 1
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel status:")
    assert "YYYY-MM-DD" in lines[0]
    assert "2026-13-01" in lines[0]
    assert "Traceback" not in result.stderr


# --- configuration and database errors -------------------------------------------------------


def test_cli_status_unreachable_postgresql_is_a_database_error(tmp_path: Path) -> None:
    result = run_sentinel(
        tmp_path,
        "status",
        "900001",
        DATABASE_URL=UNREACHABLE_POSTGRES,
        SENTINEL_SECRET_KEY="x",
        **SERVER_KEYS,
    )

    assert result.returncode == 3
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel: database error")
    assert "Traceback" not in result.stderr


def test_cli_database_url_without_secret_key_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_sentinel(
        tmp_path, "status", "900001", DATABASE_URL=UNREACHABLE_POSTGRES, **SERVER_KEYS
    )

    assert result.returncode == 2
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel: configuration error")
    assert "SENTINEL_SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_database_url_with_an_unknown_scheme_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_sentinel(
        tmp_path, "status", "900001", DATABASE_URL="foo://x", SENTINEL_SECRET_KEY="x", **SERVER_KEYS
    )

    assert result.returncode == 2
    lines = _stderr_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("sentinel: configuration error: DATABASE_URL is not usable")
    assert "Traceback" not in result.stderr


# --- serve ----------------------------------------------------------------------------------


def test_cli_serve_port_zero_refuses(demo_var_dir: Path) -> None:
    result = run_sentinel(demo_var_dir, "serve", "--port", "0")

    assert result.returncode == 1
    assert _stderr_lines(result) == ["sentinel serve: port must be between 1 and 65535, got 0"]


def test_cli_serve_answers_pages_over_http(demo_var_dir: Path) -> None:
    log_path = demo_var_dir / "serve.log"
    with serving(demo_var_dir, log_path, SENTINEL_DEMO="true") as base:
        health = _get(f"{base}/healthz")
        front = _get(f"{base}/")
        demo = _get(f"{base}/demo/")

    assert health == (200, '{"status": "ok"}')
    assert front[0] == 200
    assert "Sentinel Kvalitets Data" in front[1]
    assert demo[0] == 200
    assert "<h1>Demoens klinikker</h1>" in demo[1]
    assert "900001" in demo[1]  # the first page of clinics
