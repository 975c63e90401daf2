"""CPR numbers (personnummer): parsing and validation, never logging.

A CPR number is 10 digits, DDMMYY-SSSS. The date part must be a real date; the century follows
from the 7th digit (the first of the serial number). Modulus-11 is NOT checked: numbers without
it have been issued since 2007. Messages never contain the number itself.

Digits are ASCII ``0``-``9`` only (``\\d`` would take Arabic-Indic or fullwidth digits, which no
register issues). ``contains_cpr`` finds a CPR-shaped run inside another value (an identifier
field, a header): ten digits, or six, a dash and four, whose first six are a real date.
"""

from __future__ import annotations

import datetime as dt
import re

from sentinel.lib.errors import DomainError

_CPR = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})")
_CPR_RUN = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")


class InvalidCpr(DomainError, ValueError):
    def __init__(self, message_en: str) -> None:
        super().__init__("invalid_cpr", message_en)


def _century(year2: int, digit7: int) -> int:
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


def parse_cpr(value: object, *, today: dt.date | None = None) -> tuple[str, dt.date]:
    """Return the CPR as 10 digits and the birth date, or raise ``InvalidCpr``."""
    if not isinstance(value, str):
        raise InvalidCpr("patient_cpr must be a string of 10 digits")
    match = _CPR.fullmatch(value.strip())
    if match is None:
        raise InvalidCpr("patient_cpr must be 10 digits (DDMMYYSSSS, an optional dash allowed)")
    dd, mm, yy, serial = match.groups()
    year = _century(int(yy), int(serial[0])) + int(yy)
    try:
        born = dt.date(year, int(mm), int(dd))
    except ValueError:
        raise InvalidCpr("patient_cpr does not start with a real date (DDMMYY)") from None
    if born > (today or dt.date.today()):
        raise InvalidCpr("patient_cpr has a birth date in the future")
    return f"{dd}{mm}{yy}{serial}", born


def is_valid_cpr(value: object) -> bool:
    try:
        parse_cpr(value)
    except InvalidCpr:
        return False
    return True


def contains_cpr(value: str) -> bool:
    """True when ``value`` holds a CPR-shaped run: 10 digits (an optional dash after the
    sixth) not part of a longer run of digits, starting with a real date DDMMYY."""
    for match in _CPR_RUN.finditer(value):
        try:
            parse_cpr(match.group(0), today=dt.date.max)
        except InvalidCpr:
            continue
        return True
    return False
