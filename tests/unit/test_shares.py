from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.lib.shares import percent, shares


def d(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_shares_thirds_give_the_extra_hundredth_to_the_last_of_equals():
    assert shares([1, 1, 1]) == d("33.33", "33.33", "33.34")
    assert shares([5, 5, 5]) == d("33.33", "33.33", "33.34")


def test_shares_larger_remainder_wins_before_position():
    # 2/3 = 66.666.. (remainder .666), 1/3 = 33.333.. (remainder .333): the larger gets it.
    assert shares([2, 1]) == d("66.67", "33.33")
    assert shares([1, 2]) == d("33.33", "66.67")


def test_shares_equal_remainders_go_to_the_larger_count_first():
    # 1/6 = 16.666.., 2/6 = 33.333.., 3/6 = 50: remainders .666 and .333; then 3 exact.
    assert shares([1, 2, 3]) == d("16.67", "33.33", "50.00")
    # 7 counts of 1 and one of 3 out of 10: exact 10.00 and 30.00, nothing to hand out.
    assert shares([1] * 7 + [3]) == [Decimal("10.00")] * 7 + [Decimal("30.00")]
    # 1,1,1,2,2 of 7: 14.2857.. (rem .57) ×3 and 28.5714.. (rem .14) ×2; sum of floors
    # 3×14.28 + 2×28.57 = 99.98 → the 2 missing hundredths go to the larger remainders, i.e. the
    # three 1s, latest first: positions 2 and 1.
    assert shares([1, 1, 1, 2, 2]) == d("14.28", "14.29", "14.29", "28.57", "28.57")


def test_shares_exact_values_need_no_remainder():
    assert shares([1, 1, 2]) == d("25.00", "25.00", "50.00")
    assert shares([7]) == d("100.00")


def test_shares_of_nothing_are_zero():
    assert shares([0, 0]) == d("0.00", "0.00")
    assert shares([]) == []


def test_shares_refuse_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        shares([3, -1])


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=40))
def test_shares_sum_to_exactly_100_and_stay_within_a_hundredth(counts):
    result = shares(counts)
    total = sum(counts)
    assert len(result) == len(counts)
    if total == 0:
        assert all(s == 0 for s in result)
        return
    assert sum(result) == Decimal("100.00")
    for count, share in zip(counts, result, strict=True):
        exact = Decimal(count) * 100 / Decimal(total)
        assert abs(share - exact) < Decimal("0.01")
        assert share == share.quantize(Decimal("0.01"))


def test_percent_rounds_half_up_and_has_no_value_of_nothing():
    assert percent(1, 3) == Decimal("33.33")
    assert percent(2, 3) == Decimal("66.67")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 800) == Decimal("0.13")  # 0.125 → 0.13
    assert percent(0, 5) == Decimal("0.00")
    assert percent(0, 0) is None
