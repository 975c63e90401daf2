"""Calendar helpers: adding months and Danish date formatting."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on, clamped to the month's last day.

    31 December + 2 months is 28 (or 29) February, never 2 or 3 March.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def format_da(day: dt.date | None) -> str:
    """A date the Danish way: ``12.01.2026``."""
    return day.strftime("%d.%m.%Y") if day else ""


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_en(day: dt.date | None) -> str:
    """A date the English pages' way: ``12 Jan 2026`` (day, month, year: never ambiguous)."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}" if day else ""


def format_day(day: dt.date | None, *, english: bool = False) -> str:
    """A date in the page's language: ``12.01.2026`` or ``12 Jan 2026``."""
    return format_en(day) if english else format_da(day)
