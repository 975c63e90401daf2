"""Coding development, measured from the append-only diagnosis history (EKM's rule: start
with a symptom code, change it when the diagnosis is sure, never delete).

Per coded structured course (speciale 51 with a course type, ``icpc2.COURSE_TYPES``):

- ``symptom_first``: its first code that counts (the earliest event not refuted or entered in
  error) is a symptom code (ICPC-2 component 1, L01–L29 in chapter L), and its type requires a
  disease code (primary low back pain requires L03, itself a symptom code: never counted);
- ``refined``: such a course whose final (current) code is a disease code (component 7,
  e.g. L70–L99);
- ``days``: the days from the course's start to the first recording of its final code (the
  start of the last run of that code in the history; never below 0).

The indicators over a period: the share refined of the courses that started with a symptom
code, and the median of ``days`` over the coded structured courses. Both are read from cells
per clinic (``DevelopmentCell``: month, flags, days → courses), so a region, the nation or any
other group of clinics is the sum of its clinics' cells, and its median is read off the
summed days (``Development.median_days``). A quality network's is the sum of the cells of
the member clinics that contributed to the network in that month (``NetworkContributor``, as
the last benchmark refresh left them), so a clinic that left drops out at the next refresh
like in the network's other figures (``read_network``).

The cells are kept in step by ``reports.development_cells``: recounted from the raw history
(``recount``: one SQL statement per few hundred
clinic-months reduces each course's history to its first code and the start of its final
code's last run; only the rule above is Python) at every benchmark refresh (``refresh``,
called by ``refresh_benchmark``): for the clinic-months where the report cells' journal names
a structured course's cell, writing only the cells whose count moved and adding those moves to
the region and nation sums (``add_to_scopes``); a full refresh recounts every clinic (still
writing only what differs) and sums every month afresh. A change that moves no report cell (a
code recorded again, an earlier code added while the current one stays) waits for the next
full refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from sentinel.lib import icpc2
from sentinel.reports.models import (
    NATION,
    DevelopmentBenchmarkCell,
    DevelopmentCell,
    NetworkContributor,
)

STRUCTURED_SPECIALE = "51"
SYMPTOM_COMPONENT = 1
DISEASE_COMPONENT = 7

ClinicDevKey = tuple[int, dt.date, bool, bool, int]
"""(clinic, month, symptom_first, refined, days) of a development cell."""


def component(code: str) -> int | None:
    known = icpc2.codes().get(code)
    return known.component if known is not None else None


@lru_cache(maxsize=64)
def _expects_disease_code(course_type: str) -> bool:
    allowed = icpc2.COURSE_TYPES.get(course_type, frozenset())
    return bool(allowed) and all(component(c) == DISEASE_COMPONENT for c in allowed)


@dataclass(frozen=True)
class CourseDevelopment:
    symptom_first: bool
    refined: bool
    days: int


def course_development(
    course_type: str,
    start_date: dt.date,
    final_code: str,
    first_code: str,
    run_start: dt.datetime,
    zone: dt.tzinfo | None = None,
) -> CourseDevelopment:
    """One coded course's development from what its history says (``_COURSES``): its first
    code that counts and when the last run of its final code started (its day in ``zone``,
    the current time zone by default)."""
    symptom_first = component(first_code) == SYMPTOM_COMPONENT and _expects_disease_code(
        course_type
    )
    refined = symptom_first and component(final_code) == DISEASE_COMPONENT
    day = run_start.astimezone(zone or timezone.get_current_timezone()).date()
    return CourseDevelopment(symptom_first, refined, max((day - start_date).days, 0))


# --- reading ----------------------------------------------------------------------------


@dataclass
class Development:
    """A scope's development over some months: the courses that started with a symptom code,
    of those refined, and the courses per days to the final code."""

    symptom_first: int = 0
    refined: int = 0
    days: Counter[int] = field(default_factory=Counter)

    def add(self, symptom_first: bool, refined: bool, days: int, courses: int) -> None:
        if symptom_first:
            self.symptom_first += courses
            if refined:
                self.refined += courses
        self.days[days] += courses

    @property
    def coded(self) -> int:
        return sum(self.days.values())

    @property
    def median_days(self) -> Decimal | None:
        """The median of the days (the mean of the two middle ones for an even count), to
        one decimal; None without courses."""
        n = self.coded
        if n == 0:
            return None
        ordered = sorted(self.days.items())

        def nth(index: int) -> int:
            seen = 0
            for days, count in ordered:
                seen += count
                if index < seen:
                    return days
            raise IndexError(index)

        middle = (Decimal(nth((n - 1) // 2)) + Decimal(nth(n // 2))) / 2
        return middle.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class ClinicDevelopment:
    """A clinic's cells over some months, summed for any of them (``get``)."""

    def __init__(self, rows: Iterable[tuple[dt.date, bool, bool, int, int]]) -> None:
        self.rows = list(rows)

    def get(self, months: Sequence[dt.date]) -> Development:
        chosen = set(months)
        found = Development()
        for month, first, refined, days, n in self.rows:
            if month in chosen:
                found.add(first, refined, days, n)
        return found


