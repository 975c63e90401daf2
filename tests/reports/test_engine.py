"""The report engine: periods, the data range, the opening rule, the registry and tabs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sentinel.agreements.actions import approve_consent, sign_dpa
from sentinel.agreements.models import Channel, DocumentKind
from sentinel.agreements.services import agreement_state
from sentinel.clinics.actions import activate
from sentinel.collection.status import check_status
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from sentinel.projects.participation import Participation
from sentinel.reports import engine
from sentinel.reports.engine import (
    SUPPRESSED,
    Column,
    Period,
    ReportDefinition,
    Section,
    Suppressed,
    Table,
    build_report,
    register,
    tabs_for,
)
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory
from tests.reports.conftest import ENROLLED, add_cells, clinic_signer, onboard_for_reports

D = dt.date
OPENS = D(2026, 3, 12)  # ENROLLED + 2 months

# --- Period parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, Period("since_enrolment")),
        ({"period": ""}, Period("since_enrolment")),
        ({"period": "since_enrolment"}, Period("since_enrolment")),
        ({"period": "last_12_months"}, Period("last_12_months")),
        ({"period": "year", "year": "2026"}, Period("year", 2026, D(2026, 1, 1), D(2026, 12, 1))),
        ({"period": "range", "from": "2026-02", "to": "2026-04"},
         Period("range", None, D(2026, 2, 1), D(2026, 4, 1))),
        ({"period": "range", "from": "2026-05", "to": "2026-05"},
         Period("range", None, D(2026, 5, 1), D(2026, 5, 1))),
        ("2025", Period("year", 2025, D(2025, 1, 1), D(2025, 12, 1))),
        ("2025-11..2026-02", Period("range", None, D(2025, 11, 1), D(2026, 2, 1))),
        ("last_12_months", Period("last_12_months")),
        (None, Period("since_enrolment")),
    ],
)  # fmt: skip
def test_period_parse_accepts_every_kind(query, expected):
    assert Period.parse(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"period": "weekly"},
        {"period": "year"},
        {"period": "year", "year": "26"},
        {"period": "year", "year": "1999"},
        {"period": "year", "year": "2026x"},
        {"period": "range", "from": "2026-01"},
        {"period": "range", "from": "2026-13", "to": "2026-14"},
        {"period": "range", "from": "2026-1", "to": "2026-02"},
        {"period": "range", "from": "2026-05", "to": "2026-02"},
        "2026-01..",
        "since-enrolment",
    ],
)
def test_period_parse_refuses_bad_input_in_danish_and_english(query):
    with pytest.raises(DomainError) as caught:
        Period.parse(query)

    assert caught.value.code == "invalid_period"
    assert "invalid report period" in caught.value.message_en
    assert caught.value.message_da.startswith("Ugyldig periode")


def test_period_parse_names_the_bad_parameter():
    with pytest.raises(DomainError, match=r"'to' \(2026-02\) is before 'from' \(2026-05\)"):
        Period.parse({"period": "range", "from": "2026-05", "to": "2026-02"})
    with pytest.raises(DomainError, match="from must be a month as YYYY-MM"):
        Period.parse({"period": "range", "from": "May", "to": "2026-02"})


_months = st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31))


@given(
    st.one_of(
        st.just(Period.since_enrolment()),
        st.just(Period.last_12_months()),
        st.integers(2000, 2099).map(Period.calendar_year),
        st.tuples(_months, _months).map(lambda ab: Period.months(min(ab), max(ab))),
    )
)
def test_period_round_trips_through_query_params_and_text(period):
    assert Period.parse(period.as_query()) == period
    assert Period.parse(str(period)) == period


# --- Output types ----------------------------------------------------------------------------


def test_suppressed_is_one_value_shown_as_less_than_five():
    assert Suppressed() is SUPPRESSED
    assert str(SUPPRESSED) == "<5"
    table = Table(
        "t",
        "T",
        "T",
        (Column("code", "Kode", "Code"), Column("share", "Andel", "Share", "percent")),
        (("L03", SUPPRESSED), ("L90", None)),
    )
    assert table.as_dict()["rows"] == [
        {"code": "L03", "share": "<5"},
        {"code": "L90", "share": None},
    ]


def test_table_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="a row has 1 cells, not 2"):
        Table("t", "T", "T", (Column("a", "A", "A"), Column("b", "B", "B")), (("x",),))


# --- Data range ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "today", "data_from", "data_to"),
    [
        (Period.since_enrolment(), D(2026, 11, 24), ENROLLED, D(2026, 11, 24)),
        (Period.calendar_year(2026), D(2026, 11, 24), ENROLLED, D(2026, 11, 24)),
        (Period.calendar_year(2026), D(2027, 2, 3), ENROLLED, D(2026, 12, 31)),
        (Period.last_12_months(), D(2027, 3, 10), D(2026, 4, 1), D(2027, 3, 10)),
        (Period.last_12_months(), D(2026, 5, 10), ENROLLED, D(2026, 5, 10)),
        (Period.months(D(2026, 3, 1), D(2026, 5, 1)), D(2026, 11, 24), D(2026, 3, 1),
         D(2026, 5, 31)),
        (Period.months(D(2025, 11, 1), D(2026, 2, 1)), D(2026, 11, 24), ENROLLED,
         D(2026, 2, 28)),
        (Period.months(D(2026, 10, 1), D(2027, 2, 1)), D(2026, 11, 24), D(2026, 10, 1),
         D(2026, 11, 24)),
    ],
)  # fmt: skip
def test_report_data_range_is_clamped_to_enrolment_and_today(
    enrolled_clinic, project, period, today, data_from, data_to
):
    report = build_report(enrolled_clinic, project, period, today=today)

    assert report.is_open
    assert (report.data_from, report.data_to) == (data_from, data_to)
    assert report.data_range_da == (f"Data fra {data_from:%d.%m.%Y} til {data_to:%d.%m.%Y}")


def test_report_since_enrolment_says_data_from_the_enrolment_day(enrolled_clinic, project):
    report = build_report(enrolled_clinic, project, today=D(2026, 11, 24))

    assert report.data_range_da == "Data fra 12.01.2026 til 24.11.2026"
    assert report.as_dict()["data_from"] == "2026-01-12"
    assert report.enrolled_on == ENROLLED


def test_report_never_reads_months_before_the_enrolment_month(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, D(2025, 12, 1), {"L03": 7})
    add_cells(enrolled_clinic, project, D(2026, 1, 1), {"L90": 2})

    for period in (Period.since_enrolment(), Period.months(D(2025, 11, 1), D(2026, 2, 1))):
        report = build_report(enrolled_clinic, project, period, today=D(2026, 4, 20))
        top = report.section("diagnoses").table("top_codes")
        assert top.column("code") == ["L90", "I alt", "Uden kode"]
        assert top.column("episodes") == [2, 2, 0]


def test_report_period_before_enrolment_is_refused(enrolled_clinic, project):
    with pytest.raises(DomainError) as caught:
        build_report(enrolled_clinic, project, Period.calendar_year(2025), today=D(2026, 4, 20))

    assert caught.value.code == "empty_period"
    assert "outside the enrolment (2026-01-12)" in caught.value.message_en
    assert "uden for din tilmelding (fra 12.01.2026)" in caught.value.message_da


def test_report_period_in_the_future_is_refused(enrolled_clinic, project):
    with pytest.raises(DomainError, match="lies in the future") as caught:
        build_report(enrolled_clinic, project, Period.calendar_year(2027), today=D(2026, 4, 20))
    assert "ligger i fremtiden" in caught.value.message_da


def test_report_of_an_unenrolled_clinic_ends_the_day_before_unenrolment(enrolled_clinic, project):
    unenrol(by=SYSTEM, clinic=enrolled_clinic, project=project, on=D(2026, 6, 15))

    report = build_report(enrolled_clinic, project, today=D(2026, 11, 24))

    assert report.is_open
    assert report.data_range_da == "Data fra 12.01.2026 til 14.06.2026"
    trend = report.section("trend").table("trend")
    assert trend.column("month")[-2] == "jun 2026"


def test_report_after_re_enrolment_starts_at_the_new_enrolment(enrolled_clinic, project):
    unenrol(by=SYSTEM, clinic=enrolled_clinic, project=project, on=D(2026, 3, 1))
    enrol(by=SYSTEM, clinic=enrolled_clinic, project=project, on=D(2026, 5, 4))
    add_cells(enrolled_clinic, project, D(2026, 2, 1), {"L03": 3})
    add_cells(enrolled_clinic, project, D(2026, 5, 1), {"L90": 1})

    report = build_report(enrolled_clinic, project, today=D(2026, 8, 1))

    assert report.data_range_da == "Data fra 04.05.2026 til 01.08.2026"
    assert report.section("diagnoses").table("top_codes").column("code")[0] == "L90"


# --- Opening ---------------------------------------------------------------------------------


def test_report_opens_two_months_after_enrolment_not_a_day_before(enrolled_clinic, project):
    before = build_report(enrolled_clinic, project, today=OPENS - dt.timedelta(days=1))
    on = build_report(enrolled_clinic, project, today=OPENS)

    assert not before.is_open
    assert before.opens_on == OPENS
    assert before.sections == ()
    assert before.data_from is None and before.data_range_da == ""
    assert before.closed_reason_da.startswith(
        "Din første rapport for Diagnosekodning åbner 12.03.2026."
    )
    assert "2 måneder efter" in before.closed_reason_da
    assert "(12.01.2026)" in before.closed_reason_da
    assert before.as_dict()["opens_on"] == "2026-03-12"
    assert on.is_open
    assert on.opens_on == OPENS
    assert [s.key for s in on.sections] == [
        "diagnoses",
        "completeness",
        "trend",
        "benchmark",
        "completeness_compared",
        "exceptions",
    ]


def test_report_opening_counts_from_the_latest_of_dpa_consent_and_enrolment(clinic, project):
    onboard_for_reports(clinic, project, enrolled=ENROLLED, consent=D(2026, 1, 31))

    day_before = build_report(clinic, project, today=D(2026, 3, 30))
    last_day_of_feb_plus_2 = build_report(clinic, project, today=D(2026, 3, 31))

    assert day_before.opens_on == D(2026, 3, 31)  # 31.01 + 2 months
    assert not day_before.is_open
    assert last_day_of_feb_plus_2.is_open


def test_report_opening_waits_for_the_projects_reports_open_from(enrolled_clinic, project):
    Project.objects.filter(pk=project.pk).update(reports_open_from=D(2026, 6, 1))
    project.refresh_from_db()

    report = build_report(enrolled_clinic, project, today=D(2026, 5, 31))

    assert not report.is_open
    assert report.opens_on == D(2026, 6, 1)
    assert "åbner tidligst 01.06.2026 for alle klinikker" in report.closed_reason_da
    assert build_report(enrolled_clinic, project, today=D(2026, 6, 1)).is_open


def test_report_without_consent_says_what_is_missing(clinic, project):
    signer = clinic_signer(clinic)
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(ENROLLED))
    enrol(by=SYSTEM, clinic=clinic, project=project, on=ENROLLED)

    report = build_report(clinic, project, today=D(2026, 11, 24))

    assert not report.is_open
    assert report.opens_on is None
    assert "samtykkeerklæringen er ikke godkendt" in report.closed_reason_da
    assert "databehandleraftalen" not in report.closed_reason_da.split("men ")[1]


@pytest.mark.parametrize("today", [OPENS - dt.timedelta(days=1), OPENS, D(2026, 11, 24)])
def test_report_and_status_check_agree_on_the_opening_day(enrolled_clinic, project, vendor, today):
    activate(by=SYSTEM, vendor=vendor, clinic=enrolled_clinic, at=at(ENROLLED))

    status = check_status(enrolled_clinic, on=today)
    report = build_report(enrolled_clinic, project, today=today)

    assert status.projects[0].reports_open_on == report.opens_on
    report_check = next(c for c in status.checks if c.check == "report")
    assert report_check.ok == report.is_open


def test_first_signatures_are_the_agreement_states_first_days_in_danish_time(clinic, project):
    signer = clinic_signer(clinic)
    just_after_midnight = at(ENROLLED, hour=0) + dt.timedelta(minutes=30)  # 23:30 UTC before
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=just_after_midnight)
    approve_consent(
        clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(ENROLLED + dt.timedelta(1))
    )

    for day in (ENROLLED - dt.timedelta(1), ENROLLED, ENROLLED + dt.timedelta(1)):
        expected = tuple(
            timezone.localdate(first) if first else None
            for first in (
                agreement_state(clinic, DocumentKind.DPA, day).first_signed_at,
                agreement_state(clinic, DocumentKind.CONSENT, day).first_signed_at,
            )
        )
        standing = Participation.read(clinic, day)
        firsts = (
            standing.first_signed(DocumentKind.DPA, day),
            standing.first_signed(DocumentKind.CONSENT, day),
        )
        assert firsts == expected
    standing = Participation.read(clinic)
    assert standing.first_signed(DocumentKind.DPA, ENROLLED) == ENROLLED
    assert standing.first_signed(DocumentKind.CONSENT, ENROLLED) is None
    assert Participation.read(ClinicFactory()).first_signed(DocumentKind.DPA, ENROLLED) is None


def test_one_standing_serves_the_tabs_the_report_and_its_preparation(enrolled_clinic, project):
    day = D(2026, 11, 24)
    standing = Participation.read(enrolled_clinic, day)
    prepared = engine.prepare(enrolled_clinic, project, Period.since_enrolment(), today=day,
                              standing=standing)  # fmt: skip

    assert engine.tabs_for(enrolled_clinic, standing=standing) == tabs_for(enrolled_clinic, day)
    assert build_report(enrolled_clinic, project, prepared=prepared) == build_report(
        enrolled_clinic, project, today=day
    )
    with pytest.raises(ValueError, match="asked for clinic"):
        engine.prepare(ClinicFactory(), project, Period.since_enrolment(), today=day,
                       standing=standing)  # fmt: skip
    with pytest.raises(ValueError, match="prepared for clinic"):
        build_report(enrolled_clinic, project, Period.last_12_months(), prepared=prepared)


# --- Registry and tabs -----------------------------------------------------------------------


def test_build_report_for_a_project_without_a_report_is_refused(enrolled_clinic, project):
    other = Project.objects.create(
        code="uden-rapport",
        name="Uden rapport",
        summary_da="-",
        description_da="-",
        reports_open_from=D(2025, 1, 1),
        is_published=True,
    )

    with pytest.raises(DomainError) as caught:
        build_report(enrolled_clinic, other, today=D(2026, 11, 24))

    assert caught.value.code == "no_report"
    assert "'uden-rapport' has no report" in caught.value.message_en


def test_build_report_for_a_clinic_never_enrolled_is_refused(clinic, project):
    with pytest.raises(DomainError) as caught:
        build_report(clinic, project, today=D(2026, 11, 24))

    assert caught.value.code == "not_enrolled"
    assert "ikke været tilmeldt Diagnosekodning" in caught.value.message_da


def test_a_new_project_registers_its_own_report_with_the_same_types(
    monkeypatch, enrolled_clinic, project
):
    monkeypatch.setattr(engine, "_registry", dict(engine.definitions()))
    other = Project.objects.create(
        code="testprojekt",
        name="Testprojekt",
        summary_da="-",
        description_da="-",
        reports_open_from=D(2025, 1, 1),
        is_published=True,
    )
    enrol(by=SYSTEM, clinic=enrolled_clinic, project=other, on=D(2026, 2, 1))

    @register("testprojekt")
    class TestReport(ReportDefinition):
        def sections(self, ctx):
            return [Section("months", "Måneder", "Months", note_da=str(len(ctx.months)))]

    report = build_report(enrolled_clinic, other, today=D(2026, 4, 2))

    assert report.is_open and report.opens_on == D(2026, 4, 1)
    assert report.section("months").note_da == "3"  # Feb, Mar, Apr
    assert [t.project_code for t in tabs_for(enrolled_clinic, today=D(2026, 4, 2))] == [
        "diagnosekodning",
        "testprojekt",
    ]
    with pytest.raises(ValueError, match="already has a report"):
        register("testprojekt")(type("Again", (ReportDefinition,), {}))


def test_tabs_for_lists_enrolled_and_past_projects_only(enrolled_clinic, project):
    never = ClinicFactory()
    assert tabs_for(never, today=D(2026, 11, 24)) == []
    assert tabs_for(enrolled_clinic, today=D(2026, 1, 11)) == []

    tabs = tabs_for(enrolled_clinic, today=D(2026, 2, 1))
    assert [(t.project_code, t.is_open, t.opens_on) for t in tabs] == [
        ("diagnosekodning", False, OPENS)
    ]

    unenrol(by=SYSTEM, clinic=enrolled_clinic, project=project, on=D(2026, 6, 1))
    tabs = tabs_for(enrolled_clinic, today=D(2026, 11, 24))
    assert [(t.project_code, t.is_open, t.unenrolled_on) for t in tabs] == [
        ("diagnosekodning", True, D(2026, 6, 1))
    ]
    assert tabs[0].as_dict()["enrolled_on"] == "2026-01-12"
