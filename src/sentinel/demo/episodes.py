"""Synthetic patient courses (forløb) for the demo vendor: a year of a clinic's coding.

The ICPC-2 mix is dominated by the L chapter (the musculoskeletal system), as in
physiotherapy; about a third of the courses are structured courses of speciale 51, some of
which lack the required code (so coding completeness is below 100 %). CPR numbers are
generated: a real birth date and a serial from 1000-3999; no names, nothing copied.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

# (code, weight) for the voluntary coding of other courses.
OTHER_CODES: list[tuple[str, int]] = [
    ("L03", 16), ("L02", 9), ("L01", 7), ("L92", 8), ("L08", 5), ("L15", 5), ("L17", 3),
    ("L18", 6), ("L87", 3), ("L96", 3), ("L77", 3), ("L81", 3), ("L14", 4), ("L13", 3),
    ("L93", 2), ("L99", 2), ("N94", 2), ("N01", 2), ("K90", 2), ("A04", 1), ("R02", 1),
    ("P01", 1), ("W18", 1), ("X27", 1),
]  # fmt: skip
STRUCTURED: list[tuple[str, tuple[str, ...], int]] = [
    ("low_back_pain", ("L03",), 10),
    ("knee_osteoarthritis", ("L90",), 8),
    ("hip_osteoarthritis", ("L89",), 4),
    ("lumbar_radiculopathy", ("L86",), 3),
    ("cervical_radiculopathy", ("L83",), 2),
    ("lumbar_spinal_stenosis", ("L84", "L86"), 2),
]


def synthetic_cpr(rng: random.Random) -> str:
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 68))
    return f"{born:%d%m%y}{rng.randint(1000, 3999)}"


def _at(day: dt.date, rng: random.Random) -> str:
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))))
    return timezone.make_aware(moment).isoformat()


def course(
    rng: random.Random, *, source_id: str, start: dt.date, today: dt.date, speciale: str
) -> dict[str, Any]:
    """One synthetic course starting on ``start`` in the API's record shape."""
    record: dict[str, Any] = {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(rng),
        "speciale": speciale,
        "course_type": None,
        "start_date": start.isoformat(),
        "end_date": None,
        "practitioner_initials": rng.choice(["MK", "AB", "LH", "JS", "TP"]),
        "patient_opt_out": False,
        "diagnoses": [],
        "services": [{"code": "2101", "date": start.isoformat()}],
    }
    length = rng.randint(14, 120)
    if start + dt.timedelta(days=length) < today:
        record["end_date"] = (start + dt.timedelta(days=length)).isoformat()
    structured = speciale == "51" and rng.random() < 0.35
    if structured:
        kinds = list(STRUCTURED)
        kind, codes, _ = rng.choices(kinds, weights=[w for *_, w in kinds])[0]
        record["course_type"] = kind
        if rng.random() < 0.85:  # most structured courses are coded as they must be
            record["diagnoses"].append(
                {"code": rng.choice(codes), "recorded_at": _at(start, rng), "source": "clinician"}
            )
    elif rng.random() < 0.7:  # voluntary coding of other courses
        code = rng.choices([c for c, _ in OTHER_CODES], weights=[w for _, w in OTHER_CODES])[0]
        source = "referral" if rng.random() < 0.15 else "clinician"
        record["diagnoses"].append({"code": code, "recorded_at": _at(start, rng), "source": source})
    if record["diagnoses"] and rng.random() < 0.1:  # a changed code later in the course
        later = min(start + dt.timedelta(days=rng.randint(7, 30)), today)
        code = rng.choice([c for c, _ in OTHER_CODES[:10]])
        record["diagnoses"].append(
            {"code": code, "recorded_at": _at(later, rng), "source": "clinician"}
        )
    return record


def year_of_courses(
    rng: random.Random, *, prefix: str, first: dt.date, last: dt.date, per_year: int, speciale: str
) -> list[dict[str, Any]]:
    """Courses starting between ``first`` and ``last``, about ``per_year`` a year."""
    days = (last - first).days
    if days < 0:
        return []
    count = max(1, round(per_year * (days + 1) / 365))
    starts = sorted(first + dt.timedelta(days=rng.randint(0, days)) for _ in range(count))
    return [
        course(rng, source_id=f"{prefix}-{i:05d}", start=start, today=last, speciale=speciale)
        for i, start in enumerate(starts, start=1)
    ]
