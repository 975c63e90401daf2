"""The ``episode`` record type in the indicator language (``reports.indicators``): a course
as the report cells count it (month, speciale, course type, current ICPC-2 code), read from the
clinic's report cells, the benchmark cells of its region and the nation, and its quality
network's cells (``NetworkCell``, the members that contributed in each month)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q, Sum

from sentinel.lib import icpc2
from sentinel.lib.dataspec import KNOWN_SPECIALITIES
from sentinel.reports.indicators import ANY, Cell, FieldInfo, register_source
from sentinel.reports.models import BenchmarkCell, BenchmarkContributor, NetworkCell, ReportCell


class EpisodeCells:
    """The ``episode`` record type, read from the report cells and the benchmark cells."""

    record_type = "episode"
    label_da = "Forløb"
    counts_courses = True
    numbers: Mapping[str, FieldInfo] = {}
    fields: Mapping[str, FieldInfo] = {
        "speciale": FieldInfo(
            "Speciale", "Speciale", tuple((s, s) for s in sorted(KNOWN_SPECIALITIES))
        ),
        "course_type": FieldInfo(
            "Forløbstype",
            "Course type",
            tuple((t, t) for t in icpc2.COURSE_TYPES),
        ),
        "code": FieldInfo("ICPC-2-kode (nuværende)", "ICPC-2 code (current)"),
    }
    _columns = ("speciale", "course_type", "code")

    def check_value(self, name: str, value: str) -> str | None:
        refused = self.fields[name].refusal(value)
        if refused is None and name == "code" and value not in ("", ANY, *icpc2.codes()):
            return f"{value!r} is not an ICPC-2-DK code"
        return refused

    def _cells(self, rows: Iterable[tuple[Any, ...]]) -> list[Cell]:
        return [
            (month, dict(zip(self._columns, dims, strict=True)), int(n or 0))
            for month, *dims, n in rows
        ]

    def clinic_cells(
        self, project_id: int, clinic_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]:
        return self._cells(
            ReportCell.objects.filter(
                project_id=project_id, clinic_id=clinic_id, month__gte=first, month__lte=last
            ).values_list("month", *self._columns, "episodes")
        )

    def scope_cells(self, project_id: int, scope: str, first: dt.date, last: dt.date) -> list[Cell]:
        return self._cells(
            BenchmarkCell.objects.filter(
                project_id=project_id, scope=scope, month__gte=first, month__lte=last
            )
            .values_list("month", *self._columns)
            .annotate(n=Sum("episodes"))
            .order_by()
        )

    def contributors(
        self, project_id: int, region: str, first: dt.date, last: dt.date
    ) -> dict[str, int]:
        found = BenchmarkContributor.objects.filter(
            project_id=project_id, month__gte=first, month__lte=last
        ).aggregate(
            nation=Count("clinic", distinct=True),
            region=Count("clinic", distinct=True, filter=Q(region_code=region)),
        )
        return {"nation": int(found["nation"] or 0), "region": int(found["region"] or 0)}

    def clinics_cells(
        self, project_id: int, first: dt.date, last: dt.date
    ) -> list[tuple[int, Mapping[str, str], int]]:
        rows = (
            ReportCell.objects.filter(project_id=project_id, month__gte=first, month__lte=last)
            .values_list("clinic_id", *self._columns)
            .annotate(n=Sum("episodes"))
            .order_by()
        )
        return [
            (clinic, dict(zip(self._columns, dims, strict=True)), int(n or 0))
            for clinic, *dims, n in rows
        ]

    def network_cells(
        self, project_id: int, network_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]:
        return self._cells(
            NetworkCell.objects.filter(
                project_id=project_id, network_id=network_id, month__gte=first, month__lte=last
            )
            .values_list("month", *self._columns)
            .annotate(n=Sum("episodes"))
            .order_by()
        )


register_source(EpisodeCells())
