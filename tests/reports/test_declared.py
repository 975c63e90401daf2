"""Indicators declared as data (``reports.indicators``) and the report the engine builds from
them (``reports.declared``): the figures against counts worked out by hand, the disclosure
rule, the version in force deciding what was measured, and every refusal (nothing stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Project
from sentinel.reports.actions import publish_indicators, remove_indicator, save_indicator
from sentinel.reports.disclosure import SUPPRESSED
from sentinel.reports.engine import Period, build_report, tabs_for
from sentinel.reports.exports import table_csv
from sentinel.reports.indicators import ANY, in_force
from sentinel.reports.models import BenchmarkCell, BenchmarkState, DeclaredIndicator
from sentinel.reports.pages import ReportLinks, render_tab_html
from sentinel.reports.pdf import meeting_pack
from tests.conftest import SYSTEM
from tests.factories import ClinicFactory
from tests.reports.conftest import add_cells, add_contributors, onboard_for_reports

pytestmark = pytest.mark.django_db

SPEC = {
    "record_types": ["episode"],
    "fields": ["patient_cpr", "speciale", "course_type", "start_date", "diagnoses"],
    "specialities": ["51", "57"],
}
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
ON = dt.date(2026, 4, 30)
ARTHROSIS = ["knee_osteoarthritis", "hip_osteoarthritis"]


def indicator(project: Project, key: str, **overrides: object) -> DeclaredIndicator:
    fields: dict = {
        "label_da": key.capitalize(),
        "record_type": "episode",
        "population": {},
        "denominator": {},
        "numerator": {"code": [ANY]},
    }
    fields.update(overrides)
    return save_indicator(by=SYSTEM, project=project, key=key, **fields)


@pytest.fixture
def ryg(db) -> Project:
    project = Project.objects.create(
        code="ryg",
        name="Rygforløb",
        summary_da="Forløb.",
        description_da="Forløb for ryg og artrose.",
        reports_open_from=dt.date(2026, 1, 1),
        is_published=True,
    )
    publish_specification(by=SYSTEM, project=project, spec=SPEC, effective_from=dt.date(2026, 1, 1))
    return project


@pytest.fixture
def measured(ryg) -> Clinic:
    """Five indicators published with version 1; a clinic in Region Hovedstaden with cells
    in March and April; the nation (6 clinics) and the region (3 clinics) in those months."""
    indicator(
        ryg,
        "artrose",
        label_da="Artrose med krævet kode",
        population={"speciale": ["51"], "course_type": ARTHROSIS},
        numerator={"code": ["L89", "L90"]},
        low=Decimal("90"),
        high=Decimal("100"),
    )
    indicator(ryg, "kodet", label_da="Forløb med kode")
    indicator(
        ryg, "ukodet", label_da="Forløb uden kode", numerator={"code": [""]}, better="lower",
        period="months_3", levels=["nation"],
    )  # fmt: skip
    indicator(
        ryg, "hofte_l02", population={"course_type": ["hip_osteoarthritis"]},
        numerator={"code": ["L02"]},
    )  # fmt: skip
    indicator(
        ryg, "hofte_l02_skjult", population={"course_type": ["hip_osteoarthritis"]},
        numerator={"code": ["L02"]}, disclosure="own_small_hidden",
    )  # fmt: skip
    publish_indicators(by=SYSTEM, project=ryg, version=1, today=dt.date(2026, 1, 1))
    clinic = ClinicFactory(region_code="DK-84", municipality_code="")
    onboard_for_reports(clinic, ryg)
    add_cells(clinic, ryg, MARCH, {
        ("51", "knee_osteoarthritis", "L90"): 3,
        ("51", "knee_osteoarthritis", ""): 1,
        ("51", "hip_osteoarthritis", "L89"): 2,
        ("51", "", "L03"): 4,
    })  # fmt: skip
    add_cells(clinic, ryg, APRIL, {
        ("51", "knee_osteoarthritis", "L90"): 2,
        ("51", "hip_osteoarthritis", "L02"): 1,
        ("57", "", ""): 2,
    })  # fmt: skip
    for scope in ("DK", "DK-84"):
        for (course_type, code), n in {
            ("knee_osteoarthritis", "L90"): 40,
            ("knee_osteoarthritis", ""): 10,
            ("hip_osteoarthritis", "L89"): 8,
            ("hip_osteoarthritis", "L02"): 2,
        }.items():
            BenchmarkCell.objects.create(
                project=ryg, scope=scope, month=MARCH, speciale="51",
                course_type=course_type, code=code, episodes=n,
            )  # fmt: skip
    add_contributors(ryg, MARCH, "DK-84", 3, including=[clinic])
    add_contributors(ryg, MARCH, "DK-83", 3)
    return clinic


def test_declared_figures_against_hand_computed_counts(ryg, measured) -> None:
    report = build_report(measured, ryg, Period.since_enrolment(), ON)

    assert report.is_open
    figures = {f.indicator.key: f for f in report.headline}
    assert list(figures) == ["artrose", "kodet", "ukodet", "hofte_l02", "hofte_l02_skjult"]
    # Arthrosis: March 3 + 1 + 2 = 6 courses, 5 with L89/L90; April 2 + 1 = 3, 2 → 7/9.
    artrose = figures["artrose"]
    assert (artrose.value, artrose.n) == (Decimal("77.78"), 9)
    assert artrose.indicator.target == (Decimal("90"), Decimal("100"))
    assert artrose.in_target is False
    # The nation: 60 arthrosis courses, 48 with L89/L90 (6 clinics); the region: 3 clinics.
    assert artrose.nation == Decimal("80.00")
    assert artrose.region is None
    assert "færre end 5 klinikker" in artrose.region_note_da
    # Every course: 15, 12 coded → 80 %; uncoded 3 → 20 %, lower is better, nation only.
    assert (figures["kodet"].value, figures["kodet"].n) == (Decimal("80.00"), 15)
    ukodet = figures["ukodet"]
    assert (ukodet.value, ukodet.n, ukodet.nation) == (Decimal("20.00"), 15, Decimal("16.67"))
    assert ukodet.indicator.better == "lower"
    assert ukodet.region_note_da == "ikke med i sammenligningen"
    assert ukodet.previous is None and ukodet.previous_label_da == "nov 2025–jan 2026"
    # Hip with L02: the clinic 1 of 3; the nation 2 of 10 — 2 is under 5, so "<5".
    assert (figures["hofte_l02"].value, figures["hofte_l02"].n) == (Decimal("33.33"), 3)
    assert figures["hofte_l02"].nation is SUPPRESSED
    # The same under the stricter rule: the clinic's own 1 of 3 is hidden too.
    assert figures["hofte_l02_skjult"].value is None
    assert report.courses == 15

    table = report.section("indicators").table("indicators")
    assert [c.key for c in table.columns] == [
        "indicator", "period", "numerator", "denominator", "clinic", "region", "nation",
        "target",
    ]  # fmt: skip
    assert table.column("numerator") == [7, 12, 3, 1, SUPPRESSED]
    assert table.column("denominator") == [9, 15, 15, 3, 3]
    assert table.column("clinic") == [
        Decimal("77.78"), Decimal("80.00"), Decimal("20.00"), Decimal("33.33"), SUPPRESSED,
    ]  # fmt: skip
    assert table.column("nation") == [
        Decimal("80.00"), Decimal("83.33"), Decimal("16.67"), SUPPRESSED, SUPPRESSED,
    ]  # fmt: skip
    assert table.column("region") == [None] * 5
    assert table.column("period")[2] == "feb 2026–apr 2026"
    trend = report.section("trend").table("trend")
    assert trend.column("artrose")[2:] == [Decimal("83.33"), Decimal("66.67")]
    assert trend.column("hofte_l02_skjult")[3] is SUPPRESSED

    csv_text = table_csv(table).decode("utf-8-sig")
    row = "Artrose med krævet kode;jan 2026–apr 2026;7;9;77,78;;80,00;Mål: 90,00–100,00 %"
    assert row in csv_text
    as_json = report.as_dict()
    assert as_json["headline"][0]["value"] == "77.78"
    assert as_json["headline"][3]["nation"] == "<5"
    assert meeting_pack(report, measured).startswith(b"%PDF")


def test_a_funnel_plot_per_indicator_compared_with_the_nation(ryg, measured) -> None:
    for _ in range(5):  # five clinics of 10 arthrosis courses, 8 with L90
        add_cells(ClinicFactory(), ryg, MARCH, {
            ("51", "knee_osteoarthritis", "L90"): 8, ("51", "knee_osteoarthritis", ""): 2,
        })  # fmt: skip
    add_cells(ClinicFactory(), ryg, MARCH, {("51", "knee_osteoarthritis", "L90"): 3})

    report = build_report(measured, ryg, Period.since_enrolment(), ON)

    section = report.section("funnel")
    assert [c.key for c in section.charts] == [
        "funnel_chart_artrose", "funnel_chart_kodet", "funnel_chart_ukodet",
    ]  # fmt: skip
    funnel = section.charts[0].funnel
    assert funnel is not None
    # Drawn: five clinics of 10 and this one (9); the clinic with 3 is left out.
    assert (funnel.drawn, funnel.omitted, funnel.marked) == (6, 1, (9, 7))
    assert (funnel.courses, funnel.valid) == (62, 50)
    limits = section.table("funnel_artrose")
    assert limits.rows[0][1:3] == (9, Decimal("77.78"))
    assert limits.rows[1][1:3] == (62, Decimal("80.65"))
    assert len(limits.rows) == 2
    bands = section.table("funnel_bands_artrose")
    assert bands.rows[-1][1] == 6 and sum(r[1] for r in bands.rows[:-1]) == 6
    assert "Intet tragtdiagram for Hofte_l02, Hofte_l02_skjult" in section.note_da
    # The other clinics' points stay in the drawing: the JSON has this clinic's alone.
    chart_json = report.as_dict()["sections"][2]["charts"][0]
    assert "points" not in str(chart_json)
    assert chart_json["funnel"]["clinic"] == {"courses": 9, "valid": 7, "rate": "77.78"}
    html = render_tab_html(
        measured, ryg, Period.since_enrolment(), links=ReportLinks("/r/"), today=ON
    )
    assert html.count("<svg") >= 4 and "Tragtdiagram: Artrose med krævet kode" in html
    assert "Nævner (n)" in html and "Strukturerede forløb (n)" not in html


def test_the_version_in_force_decides_what_was_measured(ryg, measured) -> None:
    publish_specification(
        by=SYSTEM, project=ryg, spec={**SPEC, "specialities": ["51"]},
        effective_from=dt.date(2026, 4, 15),
    )  # fmt: skip
    for key in ("kodet", "ukodet", "hofte_l02", "hofte_l02_skjult"):
        remove_indicator(by=SYSTEM, project=ryg, key=key)
    publish_indicators(by=SYSTEM, project=ryg, version=2, today=dt.date(2026, 4, 1))

    before = build_report(measured, ryg, Period.months(MARCH, MARCH), dt.date(2026, 4, 10))
    after = build_report(measured, ryg, Period.since_enrolment(), ON)

    assert [f.indicator.key for f in before.headline] == [
        "artrose", "kodet", "ukodet", "hofte_l02", "hofte_l02_skjult",
    ]  # fmt: skip
    assert [f.indicator.key for f in after.headline] == ["artrose"]
    assert after.headline[0].indicator.target_version == 2
    assert len(in_force(ryg, dt.date(2026, 4, 14))) == 5
    assert [d.version for d in in_force(ryg, dt.date(2026, 4, 15))] == [2]


def test_a_project_gets_a_tab_only_with_published_indicators(ryg) -> None:
    clinic = ClinicFactory()
    onboard_for_reports(clinic, ryg)
    indicator(ryg, "kodet")
    assert [t.project_code for t in tabs_for(clinic, ON)] == []

    publish_indicators(by=SYSTEM, project=ryg, version=1, today=dt.date(2026, 1, 1))

    assert [t.project_code for t in tabs_for(clinic, ON)] == ["ryg"]
    with pytest.raises(DomainError) as refused:
        publish_indicators(by=SYSTEM, project=ryg, version=1, today=dt.date(2026, 1, 1))
    assert refused.value.code == "indicators_published_already"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"record_type": "prescription"}, "unknown_record_type"),
        ({"population": {"colour": ["red"]}}, "unknown_condition_field"),
        ({"population": {"course_type": ["tennis_elbow"]}}, "unknown_condition_value"),
        ({"numerator": {"code": ["Q99"]}}, "unknown_condition_value"),
        ({"numerator": {}}, "numerator_without_condition"),
        ({"period": "forever"}, "invalid_period"),
        ({"disclosure": "none"}, "invalid_disclosure"),
        ({"levels": ["network"]}, "invalid_level"),
        ({"better": "sideways"}, "invalid_better"),
        ({"low": Decimal("90")}, "incomplete_target"),
        ({"low": Decimal("90"), "high": Decimal("80")}, "target_range_reversed"),
        ({"low": Decimal("90"), "high": Decimal("101")}, "target_out_of_range"),
        ({"label_da": " "}, "missing_label"),
    ],
)
def test_an_indicator_that_may_not_be_stored_is_refused(ryg, overrides, code) -> None:
    with pytest.raises(DomainError) as refused:
        indicator(ryg, "kodet", **overrides)

    assert refused.value.code == code
    assert refused.value.message_da
    assert not DeclaredIndicator.objects.filter(project=ryg).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.INDICATOR_SAVED).exists()


def test_a_bad_key_and_publishing_nothing_are_refused(ryg) -> None:
    with pytest.raises(DomainError) as bad_key:
        indicator(ryg, "Kodet!")
    with pytest.raises(DomainError) as nothing:
        publish_indicators(by=SYSTEM, project=ryg, version=1, today=dt.date(2026, 1, 1))
    with pytest.raises(DomainError) as no_version:
        publish_indicators(by=SYSTEM, project=ryg, version=7, today=dt.date(2026, 1, 1))

    assert bad_key.value.code == "invalid_indicator_key"
    assert nothing.value.code == "no_draft_indicators"
    assert no_version.value.code == "unknown_version"
    assert not DeclaredIndicator.objects.filter(project=ryg).exists()


def test_a_funnel_where_every_clinic_is_at_100_percent_draws() -> None:
    """Every clinic at 100 % (a rate of 1, limits of width 0) once divided by zero."""
    from sentinel.reports.engine import Chart
    from sentinel.reports.funnel import Funnel
    from sentinel.reports.funnel_svg import funnel_svg

    funnel = Funnel(valid=40, courses=40, points=((8, 8),) * 4, marked=(8, 8))
    chart = Chart(
        key="f", kind="funnel", title_da="T", title_en="T", description_da="", description_en="",
        categories=(), series=(), table_key="", unit="percent", funnel=funnel,
    )  # fmt: skip

    svg = funnel_svg(chart)

    assert svg.startswith("<svg") and "100" in svg


def test_a_declared_tab_reads_a_few_queries_after_a_refresh(ryg, measured) -> None:
    BenchmarkState.objects.create(project=ryg, refreshed_at=timezone.now())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            render_tab_html(
                measured, ryg, Period.since_enrolment(), links=ReportLinks("/r/"), today=ON
            )
        return len(captured)

    queries()  # the first render after the refresh reads the levels and the funnel's cells
    warm = queries()
    for _ in range(6):
        add_cells(ClinicFactory(), ryg, MARCH, {("51", "knee_osteoarthritis", "L90"): 8})

    assert warm <= 12  # as Diagnosekodning's tab (tests/reports/test_pages.py)
    assert queries() == warm  # more clinics, no more queries
