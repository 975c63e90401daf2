"""Data flow as support needs it: when data last arrived, and what was refused, and why.

Read from ``collection.models.DataFlow`` (last received per clinic and project) and
``collection.models.Submission`` (counts and reasons per batch; no record contents), over the
last ``WEEKS`` weeks, by ISO week (Monday to Sunday, Danish time).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from sentinel.clinics.models import Activation, Clinic, Vendor
from sentinel.collection.models import DataFlow, Submission

WEEKS = 12


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weeks_until(today: dt.date, count: int = WEEKS) -> list[dt.date]:
    """The Mondays of the last ``count`` weeks, oldest first, this week last."""
    this_week = week_start(today)
    return [this_week - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


@dataclass
class Rejections:
    """Records refused by reason and week; ``weeks`` are the Mondays shown, oldest first."""

    weeks: list[dt.date]
    by_reason: dict[str, Counter[dt.date]] = field(default_factory=dict)
    records: int = 0
    accepted: int = 0
    batches: int = 0

    @property
    def total(self) -> Counter[str]:
        return Counter({reason: sum(c.values()) for reason, c in self.by_reason.items()})

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(reason, count per week, total), the most frequent reason first."""
        return [
            (reason, [self.by_reason[reason][w] for w in self.weeks], total)
            for reason, total in self.total.most_common()
        ]


@dataclass
class ClinicFlow:
    clinic: Clinic
    active: bool
    flows: list[DataFlow]
    rejections: Rejections

    @property
    def last_received_at(self) -> dt.datetime | None:
        return max((f.last_received_at for f in self.flows), default=None)


def rejections(
    clinic_ids: Iterable[int], *, today: dt.date, vendor: Vendor | None = None
) -> dict[int, Rejections]:
    """Refused records per clinic over the last ``WEEKS`` weeks (optionally one vendor's)."""
    weeks = weeks_until(today)
    since = timezone.make_aware(dt.datetime.combine(weeks[0], dt.time.min))
    ids = list(clinic_ids)
    result = {clinic_id: Rejections(weeks) for clinic_id in ids}
    submissions = Submission.objects.filter(clinic_id__in=ids, received_at__gte=since)
    if vendor is not None:
        submissions = submissions.filter(vendor=vendor)
    rows = submissions.values_list(
        "clinic_id", "received_at", "records", "accepted", "rejected_by_reason"
    )
    for clinic_id, received_at, records, accepted, by_reason in rows.iterator():
        summary = result[clinic_id]
        summary.batches += 1
        summary.records += records
        summary.accepted += accepted
        week = week_start(timezone.localdate(received_at))
        for reason, count in (by_reason or {}).items():
            summary.by_reason.setdefault(reason, Counter())[week] += int(count)
    return result


def clinic_flow(clinic: Clinic, *, today: dt.date | None = None) -> ClinicFlow:
    day = today or timezone.localdate()
    flows = list(DataFlow.objects.filter(clinic=clinic).select_related("project"))
    active = Activation.objects.active().filter(clinic=clinic).exists()
    return ClinicFlow(clinic, active, flows, rejections([clinic.pk], today=day)[clinic.pk])


def vendor_clinics(vendor: Vendor, *, today: dt.date | None = None) -> list[ClinicFlow]:
    """Every clinic the vendor has activated Sentinel for (now or before), with its data flow
    and the records of this vendor refused over the last weeks."""
    day = today or timezone.localdate()
    activations = Activation.objects.filter(vendor=vendor).select_related("clinic")
    clinics: dict[int, Clinic] = {}
    active: set[int] = set()
    for activation in activations:
        clinics[activation.clinic_id] = activation.clinic
        if activation.is_active:
            active.add(activation.clinic_id)
    flows: dict[int, list[DataFlow]] = defaultdict(list)
    for flow in DataFlow.objects.filter(clinic_id__in=clinics).select_related("project"):
        flows[flow.clinic_id].append(flow)
    refused = rejections(clinics, today=day, vendor=vendor)
    return [
        ClinicFlow(clinic, clinic.pk in active, flows[clinic.pk], refused[clinic.pk])
        for clinic in sorted(clinics.values(), key=lambda c: c.ydernummer)
    ]
