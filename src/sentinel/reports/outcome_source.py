"""The outcome record type in the indicator language (``reports.indicators``): two sources
over the outcome cells (``reports.outcome_models``, kept by ``reports.outcome_cells``).

- ``outcome_course`` counts **structured courses** of a project collecting outcome records
  (one each): course type, whether it has ended, whether it has a baseline measurement, one
  at the end of the course, and a pair of both of one instrument — follow-up completeness is
  its share.
- ``outcome`` counts **instruments measured in a course** (one per course and instrument):
  course type, instrument, baseline, end of course, whether the change between them reaches
  the instrument's minimal important change (empty without a pair or a threshold), whether
  the patient answered every measurement. Each cell's values carry its ``change`` too (end −
  baseline, ``""`` without a pair), which no condition names: a median reads it.

Two sources, because a course measured with two instruments is one course but two
measurements; an indicator counts one of them, never a mix. Region and nation are the sums
of the contributing clinics' cells (``BenchmarkContributor``, as for episodes); a quality
network's the sum of the cells of its members that contributed to it in each month
(``NetworkContributor``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from sentinel.lib import icpc2
from sentinel.lib.instruments import INSTRUMENTS
from sentinel.reports.episode_source import EpisodeCells
from sentinel.reports.indicators import Cell, FieldInfo, register_source
from sentinel.reports.models import NetworkContributor, OutcomeBenchmarkCell, OutcomeCell

YES_NO = (("yes", "Ja"), ("no", "Nej"))
COURSE_TYPE = FieldInfo("Forløbstype", "Course type", tuple((t, t) for t in icpc2.COURSE_TYPES))
ENDED = FieldInfo("Forløbet er afsluttet", "The course has ended", YES_NO)
FLAGS = ("ended", "baseline", "end_of_course")


def _values(columns: tuple[str, ...], dims: Iterable[Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in zip(columns, dims, strict=True):
        if name in FLAGS:
            values[name] = "yes" if value else "no"
        else:
            values[name] = str(value or "")
    return values


class _OutcomeCells:
    """The outcome cells of one kind of row (course or instrument), as a ``Source``."""

    record_type = ""
    label_da = ""
    counts_courses = True
    numbers: Mapping[str, FieldInfo] = {}
    fields: Mapping[str, FieldInfo] = {}
    _columns: tuple[str, ...] = ()
    _rows = Q()
    _contributors = EpisodeCells()

    def check_value(self, name: str, value: str) -> str | None:
        return self.fields[name].refusal(value)

    def _split(self, rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, dict[str, str], int]]:
        """(the leading column, the values, courses) of each row read by ``_read``."""
        found = []
        for lead, *dims, paired, change, n in rows:
            values = _values(self._columns, dims)
            values["paired"] = "yes" if paired else "no"
            values["change"] = str(change) if paired else ""
            found.append((lead, values, int(n or 0)))
        return found

    def _cells(self, rows: Iterable[tuple[Any, ...]]) -> list[Cell]:
        return [(month, values, n) for month, values, n in self._split(rows)]

    def _read(self, rows: QuerySet[Any], *lead: str) -> QuerySet[Any]:
        return (
            rows.filter(self._rows)
            .values_list(*lead, *self._columns, "paired", "change")
            .annotate(n=Sum("courses"))
            .order_by()
        )

    def clinic_cells(
        self, project_id: int, clinic_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]:
        return self._cells(
            self._read(
                OutcomeCell.objects.filter(
                    project_id=project_id, clinic_id=clinic_id, month__gte=first, month__lte=last
                ),
                "month",
            )
        )

    def scope_cells(self, project_id: int, scope: str, first: dt.date, last: dt.date) -> list[Cell]:
        return self._cells(
            self._read(
                OutcomeBenchmarkCell.objects.filter(
                    project_id=project_id, scope=scope, month__gte=first, month__lte=last
                ),
                "month",
            )
        )

    def contributors(
        self, project_id: int, region: str, first: dt.date, last: dt.date
    ) -> dict[str, int]:
        """The clinics that contributed courses to the project's benchmark (the same rule as
        for the episode cells: the outcome cells are the contributing clinics' courses)."""
        return self._contributors.contributors(project_id, region, first, last)

    def network_cells(
        self, project_id: int, network_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]:
        """The cells of the member clinics that contributed to the network in each month
        (as the coding development's network figures, ``development.read_network``)."""
        contributed = NetworkContributor.objects.filter(
            project_id=project_id,
            network_id=network_id,
            month=OuterRef("month"),
            clinic_id=OuterRef("clinic_id"),
        )
        return self._cells(
            self._read(
                OutcomeCell.objects.filter(
                    Exists(contributed), project_id=project_id, month__gte=first, month__lte=last
                ),
                "month",
            )
        )

    def clinics_cells(
        self, project_id: int, first: dt.date, last: dt.date
    ) -> list[tuple[int, Mapping[str, str], int]]:
        rows = self._read(
            OutcomeCell.objects.filter(project_id=project_id, month__gte=first, month__lte=last),
            "clinic_id",
        )
        return [(int(clinic), values, n) for clinic, values, n in self._split(rows)]


class OutcomeCourses(_OutcomeCells):
    """``outcome_course``: one per structured course of a project collecting outcome records."""

    record_type = "outcome_course"
    label_da = "Strukturerede forløb (resultatmål)"
    fields: Mapping[str, FieldInfo] = {
        "course_type": COURSE_TYPE,
        "ended": ENDED,
        "baseline": FieldInfo("Måling ved start", "Measured at baseline", YES_NO),
        "end_of_course": FieldInfo("Måling ved afslutning", "Measured at end of course", YES_NO),
        "paired": FieldInfo(
            "Samme måleredskab ved start og afslutning",
            "One instrument at baseline and end of course",
            YES_NO,
        ),
    }
    _columns = ("course_type", "ended", "baseline", "end_of_course")
    _rows = Q(instrument="")


class OutcomeMeasures(_OutcomeCells):
    """``outcome``: one per instrument measured in a structured course."""

    record_type = "outcome"
    label_da = "Måleredskaber pr. forløb (resultatmål)"
    counts_courses = False
    numbers: Mapping[str, FieldInfo] = {
        "change": FieldInfo("Ændring (slut − start)", "Change (end − baseline)"),
    }
    fields: Mapping[str, FieldInfo] = {
        "course_type": COURSE_TYPE,
        "ended": ENDED,
        "instrument": FieldInfo(
            "Måleredskab",
            "Instrument",
            tuple((code, i.name_da) for code, i in INSTRUMENTS.items()),
        ),
        "baseline": FieldInfo("Måling ved start", "Measured at baseline", YES_NO),
        "end_of_course": FieldInfo("Måling ved afslutning", "Measured at end of course", YES_NO),
        "paired": FieldInfo("Målt ved start og afslutning", "Measured at baseline and end", YES_NO),
        "mic": FieldInfo(
            "Mindste vigtige ændring nået", "Minimal important change reached", YES_NO
        ),
        "patient": FieldInfo("Besvaret af patienten selv", "Answered by the patient", YES_NO),
    }
    _columns = (
        "course_type",
        "ended",
        "instrument",
        "baseline",
        "end_of_course",
        "mic",
        "patient",
    )
    _rows = ~Q(instrument="")


register_source(OutcomeCourses())
register_source(OutcomeMeasures())
