"""Shared fixtures: a clinic, its vendor, a signer and a clock for onboarding stories."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from sentinel.agreements.actions import Signer
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.projects.models import Project
from tests.factories import ClinicFactory, VendorFactory

pytest_plugins = ["tests.mailserver"]  # the real SMTP server (``smtp``)

SYSTEM = Actor.system("tests")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware datetime on ``day`` in Danish time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def system() -> Actor:
    return SYSTEM


@pytest.fixture
def clinic(db):
    return ClinicFactory()


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def project(db) -> Project:
    """Diagnosekodning, as the migration creates it."""
    return Project.objects.get(code="diagnosekodning")


@pytest.fixture
def signer(clinic) -> Signer:
    return Signer(
        person_uuid=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        name="Test Klinikejer",
        cvr=clinic.cvr,
        assurance_level=AssuranceLevel.SUBSTANTIAL,
        may_sign=True,
    )
