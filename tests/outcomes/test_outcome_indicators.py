"""Forløbsresultater's indicators as its migration declares them (reports 0011): published
with data specification version 1 and as drafts for the console, each one the language
accepts, and a tab for an enrolled clinic with no report code of the project's own."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from sentinel.audit.models import AuditEvent
from sentinel.projects.models import Project
from sentinel.reports.engine import definitions, tabs_for
from sentinel.reports.indicators import check_indicator, in_force
from sentinel.reports.models import DeclaredIndicator, OutcomeCell, OutcomeChange
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import onboard

pytestmark = pytest.mark.django_db

OUTCOMES = "forlobsresultater"


def test_the_migration_declares_the_outcome_indicators_with_version_1() -> None:
    project = Project.objects.get(code=OUTCOMES)

    declared = in_force(project, dt.date(2026, 6, 1))

    assert {d.version for d in declared} == {1}
    kinds = {d.key: (d.record_type, d.kind) for d in declared}
    assert kinds["followup"] == ("outcome_course", "share")
    assert kinds["followup_knee_osteoarthritis"] == ("outcome_course", "share")
    assert kinds["change_nprs"] == ("outcome", "median")
    assert kinds["mic_nprs"] == ("outcome", "share")
    assert kinds["patient_answered"] == ("outcome", "share")
    assert kinds["mic_walk_40m_fast"] == ("outcome", "share")  # reports 0012
    assert len(declared) == 16
    drafts = DeclaredIndicator.objects.filter(project=project, specification__isnull=True)
    assert sorted(drafts.values_list("key", flat=True)) == sorted(kinds)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INDICATORS_PUBLISHED, details__project=OUTCOMES
    ).exists()


def test_every_declared_indicator_is_one_the_language_accepts() -> None:
    for row in DeclaredIndicator.objects.filter(project__code=OUTCOMES):
        check_indicator(
            key=row.key,
            label_da=row.label_da,
            record_type=row.record_type,
            population=row.population,
            denominator=row.denominator,
            numerator=row.numerator,
            period=row.period,
            better=row.better,
            low=row.low,
            high=row.high,
            disclosure=row.disclosure,
            levels=row.levels,
            kind=row.kind,
            value=row.value,
        )


def test_an_enrolled_clinic_has_the_tab_without_report_code() -> None:
    clinic = ClinicFactory()
    onboard(clinic, VendorFactory(), OUTCOMES)

    assert OUTCOMES not in definitions()
    assert [t.project_code for t in tabs_for(clinic, dt.date(2026, 6, 1))] == [OUTCOMES]


CORRECTION = "sentinel.reports.migrations.0012_forlobsresultater_same_instrument_and_walk_mic"


def declared_rows(project: Project) -> list[tuple]:
    return list(
        DeclaredIndicator.objects.filter(project=project)
        .order_by("specification_id", "position")
        .values_list("specification_id", "position", "key", "label_da", "numerator")
    )


def test_follow_up_counts_one_instrument_at_both_timepoints_and_the_walk_has_its_mic() -> None:
    """Reports 0012 corrected 0011's rows, drafts and version 1 alike."""
    project = Project.objects.get(code=OUTCOMES)

    for bound in (None, project.specifications.get(version=1)):
        rows = DeclaredIndicator.objects.filter(project=project, specification=bound)
        followups = rows.filter(key__startswith="followup")
        assert followups.count() == 7
        assert {str(r.numerator) for r in followups} == {str({"paired": ["yes"]})}
        keys = list(rows.order_by("position").values_list("key", flat=True))
        assert keys[-3:] == ["mic_chair_stand_30s", "mic_walk_40m_fast", "patient_answered"]
        assert sorted(rows.values_list("position", flat=True)) == list(range(16))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INDICATORS_PUBLISHED, details__added=["mic_walk_40m_fast"]
    ).exists()


def test_the_correction_reverses_repeats_and_journals_the_clinics_with_a_walk_pair() -> None:
    correction = importlib.import_module(CORRECTION)
    project = Project.objects.get(code=OUTCOMES)
    corrected = declared_rows(project)
    clinic, other = ClinicFactory(), ClinicFactory()
    for who, paired in ((clinic, True), (other, False)):
        OutcomeCell.objects.create(
            clinic=who, project=project, month=dt.date(2026, 2, 1),
            course_type="hip_osteoarthritis", ended=True, instrument="walk_40m_fast",
            baseline=True, end_of_course=paired, paired=paired, mic="", patient="no",
            change=Decimal("-5") if paired else 0, courses=1,
        )  # fmt: skip

    correction.uncorrect(apps, None)
    undone = declared_rows(project)
    assert "mic_walk_40m_fast" not in {row[2] for row in undone}
    assert {str(row[4]) for row in undone if row[2] == "followup"} == {
        str({"baseline": ["yes"], "end_of_course": ["yes"]})
    }
    correction.correct(apps, None)
    correction.correct(apps, None)  # a second run changes nothing more

    assert declared_rows(project) == corrected
    assert set(OutcomeChange.objects.values_list("clinic_id", flat=True)) == {clinic.pk}
