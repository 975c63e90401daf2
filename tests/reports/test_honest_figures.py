"""Honest charts and tables: the running month is provisional (not a drop to zero), a share
carries the courses behind it, a share on few courses is marked, and equal counts whose shares
differ in the last digit are explained. Expected figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sentinel.reports.charts import SMALL_N, chart_svg
from sentinel.reports.engine import Period, build_report
from tests.reports.conftest import add_cells

D = dt.date
FEB, MAR, APR = D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)
KNEE = ("51", "knee_osteoarthritis", "L90")
KNEE_WRONG = ("51", "knee_osteoarthritis", "L03")
PERIOD = Period.months(FEB, APR)


def _completeness(clinic, project, today: dt.date):
    report = build_report(clinic, project, PERIOD, today=today)
    section = report.section("completeness")
    return section.charts[0], section.table("completeness_by_month"), report


def test_the_running_month_is_provisional_and_each_point_carries_its_n(enrolled_clinic, project):
    # Feb: 12 knee courses, 9 valid → 75.00 %. Mar: 3 courses, 3 valid → 100.00 % (n 3: few).
    # Apr (today 20.04): 1 course, 0 valid → 0.00 %, but April is not over.
    add_cells(enrolled_clinic, project, FEB, {KNEE: 9, KNEE_WRONG: 3})
    add_cells(enrolled_clinic, project, MAR, {KNEE: 3})
    add_cells(enrolled_clinic, project, APR, {KNEE_WRONG: 1})

    chart, table, report = _completeness(enrolled_clinic, project, D(2026, 4, 20))

    assert chart.categories == ("feb 2026", "mar 2026", "apr 2026")
    assert chart.series[0].values == (Decimal("75.00"), Decimal("100.00"), Decimal("0.00"))
    assert chart.series[0].counts == (12, 3, 1)
    assert chart.incomplete == ("apr 2026",)
    assert "Apr 2026 er ikke slut endnu: månedens tal er foreløbige" in table.footnote_da
    trend = report.section("trend")
    assert trend.charts[0].incomplete == ("apr 2026",)
    assert "Apr 2026 er ikke slut endnu" in trend.tables[0].footnote_da
    svg = chart_svg(chart, id_prefix="t")
    assert svg.count(">foreløbig</text>") == 1
    assert svg.count('class="provisional"') == 1  # the line into April is dotted
    assert ">n 12</text>" in svg and ">n 3</text>" in svg and ">n 1</text>" in svg
    # March (3) and April (1) stand on fewer than 10 courses: hollow markers, said in words.
    assert SMALL_N == 10
    assert svg.count('class="small-n"') == 2
    assert f"Hul markør: under {SMALL_N} forløb i måneden" in svg
    assert "mar 2026: 100,00 % (n 3)" in svg  # the description, for screen readers
    assert "apr 2026 er ikke slut endnu: tallene er foreløbige." in svg
    as_json = chart.as_dict()
    assert as_json["incomplete"] == ["apr 2026"]
    assert as_json["series"][0]["counts"] == [12, 3, 1]


def test_a_finished_month_is_not_provisional(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, FEB, {KNEE: 12})
    add_cells(enrolled_clinic, project, APR, {KNEE: 12})

    chart, table, _report = _completeness(enrolled_clinic, project, D(2026, 4, 30))

    assert chart.incomplete == ()
    assert "ikke slut endnu" not in table.footnote_da
    svg = chart_svg(chart)
    assert "foreløbig" not in svg
    assert 'class="provisional"' not in svg
    assert 'class="small-n"' not in svg  # 12 and 12 courses; March has none (no point)
    assert "Hul markør" not in svg


def test_equal_counts_with_different_last_digits_are_explained(enrolled_clinic, project):
    # Three codes with one course each: 33.33 + 33.33 + 33.34 = 100.00 (largest remainder:
    # remainders and counts all equal, the extra hundredth goes to the last row).
    add_cells(enrolled_clinic, project, FEB, {"L03": 1, "L89": 1, "L90": 1})

    report = build_report(enrolled_clinic, project, PERIOD, today=D(2026, 4, 30))
    table = report.section("diagnoses").table("top_codes")

    assert [r[3] for r in table.rows[:3]] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert "Lige mange forløb, forskellig sidste decimal (L03, L89, L90)" in table.footnote_da
    assert "Equal counts, different last digit (L03, L89, L90)" in table.footnote_en
    chapters = report.section("diagnoses").table("chapters")
    assert "sidste decimal" not in chapters.footnote_da  # one chapter (L), 100.00


def test_equal_counts_with_equal_shares_need_no_note(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, FEB, {"L03": 2, "L89": 1, "L90": 1})  # 50, 25, 25

    report = build_report(enrolled_clinic, project, PERIOD, today=D(2026, 4, 30))

    assert "sidste decimal" not in report.section("diagnoses").table("top_codes").footnote_da


def test_the_clinics_bars_carry_the_courses_behind_each_share(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, FEB, {"L03": 2, "L90": 1})  # 66.67 and 33.33

    report = build_report(enrolled_clinic, project, PERIOD, today=D(2026, 4, 30))
    chart = report.section("benchmark").charts[0]

    assert chart.series[0].name_da == "Klinikken"
    assert chart.series[0].counts == (2, 1)
    svg = chart_svg(chart)
    assert ">66,67 % · n 2</text>" in svg
    assert ">33,33 % · n 1</text>" in svg
    assert "L03: 66,67 % (n 2)" in svg  # the description
    assert "klinikkens andele står på 3 forløb med kode" in (
        report.section("benchmark").table("benchmark").footnote_da
    )
