import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.lib.identifiers import (
    InvalidIdentifier,
    cvr_check_digit,
    cvr_checksum_ok,
    validate_cvr,
    validate_sor_id,
    validate_ydernummer,
)


def test_validate_cvr_accepts_a_valid_number():
    # 2*1+7*2+6*3+5*4+4*5+3*6+2*7+1*X ≡ 0 (mod 11) → weights sum 106, 106+X ≡ 0 → X = 4
    assert validate_cvr(" 1234 5674 ") == "12345674"


def test_validate_cvr_rejects_a_wrong_check_digit_with_a_clear_message():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_cvr("12345678")
    assert exc.value.code == "invalid_cvr"
    assert "modulus-11" in exc.value.message_en
    assert "kontrolcifferet" in exc.value.message_da


@pytest.mark.parametrize("value", ["", "1234567", "123456789", "1234567a", "ABCDEFGH"])
def test_validate_cvr_rejects_wrong_length_or_letters(value):
    with pytest.raises(InvalidIdentifier, match="exactly 8 digits"):
        validate_cvr(value)


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_cvr_check_digit_makes_a_valid_cvr_or_none_exists(first7):
    digit = cvr_check_digit(first7)
    if digit is None:
        assert not any(cvr_checksum_ok(f"{first7}{d}") for d in range(10))
    else:
        assert validate_cvr(f"{first7}{digit}") == f"{first7}{digit}"
        assert [d for d in range(10) if cvr_checksum_ok(f"{first7}{d}")] == [digit]


@pytest.mark.parametrize("value", ["12345", "1234567", "12345a", "000000", ""])
def test_validate_ydernummer_rejects_malformed(value):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_ydernummer(value)
    assert exc.value.code == "invalid_ydernummer"
    assert "6 digits" in str(exc.value)


def test_validate_ydernummer_accepts_six_digits():
    assert validate_ydernummer("012345") == "012345"


def test_validate_sor_id_bounds():
    assert validate_sor_id("12345678901") == "12345678901"
    with pytest.raises(InvalidIdentifier):
        validate_sor_id("1234567890")
    with pytest.raises(InvalidIdentifier):
        validate_sor_id("1234567890123456789")
