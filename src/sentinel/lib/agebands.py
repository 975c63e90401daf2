"""Age bands: what a specification may ask for instead of anything date-like of the patient.

The pipeline derives the band from the CPR's birth date at ingest, at the record's own date,
and stores only the band's label; the CPR and the birth date are forgotten with the request.
Bands of ten years from 18 (``18-29`` … ``80+``), one band under 18: wide enough that a band
with the clinic and the course does not single a patient out in a small clinic.
"""

from __future__ import annotations

import datetime as dt

BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0-17"),
    (18, 29, "18-29"),
    (30, 39, "30-39"),
    (40, 49, "40-49"),
    (50, 59, "50-59"),
    (60, 69, "60-69"),
    (70, 79, "70-79"),
    (80, None, "80+"),
)
LABELS = tuple(label for _, _, label in BANDS)


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years between ``born`` and ``day`` (a birthday on 29 February counts on 1 March
    in a common year)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def band_of(born: dt.date, day: dt.date) -> str:
    age = max(age_on(born, day), 0)
    for low, high, label in BANDS:
        if age >= low and (high is None or age <= high):
            return label
    raise AssertionError("the bands cover every age")  # pragma: no cover
