"""Forløbsresultater in exports and retention, the same way as Diagnosekodning: a
record-level export carries the measurements with the recipient's pseudonym of the course
(never Sentinel's row id or the vendor's id), and retention deletes a course's measurements
with it (on PostgreSQL the composite key would refuse an orphan)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from sentinel.collection.models import Episode, OutcomeRecord
from sentinel.collection.pipeline import ingest
from sentinel.projects.models import Project
from sentinel.sharing import exports, retention
from sentinel.sharing.recipients import add_recipient, set_retention
from tests.conftest import SYSTEM
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import NOW, episode, measurement, onboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def export_dir(settings, tmp_path) -> Path:
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    return settings.SENTINEL_EXPORT_DIR


@pytest.fixture
def project() -> Project:
    return Project.objects.get(code="forlobsresultater")


@pytest.fixture
def collected(project):
    vendor = VendorFactory()
    clinic = ClinicFactory()
    onboard(clinic, vendor, project.code)
    result = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[
            episode("E-1", end_date="2026-04-01"),
            measurement("M-1", "E-1"),
            measurement("M-2", "E-1", timepoint="end_of_course", date="2026-04-01", score=3),
            episode("E-2", start_date="2026-03-02"),
            measurement("M-3", "E-2", date="2026-03-02", answered_by="proxy"),
        ],
        now=NOW,
    )
    assert result.rejected == []
    return clinic


def test_a_record_level_export_carries_the_measurements_by_the_recipients_pseudonym(
    project, collected, export_dir
) -> None:
    researchers = add_recipient(
        by=SYSTEM, project=project, code="forskning", name="Forskergruppen", record_level=True
    )
    result = exports.create_export(
        by=SYSTEM,
        project=project,
        recipient=researchers,
        kind=exports.RECORD_LEVEL,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
    )
    with (result.directory / "outcomes.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with (result.directory / "episodes.csv").open(encoding="utf-8", newline="") as stream:
        courses = {row["episode"] for row in csv.DictReader(stream)}
    assert [(r["instrument"], r["timepoint"], r["answered_by"]) for r in rows] == [
        ("nprs", "baseline", "patient"),
        ("nprs", "end_of_course", "patient"),
        ("nprs", "baseline", "proxy"),
    ]
    assert {r["episode"] for r in rows} == courses  # the same pseudonyms as the courses
    assert rows[0]["episode"] == rows[1]["episode"] != rows[2]["episode"]
    ids = {str(pk) for pk in Episode.objects.values_list("id", flat=True)}
    assert not {r["episode"] for r in rows} & (ids | {"E-1", "E-2"})
    assert {r["age_band"] for r in rows} == {"60-69"}
    # Nothing of the birth date in any field; the course is a hash (it may hold any digits).
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["episode"]) for r in rows)
    fields = [value for r in rows for key, value in r.items() if key != "episode"]
    assert not [v for v in fields if "1958" in v or "2307" in v]


def test_retention_deletes_the_measurements_with_their_course(project, collected) -> None:
    set_retention(by=SYSTEM, project=project, retention_months=3, unenrolment_grace_days=30)
    [done] = retention.run(apply=True, on=dt.date(2026, 5, 20), projects=[project.code])
    assert done.applied
    assert list(Episode.objects.filter(clinic=collected).values_list("source_id", flat=True)) == [
        "E-2"
    ]
    assert list(OutcomeRecord.objects.values_list("source_id", flat=True)) == ["M-3"]
