"""Fixtures for the quality networks: member clinics with report cells, a network."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic
from sentinel.networks import actions
from sentinel.networks.models import Network
from sentinel.projects.models import Project
from tests.factories import ClinicFactory
from tests.portal.conftest import (  # noqa: F401 - the provider fixtures
    compile_catalogue,
    provider,
    provider_issuer,
)
from tests.reports.conftest import add_cells, onboard_for_reports

TODAY = dt.date(2026, 4, 20)  # enrolled 12.01.2026, the report opened 12.03.2026
FEB = dt.date(2026, 2, 1)
KNEE = ("51", "knee_osteoarthritis", "L90")
KNEE_UNCODED = ("51", "knee_osteoarthritis", "")
OPERATOR = Actor.staff("operator")
COORDINATOR_UUID = str(uuid.UUID(int=0xC00D))


@pytest.fixture(scope="session", autouse=True)
def english_catalogues() -> None:
    compile_catalogue()


def owner(clinic: Clinic) -> Actor:
    return Actor.clinic_user(uuid.UUID(int=clinic.pk), "Klinikejer")


def member_clinic(project: Project, i: int, *, coded: int = 10, uncoded: int = 2) -> Clinic:
    """An enrolled clinic with ``coded`` validly coded and ``uncoded`` uncoded knee courses in
    February 2026."""
    clinic = ClinicFactory(name=f"Netværksklinik {i}")
    onboard_for_reports(clinic, project)
    add_cells(clinic, project, FEB, {KNEE: coded, KNEE_UNCODED: uncoded})
    return clinic


def join(network: Network, clinic: Clinic, *, named: bool = False) -> None:
    invitation = actions.invite(network, clinic, by=OPERATOR)
    actions.accept(invitation, by=owner(clinic), named=named)


@pytest.fixture
def network(db) -> Network:
    return actions.create_network(
        name="Klynge Nordsjælland", coordinators=[COORDINATOR_UUID], by=OPERATOR
    )
