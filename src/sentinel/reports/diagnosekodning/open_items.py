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
from functools import cache

from django.db.models import QuerySet

from sentinel.collection.models import Episode
from sentinel.lib import icpc2
from sentinel.reports.diagnosekodning.labels import STRUCTURED_SPECIALE
from sentinel.reports.open_items import Kind, OpenItem

SYMPTOM_WEEKS = 6
"""Weeks after a course's start from which a symptom code still current is an open item."""


@cache
def symptom_codes() -> tuple[str, ...]:
    """Every symptom code of the code list (component 1)."""
    return tuple(sorted(c.code for c in icpc2.codes().values() if c.component == 1))


def is_symptom_code(code: str) -> bool:
    """A symptom or complaint code: ICPC-2 component 1 (numbers 01–29 of any chapter)."""
    known = icpc2.codes().get(code)
    return known is not None and known.component == 1


def open_items(episodes: QuerySet[Episode], *, today: dt.date) -> list[OpenItem]:
    items: list[OpenItem] = []
    rows = episodes.order_by("start_date", "source_id", "id").values_list(
        "id", "source_id", "speciale", "course_type", "start_date", "current_code"
    )
    symptom_due = today - dt.timedelta(weeks=SYMPTOM_WEEKS)
    for pk, source_id, speciale, course_type, start_date, code in rows:
        allowed = icpc2.COURSE_TYPES.get(course_type) if speciale == STRUCTURED_SPECIALE else None
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
