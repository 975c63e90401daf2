"""Shared for the outcome tests: onboarding into Forløbsresultater with the real actions,
and records in the API's shape. CPRs are generated (a real date, a serial 1000-3999)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.clinics.actions import activate
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from tests.conftest import SYSTEM, at

SIGNED_ON = dt.date(2026, 1, 5)
ENROLLED_ON = dt.date(2026, 1, 12)
NOW = at(dt.date(2026, 6, 1), 12)
BORN = dt.date(1958, 7, 23)  # 67 on the measurement days below: band 60-69

_serial = itertools.cycle(range(1000, 4000))


def synthetic_cpr(born: dt.date = BORN) -> str:
    """A 7th digit 1-3 keeps the 20th century; 4 gives 2000-2036."""
    serial = next(_serial) + (3000 if born.year >= 2000 else 0)
    return f"{born:%d%m%y}{serial % 10000 if born.year < 2000 else 4000 + serial % 1000}"


def onboard(clinic, vendor, *codes: str, on: dt.date = ENROLLED_ON) -> Signer:
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(SIGNED_ON, 8))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(SIGNED_ON))
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(SIGNED_ON))
    for code in codes:
        enrol(by=signer.actor, clinic=clinic, project=Project.objects.get(code=code), on=on)
    return signer


def episode(source_id: str = "E-1", cpr: str | None = None, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": cpr or synthetic_cpr(),
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": "2026-02-02",
        "end_date": None,
        "practitioner_initials": "MK",
        "patient_opt_out": False,
        "diagnoses": [{"code": "L90", "recorded_at": "2026-02-02T09:30:00+01:00"}],
    }
    record.update(overrides)
    return record


def measurement(
    source_id: str = "M-1", course: str = "E-1", cpr: str | None = None, **overrides: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "outcome",
        "source_id": source_id,
        "version": 1,
        "episode_source_id": course,
        "patient_cpr": cpr or synthetic_cpr(),
        "instrument": "nprs",
        "timepoint": "baseline",
        "date": "2026-02-02",
        "answered_by": "patient",
        "score": 7,
        "items": None,
        "patient_opt_out": False,
    }
    record.update(overrides)
    return record
