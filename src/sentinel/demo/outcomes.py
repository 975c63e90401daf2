"""The demo vendor's outcome records (Forløbsresultater): the questionnaires and tests of the
structured courses of clinics enrolled in the project, as a practice system would send them.

Per structured course: at the start NPRS and PSFS (most answered by the patient, some by
the therapist or a relative), and for hip and knee osteoarthritis the 30-second chair stand
and the 40-m fast-paced walk (done with the therapist); at the end of the course the same
again for most courses that ended (some are missing); follow-ups at 3 and 12 months for some
of those whose day has come. Scores improve on average, as in GLA:D's reports, with spread.
Then one record for each rule an outcome record can break (``bad_outcomes``), refused."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sentinel.lib.dates import add_months

OSTEOARTHRITIS = {"hip_osteoarthritis", "knee_osteoarthritis"}


def _who(rng: random.Random) -> str:
    return rng.choices(["patient", "therapist", "proxy"], weights=[85, 12, 3])[0]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _measurements(
    rng: random.Random, course: dict[str, Any], timepoint: str, day: dt.date, progress: float
) -> list[dict[str, Any]]:
    """The course's measurements at one timepoint; ``progress`` 0 at the start, about 1 at the
    end of the course (the improvement reached)."""
    base = {
        "type": "outcome",
        "version": 1,
        "episode_source_id": course["source_id"],
        "patient_cpr": course["patient_cpr"],
        "timepoint": timepoint,
        "date": day.isoformat(),
        "patient_opt_out": False,
    }
    key = f"{course['source_id']}-{timepoint}"
    pain = round(_clamp(rng.gauss(6.2 - 2.4 * progress, 1.6), 0, 10))
    activities = rng.randint(1, 3)
    psfs_items = [
        {"item": str(i), "score": round(_clamp(rng.gauss(3.5 + 2.5 * progress, 1.8), 0, 10))}
        for i in range(1, activities + 1)
    ]
    records = [
        {
            **base,
            "source_id": f"{key}-nprs",
            "instrument": "nprs",
            "score": pain,
            "answered_by": _who(rng),
        },
        {
            **base,
            "source_id": f"{key}-psfs",
            "instrument": "psfs",
            "items": psfs_items,
            "answered_by": _who(rng),
        },
    ]
    if course.get("course_type") in OSTEOARTHRITIS:
        stands = round(_clamp(rng.gauss(11 + 2.5 * progress, 3), 0, 60))
        walk = round(_clamp(rng.gauss(32 - 4 * progress, 6), 12, 120), 1)
        records += [
            {
                **base,
                "source_id": f"{key}-cst",
                "instrument": "chair_stand_30s",
                "score": stands,
                "answered_by": "therapist",
            },
            {
                **base,
                "source_id": f"{key}-walk",
                "instrument": "walk_40m_fast",
                "score": walk,
                "answered_by": "therapist",
            },
        ]
    return records


def outcomes_for(
    rng: random.Random, courses: list[dict[str, Any]], last: dt.date
) -> list[dict[str, Any]]:
    """The outcome records of the structured speciale 51 courses among ``courses``, up to
    ``last`` (some follow-ups missing, as in practice)."""
    out: list[dict[str, Any]] = []
    for course in courses:
        if course.get("speciale") != "51" or not course.get("course_type"):
            continue
        if course.get("patient_opt_out"):
            continue
        start = dt.date.fromisoformat(course["start_date"])
        if rng.random() < 0.9:  # most courses have a baseline
            out += _measurements(rng, course, "baseline", start, 0)
        end = course.get("end_date")
        if end is None:
            continue
        ended = dt.date.fromisoformat(end)
        if rng.random() < 0.75:  # some end-of-course measurements are never taken
            out += _measurements(rng, course, "end_of_course", ended, rng.uniform(0.6, 1.2))
        for months, timepoint, share in ((3, "follow_up_3m", 0.5), (12, "follow_up_12m", 0.3)):
            day = add_months(ended, months)
            if day <= last and rng.random() < share:
                out += _measurements(rng, course, timepoint, day, rng.uniform(0.5, 1.2))
    return out


def bad_outcomes(course: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """One measurement of ``course`` for each rule an outcome record can break."""
    good = {
        "type": "outcome",
        "version": 1,
        "episode_source_id": course["source_id"],
        "patient_cpr": course["patient_cpr"],
        "instrument": "nprs",
        "timepoint": "baseline",
        "date": course["start_date"],
        "answered_by": "patient",
        "score": 5,
        "patient_opt_out": False,
    }
    psfs = {**good, "instrument": "psfs", "score": None}
    broken: dict[str, dict[str, Any]] = {
        "eq5d": {"instrument": "eq5d"},  # licensed: not taken
        "noscore": {"score": None},
        "range": {"score": 12},
        "half": {"score": 6.5},
        "item": {**psfs, "items": [{"item": "7", "score": 5}]},
        "when": {"timepoint": "follow_up_6m"},
        "who": {"answered_by": "spouse"},
        "course": {"episode_source_id": f"{prefix}-never-sent"},
    }
    return [
        {**good, **change, "source_id": f"{prefix}-bad-{tag}"} for tag, change in broken.items()
    ]
