"""Retention: deleting the collected data a project may no longer keep.

Two rules per project, both from the project's own settings:

- **past retention**: a course (forløb) whose start date lies before the cutoff — today minus
  ``retention_months`` calendar months — is deleted with its diagnosis events. With 60 months,
  on 15.06.2026 a course started 14.06.2021 goes, one started 15.06.2021 stays.
- **after unenrolment**: when a clinic has no open enrolment in the project and its last
  unenrolment is more than ``unenrolment_grace_days`` days ago, all its data of the project is
  deleted. With 90 days, a clinic that unenrolled 90 days ago keeps its data, one that
  unenrolled 91 days ago does not. A clinic that enrolled again keeps its data (only the
  retention rule applies to it).

``plan`` counts what the rules would delete today; ``run`` counts (dry run, the default) or
deletes. Deleting goes in batches, one transaction each: a batch deletes up to ``batch_size``
courses with their diagnosis events and recounts the report aggregates of the clinics it
touched (``reports.aggregates.rebuild``) in the same transaction, so the aggregates always
match the data, even if a run stops halfway. Each project where something was deleted gets one
audit row (``retention.deleted``) with the counts only, never contents (in total, and per
clinic under ``by_clinic``: the rule, courses and diagnosis events, which the clinic's ledger
shows). Running it again
deletes nothing more (safe to run daily); a stopped run is completed by the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.collection.models import DiagnosisEvent, Episode, OutcomeRecord
from sentinel.lib.dates import add_months
from sentinel.projects.models import Enrolment, Project
from sentinel.reports import aggregates
from sentinel.reports.models import OpenItemException

BATCH_SIZE = 5_000
RETENTION = Actor.system("retention")


@dataclass
class ProjectRetention:
    """What the rules delete (or would delete) of one project's data on ``on``."""

    project: Project
    on: dt.date
    cutoff: dt.date
    """Courses started before this day are past retention."""
    unenrolled_before: dt.date
    """Clinics whose last unenrolment is before this day (and not enrolled again) lose their
    data."""
    past_retention_episodes: int = 0
    past_retention_diagnoses: int = 0
    unenrolled_clinics: int = 0
    unenrolled_episodes: int = 0
    unenrolled_diagnoses: int = 0
    applied: bool = False

    @property
    def episodes(self) -> int:
        return self.past_retention_episodes + self.unenrolled_episodes

    @property
    def diagnoses(self) -> int:
        return self.past_retention_diagnoses + self.unenrolled_diagnoses

    def summary(self) -> str:
        verb = "deleted" if self.applied else "would delete"
        p = self.project
        return (
            f"{p.code}: {verb} {self.past_retention_episodes} courses "
            f"({self.past_retention_diagnoses} diagnosis events) started before "
            f"{self.cutoff} (retention {p.retention_months} months), and "
            f"{self.unenrolled_episodes} courses ({self.unenrolled_diagnoses} diagnosis events) "
            f"of {self.unenrolled_clinics} clinics unenrolled before {self.unenrolled_before} "
            f"(grace {p.unenrolment_grace_days} days)"
        )

    def audit_details(self) -> dict[str, Any]:
        p = self.project
        return {
            "project": p.code,
            "on": self.on.isoformat(),
            "retention_months": p.retention_months,
            "cutoff": self.cutoff.isoformat(),
            "past_retention": {
                "episodes": self.past_retention_episodes,
                "diagnoses": self.past_retention_diagnoses,
            },
            "unenrolment_grace_days": p.unenrolment_grace_days,
            "unenrolled_before": self.unenrolled_before.isoformat(),
            "unenrolled": {
                "clinics": self.unenrolled_clinics,
                "episodes": self.unenrolled_episodes,
                "diagnoses": self.unenrolled_diagnoses,
            },
        }


def deletion_day(project: Project, unenrolled_on: dt.date) -> dt.date:
    """The first day ``run`` deletes a clinic's data of ``project`` after an unenrolment on
    ``unenrolled_on`` (unless the clinic enrols again before): the data is kept for
    ``unenrolment_grace_days`` days after the unenrolment and goes the day after. The same rule
    as ``_plan_one``'s ``unenrolled_before`` (a last unenrolment before ``on - grace``)."""
    return unenrolled_on + dt.timedelta(days=project.unenrolment_grace_days + 1)


def _unenrolled_clinics(project: Project, before: dt.date) -> list[int]:
    """Clinics with no open enrolment in ``project`` whose last unenrolment is before
    ``before``."""
    closed = (
        Enrolment.objects.filter(project=project)
        .values("clinic")
        .annotate(open=Count("id", filter=Q(unenrolled_on__isnull=True)), last=Max("unenrolled_on"))
        .filter(open=0, last__lt=before)
        .order_by("clinic")
    )
    return [row["clinic"] for row in closed]


def _selections(
    project: Project, cutoff: dt.date, unenrolled: Sequence[int]
) -> dict[str, QuerySet[Episode]]:
    episodes = Episode.objects.filter(project=project)
    return {
        "unenrolled": episodes.filter(clinic_id__in=unenrolled),
        "past_retention": episodes.filter(start_date__lt=cutoff).exclude(clinic_id__in=unenrolled),
    }


