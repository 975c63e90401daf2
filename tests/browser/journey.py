"""Shared by the journey tests (``test_journey``, ``test_outcomes_journey``): the practice
system as a vendor with a real credential speaking the public API over HTTP, and a clinic of
the owner's CVR onboarded months ago through the same domain actions the API and the portal
call, with their explicit effective dates (``activate(at=)``, ``sign_dpa(at=)``,
``approve_consent(at=)``, ``enrol(on=)``) — exactly what those rows would hold had the owner
clicked through the portal then. A signature made in the browser is stamped with the moment
it is made, so a report past its opening day is read at such a clinic."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import httpx
import pytest
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, register_clinic
from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Clinic
from sentinel.demo.oidc import DemoUser
from sentinel.lib.dates import add_months
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from tests.factories import VendorFactory


@pytest.fixture
def vendor(db):
    return VendorFactory(
        name="Fysiodata Test A/S",
        menu_help_da="I Fysiodata finder du Sentinel under Funktioner → Kvalitet → Sentinel.",
    )


@pytest.fixture
def vendor_api(live_server, vendor):
    """The vendor's HTTP client for ``/api/v1`` with a credential issued to it."""
    _credential, token = issue_credential(by=Actor.system("tests"), vendor=vendor)
    with httpx.Client(
        base_url=f"{live_server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as http:
        yield http


def onboarded_months_ago(
    vendor,
    owner: DemoUser,
    *,
    ydernummer: str,
    name: str,
    projects: Iterable[str] = ("diagnosekodning",),
    months: int = 3,
) -> tuple[Clinic, dt.date]:
    """A clinic of the owner's CVR: activated by the vendor, DPA signed, consent approved and
    enrolled in ``projects`` ``months`` ago, through the actions with their dates. Returns the
    clinic and that day."""
    day = add_months(timezone.localdate(), -months)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    clinic = register_clinic(
        by=Actor.vendor(vendor),
        ydernummer=ydernummer,
        cvr=owner.cvr,
        name=name,
        speciale="51",
        municipality_code="0101",
    )
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=at)
    signer = Signer(
        uuid.UUID(owner.sub), owner.name, owner.cvr, AssuranceLevel.SUBSTANTIAL, may_sign=True
    )
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    for code in projects:
        enrol(by=signer.actor, clinic=clinic, project=Project.objects.get(code=code), on=day)
    return clinic, day
