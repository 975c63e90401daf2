"""``sentinel staff``: creating staff users (the TOTP URI alone on stdout, once), listing them,
and managing their second factor and lockouts."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sentinel.audit.models import AuditEvent
from sentinel.console import staff
from sentinel.console.roles import Role, role_of
from tests.cli import run_sentinel
from tests.console.conftest import PASSWORD, code_for, log_in

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str = "") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("staff", *args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_staff_create_prints_only_the_provisioning_uri_once() -> None:
    out, err = run(
        "create",
        "bente",
        "--role",
        "support",
        "--name",
        "Bente Hansen",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )

    uri = out.strip()
    assert "\n" not in uri
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth"
    assert parse_qs(parsed.query)["issuer"] == ["Sentinel"]
    assert "shown only this once" in err
    assert "/console/enrol/" in err
    user = get_user_model().objects.get(username="bente")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert role_of(user) is Role.SUPPORT
    device = staff.pending_device(user)
    assert device is not None and staff.confirmed_device(user) is None
    secret = parse_qs(parsed.query)["secret"][0]
    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_CREATED)
    assert row.details == {"username": "bente", "role": "support"}
    assert secret not in str(row.details)
    listing, _ = run("list")
    assert secret not in listing


def test_a_new_staff_user_confirms_the_device_and_logs_in(client, settings) -> None:
    out, _err = run("create", "carl", "--role", "administrator", "--password-stdin", stdin=PASSWORD)
    user = get_user_model().objects.get(username="carl")
    device = staff.pending_device(user)
    assert device is not None and device.config_url == out.strip()

    client.post(
        reverse("console:enrol"), {"step": "password", "username": "carl", "password": PASSWORD}
    )
    response = client.post(
        reverse("console:enrol"), {"step": "confirm", "otp_token": code_for(device)}
    )

    assert response.status_code == 302
    assert client.get(reverse("console:index")).status_code == 200


def test_staff_without_a_subcommand_lists_staff_users(make_staff) -> None:
    make_staff("support", username="dorte")
    make_staff("administrator", username="erik", confirmed=False)
    get_user_model().objects.create_user("klinikbruger", password=PASSWORD)

    out, _err = run()

    lines = out.strip().splitlines()
    assert [line.split("\t")[:4] for line in lines] == [
        ["dorte", "support", "second factor confirmed", "active"],
        ["erik", "administrator", "second factor not confirmed yet", "active"],
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("create", "x", "--role", "support", "--password-stdin"), "123", "too short"),
        (("create", "x", "--role", "support", "--password-stdin"), "", "the password is empty"),
        (("create", "klinikbruger", "--role", "support", "--password-stdin"), PASSWORD, "exists"),
        (("reset-device", "nobody"), "", "no staff user 'nobody'"),
        (("unlock", "klinikbruger"), "", "no staff user 'klinikbruger'"),
    ],
)
def test_staff_refusals_are_one_line_with_exit_1(args, stdin, message) -> None:
    get_user_model().objects.create_user("klinikbruger", password=PASSWORD)
    err = io.StringIO()

    with pytest.raises(SystemExit) as exc:
        call_command("staff", *args, stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=err)

    assert exc.value.code == 1
    assert err.getvalue().startswith("sentinel staff: ")
    assert message in err.getvalue()
    assert not get_user_model().objects.filter(username="x").exists()


def test_reset_device_replaces_the_second_factor(make_staff) -> None:
    person = make_staff("support", username="frida")

    out, err = run("reset-device", "frida")

    assert "shown only this once" in err
    assert staff.confirmed_device(person.user) is None
    new = staff.pending_device(person.user)
    assert new is not None and new.config_url == out.strip() != person.device.config_url
    old_code = log_in(Client(), person, code=code_for(person.device, steps_ahead=1))
    assert old_code.status_code == 200  # refused: the old app no longer works
    assert AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_DEVICE_RESET).exists()


def test_unlock_and_deactivate(make_staff, settings) -> None:
    settings.SENTINEL_CONSOLE_MAX_FAILURES = 1
    make_staff("support", username="gustav")
    staff.note_failed_login("gustav", "invalid_login")
    assert "locked out" in run("list")[0]

    _out, err = run("unlock", "gustav")
    assert "Unlocked gustav" in err
    assert not staff.is_locked_out("gustav")

    run("deactivate", "gustav")
    assert not get_user_model().objects.get(username="gustav").is_active
    assert "deactivated" in run("list")[0]


# --- the real command line -------------------------------------------------------------


@pytest.mark.slow
def test_sentinel_staff_create_on_the_command_line(tmp_path: Path) -> None:
    def sentinel(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_sentinel(tmp_path, *args, timeout=120, stdin=stdin)

    assert sentinel("migrate").returncode == 0
    created = sentinel(
        "staff",
        "create",
        "hanne",
        "--role",
        "project_manager",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    listing = sentinel("staff")
    twice = sentinel(
        "staff", "create", "hanne", "--role", "support", "--password-stdin", stdin=PASSWORD
    )

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("otpauth://totp/Sentinel%3Ahanne?secret=")
    assert created.stdout.count("\n") == 1
    assert listing.stdout.startswith("hanne\tproject_manager\tsecond factor not confirmed yet")
    assert twice.returncode == 1
    assert twice.stderr.strip().splitlines()[-1].startswith("sentinel staff: a user 'hanne'")
    assert "staff create USERNAME" in sentinel("--help").stdout
