"""The disclosure rule (``reports.disclosure``): cell threshold, contributor threshold and
complementary suppression, checked on examples and against what a reader could work out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.reports import disclosure
from sentinel.reports.disclosure import (
    SUPPRESSED,
    enough_clinics,
    shown_shares,
    suppressed_parts,
)

counts = st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8)


def test_disclosure_thresholds_are_five_and_written_as_less_than_five() -> None:
    assert (disclosure.MIN_CELL, disclosure.MIN_CLINICS) == (5, 5)
    assert str(SUPPRESSED) == disclosure.LABEL == "<5"


@pytest.mark.parametrize(("clinics", "shown"), [(0, False), (4, False), (5, True), (40, True)])
def test_enough_clinics_needs_five(clinics: int, shown: bool) -> None:
    assert enough_clinics(clinics) is shown


def test_suppressed_parts_without_a_shown_total_hides_only_small_counts() -> None:
    assert suppressed_parts([0, 4, 5, 12], total_shown=False) == [True, True, False, False]


def test_suppressed_parts_hides_the_smallest_other_part_when_one_would_come_back() -> None:
    # 20 + 4 + 10 + 6 = 40 shown as shares: the 4 alone could be worked out.
    assert suppressed_parts([20, 4, 10, 6]) == [False, True, False, True]
    # Two small parts already hide each other.
    assert suppressed_parts([20, 4, 10, 1]) == [False, True, False, True]
    # Of equal smallest parts, the later goes.
    assert suppressed_parts([3, 9, 9]) == [True, False, True]
    # A hidden 0 that comes back is nobody: 100 % stays.
    assert suppressed_parts([50, 0]) == [False, True]


@pytest.mark.parametrize(
    ("part", "rest", "hidden"),
    [
        (5, 1, True),  # 6 courses, 5 validly coded: the 1 would show
        (5, 4, True),
        (5, 0, False),  # all validly coded: a rest of nobody
        (5, 5, False),
        (4, 30, True),  # small itself
        (0, 7, True),
    ],
)
def test_suppressed_parts_with_an_unshown_rest(part: int, rest: int, hidden: bool) -> None:
    assert suppressed_parts([part], rest=rest) == [hidden]


def test_suppressed_parts_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        suppressed_parts([3, -1])
    with pytest.raises(ValueError):
        suppressed_parts([3], rest=-1)


@given(counts)
def test_shown_total_never_gives_a_small_count_back(parts: list[int]) -> None:
    """A reader who knows the total and every shown part can subtract; what they learn is the
    sum of the hidden parts. That sum is never one count of 1–4 on its own."""
    hidden = suppressed_parts(parts)
    assert all(h for n, h in zip(parts, hidden, strict=True) if n < 5)
    alone = [n for n, h in zip(parts, hidden, strict=True) if h]
    assert len(alone) != 1 or alone[0] == 0 or len(parts) == 1


@given(counts, st.integers(min_value=0, max_value=60))
def test_an_unshown_rest_of_one_to_four_never_comes_back(parts: list[int], rest: int) -> None:
    hidden = suppressed_parts(parts, rest=rest)
    assert all(h for n, h in zip(parts, hidden, strict=True) if n < 5)
    if 0 < rest < 5:
        assert any(hidden)  # the rest is not total minus every part


@given(counts)
def test_shown_shares_hide_exactly_what_the_rule_hides(parts: list[int]) -> None:
    cells = shown_shares(parts)
    hidden = suppressed_parts(parts)
    assert [c is SUPPRESSED for c in cells] == hidden
    assert all(isinstance(c, Decimal) for c, h in zip(cells, hidden, strict=True) if not h)
