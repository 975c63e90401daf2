"""Fixtures for the report tests (aggregates, engine, Diagnosekodning)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.clinics.actions import activate
from sentinel.clinics.models import Clinic
from sentinel.projects.actions import enrol
from sentinel.projects.models import Enrolment, Project
from sentinel.reports.models import BenchmarkCell, BenchmarkContributor, ReportCell
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory
from tests.portal.conftest import compile_catalogue


@pytest.fixture(scope="session", autouse=True)
def english_catalogues() -> None:
    """The English report pages read the compiled catalogues (as `make setup` builds them)."""
    compile_catalogue()


# --- H2: report engine and Diagnosekodning -------------------------------------------------

ENROLLED = dt.date(2026, 1, 12)
"""The enrolment day of the report tests' clinics (DPA and consent signed the same day)."""


def clinic_signer(clinic: Clinic) -> Signer:
    return Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)


def onboard_for_reports(
    clinic: Clinic,
    project: Project,
    *,
    enrolled: dt.date = ENROLLED,
    dpa: dt.date | None = None,
    consent: dt.date | None = None,
    vendor=None,
) -> Enrolment:
    """DPA signed (``dpa`` or the enrolment day), consent approved (``consent`` or the
    enrolment day), enrolled on ``enrolled``; activated by ``vendor`` if given."""
    signer = clinic_signer(clinic)
    if vendor is not None:
        activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(min(enrolled, dpa or enrolled)))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(dpa or enrolled))
    approve_consent(
        clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(consent or enrolled)
    )
    return enrol(by=signer.actor, clinic=clinic, project=project, on=enrolled)


def add_cells(clinic: Clinic, project: Project, month: dt.date, cells: dict) -> None:
    """Clinic report cells: ``{code: n}`` or ``{(speciale, course_type, code): n}``."""
    for key, n in cells.items():
        speciale, course_type, code = key if isinstance(key, tuple) else ("51", "", key)
        ReportCell.objects.create(
            clinic=clinic,
            project=project,
            month=month,
            speciale=speciale,
            course_type=course_type,
            code=code,
            episodes=n,
        )


def add_benchmark(project: Project, scope: str, month: dt.date, cells: dict[str, int]) -> None:
    for code, n in cells.items():
        BenchmarkCell.objects.create(
            project=project, scope=scope, month=month, speciale="51", code=code, episodes=n
        )


def add_contributors(
    project: Project, month: dt.date, region: str, count: int, *, including=()
) -> list[Clinic]:
    """``count`` contributing clinics in ``region`` for ``month``: ``including`` first, then
    new clinics."""
    clinics = list(including)
    while len(clinics) < count:
        clinics.append(ClinicFactory(region_code=region, municipality_code=""))
    for clinic in clinics:
        BenchmarkContributor.objects.create(
            project=project, month=month, region_code=region, clinic=clinic
        )
    return clinics


@pytest.fixture
def enrolled_clinic(clinic, project) -> Clinic:
    """A clinic in Region Hovedstaden, DPA + consent + enrolment on ENROLLED (12.01.2026):
    its Diagnosekodning report opens 12.03.2026."""
    onboard_for_reports(clinic, project)
    return clinic


# --- H1: aggregates and their refresh -------------------------------------------------------


def store_episode(
    clinic, project, vendor, source_id, start, code="", course_type="", speciale="51"
):
    """An episode row as the pipeline stores it, without moving any report cell."""
    from django.utils import timezone

    from sentinel.collection.models import Episode

    now = timezone.now()
    return Episode.objects.create(
        clinic=clinic,
        project=project,
        vendor=vendor,
        source_id=source_id,
        version=1,
        specification_version=1,
        speciale=speciale,
        course_type=course_type,
        start_date=start,
        current_code=code,
        received_at=now,
        updated_at=now,
    )
