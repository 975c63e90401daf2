"""The quality network as a comparison level, for every report: the network a clinic is
compared with (``NetworkRef``, set on the report's context by the engine) and its cells and
contributing clinics over some months (``network_cells``), read from ``NetworkCell`` and
``NetworkContributor`` as the last benchmark refresh left them.

A definition adds the network beside region and nation with the same disclosure rules
(``reports.disclosure``): no comparison with fewer than ``MIN_CLINICS`` contributing member
clinics, cells under ``MIN_CELL`` suppressed. The report names only the network, never a
member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Sum

from sentinel.clinics.models import Clinic
from sentinel.networks.members import network_of
from sentinel.reports.models import NetworkCell, NetworkContributor


@dataclass(frozen=True)
class NetworkRef:
    """The network a clinic's report compares it with."""

    id: int
    name: str

    @classmethod
    def of(cls, clinic: Clinic) -> NetworkRef | None:
        network = network_of(clinic)
        return cls(network.pk, network.name) if network is not None else None


@dataclass(frozen=True)
class NetworkCells:
    """A network's contributing clinics and its (speciale, course type, code, courses) cells
    summed over some months."""

    clinics: int
    cells: tuple[tuple[str, str, str, int], ...]


def network_cells(
    project_id: int,
    network_id: int,
    first_month: dt.date,
    last_month: dt.date,
    refreshed_at: dt.datetime | None = None,
) -> NetworkCells:
    """The network's figures over the months. They change only when the benchmark is
    refreshed (the members are counted at each refresh), so after one they are kept per
    (project, network, months, refresh time); a refresh changes the key."""
    if refreshed_at is None:
        return _read(project_id, network_id, first_month, last_month)
    return _cached(project_id, network_id, first_month, last_month, refreshed_at)


@lru_cache(maxsize=1024)
def _cached(
    project_id: int,
    network_id: int,
    first_month: dt.date,
    last_month: dt.date,
    refreshed_at: dt.datetime,
) -> NetworkCells:
    return _read(project_id, network_id, first_month, last_month)


def contributing_clinics(
    project_id: int, network_id: int, first_month: dt.date, last_month: dt.date
) -> int:
    """The member clinics that contributed to the network's figures in any of the months (the
    disclosure rule's count), as the last refresh left them."""
    clinics = NetworkContributor.objects.filter(
        project_id=project_id,
        network_id=network_id,
        month__gte=first_month,
        month__lte=last_month,
    ).aggregate(n=Count("clinic", distinct=True))["n"]
    return int(clinics or 0)


def _read(
    project_id: int, network_id: int, first_month: dt.date, last_month: dt.date
) -> NetworkCells:
    months = {"month__gte": first_month, "month__lte": last_month}
    clinics = contributing_clinics(project_id, network_id, first_month, last_month)
    rows = (
        NetworkCell.objects.filter(project_id=project_id, network_id=network_id, **months)
        .values_list("speciale", "course_type", "code")
        .annotate(n=Sum("episodes"))
        .order_by()
    )
    return NetworkCells(clinics, tuple((sp, ct, code, int(n or 0)) for sp, ct, code, n in rows))
