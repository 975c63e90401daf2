"""The outcome report's cells (``reports.outcome_cells``): the rule per course (baseline, end,
change, minimal important change in the instrument's better direction, who answered), kept in
step by the benchmark refresh from the outcome journal the pipeline writes, and read by the
indicator language's two sources (``reports.outcome_source``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sentinel.collection.pipeline import ingest
from sentinel.lib.instruments import INSTRUMENTS, reaches_mic
from sentinel.projects.models import Project
from sentinel.reports.benchmark import refresh_benchmark
from sentinel.reports.indicators import source_for
from sentinel.reports.models import OutcomeBenchmarkCell, OutcomeCell, OutcomeChange
from sentinel.reports.outcome_cells import Measured, course_rows
from sentinel.reports.scheduler import benchmark_due
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import NOW, episode, measurement, onboard

pytestmark = pytest.mark.django_db

OUTCOMES = "forlobsresultater"
FEB = dt.date(2026, 2, 1)


def m(instrument: str, timepoint: str, score: str, by: str = "patient", n: int = 0) -> Measured:
    return Measured(instrument, timepoint, dt.date(2026, 2, 2 + n), Decimal(score), by, n)


@pytest.mark.parametrize(
    ("instrument", "baseline", "end", "reached"),
    [
        ("nprs", "7", "5", True),  # lower is better: 2 points down reaches it
        ("nprs", "7", "6", False),
        ("nprs", "4", "7", False),  # worse
        ("psfs", "3", "5", True),  # higher is better
        ("psfs", "3.2", "5", False),  # +1.8
        ("psfs", "6", "4", False),
        ("chair_stand_30s", "8", "10", True),
        ("chair_stand_30s", "10", "7", False),
        # The 40-m walk in seconds, its threshold on the speed (40 m / s), 0.2 m/s faster:
        ("walk_40m_fast", "50", "40", True),  # 0.80 → 1.00 m/s: +0.20, exactly the MIC
        ("walk_40m_fast", "30", "25", True),  # 1.333 → 1.600 m/s: +0.267
        ("walk_40m_fast", "30", "27", False),  # 1.333 → 1.481 m/s: +0.148 (3 s faster)
        ("walk_40m_fast", "20", "18", True),  # 2.000 → 2.222 m/s: +0.222 (2 s faster)
        ("walk_40m_fast", "25", "30", False),  # slower: worse
        ("walk_40m_fast", "25", "25", False),
    ],
)
def test_reaches_mic_in_the_instruments_better_direction(instrument, baseline, end, reached):
    assert reaches_mic(INSTRUMENTS[instrument], Decimal(baseline), Decimal(end)) is reached


def test_course_rows_pair_the_earliest_baseline_with_the_latest_end() -> None:
    rows = course_rows(
        FEB,
        "knee_osteoarthritis",
        True,
        [
            m("nprs", "baseline", "8", n=0),
            m("nprs", "baseline", "6", n=1),
            m("nprs", "end_of_course", "5", by="proxy", n=5),
            m("nprs", "end_of_course", "3", n=9),
            m("psfs", "baseline", "4", n=0),
        ],
    )
    course = next(r for r in rows if r[3] == "")
    nprs = next(r for r in rows if r[3] == "nprs")
    psfs = next(r for r in rows if r[3] == "psfs")
    # (month, type, ended, instrument, baseline, end, paired, mic, patient, change)
    assert course[4:] == (True, True, True, "", "", Decimal(0))
    assert nprs[4:] == (True, True, True, "yes", "no", Decimal("-5.00"))
    assert psfs[4:] == (True, False, False, "", "yes", Decimal(0))


def test_a_course_without_measurements_is_a_course_row_only() -> None:
    assert course_rows(FEB, "low_back_pain", False, []) == [
        (FEB, "low_back_pain", False, "", False, False, False, "", "", Decimal(0))
    ]


def test_the_refresh_recounts_the_clinics_the_outcome_journal_names() -> None:
    vendor = VendorFactory()
    clinic = ClinicFactory(region_code="DK-84", municipality_code="")
    onboard(clinic, vendor, OUTCOMES)
    project = Project.objects.get(code=OUTCOMES)
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[episode("E-1", end_date="2026-04-01"), measurement("M-1", "E-1", score=7)],
        now=NOW,
    )
    assert OutcomeChange.objects.filter(clinic=clinic, project=project).exists()
    refresh_benchmark(project_ids=[project.pk])
    assert not OutcomeChange.objects.exists()
    assert sorted(OutcomeCell.objects.values_list("instrument", "baseline", "end_of_course")) == [
        ("", True, False),
        ("nprs", True, False),
    ]

    # Only an outcome record arrives: no report cell moves, the outcome journal names it.
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[measurement("M-2", "E-1", timepoint="end_of_course", score=4, date="2026-03-30")],
        now=NOW,
    )
    assert benchmark_due(project, interval=0)
    refresh_benchmark(project_ids=[project.pk])
    nprs = OutcomeCell.objects.get(clinic=clinic, instrument="nprs")
    assert (nprs.paired, nprs.change, nprs.mic, nprs.patient, nprs.ended) == (
        True,
        Decimal("-3.00"),
        "yes",
        "yes",
        True,
    )
    # The nation's and the region's sums: the one contributing clinic's cells.
    assert OutcomeBenchmarkCell.objects.filter(project=project, scope="DK").count() == 2
    assert OutcomeBenchmarkCell.objects.filter(project=project, scope="DK-84").count() == 2

    measures = source_for("outcome").clinic_cells(project.pk, clinic.pk, FEB, FEB)
    assert measures == [
        (
            FEB,
            {
                "course_type": "knee_osteoarthritis",
                "ended": "yes",
                "instrument": "nprs",
                "baseline": "yes",
                "end_of_course": "yes",
                "mic": "yes",
                "patient": "yes",
                "paired": "yes",
                "change": "-3.00",
            },
            1,
        )
    ]
    courses = source_for("outcome_course").clinic_cells(project.pk, clinic.pk, FEB, FEB)
    assert [(values["paired"], n) for _month, values, n in courses] == [("yes", 1)]


def test_projects_without_outcome_records_get_no_outcome_cells() -> None:
    vendor = VendorFactory()
    clinic = ClinicFactory()
    onboard(clinic, vendor, "diagnosekodning")
    ingest(vendor=vendor, clinic=clinic, records=[episode("E-1")], now=NOW)
    refresh_benchmark(full=True)
    assert not OutcomeCell.objects.exists()


def test_a_walk_pair_changes_in_seconds_and_reaches_its_mic_on_the_speed() -> None:
    rows = course_rows(
        FEB,
        "hip_osteoarthritis",
        True,
        [
            m("walk_40m_fast", "baseline", "30", by="therapist", n=0),
            m("walk_40m_fast", "end_of_course", "25", by="therapist", n=4),
        ],
    )
    walk = next(r for r in rows if r[3] == "walk_40m_fast")
    # 30 s → 25 s: the change is -5 s (lower is better); 1.333 → 1.600 m/s reaches 0.2 m/s.
    assert walk[4:] == (True, True, True, "yes", "no", Decimal("-5.00"))
