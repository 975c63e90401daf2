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
from enum import StrEnum

from django.conf import settings
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


def data_is_late(last: dt.date | None, since: dt.date, today: dt.date) -> bool:
    """The one rule for "data stopped, or never came" (the status check, the console's triage):
    more than ``SENTINEL_DATA_FLOW_THRESHOLD_DAYS`` since the last data arrived or, when none
    ever did, since collection could start."""
    return (today - (last or since)).days > settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS


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
        """(reason, count per week, total), the most frequent reason first (ties by code)."""
        return [
            (reason, [self.by_reason[reason][w] for w in self.weeks], total)
            for reason, total in sorted(self.total.items(), key=lambda item: (-item[1], item[0]))
        ]

    def refused_by_fortnight(self) -> tuple[int, int]:
        """Records refused in the last two weeks shown, and in the two weeks before."""
        recent, before = self.weeks[-2:], self.weeks[-4:-2]
        counts = self.by_reason.values()
        return (
            sum(c[w] for c in counts for w in recent),
            sum(c[w] for c in counts for w in before),
        )


class Attention(StrEnum):
    """Why support should look at a clinic of a vendor first."""

    NEVER_RECEIVED = "never_received"  # active for longer than the threshold, nothing arrived
    NO_RECENT_DATA = "no_recent_data"  # nothing for longer than the threshold
    REFUSALS_RISING = "refusals_rising"  # more refused in the last two weeks than before


@dataclass
class ClinicFlow:
    clinic: Clinic
    active: bool
    flows: list[DataFlow]
    rejections: Rejections
    activated_at: dt.datetime | None = None

    @property
    def last_received_at(self) -> dt.datetime | None:
        return max((f.last_received_at for f in self.flows), default=None)

    def quiet_days(self, today: dt.date) -> int | None:
        """Days since data last arrived, or None when nothing ever did."""
        last = self.last_received_at
        return (today - timezone.localdate(last)).days if last else None

    def attention(self, today: dt.date) -> list[Attention]:
        """Why this (active) clinic needs a look, with the status check's threshold
        (``SENTINEL_DATA_FLOW_THRESHOLD_DAYS``): no data beyond it, or refusals rising."""
        if not self.active:
            return []
        reasons = []
        last = self.last_received_at
        if last is None:
            since = timezone.localdate(self.activated_at) if self.activated_at else today
            if data_is_late(None, since, today):
                reasons.append(Attention.NEVER_RECEIVED)
        elif data_is_late(timezone.localdate(last), today, today):
            reasons.append(Attention.NO_RECENT_DATA)
        recent, before = self.rejections.refused_by_fortnight()
        if recent > before:
            reasons.append(Attention.REFUSALS_RISING)
        return reasons


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
    and the records of this vendor refused over the last weeks: those needing attention
    (``ClinicFlow.attention``) first, then by ydernummer."""
    day = today or timezone.localdate()
    activations = Activation.objects.filter(vendor=vendor).select_related("clinic")
    clinics: dict[int, Clinic] = {}
    active: dict[int, dt.datetime] = {}
    for activation in activations:
        clinics[activation.clinic_id] = activation.clinic
        if activation.is_active:
            active[activation.clinic_id] = activation.activated_at
    flows: dict[int, list[DataFlow]] = defaultdict(list)
    for flow in DataFlow.objects.filter(clinic_id__in=clinics).select_related("project"):
        flows[flow.clinic_id].append(flow)
    refused = rejections(clinics, today=day, vendor=vendor)
    result = [
        ClinicFlow(
            clinic, clinic.pk in active, flows[clinic.pk], refused[clinic.pk], active.get(clinic.pk)
        )
        for clinic in sorted(clinics.values(), key=lambda c: c.ydernummer)
    ]
    return sorted(result, key=lambda flow: not flow.attention(day))
