"""The comparison levels of a declared report's indicators (``reports.declared``): the clinic's
quality network, its region and the nation.

Each level is a ``Scope``: its contributing clinics and its cells over an indicator's months,
read through the record type's ``Source`` — the region's and the nation's from the benchmark
cells (``scope_cells``, clinics from ``contributors``), the network's from the cells of the
members that contributed to it in each month (``network_cells``; clinics from
``network_scope.contributing_clinics``, the same count the Diagnosekodning tab's network column
uses). So a network figure is computed as the region's and the nation's are, and a clinic that
left its network drops out of it at the next benchmark refresh, when its ``NetworkContributor``
rows go.

Region and nation are the levels an indicator declares (``Declared.levels``). The network is
the clinic's: shown beside every indicator compared with any level when the clinic is a member
of a network (``ReportContext.network``, from ``networks.members.network_of``), first, as in
the Diagnosekodning tab (clinic, network, region, nation). Disclosure is
``reports.disclosure``'s, called, never copied: nothing from fewer than ``MIN_CLINICS``
contributing clinics (``enough_clinics``), and a share through ``shown_shares``.

Every level changes only when the benchmark is refreshed, so its figures are kept per refresh
(read afresh before the first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sentinel.clinics.models import RegionCode
from sentinel.reports.disclosure import MIN_CLINICS, enough_clinics, shown_shares
from sentinel.reports.engine import CellValue, ReportContext
from sentinel.reports.indicators import LEVELS, NETWORK, Cell, Declared, source_for
from sentinel.reports.models import NATION
from sentinel.reports.network_scope import contributing_clinics


@dataclass(frozen=True)
class Scope:
    """A comparison level's cells and contributing clinics over an indicator's months."""

    level: str
    name_da: str
    name_en: str
    clinics: int
    cells: tuple[Cell, ...]

    @property
    def compared(self) -> bool:
        return enough_clinics(self.clinics)


def scope_share(scope: Scope, part: int, whole: int) -> tuple[CellValue, str, str]:
    """A level's share of ``part`` in ``whole`` as the disclosure rule allows, and why there
    is none (Danish, English) — the Diagnosekodning tab's words."""
    if not scope.compared:
        return (
            None,
            f"færre end {MIN_CLINICS} klinikker har bidraget",
            f"fewer than {MIN_CLINICS} clinics contributed",
        )
    if whole == 0:
        return None, "ingen forløb", "no courses"
    return shown_shares([part, whole - part])[0], "", ""


def level_order(declared: Declared, ctx: ReportContext) -> tuple[str, ...]:
    """The levels an indicator is compared with for this clinic: its network first (when the
    clinic is in one and the indicator is compared at all), then the declared levels."""
    levels = tuple(level for level in declared.levels if level in LEVELS)
    if levels and ctx.network is not None:
        return (NETWORK, *levels)
    return levels


class Levels:
    """The comparison levels of one render of a report: each (record type, level, months)
    read once."""

    def __init__(self, ctx: ReportContext) -> None:
        self.ctx = ctx
        self._found: dict[tuple[str, str, tuple[dt.date, ...]], Scope] = {}
        region = ctx.clinic.region_code
        self._region = region
        self._region_name = str(RegionCode(region).label) if region in RegionCode.values else region

    def of(self, declared: Declared, months: tuple[dt.date, ...]) -> tuple[Scope, ...]:
        """The indicator's levels over ``months``, in the order shown."""
        found = []
        for level in level_order(declared, self.ctx):
            key = (declared.record_type, level, months)
            if key not in self._found:
                self._found[key] = self._read(declared.record_type, level, months)
            found.append(self._found[key])
        return tuple(found)

    def _read(self, record_type: str, level: str, months: tuple[dt.date, ...]) -> Scope:
        ctx = self.ctx
        refreshed_at = ctx.benchmark_refreshed_at
        if level == NETWORK:
            assert ctx.network is not None  # noqa: S101 - level_order checks
            clinics, cells = _network_figures(
                record_type, ctx.project.pk, ctx.network.id, months[0], months[-1], refreshed_at
            )
            return Scope(level, ctx.network.name, ctx.network.name, clinics, cells)
        code = NATION if level == "nation" else self._region
        clinics, cells = (
            _scope_figures(
                record_type, ctx.project.pk, self._region, code, months[0], months[-1],
                refreshed_at,
            )
            if code
            else (0, ())
        )  # fmt: skip
        da, en = LEVELS[level]
        if level == "region" and self._region_name:
            da = en = self._region_name
        return Scope(level, da, en, clinics, cells)


@lru_cache(maxsize=1024)
def _cached_scope_figures(
    record_type: str,
    project_id: int,
    region: str,
    scope: str,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    return _read_scope_figures(record_type, project_id, region, scope, first, last)


def _read_scope_figures(
    record_type: str, project_id: int, region: str, scope: str, first: dt.date, last: dt.date
) -> tuple[int, tuple[Cell, ...]]:
    source = source_for(record_type)
    contributors = source.contributors(project_id, region, first, last)
    level = "nation" if scope == NATION else "region"
    return contributors[level], tuple(source.scope_cells(project_id, scope, first, last))


def _scope_figures(
    record_type: str,
    project_id: int,
    region: str,
    scope: str,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    """A region's or the nation's contributing clinics and cells over the months."""
    if refreshed_at is None:
        return _read_scope_figures(record_type, project_id, region, scope, first, last)
    return _cached_scope_figures(record_type, project_id, region, scope, first, last, refreshed_at)


def _read_network_figures(
    record_type: str, project_id: int, network_id: int, first: dt.date, last: dt.date
) -> tuple[int, tuple[Cell, ...]]:
    clinics = contributing_clinics(project_id, network_id, first, last)
    cells = source_for(record_type).network_cells(project_id, network_id, first, last)
    return clinics, tuple(cells)


@lru_cache(maxsize=1024)
def _cached_network_figures(
    record_type: str,
    project_id: int,
    network_id: int,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    return _read_network_figures(record_type, project_id, network_id, first, last)


def _network_figures(
    record_type: str,
    project_id: int,
    network_id: int,
    first: dt.date,
    last: dt.date,
    refreshed_at: object,
) -> tuple[int, tuple[Cell, ...]]:
    """A network's contributing member clinics and cells over the months."""
    if refreshed_at is None:
        return _read_network_figures(record_type, project_id, network_id, first, last)
    return _cached_network_figures(record_type, project_id, network_id, first, last, refreshed_at)
