"""Fixtures for the operator console: staff users of each role, logged in through the real
login form with a password and a TOTP code from their confirmed device.

``every_console_url`` lists every page of the console (each registered model's views and the
console's own), so a test (and later a browser test) can try them all.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_q.models import Task

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Document
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate
from sentinel.clinics.credentials import issue_credential
from sentinel.console import staff
from sentinel.console.sites import console_site
from sentinel.networks.actions import create_network
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from sentinel.sharing import exports
from tests.factories import ClinicFactory, VendorFactory

PASSWORD = "Correct-Horse-42-battery"
ADMIN_CLI = Actor.system("tests")


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show for ``device`` now (or a step later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet (a code is accepted at most once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    ahead = max(0, device.last_t + 1 - totp.t())
    assert ahead <= device.tolerance, "no unused code within tolerance; slow down"
    return code_for(device, steps_ahead=ahead)


@dataclass
class Staff:
    user: Any
    device: TOTPDevice
    password: str = PASSWORD

    @property
    def username(self) -> str:
        return self.user.username


@pytest.fixture
def make_staff(db) -> Callable[..., Staff]:
    """A staff user of ``role``; their device is confirmed unless ``confirmed=False``."""
    made = iter(range(1, 1000))

    def make(role: str, *, confirmed: bool = True, username: str | None = None) -> Staff:
        name = username or f"{role}-{next(made)}"
        user, device = staff.create_staff(
            by=ADMIN_CLI, username=name, password=PASSWORD, role=role, full_name="Test Medarbejder"
        )
        if confirmed:
            assert staff.confirm_device(user=user, device=device, token=code_for(device))
        return Staff(user, device)

    return make


def log_in(client: Client, person: Staff, *, code: str | None = None) -> Any:
    return client.post(
        reverse("console:login"),
        {
            "username": person.username,
            "password": person.password,
            "otp_token": code if code is not None else fresh_code(person.device),
        },
    )


@pytest.fixture
def console_client(make_staff) -> Callable[[str], tuple[Client, Staff]]:
    """A test client logged in to the console as a new staff user of ``role``."""

    def make(role: str) -> tuple[Client, Staff]:
        person = make_staff(role)
        client = Client()
        response = log_in(client, person)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == reverse("console:index")
        return client, person

    return make


@pytest.fixture
def support(console_client):
    return console_client("support")


@pytest.fixture
def project_manager(console_client):
    return console_client("project_manager")


@pytest.fixture
def administrator(console_client):
    return console_client("administrator")


def staff_rows(person: Staff, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            actor_kind=AuditEvent.ActorKind.STAFF, actor_id=person.username, action=action
        )
    )


@pytest.fixture
def console_objects(db, settings, tmp_path) -> dict[str, Any]:
    """One object of every kind the console shows, for visiting every page (an export too)."""
    vendor = VendorFactory()
    credential, _token = issue_credential(by=ADMIN_CLI, vendor=vendor)
    project = Project.objects.get(code="diagnosekodning")
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    export = exports.create_export(
        by=ADMIN_CLI,
        project=project,
        recipient=project.recipients.order_by("pk").first(),
        kind=exports.AGGREGATED,
        start=timezone.localdate() - dt.timedelta(days=30),
        end=timezone.localdate(),
    )
    return {
        "export": export.audit_event,
        "project": project,
        "vendor": vendor,
        "credential": credential,
        "clinic": ClinicFactory(),
        "network": create_network(name="Klynge Test", by=ADMIN_CLI),
        "audit": AuditEvent.objects.order_by("pk").first(),
        "document": Document.objects.order_by("pk").first(),
        "job_run": Task.objects.create(
            id="b" * 32,
            name="a-run",
            func="sentinel.jobs.tasks.send_notices",
            started=timezone.now(),
            stopped=timezone.now(),
            result="0 notices sent",
            success=True,
            group="notices",
        ),
    }


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def collecting_clinic(clinic, vendor):
    """Activated, DPA and consent in place, enrolled in Diagnosekodning 60 days ago."""
    start = timezone.localdate() - dt.timedelta(days=60)
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    activate(by=ADMIN_CLI, vendor=vendor, clinic=clinic, at=at(start))
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at(start))
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at(start))
    enrol(
        by=signer.actor,
        clinic=clinic,
        project=Project.objects.get(code="diagnosekodning"),
        on=start,
    )
    return clinic


def status_of(client: Client, url: str) -> int:
    """The status of a GET, reading a download to its end (which closes its file)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def every_console_url(objects: dict[str, Any]) -> Iterator[str]:
    """Every console page but the login and enrolment pages (which must stay open)."""
    samples = {
        "projects.project": objects["project"].pk,
        "clinics.vendor": objects["vendor"].pk,
        "clinics.clinic": objects["clinic"].pk,
        "audit.auditevent": objects["audit"].pk,
        "agreements.document": objects["document"].pk,
        "django_q.task": objects["job_run"].pk,
        "networks.network": objects["network"].pk,
    }
    for model, model_admin in console_site._registry.items():
        for pattern in model_admin.urls:
            if not pattern.name:
                continue
            kwargs: dict[str, Any] = {}
            converters = getattr(pattern.pattern, "converters", {})
            if "object_id" in converters:
                kwargs["object_id"] = samples[model._meta.label_lower]
            if "prefix" in converters:
                kwargs["prefix"] = objects["credential"].prefix
            if "export_id" in converters:
                kwargs["export_id"] = objects["export"].pk
                kwargs["name"] = "manifest.json"
            elif "name" in converters:
                kwargs["name"] = "notices"
            yield reverse(f"console:{pattern.name}", kwargs=kwargs)
    yield reverse("console:index")
    yield reverse("console:logout")
    for label in {m._meta.app_label for m in console_site._registry}:
        yield reverse("console:app_list", kwargs={"app_label": label})
    yield reverse("console:password_change")
    yield reverse("console:password_change_done")
    yield reverse("console:jsi18n")
    yield reverse("console:autocomplete")
