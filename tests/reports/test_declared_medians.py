"""Median indicators in the declared language (``DeclaredIndicator`` of kind ``median``,
``reports.declared_medians``): the median read off summed cells, the disclosure rules for a
level's median, and what may not be stored (nothing stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.actions import save_indicator
from sentinel.reports.declared_medians import level_median, median_of, weighted_median
from sentinel.reports.disclosure import SUPPRESSED
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
        ({"low": Decimal("0"), "high": Decimal("10")}, "median_with_target"),
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
