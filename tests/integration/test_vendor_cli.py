"""``sentinel vendor``: the credential alone on stdout, everything else on stderr."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from sentinel.audit.models import AuditEvent
from sentinel.clinics.credentials import authenticate
from sentinel.clinics.models import Vendor, VendorCredential


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("vendor", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_vendor_create_prints_only_the_credential_on_stdout(db):
    out, err = run("create", "Fysiodata A/S", "--menu-help-da", "Under Funktioner")

    token = out.strip()
    assert "\n" not in token
    assert token.startswith("snt_")
    assert "shown only this once" in err
    vendor = Vendor.objects.get(slug="fysiodata-as")
    assert vendor.menu_help_da == "Under Funktioner"
    assert authenticate(token).vendor == vendor
    assert token.split("_", 2)[2] not in VendorCredential.objects.get().secret_sha256


def test_vendor_create_twice_is_refused(db):
    run("create", "Fysiodata")
    with pytest.raises(SystemExit) as exc:
        run("create", "Fysiodata")
    assert exc.value.code == 1
    assert Vendor.objects.count() == 1


def test_vendor_rotate_and_revoke(db):
    first, _ = run("create", "Fysiodata")
    old = VendorCredential.objects.get()

    second, err = run("rotate", old.prefix, "--grace-days", "2")
    assert "works until" in err
    assert authenticate(first.strip()) is not None  # within the grace period
    assert authenticate(second.strip()) is not None

    _out, err = run("revoke", old.prefix)
    assert "Revoked" in err
    assert authenticate(first.strip()) is None
    assert authenticate(second.strip()) is not None
    listing, _ = run("list")
    assert f"{old.prefix}\trevoked" in listing
    assert second.strip() not in listing
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"credential.issued", "credential.rotated", "credential.revoked"} <= actions


def test_vendor_unknown_prefix_is_one_clear_line(db):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("vendor", "revoke", "nope", stdout=io.StringIO(), stderr=err)
    assert exc.value.code == 1
    assert (
        err.getvalue().strip()
        == "sentinel vendor: no credential with prefix 'nope' (see 'sentinel vendor list')"
    )
