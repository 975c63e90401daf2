"""Median indicators in the declared language (``DeclaredIndicator`` of kind ``median``,
``reports.declared_medians``): the median read off summed cells, the disclosure rules for a
level's median, its headline figure (change, target, words), and what may not be stored
(nothing stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.actions import save_indicator
from sentinel.reports.declared_medians import (
    MeasuredMedian,
    level_median,
    median_figure,
    median_of,
    weighted_median,
)
from sentinel.reports.disclosure import SUPPRESSED
from sentinel.reports.figures_view import figure_view
from sentinel.reports.indicators import Declared
from sentinel.reports.models import DeclaredIndicator
from tests.conftest import SYSTEM

FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ([], None),
        ([("-3", 1)], Decimal("-3.00")),
        ([("-4", 1), ("-1", 1)], Decimal("-2.50")),  # even: the mean of the two middle ones
        ([("-5", 3), ("0", 1), ("2", 1)], Decimal("-5.00")),
        ([("1.5", 2), ("3", 2)], Decimal("2.25")),
    ],
)
def test_weighted_median(counts, median) -> None:
    assert weighted_median((Decimal(v), n) for v, n in counts) == median


def test_median_of_reads_the_denominators_cells_that_carry_the_number() -> None:
    declared = Declared(
        key="change_nprs",
        label_da="Ændring",
        label_en="Change",
        record_type="outcome",
        kind="median",
        value="change",
        population={"instrument": ("nprs",)},
        denominator={"paired": ("yes",)},
    )
    cells = [
        (FEB, {"instrument": "nprs", "paired": "yes", "change": "-4.00"}, 2),
        (FEB, {"instrument": "nprs", "paired": "yes", "change": "1.00"}, 1),
        (FEB, {"instrument": "nprs", "paired": "no", "change": ""}, 5),
        (FEB, {"instrument": "psfs", "paired": "yes", "change": "3.00"}, 4),
        (MAR, {"instrument": "nprs", "paired": "yes", "change": "-9.00"}, 1),
    ]

    assert median_of(declared, cells, (FEB,)) == (Decimal("-4.00"), 3)
    assert median_of(declared, cells, (FEB, MAR)) == (Decimal("-4.00"), 4)


def test_a_levels_median_follows_the_disclosure_rules() -> None:
    few_clinics = level_median("nation", "Hele landet", "Nation", 4, Decimal("-3"), 40)
    few_courses = level_median("nation", "Hele landet", "Nation", 5, Decimal("-3"), 4)
    shown = level_median("nation", "Hele landet", "Nation", 5, Decimal("-3"), 5)

    assert few_clinics.value is None and "færre end 5 klinikker" in few_clinics.note_da
    assert few_courses.value is SUPPRESSED
    assert shown.value == Decimal("-3")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"value": "score"}, "unknown_value"),
        ({"numerator": {"mic": ["yes"]}}, "median_with_numerator"),
        ({"low": Decimal("-2"), "high": Decimal("-10")}, "target_range_reversed"),
        ({"low": Decimal("-2.125"), "high": Decimal("0")}, "target_too_precise"),
        ({"low": Decimal("-100000"), "high": Decimal("0")}, "target_out_of_range"),
        ({"kind": "share", "numerator": {"mic": ["yes"]}}, "value_without_median"),
        ({"kind": "mean"}, "invalid_kind"),
    ],
)
def test_a_median_that_may_not_be_stored_is_refused(overrides, code) -> None:
    project = Project.objects.get(code="forlobsresultater")
    before = DeclaredIndicator.objects.count()
    fields: dict = {
        "label_da": "Ændring",
        "record_type": "outcome",
        "kind": "median",
        "value": "change",
        "population": {"instrument": ["nprs"]},
        "denominator": {"paired": ["yes"]},
        "numerator": {},
    }
    fields.update(overrides)

    with pytest.raises(DomainError) as refused:
        save_indicator(by=SYSTEM, project=project, key="change_x", **fields)

    assert refused.value.code == code
    assert DeclaredIndicator.objects.count() == before


@pytest.mark.django_db
def test_a_median_is_stored_with_its_kind_and_number() -> None:
    project = Project.objects.get(code="forlobsresultater")
    row = save_indicator(
        by=SYSTEM,
        project=project,
        key="change_x",
        label_da="Ændring",
        record_type="outcome",
        kind="median",
        value="change",
        population={"instrument": ["nprs"]},
        denominator={"paired": ["yes"]},
        numerator={},
        better="lower",
    )

    assert (row.kind, row.value, Declared.of(row).kind) == ("median", "change", "median")


@pytest.mark.django_db
def test_a_median_may_have_a_target_in_its_own_unit() -> None:
    project = Project.objects.get(code="forlobsresultater")
    row = save_indicator(
        by=SYSTEM,
        project=project,
        key="change_x",
        label_da="Ændring",
        record_type="outcome",
        kind="median",
        value="change",
        population={"instrument": ["nprs"]},
        denominator={"paired": ["yes"]},
        numerator={},
        better="lower",
        low=Decimal("-10"),
        high=Decimal("-2"),
    )

    indicator = Declared.of(row).indicator
    assert (indicator.kind, indicator.target) == ("median", (Decimal("-10"), Decimal("-2")))
    assert indicator.target_da == "Mål: fra -10,00 til -2,00"
    assert indicator.target_en == "Target: from -10.00 to -2.00"


def test_a_medians_headline_figure_has_its_levels_change_and_target() -> None:
    declared = Declared(
        key="change_nprs",
        label_da="Ændring i smerte (median)",
        label_en="Change in pain (median)",
        record_type="outcome",
        kind="median",
        value="change",
        better="lower",
        target=(Decimal("-10.00"), Decimal("-2.00")),
    )
    levels = (
        level_median("network", "Klynge", "Klynge", 5, Decimal("-5.00"), 14),
        level_median("region", "Region Midtjylland", "Region Midtjylland", 7, Decimal("-4.5"), 4),
        level_median("nation", "Hele landet", "Nation", 4, Decimal("-4.50"), 24),
    )
    measured = MeasuredMedian(
        declared,
        ("mar 2026–apr 2026", "Mar 2026–Apr 2026"),
        Decimal("-3.00"),
        3,
        levels,
        Decimal("-1.00"),
        2,
        ("jan 2026–feb 2026", "Jan 2026–Feb 2026"),
    )

    figure = median_figure(measured)

    assert (figure.value, figure.n, figure.previous, figure.previous_n) == (
        Decimal("-3.00"),
        3,
        Decimal("-1.00"),
        2,
    )
    assert (figure.network, figure.network_name) == (Decimal("-5.00"), "Klynge")
    assert figure.region is SUPPRESSED  # four courses
    assert figure.nation is None and figure.nation_note_da == "færre end 5 klinikker har bidraget"
    assert (figure.change, figure.verdict, figure.in_target) == (Decimal("-2.00"), "better", True)
    assert figure.change_da == (
        "↓ 2,00 lavere end i forrige periode (jan 2026–feb 2026: -1,00) – bedre."
    )
    view = figure_view(figure)
    assert (view.value, view.network, view.region) == ("-3,00", "-5,00", "<5")
    assert view.n == "3 forløb"
    assert view.target == "Mål: fra -10,00 til -2,00"
    assert view.in_target == "inden for målet"
    english = figure_view(figure, english=True)
    assert (english.value, english.target) == ("-3.00", "Target: from -10.00 to -2.00")
    assert figure.as_dict()["kind"] == "median" and figure.as_dict()["change"] == "-2.00"