def _plan_one(project: Project, on: dt.date) -> tuple[ProjectRetention, dict[str, Any]]:
    cutoff = add_months(on, -project.retention_months)
    unenrolled_before = on - dt.timedelta(days=project.unenrolment_grace_days)
    unenrolled = _unenrolled_clinics(project, unenrolled_before)
    selections = _selections(project, cutoff, unenrolled)
    plan = ProjectRetention(project, on, cutoff, unenrolled_before)
    for reason, episodes in selections.items():
        n = episodes.count()
        d = DiagnosisEvent.objects.filter(episode__in=episodes.values("id")).count()
        setattr(plan, f"{reason}_episodes", n)
        setattr(plan, f"{reason}_diagnoses", d)
    plan.unenrolled_clinics = (
        selections["unenrolled"].order_by().values("clinic_id").distinct().count()
    )
    return plan, selections


def _projects(codes: Sequence[str] | None) -> list[Project]:
    projects = Project.objects.order_by("code")
    if codes:
        projects = projects.filter(code__in=codes)
    return list(projects)


def plan(
    *, on: dt.date | None = None, projects: Sequence[str] | None = None
) -> list[ProjectRetention]:
    """What ``run`` would delete on ``on`` (today), per project; deletes nothing."""
    day = on or timezone.localdate()
    return [_plan_one(project, day)[0] for project in _projects(projects)]


def _delete_where_in(table: str, column: str, ids: list[int]) -> int:
    quoted = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quoted(table)} WHERE {quoted(column)} IN ({placeholders})",  # noqa: S608
            ids,
        )
        return max(cursor.rowcount, 0)


def _delete_in_batches(
    episodes: QuerySet[Episode], batch_size: int, by_clinic: dict[int, list[int]]
) -> tuple[int, int, int]:
    """Delete ``episodes`` with their diagnosis events and outcome records, a batch per
    transaction, recounting the report cells of each batch's clinics in it. Returns
    (episodes, events, clinics) and adds to ``by_clinic`` each clinic's [episodes, events]
    deleted (its ledger reads them)."""
    deleted_episodes = deleted_events = 0
    clinics: set[int] = set()
    while True:
        with transaction.atomic():
            batch = list(
                episodes.order_by("clinic_id", "id").values_list("id", "clinic_id")[:batch_size]
            )
            if not batch:
                break
            ids = [pk for pk, _ in batch]
            touched = sorted({clinic_id for _, clinic_id in batch})
            for _, clinic_id in batch:
                by_clinic.setdefault(clinic_id, [0, 0])[0] += 1
            events = (
                DiagnosisEvent.objects.filter(episode_id__in=ids)
                .values_list("clinic_id")
                .annotate(n=Count("id"))
                .order_by()
            )
            for clinic_id, n in events:
                by_clinic.setdefault(clinic_id, [0, 0])[1] += n
            _delete_where_in(OutcomeRecord._meta.db_table, "episode_id", ids)  # measurements
            deleted_events += _delete_where_in(DiagnosisEvent._meta.db_table, "episode_id", ids)
            # The vendor's answers to the courses' open items go with them.
            _delete_where_in(OpenItemException._meta.db_table, "episode_id", ids)
            deleted_episodes += _delete_where_in(Episode._meta.db_table, "id", ids)
            aggregates.rebuild(clinic_ids=touched)
            clinics.update(touched)
    return deleted_episodes, deleted_events, len(clinics)


def run(
    *,
    by: Actor = RETENTION,
    apply: bool = False,
    on: dt.date | None = None,
    projects: Sequence[str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[ProjectRetention]:
    """Apply the retention rules of every project (or those named) as of ``on`` (today).

    Without ``apply`` it only counts. With it, it deletes in batches and writes one audit row
    per project where something was deleted, with the counts."""
    day = on or timezone.localdate()
    results = []
    for project in _projects(projects):
        result, selections = _plan_one(project, day)
        if apply:
            done = ProjectRetention(
                project, day, result.cutoff, result.unenrolled_before, applied=True
            )
            unenrolled: dict[int, list[int]] = {}
            past: dict[int, list[int]] = {}
            episodes, diagnoses, clinics = _delete_in_batches(
                selections["unenrolled"], batch_size, unenrolled
            )
            done.unenrolled_episodes, done.unenrolled_diagnoses = episodes, diagnoses
            done.unenrolled_clinics = clinics
            episodes, diagnoses, _ = _delete_in_batches(
                selections["past_retention"], batch_size, past
            )
            done.past_retention_episodes, done.past_retention_diagnoses = episodes, diagnoses
            if done.episodes or done.diagnoses:
                with transaction.atomic():
                    record(
                        by=by,
                        action=AuditEvent.Action.RETENTION_DELETED,
                        obj=project,
                        details={
                            **done.audit_details(),
                            "by_clinic": {
                                str(clinic_id): {"rule": rule, "episodes": e, "diagnoses": d}
                                for rule, counts in (
                                    ("unenrolled", unenrolled),
                                    ("past_retention", past),
                                )
                                for clinic_id, (e, d) in counts.items()
                            },
                        },
                    )
            result = done
        results.append(result)
    return results
