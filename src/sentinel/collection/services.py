"""Data-flow bookkeeping shared by every door that stores collected data."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import F
from django.db.models.functions import Greatest

from sentinel.collection.models import DataFlow

if TYPE_CHECKING:
    from sentinel.clinics.models import Clinic
    from sentinel.projects.models import Project


def record_received(*, clinic: Clinic, project: Project, at: dt.datetime, count: int) -> None:
    """Note that ``count`` records for ``project`` arrived from ``clinic`` at ``at``.

    Runs inside the storing transaction; concurrent batches cannot lose an update.
    """
    updated = DataFlow.objects.filter(clinic=clinic, project=project).update(
        last_received_at=Greatest(F("last_received_at"), at),
        records_received=F("records_received") + count,
    )
    if not updated:
        DataFlow.objects.create(
            clinic=clinic,
            project=project,
            first_received_at=at,
            last_received_at=at,
            records_received=count,
        )


def last_received(clinic: Clinic, project: Project) -> DataFlow | None:
    return DataFlow.objects.filter(clinic=clinic, project=project).first()
