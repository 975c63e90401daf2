"""Targets and direction per headline indicator, set by the operator per project version.

A report definition declares each indicator with a direction and, perhaps, a target range
(``reports.headline.Indicator``): those are the defaults. The operator can set others for a
data specification version of the project (``IndicatorTarget``, written only by
``reports.actions.set_indicator_target``). As with the data collected ("the version in force
at a date decides what was measured"), a stored target holds from its version on until a later
version gets one of its own, and a report shows the one **in force on the last day of its
data** (``Report.data_to``): of the versions in force by that day, the highest with a stored
target for the indicator (its latest row); else the definition's own. So an older period keeps
the target it was measured against.

The rules for a target (``check_target``): a known indicator of the project's report that is
a share or a median (a code has no target); the direction higher or lower; a range of both ends
or none, the low end at most the high end, each with at most two decimals — within 0–100 for a
share, within what the column holds (±99,999.99) for a median, which is in its number's own
unit (a change in a score may be negative). The version it is set
for is the one in force today or a later one (``check_version``): a version already replaced
keeps what it was measured against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import cast

from django.db.models import QuerySet

from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Project, in_force_on
from sentinel.reports.headline import Better, Figure, Indicator
from sentinel.reports.models import IndicatorTarget

BETTER_DA = {"higher": "Højere er bedre", "lower": "Lavere er bedre"}
SETTABLE_KINDS = ("percent", "median")
"""The kinds of indicator a target can be set for (a share in percent, a declared median)."""
_LOWEST, _HIGHEST = Decimal("0"), Decimal("100")
_LARGEST = Decimal("99999.99")  # the target columns' (7 digits, 2 decimals)


def settable(indicators: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    """The indicators of a report whose target and direction the operator may set."""
    return tuple(i for i in indicators if i.kind in SETTABLE_KINDS)


def _pct(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def check_target(
    indicators: tuple[Indicator, ...],
    *,
    key: str,
    better: str,
    low: Decimal | None,
    high: Decimal | None,
) -> Indicator:
    """Refuse (``DomainError``) a target that may not be stored for the indicator ``key`` of a
    report with ``indicators``; answer the indicator."""
    indicator = next((i for i in indicators if i.key == key), None)
    if indicator is None:
        raise DomainError(
            "unknown_indicator",
            f"the report has no indicator {key!r}",
            f"Rapporten har ingen indikator, der hedder »{key}«.",
        )
    if indicator.kind not in SETTABLE_KINDS:
        raise DomainError(
            "indicator_without_target",
            f"{indicator.label_en} is not a share and has no target",
            f"{indicator.label_da} er ikke en andel og har intet mål.",
        )
    if better not in BETTER_DA:
        raise DomainError(
            "invalid_better",
            "the better direction is higher or lower",
            "Vælg, om højere eller lavere er bedre.",
        )
    if (low is None) != (high is None):
        raise DomainError(
            "incomplete_target",
            "a target range needs both ends (or neither, for a direction only)",
            "Et målinterval skal have både en nedre og en øvre grænse (eller ingen af dem, "
            "hvis der kun skal være en retning).",
        )
    if low is None or high is None:
        return indicator
    for end in (low, high):
        shown = str(end).replace(".", ",")
        if indicator.kind == "median":
            if not end.is_finite() or abs(end) > _LARGEST:
                raise DomainError(
                    "target_out_of_range",
                    f"a target for a median lies between -{_LARGEST} and {_LARGEST}, not {end}",
                    f"Et mål for en median skal ligge mellem -99999,99 og 99999,99, ikke {shown}.",
                )
        elif not end.is_finite() or not _LOWEST <= end <= _HIGHEST:
            raise DomainError(
                "target_out_of_range",
                f"a target for a share lies between 0 and 100 %, not {end}",
                f"Et mål for en andel skal ligge mellem 0 og 100 %, ikke {shown} %.",
            )
        if end != end.quantize(Decimal("0.01")):
            raise DomainError(
                "target_too_precise",
                f"a target has at most two decimals, not {end}",
                f"Et mål har højst to decimaler, ikke {shown}.",
            )
    if low > high:
        unit = "" if indicator.kind == "median" else " %"
        raise DomainError(
            "target_range_reversed",
            f"the low end of the target ({low:.2f}{unit}) is above the high end ({high:.2f}{unit})",
            f"Målets nedre grænse ({_pct(low)}{unit}) er højere end den øvre ({_pct(high)}{unit}).",
        )
    return indicator


def check_version(
    specification: DataSpecification, versions: list[DataSpecification], today: dt.date
) -> None:
    """Refuse a version that was replaced before ``today`` (``versions``: all the project's)."""
    in_force = in_force_on(versions, today)
    if in_force is not None and specification.version < in_force.version:
        raise DomainError(
            "version_replaced",
            f"version {specification.version} was replaced by version {in_force.version} "
            f"on {in_force.effective_from}; set the target for version {in_force.version} "
            "or a later one",
            f"Version {specification.version} er afløst af version {in_force.version} fra "
            f"{format_da(in_force.effective_from)}; sæt målet for version {in_force.version} "
            "eller en senere.",
        )


@dataclass(frozen=True)
class TargetsInForce:
    """The stored targets in force for one project on a day (or for a version), by
    indicator key."""

    stored: dict[str, IndicatorTarget]

    @classmethod
    def read(cls, project: Project, day: dt.date) -> TargetsInForce:
        """One query: every stored target of a version in force by ``day``, the highest
        version's latest row per indicator."""
        return cls._of(
            IndicatorTarget.objects.filter(project=project, specification__effective_from__lte=day)
        )

    @classmethod
    def for_version(cls, project: Project, version: int) -> TargetsInForce:
        """The targets that hold for ``project``'s specification ``version``: its own, or
        those it carries on from an earlier version."""
        return cls._of(
            IndicatorTarget.objects.filter(project=project, specification__version__lte=version)
        )

    @classmethod
    def _of(cls, rows: QuerySet[IndicatorTarget]) -> TargetsInForce:
        return cls.of_rows(list(rows.select_related("specification").order_by()))

    @classmethod
    def of_rows(cls, rows: list[IndicatorTarget]) -> TargetsInForce:
        """The highest version's latest row per indicator among ``rows`` (any order)."""
        stored: dict[str, IndicatorTarget] = {}
        for row in sorted(
            rows, key=lambda r: (r.specification.version, r.set_at, r.pk), reverse=True
        ):
            stored.setdefault(row.indicator, row)
        return cls(stored)

    def indicator(self, indicator: Indicator) -> Indicator:
        """``indicator`` with the target and direction in force (its own when none is
        stored)."""
        row = self.stored.get(indicator.key)
        if row is None or indicator.kind not in SETTABLE_KINDS:
            return indicator
        target = (row.low, row.high) if row.low is not None and row.high is not None else None
        return replace(
            indicator,
            better=cast(Better, row.better),  # the model's choices are Better's
            target=target,
            target_version=row.specification.version,
            target_from=row.specification.effective_from,
        )

    def figures(self, figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
        return tuple(replace(f, indicator=self.indicator(f.indicator)) for f in figures)


def with_targets(figures: tuple[Figure, ...], project: Project, day: dt.date) -> tuple[Figure, ...]:
    """A headline's figures with the targets in force on ``day`` (no query without figures)."""
    if not figures:
        return figures
    return TargetsInForce.read(project, day).figures(figures)


@dataclass(frozen=True)
class IndicatorTargets:
    """One indicator's targets as the operator's screen shows them: the definition's own
    (``default``), the one in force ``today`` (``current``, the default with a stored one
    applied), those stored for versions not yet in force (``upcoming``) and every row ever
    stored, newest first (``history``)."""

    default: Indicator
    current: Indicator
    current_row: IndicatorTarget | None
    upcoming: tuple[IndicatorTarget, ...]
    history: tuple[IndicatorTarget, ...]


def overview(
    project: Project, indicators: tuple[Indicator, ...], today: dt.date
) -> list[IndicatorTargets]:
    """The settable ``indicators`` of ``project``'s report with their targets (one query)."""
    rows = list(
        IndicatorTarget.objects.filter(project=project)
        .select_related("specification")
        .order_by("-set_at", "-id")
    )
    in_force = TargetsInForce.of_rows([r for r in rows if r.specification.effective_from <= today])
    found = []
    for indicator in settable(indicators):
        own = tuple(r for r in rows if r.indicator == indicator.key)
        latest_upcoming: dict[int, IndicatorTarget] = {}
        for row in own:
            if row.specification.effective_from > today:
                latest_upcoming.setdefault(row.specification.version, row)
        found.append(
            IndicatorTargets(
                default=indicator,
                current=in_force.indicator(indicator),
                current_row=in_force.stored.get(indicator.key),
                upcoming=tuple(latest_upcoming[v] for v in sorted(latest_upcoming)),
                history=own,
            )
        )
    return found


def open_versions(versions: list[DataSpecification], today: dt.date) -> list[DataSpecification]:
    """The versions a target may be set for: the one in force ``today`` and later ones."""
    in_force = in_force_on(versions, today)
    lowest = in_force.version if in_force is not None else 0
    return sorted((v for v in versions if v.version >= lowest), key=lambda v: v.version)
