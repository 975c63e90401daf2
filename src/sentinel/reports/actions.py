"""Writes of the reports app that staff make: an indicator's target and direction for a
project version (``reports.targets`` has the rules and how a report reads them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.engine import definition_for
from sentinel.reports.models import IndicatorTarget
from sentinel.reports.targets import TargetsInForce, check_target, check_version


def _text(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


@transaction.atomic
def set_indicator_target(
    *,
    by: Actor,
    project: Project,
    indicator: str,
    version: int,
    better: str,
    low: Decimal | None,
    high: Decimal | None,
    today: dt.date | None = None,
) -> IndicatorTarget:
    """Set the target range (``low``–``high`` percent, both or neither) and the better
    direction (``higher``/``lower``) of ``project``'s report indicator ``indicator`` from its
    data specification ``version`` on. Refuses (``DomainError``, nothing stored) what
    ``reports.targets`` does not allow and a target equal to the one that version has now;
    audited as ``report.target_set`` with the values before and after."""
    day = today or timezone.localdate()
    locked = Project.objects.select_for_update().get(pk=project.pk)
    found = check_target(
        definition_for(locked.code).indicators, key=indicator, better=better, low=low, high=high
    )
    versions = list(locked.specifications.all())
    specification = next((v for v in versions if v.version == version), None)
    if specification is None:
        raise DomainError(
            "unknown_version",
            f"project {locked.code} has no data specification version {version}",
            f"Projektet {locked.name} har ingen version {version} af dataspecifikationen.",
        )
    check_version(specification, versions, day)
    current = TargetsInForce.for_version(locked, version).indicator(found)
    wanted = (low, high) if low is not None and high is not None else None
    if (current.better, current.target) == (better, wanted):
        raise DomainError(
            "unchanged",
            "the target and direction are the same as those in force for that version",
            f"Mål og retning er de samme som dem, der gælder for version {version}.",
        )
    target = IndicatorTarget.objects.create(
        project=locked,
        indicator=indicator,
        specification=specification,
        better=better,
        low=low,
        high=high,
        set_by=by.name or by.id,
    )
    record(
        by=by,
        action=AuditEvent.Action.INDICATOR_TARGET_SET,
        obj=target,
        details={
            "project": locked.code,
            "indicator": indicator,
            "version": version,
            "from": {
                "better": current.better,
                "target": [_text(v) for v in current.target] if current.target else None,
                "version": current.target_version,
            },
            "to": {
                "better": better,
                "target": [_text(low), _text(high)] if low is not None else None,
            },
        },
    )
    return target
