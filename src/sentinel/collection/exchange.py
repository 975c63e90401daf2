"""What a clinic actually exchanges with Sentinel (the seed's "overblik over, hvilke data der
udveksles med Sentinel"): per project and month the courses received, when data last arrived,
and the records Sentinel refused, by reason, so a clinic sees at once when its practice system
stops sending or sends something Sentinel cannot take.

Read from what the pipeline writes anyway: collected courses (``Episode.received_at``, the
first arrival), ``DataFlow`` (last arrival per project) and the ``Submission`` log (counts and
refusal reasons per batch; nothing of a refused record is kept).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.collection.models import DataFlow, Episode, Submission
from sentinel.lib.dates import add_months
from sentinel.projects.models import Project

MONTHS = 12


@dataclass(frozen=True)
class ProjectFlow:
    project: Project
    first_received_at: dt.datetime | None
    last_received_at: dt.datetime | None
    records_received: int


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    courses: list[int]  # per project, in the order of ``Exchange.projects``
    records: int = 0
    accepted: int = 0
    refused: int = 0


@dataclass(frozen=True)
class RefusalRow:
    reason: str
    count: int
    last_at: dt.datetime


@dataclass(frozen=True)
class Exchange:
    since: dt.date
    projects: list[Project]
    flows: list[ProjectFlow]
    months: list[MonthRow]
    refusals: list[RefusalRow] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return any(f.records_received for f in self.flows) or any(m.records for m in self.months)


def _month(moment: dt.datetime | dt.date) -> dt.date:
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def exchange_overview(clinic: Clinic, today: dt.date | None = None) -> Exchange:
    """The last ``MONTHS`` months of data exchange of ``clinic``, newest month first."""
    day = today or timezone.localdate()
    since = add_months(day.replace(day=1), -(MONTHS - 1))
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    project_ids = set(clinic.enrolments.values_list("project_id", flat=True)) | set(
        DataFlow.objects.filter(clinic=clinic).values_list("project_id", flat=True)
    )
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("name"))
    flows_by_project = {f.project_id: f for f in DataFlow.objects.filter(clinic=clinic)}
    flows = [
        ProjectFlow(
            project=p,
            first_received_at=f.first_received_at if (f := flows_by_project.get(p.pk)) else None,
            last_received_at=f.last_received_at if f else None,
            records_received=f.records_received if f else 0,
        )
        for p in projects
    ]

    courses: dict[tuple[dt.date, int], int] = {}
    received = (
        Episode.objects.filter(clinic=clinic, received_at__gte=start)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "project_id")
        .annotate(n=Count("id"))
    )
    for row in received:
        courses[(_month(row["month"]), row["project_id"])] = row["n"]

    totals: dict[dt.date, Counter[str]] = defaultdict(Counter)
    refusals: Counter[str] = Counter()
    last_refused: dict[str, dt.datetime] = {}
    submissions = Submission.objects.filter(clinic=clinic, received_at__gte=start).values_list(
        "received_at", "records", "accepted", "rejected_by_reason"
    )
    for received_at, records, accepted, by_reason in submissions:
        month = _month(received_at)
        totals[month]["records"] += records
        totals[month]["accepted"] += accepted
        for reason, count in (by_reason or {}).items():
            totals[month]["refused"] += int(count)
            refusals[reason] += int(count)
            if reason not in last_refused or received_at > last_refused[reason]:
                last_refused[reason] = received_at

    months = []
    month = day.replace(day=1)
    while month >= since:
        counts = totals.get(month, Counter())
        months.append(
            MonthRow(
                month=month,
                courses=[courses.get((month, p.pk), 0) for p in projects],
                records=counts["records"],
                accepted=counts["accepted"],
                refused=counts["refused"],
            )
        )
        month = add_months(month, -1)
    return Exchange(
        since=since,
        projects=projects,
        flows=flows,
        months=months,
        refusals=[
            RefusalRow(reason, count, last_refused[reason])
            for reason, count in refusals.most_common()
        ],
    )
