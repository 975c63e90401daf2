"""Diagnosekodning's open items: what the project still expects of a course the vendor sent.

- ``missing_required_code``: a structured course of speciale 51 (``icpc2.COURSE_TYPES``)
  whose current code is not one its type requires (the courses the worklist lists).
- ``symptom_code_current``: any other course whose current code is a symptom code (ICPC-2
  component 1, e.g. L01–L29) ``SYMPTOM_WEEKS`` weeks or more after the course started: EKM's
  guidance is to start with a symptom code and change it when the diagnosis is sure. A
  structured course whose required code is itself a symptom code (primary low back pain, L03)
  is coded as it should be and is not an item.

Courses without any code outside the structured ones are voluntary and not items.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from sentinel.collection.models import Episode
from sentinel.lib import icpc2
from sentinel.reports.diagnosekodning.labels import STRUCTURED_SPECIALE
from sentinel.reports.open_items import Kind, OpenItem

SYMPTOM_WEEKS = 6
"""Weeks after a course's start from which a symptom code still current is an open item."""


def is_symptom_code(code: str) -> bool:
    """A symptom or complaint code: ICPC-2 component 1 (numbers 01–29 of any chapter)."""
    known = icpc2.codes().get(code)
    return known is not None and known.component == 1


def required_codes_of(speciale: str | None, course_type: str | None) -> frozenset[str] | None:
    """The codes a course must carry: those of its type for a structured course of speciale
    51, else None (no code is required)."""
    if speciale != STRUCTURED_SPECIALE or course_type is None:
        return None
    allowed = icpc2.COURSE_TYPES.get(course_type)
    return frozenset(allowed) if allowed is not None else None


def lacking_required_code() -> Q:
    """``required_codes_of`` as a filter of structured ``Episode`` rows (speciale 51 is the
    caller's): a course type's course whose current code is not one its type requires."""
    missing = Q()
    for course_type, allowed in icpc2.COURSE_TYPES.items():
        missing |= Q(course_type=course_type) & ~Q(current_code__in=sorted(allowed))
    return missing


def still_open(kind: str, speciale: str | None, course_type: str | None, code: str | None) -> bool:
    """Whether an item of ``kind`` is still open for a course as it now stands (a course
    coded since is no item any more): the rule an answered item is counted by."""
    if kind == Kind.MISSING_REQUIRED_CODE:
        allowed = required_codes_of(speciale, course_type)
        return allowed is not None and code not in allowed
    if kind == Kind.SYMPTOM_CODE_CURRENT:
        return bool(code) and is_symptom_code(code or "")
    return False


def open_items(episodes: QuerySet[Episode], *, today: dt.date) -> list[OpenItem]:
    items: list[OpenItem] = []
    rows = episodes.order_by("start_date", "source_id", "id").values_list(
        "id", "source_id", "speciale", "course_type", "start_date", "current_code"
    )
    symptom_due = today - dt.timedelta(weeks=SYMPTOM_WEEKS)
    for pk, source_id, speciale, course_type, start_date, code in rows:
        allowed = required_codes_of(speciale, course_type)
        if allowed is not None:
            if code in allowed:
                continue
            wanted = " eller ".join(sorted(allowed))
            items.append(
                OpenItem(
                    kind=Kind.MISSING_REQUIRED_CODE,
                    episode_id=pk,
                    source_id=source_id,
                    course_type=course_type,
                    start_date=start_date,
                    current_code=code,
                    expected_codes=tuple(sorted(allowed)),
                    due_since=start_date,
                    message_da=f"Forløbet mangler den krævede diagnosekode ({wanted}).",
                    message_en=(
                        f"The course lacks its required code ({' or '.join(sorted(allowed))})."
                    ),
                )
            )
        elif code and is_symptom_code(code) and start_date <= symptom_due:
            items.append(
                OpenItem(
                    kind=Kind.SYMPTOM_CODE_CURRENT,
                    episode_id=pk,
                    source_id=source_id,
                    course_type=course_type,
                    start_date=start_date,
                    current_code=code,
                    expected_codes=(),
                    due_since=start_date + dt.timedelta(weeks=SYMPTOM_WEEKS),
                    message_da=(
                        f"Symptomkoden {code} er stadig gældende {SYMPTOM_WEEKS} uger efter "
                        "forløbets start: skift til en diagnosekode, når diagnosen er sikker."
                    ),
                    message_en=(
                        f"The symptom code {code} is still current {SYMPTOM_WEEKS} weeks after "
                        "the course started: change to a diagnosis code once it is sure."
                    ),
                )
            )
    return items
