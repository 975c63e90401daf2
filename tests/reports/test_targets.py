"""Targets and direction per headline indicator, set per project version
(``reports.targets``, ``reports.actions.set_indicator_target``): the report shows the target
in force on the last day of its data — the definition's own until one is stored, a version's
own from its day on, an earlier version's carried on — and refuses, with a Danish message and
nothing stored, what may not be a target.

The clinic (enrolled 12.01.2026, Region Hovedstaden) has, in May, June and July 2026, 10
structured knee courses each month, 8 coded L90 (valid) and 2 coded L03: completeness
8/10 = 80.00 %. Diagnosekodning's specification v1 is in force from 30.06.2025 (migration);
the tests publish v2 from 01.07.2026 (back-dated, as the demo does) and v3 in the future.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.reports.actions import set_indicator_target
from sentinel.reports.engine import Period, build_report
from sentinel.reports.models import IndicatorTarget
from tests.conftest import SYSTEM
from tests.reports.conftest import add_cells

pytestmark = pytest.mark.django_db

MAY, JUNE, JULY = dt.date(2026, 5, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1)
V2_FROM = JULY
KNEE = "knee_osteoarthritis"
SPEC = {
    "record_types": ["episode"],
    "fields": ["patient_cpr", "speciale", "course_type", "start_date", "end_date", "diagnoses"],
    "specialities": ["51", "57"],
    "icpc2_filter": {"chapters": [], "codes": []},
    "person_identifiable_worklist": True,
}


@pytest.fixture
def coded_clinic(enrolled_clinic, project):
    for month in (MAY, JUNE, JULY):
        add_cells(enrolled_clinic, project, month, {("51", KNEE, "L90"): 8, ("51", KNEE, "L03"): 2})
    return enrolled_clinic


def completeness(clinic, project, first: dt.date, last: dt.date) -> dict:
    report = build_report(clinic, project, Period.months(first, last), timezone.localdate())
    return next(f for f in report.as_dict()["headline"] if f["key"] == "completeness")


def target(figure: dict) -> tuple:
    return (figure["better"], figure["target"], figure["target_version"], figure["target_from"])


def publish_v2(project):
    return publish_specification(
        by=SYSTEM, project=project, spec={**SPEC, "specialities": ["51"]}, effective_from=V2_FROM
    )


def test_without_a_stored_target_the_definitions_own_applies(coded_clinic, project):
    figure = completeness(coded_clinic, project, MAY, JUNE)

    assert figure["value"] == "80.00"
    assert target(figure) == ("higher", ["95.00", "100.00"], None, None)
    assert figure["in_target"] is False


def test_a_stored_target_replaces_the_definitions_own_and_is_audited(coded_clinic, project):
    stored = set_indicator_target(
        by=SYSTEM,
        project=project,
        indicator="completeness",
        version=1,
        better="higher",
        low=Decimal("75"),
        high=Decimal("90.5"),
    )

    figure = completeness(coded_clinic, project, MAY, JUNE)
    assert target(figure) == ("higher", ["75.00", "90.50"], 1, "2025-06-30")
    assert figure["in_target"] is True
    [row] = AuditEvent.objects.filter(action="report.target_set")
    assert row.object_id == str(stored.pk)
    assert row.details == {
        "project": "diagnosekodning",
        "indicator": "completeness",
        "version": 1,
        "from": {"better": "higher", "target": ["95.00", "100.00"], "version": None},
        "to": {"better": "higher", "target": ["75.00", "90.50"]},
    }


def test_an_older_period_keeps_the_target_in_force_on_its_last_day(coded_clinic, project):
    set_indicator_target(
        by=SYSTEM,
        project=project,
        indicator="completeness",
        version=1,
        better="higher",
        low=Decimal("90"),
        high=Decimal("100"),
    )
    publish_v2(project)
    # v2 has no target of its own yet: it carries v1's on.
    assert target(completeness(coded_clinic, project, JUNE, JULY))[:3] == (
        "higher",
        ["90.00", "100.00"],
        1,
    )

    set_indicator_target(
        by=SYSTEM,
        project=project,
        indicator="completeness",
        version=2,
        better="lower",
        low=Decimal("70"),
        high=Decimal("85"),
    )

    # The period's last day decides: 30.06.2026 is under v1, 31.07.2026 under v2.
    older = completeness(coded_clinic, project, MAY, JUNE)
    newer = completeness(coded_clinic, project, JUNE, JULY)
    assert target(older) == ("higher", ["90.00", "100.00"], 1, "2025-06-30")
    assert older["in_target"] is False
    assert target(newer) == ("lower", ["70.00", "85.00"], 2, "2026-07-01")
    assert newer["in_target"] is True
    assert newer["better_da"] == "Lavere er bedre."


def test_a_target_for_a_coming_version_is_not_shown_before_its_day(coded_clinic, project):
    publish_v2(project)
    coming = timezone.localdate() + dt.timedelta(days=30)
    publish_specification(by=SYSTEM, project=project, spec=SPEC, effective_from=coming)
    set_indicator_target(
        by=SYSTEM,
        project=project,
        indicator="completeness",
        version=3,
        better="higher",
        low=Decimal("50"),
        high=Decimal("60"),
    )

    figure = completeness(coded_clinic, project, JUNE, JULY)

    assert target(figure) == ("higher", ["95.00", "100.00"], None, None)


def test_a_direction_without_a_range_has_no_target(coded_clinic, project):
    set_indicator_target(
        by=SYSTEM,
        project=project,
        indicator="coded_share",
        version=1,
        better="lower",
        low=None,
        high=None,
    )

    report = build_report(coded_clinic, project, Period.months(MAY, JUNE), timezone.localdate())
    coded = next(f for f in report.as_dict()["headline"] if f["key"] == "coded_share")
    assert (coded["better"], coded["target"], coded["in_target"]) == ("lower", None, None)
    assert coded["target_version"] == 1


def _set(project, **changes):
    values = {
        "indicator": "completeness",
        "version": 1,
        "better": "higher",
        "low": Decimal("90"),
        "high": Decimal("100"),
        **changes,
    }
    return set_indicator_target(by=SYSTEM, project=project, **values)


@pytest.mark.parametrize(
    ("changes", "code", "danish"),
    [
        (
            {"low": Decimal("96"), "high": Decimal("95")},
            "target_range_reversed",
            "Målets nedre grænse (96,00 %) er højere end den øvre (95,00 %).",
        ),
        (
            {"high": Decimal("100.01")},
            "target_out_of_range",
            "Et mål for en andel skal ligge mellem 0 og 100 %, ikke 100,01 %.",
        ),
        (
            {"low": Decimal("-1")},
            "target_out_of_range",
            "Et mål for en andel skal ligge mellem 0 og 100 %, ikke -1 %.",
        ),
        (
            {"low": Decimal("NaN")},
            "target_out_of_range",
            "Et mål for en andel skal ligge mellem 0 og 100 %, ikke NaN %.",
        ),
        (
            {"low": Decimal("90.125")},
            "target_too_precise",
            "Et mål har højst to decimaler, ikke 90,125.",
        ),
        (
            {"high": None},
            "incomplete_target",
            "Et målinterval skal have både en nedre og en øvre grænse (eller ingen af dem, "
            "hvis der kun skal være en retning).",
        ),
        (
            {"indicator": "waiting_time"},
            "unknown_indicator",
            "Rapporten har ingen indikator, der hedder »waiting_time«.",
        ),
        (
            {"indicator": "top_code"},
            "indicator_without_target",
            "Mest brugte diagnose er ikke en andel og har intet mål.",
        ),
        ({"better": "none"}, "invalid_better", "Vælg, om højere eller lavere er bedre."),
        (
            {"version": 9},
            "unknown_version",
            "Projektet Diagnosekodning har ingen version 9 af dataspecifikationen.",
        ),
        (
            {"low": Decimal("95"), "high": Decimal("100")},
            "unchanged",
            "Mål og retning er de samme som dem, der gælder for version 1.",
        ),
    ],
)
def test_a_target_that_may_not_be_stored_is_refused_in_danish_and_nothing_is_stored(
    project, changes, code, danish
):
    with pytest.raises(DomainError) as refused:
        _set(project, **changes)

    assert (refused.value.code, refused.value.message_da) == (code, danish)
    assert not IndicatorTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="report.target_set").exists()


def test_a_replaced_version_keeps_its_target(project):
    _set(project)
    publish_v2(project)

    with pytest.raises(DomainError) as refused:
        _set(project, low=Decimal("80"))

    assert refused.value.code == "version_replaced"
    assert refused.value.message_da == (
        "Version 1 er afløst af version 2 fra 01.07.2026; sæt målet for version 2 eller en senere."
    )
    assert IndicatorTarget.objects.count() == 1


def test_the_same_target_again_for_a_version_is_refused_but_a_change_is_stored(project):
    _set(project)

    with pytest.raises(DomainError) as refused:
        _set(project)
    _set(project, better="lower")

    assert refused.value.code == "unchanged"
    assert list(IndicatorTarget.objects.order_by("id").values_list("better", flat=True)) == [
        "higher",
        "lower",
    ]
