import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sentinel.lib import refdata
from sentinel.lib.dates import add_months, format_da


def test_add_months_clamps_to_the_last_day_of_the_month():
    assert add_months(dt.date(2025, 12, 31), 2) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2027, 12, 31), 2) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 12), 2) == dt.date(2026, 3, 12)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(0, 36))
def test_add_months_moves_exactly_n_calendar_months(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + dt.timedelta(1)).day == 1)


def test_format_da():
    assert format_da(dt.date(2026, 1, 12)) == "12.01.2026"
    assert format_da(None) == ""


def test_every_danish_municipality_but_christianso_has_a_region():
    municipalities = refdata.municipalities()
    assert len(municipalities) == 99
    without_region = [m.code for m in municipalities.values() if m.region_code is None]
    assert without_region == ["0411"]
    assert set(refdata.regions()) == {"DK-81", "DK-82", "DK-83", "DK-84", "DK-85"}
    assert municipalities["0851"].region_code == "DK-81"  # Aalborg
    assert municipalities["0101"].region_code == "DK-84"  # København
