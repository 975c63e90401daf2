"""Writes of the reports app that staff make: an indicator's target and direction for a
project version (``reports.targets`` has the rules and how a report reads them), and the
indicators declared as data — drafts saved and removed, published with a version
(``reports.indicators`` has the rules and how a report reads them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.engine import definition_for
from sentinel.reports.indicators import LEVELS, check_indicator
from sentinel.reports.models import DeclaredIndicator, IndicatorTarget
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


# --- indicators declared as data (``reports.indicators``) -------------------------------------


def _clean(conditions: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    return {name: list(dict.fromkeys(values)) for name, values in conditions.items() if values}


@transaction.atomic
def save_indicator(
    *,
    by: Actor,
    project: Project,
    key: str,
    label_da: str,
    label_en: str = "",
    definition_da: str = "",
    definition_en: str = "",
    record_type: str,
    population: Mapping[str, Iterable[str]],
    denominator: Mapping[str, Iterable[str]],
    numerator: Mapping[str, Iterable[str]],
    period: str = "report",
    better: str = "higher",
    low: Decimal | None = None,
    high: Decimal | None = None,
    disclosure: str = "standard",
    levels: Iterable[str] = ("region", "nation"),
    position: int | None = None,
    kind: str = "share",
    value: str = "",
) -> DeclaredIndicator:
    """Create or change the draft indicator ``key`` of ``project`` (published ones are never
    edited: drafts are published with a version, ``publish_indicators``). Refuses what
    ``reports.indicators.check_indicator`` refuses, nothing stored; audited as
    ``report.indicator_saved``."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    population, denominator, numerator = map(_clean, (population, denominator, numerator))
    levels = list(levels)
    check_indicator(
        key=key,
        label_da=label_da,
        record_type=record_type,
        population=population,
        denominator=denominator,
        numerator=numerator,
        period=period,
        better=better,
        low=low,
        high=high,
        disclosure=disclosure,
        levels=levels,
        kind=kind,
        value=value,
    )
    levels = [level for level in LEVELS if level in set(levels)]  # in the report's order
    drafts = DeclaredIndicator.objects.filter(project=locked, specification__isnull=True)
    row = drafts.filter(key=key).first()
    created = row is None
    if row is None:
        last = drafts.order_by("-position").values_list("position", flat=True).first()
        row = DeclaredIndicator(project=locked, key=key, position=(last or 0) + 1)
    if position is not None:
        row.position = position
    values = {
        "label_da": label_da.strip(),
        "label_en": label_en.strip(),
        "definition_da": definition_da.strip(),
        "definition_en": definition_en.strip(),
        "record_type": record_type,
        "kind": kind,
        "value": value,
        "population": population,
        "denominator": denominator,
        "numerator": numerator,
        "period": period,
        "better": better,
        "low": low,
        "high": high,
        "disclosure": disclosure,
        "levels": levels,
    }
    for name, given in values.items():
        setattr(row, name, given)
    row.save()
    record(
        by=by,
        action=AuditEvent.Action.INDICATOR_SAVED,
        obj=row,
        details={
            "project": locked.code,
            "indicator": key,
            "created": created,
            "indicator_values": {
                **{k: v for k, v in values.items() if k not in ("low", "high")},
                "target": [_text(low), _text(high)] if low is not None else None,
            },
        },
    )
    return row


@transaction.atomic
def remove_indicator(*, by: Actor, project: Project, key: str) -> None:
    """Remove the draft indicator ``key`` (a published one stays with its version)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    row = DeclaredIndicator.objects.filter(
        project=locked, specification__isnull=True, key=key
    ).first()
    if row is None:
        raise DomainError(
            "unknown_indicator",
            f"project {locked.code} has no draft indicator {key!r}",
            f"Projektet har intet udkast til en indikator, der hedder »{key}«.",
        )
    row.delete()
    record(
        by=by,
        action=AuditEvent.Action.INDICATOR_REMOVED,
        obj=locked,
        details={"project": locked.code, "indicator": key},
    )


@transaction.atomic
def publish_indicators(
    *, by: Actor, project: Project, version: int, today: dt.date | None = None
) -> list[DeclaredIndicator]:
    """Publish ``project``'s draft indicators with its data specification ``version``: from
    the day that version takes effect, its reports measure them (``reports.indicators
    .in_force``). The version is the one in force today or a later one
    (``targets.check_version``) without indicators of its own yet; published rows are never
    changed. Audited as ``report.indicators_published``."""
    day = today or timezone.localdate()
    locked = Project.objects.select_for_update().get(pk=project.pk)
    versions = list(locked.specifications.all())
    specification = next((v for v in versions if v.version == version), None)
    if specification is None:
        raise DomainError(
            "unknown_version",
            f"project {locked.code} has no data specification version {version}",
            f"Projektet {locked.name} har ingen version {version} af dataspecifikationen.",
        )
    check_version(specification, versions, day)
    if DeclaredIndicator.objects.filter(project=locked, specification=specification).exists():
        raise DomainError(
            "indicators_published_already",
            f"version {version} has its indicators already; publish a new version to change them",
            f"Version {version} har allerede sine indikatorer; offentliggør en ny version af "
            "dataspecifikationen for at ændre dem.",
        )
    drafts = list(
        DeclaredIndicator.objects.filter(project=locked, specification__isnull=True).order_by(
            "position", "key"
        )
    )
    if not drafts:
        raise DomainError(
            "no_draft_indicators",
            f"project {locked.code} has no draft indicators to publish",
            "Der er ingen udkast til indikatorer at offentliggøre.",
        )
    published = []
    for draft in drafts:
        draft.pk = None
        draft.specification = specification
        draft.created_at = timezone.now()
        draft.save(force_insert=True)
        published.append(draft)
    record(
        by=by,
        action=AuditEvent.Action.INDICATORS_PUBLISHED,
        obj=locked,
        details={
            "project": locked.code,
            "version": version,
            "effective_from": specification.effective_from.isoformat(),
            "indicators": [d.key for d in published],
        },
    )
    return published