def read_clinic(
    clinic_id: int, project_id: int, first_month: dt.date, last_month: dt.date
) -> ClinicDevelopment:
    """The clinic's own cells from ``first_month`` to ``last_month`` (one query)."""
    return ClinicDevelopment(
        DevelopmentCell.objects.filter(
            clinic_id=clinic_id,
            project_id=project_id,
            month__gte=first_month,
            month__lte=last_month,
        ).values_list("month", "symptom_first", "refined", "days", "courses")
    )


def _query_scopes(
    project_id: int, region: str, first_month: dt.date, last_month: dt.date
) -> tuple[Development, Development]:
    found = {region: Development(), NATION: Development()}
    scopes = [NATION, region] if region else [NATION]
    for scope, first, refined, days, n in DevelopmentBenchmarkCell.objects.filter(
        project_id=project_id, scope__in=scopes, month__gte=first_month, month__lte=last_month
    ).values_list("scope", "symptom_first", "refined", "days", "courses"):
        found[scope].add(first, refined, days, n)
    return (found[region] if region else Development()), found[NATION]


@lru_cache(maxsize=1024)
def _cached_scopes(
    project_id: int, region: str, first_month: dt.date, last_month: dt.date, refreshed_at: object
) -> tuple[Development, Development]:
    return _query_scopes(project_id, region, first_month, last_month)


def read_scopes(
    project_id: int,
    region: str,
    months: Sequence[dt.date],
    refreshed_at: dt.datetime | None,
) -> tuple[Development, Development]:
    """The region's and the nation's development over ``months`` (a region-less clinic's
    region is empty). The sums change only at a refresh: cached per refresh time, like the
    benchmark's figures (callers never change what they get)."""
    if not months:
        return Development(), Development()
    key = (project_id, region, months[0], months[-1])
    return _cached_scopes(*key, refreshed_at) if refreshed_at else _query_scopes(*key)


def _query_network(
    project_id: int, network_id: int, first_month: dt.date, last_month: dt.date
) -> Development:
    contributed = NetworkContributor.objects.filter(
        project_id=project_id,
        network_id=network_id,
        month=OuterRef("month"),
        clinic_id=OuterRef("clinic_id"),
    )
    found = Development()
    for first, refined, days, n in (
        DevelopmentCell.objects.filter(
            Exists(contributed),
            project_id=project_id,
            month__gte=first_month,
            month__lte=last_month,
        )
        .values_list("symptom_first", "refined", "days")
        .annotate(n=Sum("courses"))
        .order_by()
    ):
        found.add(first, refined, days, int(n or 0))
    return found


@lru_cache(maxsize=1024)
def _cached_network(
    project_id: int,
    network_id: int,
    first_month: dt.date,
    last_month: dt.date,
    refreshed_at: object,
) -> Development:
    return _query_network(project_id, network_id, first_month, last_month)


def read_network(
    project_id: int,
    network_id: int,
    months: Sequence[dt.date],
    refreshed_at: dt.datetime | None,
) -> Development:
    """A quality network's development over ``months``: the cells of the member clinics that
    contributed to the network in each month, summed (one query). Like the network's other
    figures (``reports.network_scope``) they change only at a refresh: cached per refresh
    time (callers never change what they get)."""
    if not months:
        return Development()
    key = (project_id, network_id, months[0], months[-1])
    return _cached_network(*key, refreshed_at) if refreshed_at else _query_network(*key)
