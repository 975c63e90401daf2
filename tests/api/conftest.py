"""Fixtures for the vendor API, tested through real HTTP against a live server.

The live server needs committed data, so these tests use transactional databases with
serialized rollback: what the migrations create (DPA/consent v1, Diagnosekodning) is restored
after every test.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Clinic, Vendor
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from tests.factories import VendorFactory, valid_cvr

OPERATOR = Actor.system("tests")
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@dataclass
class VendorClient:
    vendor: Vendor
    token: str
    http: httpx.Client

    def activate(self, ydernummer: str, **body: object) -> httpx.Response:
        payload = {
            "cvr": valid_cvr(int(ydernummer)),
            "name": f"Klinik {ydernummer}",
            "speciale": "51",
        }
        payload.update(body)
        return self.http.put(f"/clinics/{ydernummer}/activation", json=payload)

    def submit(self, ydernummer: str, records: list[dict], **headers: str) -> httpx.Response:
        return self.http.post(
            f"/clinics/{ydernummer}/submissions", json={"records": records}, headers=headers
        )


@pytest.fixture
def make_vendor_client(live_server) -> Iterator:
    clients: list[httpx.Client] = []

    def make(vendor: Vendor | None = None, token: str | None = None) -> VendorClient:
        vendor = vendor or VendorFactory()
        if token is None:
            _credential, token = issue_credential(by=OPERATOR, vendor=vendor)
        http = httpx.Client(
            base_url=f"{live_server.url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        clients.append(http)
        return VendorClient(vendor, token, http)

    yield make
    for http in clients:
        http.close()


@pytest.fixture
def api(make_vendor_client) -> VendorClient:
    return make_vendor_client()


@pytest.fixture
def other_api(make_vendor_client) -> VendorClient:
    return make_vendor_client()


ENROLLED_ON = dt.date(2026, 1, 12)


def onboard(clinic: Clinic, *, on: dt.date = ENROLLED_ON) -> Signer:
    """DPA signed, consent approved, enrolled in Diagnosekodning on ``on``."""
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(
        by=signer.actor, clinic=clinic, project=Project.objects.get(code="diagnosekodning"), on=on
    )
    return signer


@pytest.fixture
def ready_clinic(api) -> Clinic:
    """A clinic the ``api`` vendor activated, fully onboarded from ENROLLED_ON."""
    response = api.activate("811111", municipality_code="0461")
    assert response.status_code == 200, response.text
    clinic = Clinic.objects.get(ydernummer="811111")
    onboard(clinic)
    return clinic


_serial = itertools.cycle(range(1000, 4000))


def synthetic_cpr(born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A generated CPR: a real date and a serial from 1000-3999 (the 7th digit keeps the
    20th century). Generated, never copied from a person."""
    return f"{born:%d%m%y}{next(_serial)}"


def episode(source_id: str = "E-1", **overrides: object) -> dict:
    record = {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": "2026-02-02",
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": "L90", "recorded_at": "2026-02-02T09:30:00+01:00"}],
    }
    record.update(overrides)
    return record
