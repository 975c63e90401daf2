"""Forløbsresultater's indicators as its migration declares them (reports 0011): published
with data specification version 1 and as drafts for the console, each one the language
accepts, and a tab for an enrolled clinic with no report code of the project's own."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.audit.models import AuditEvent
from sentinel.projects.models import Project
from sentinel.reports.engine import definitions, tabs_for
from sentinel.reports.indicators import check_indicator, in_force
from sentinel.reports.models import DeclaredIndicator
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
    assert "mic_walk_40m_fast" not in kinds  # no threshold held for the 40-m walk
    assert len(declared) == 15
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
