"""The quality networks' cells and contributors, kept in step beside the region's and the
nation's (``reports.benchmark.refresh_benchmark`` calls these): the day's journal added to the
networks of the clinics' current memberships, and a network whose members changed recomputed
from its members' clinic cells (so a clinic that left drops out from the next refresh)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from sentinel.clinics.models import Clinic
from sentinel.networks.models import Membership
from sentinel.reports import sql
from sentinel.reports.models import NetworkCell, NetworkContributor, ReportCell

_NETWORK_CELL_KEY = ("project_id", "network_id", "month", "speciale", "course_type", "code")
_NETWORK_CONTRIBUTOR_KEY = ("project_id", "network_id", "month", "clinic_id")
_PAIRS = "sentinel_refresh_network_pairs"  # a scratch table of ``add_journal``


def add_journal(cursor: Any, slice_table: str, projects: list[int]) -> int:
    """Add the journal slice (the temporary table ``slice_table`` of ``reports.benchmark``)
    to the networks of the clinics' current memberships, and re-decide their network
    contributors (a network whose members changed since the last refresh is recomputed after
    this, ``refresh``)."""
    slice_, member = sql.q(slice_table), sql.table(Membership)
    cell, contributor, rc = (
        sql.table(NetworkCell),
        sql.table(NetworkContributor),
        sql.table(ReportCell),
    )
    keys = sql.names(sql.KEY_COLUMNS, "s")
    key_columns = sql.names(_NETWORK_CELL_KEY)
    in_projects, params = sql.in_("project_id", projects)
    add = (
        f"INSERT INTO {cell} ({key_columns}, episodes) SELECT * FROM ("  # noqa: S608
        f"SELECT s.project_id, m.network_id, {keys}, SUM(s.delta) AS delta FROM {slice_} s "
        f"JOIN {member} m ON m.clinic_id = s.clinic_id AND m.left_at IS NULL "
        f"GROUP BY s.project_id, m.network_id, {keys}) d WHERE delta <> 0 "
        f"ON CONFLICT ({key_columns}) DO UPDATE SET episodes = {cell}.episodes + excluded.episodes"
    )
    written = sql.add_deltas(cursor, add, [], cell, (in_projects, params))
    # The clinic-months the slice names, per network of the clinic: whether the clinic has a
    # cell there, and its contributor row if any (decided in the select list, where the
    # planner's guess of how many there are cannot turn the joins into loops).
    pairs = sql.q(_PAIRS)
    cursor.execute(f"DROP TABLE IF EXISTS {pairs}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {pairs} AS SELECT p.project_id, m.network_id, p.month, "  # noqa: S608
        f"p.clinic_id, c.region_code, {sql.has_cell(rc)} AS has_cell, nc.id AS contributor_id "
        f"FROM ({sql.named_months(slice_)}) p "
        f"JOIN {member} m ON m.clinic_id = p.clinic_id AND m.left_at IS NULL "
        f"JOIN {sql.table(Clinic)} c ON c.id = p.clinic_id LEFT JOIN {contributor} nc "
        f"ON nc.project_id = p.project_id AND nc.network_id = m.network_id "
        f"AND nc.month = p.month AND nc.clinic_id = p.clinic_id"
    )
    cursor.execute(
        f"DELETE FROM {contributor} WHERE id IN (SELECT contributor_id FROM {pairs} "  # noqa: S608
        f"WHERE has_cell = 0 AND contributor_id IS NOT NULL)"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {contributor} ({sql.names(_NETWORK_CONTRIBUTOR_KEY)}, region_code) "  # noqa: S608
        f"SELECT project_id, network_id, month, clinic_id, region_code FROM {pairs} "
        f"WHERE has_cell = 1 AND contributor_id IS NULL"
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {pairs}")
    return written


def changed(projects: list[int], last: dict[int, Any]) -> list[int]:
    """The networks whose members changed (joined or left) since the projects' last refresh
    (all networks with members when a project was never refreshed)."""
    if not projects:
        return []
    times = [last.get(p) for p in projects]
    members = Membership.objects.all()
    if all(t is not None for t in times):
        since = min(t for t in times if t is not None)
        members = members.filter(Q(joined_at__gte=since) | Q(left_at__gte=since))
    return sorted(set(members.values_list("network_id", flat=True)))


def refresh(projects: list[int], networks: list[int] | None = None) -> int:
    """Recompute the networks' cells and contributors (of ``networks``; all by default) from
    their current members' clinic cells, writing only the differences: after a full
    recompute, and for a network whose members changed since the last refresh (so a clinic
    that left drops out, and one that joined counts, from this refresh). Returns the rows
    written."""
    with transaction.atomic(), connection.cursor() as cursor:
        rc, member, clinic = sql.table(ReportCell), sql.table(Membership), sql.table(Clinic)
        rc_where, rc_params = sql.in_("rc.project_id", projects)
        only: tuple[str, list[Any]] | None = None
        if networks is not None:
            in_networks, network_params = sql.in_("network_id", networks)
            m_where, _same = sql.in_("m.network_id", networks)
            rc_where, rc_params = f"{rc_where} AND {m_where}", [*rc_params, *network_params]
            only = (in_networks, network_params)
        source = (
            f"{rc} rc JOIN {member} m ON m.clinic_id = rc.clinic_id AND m.left_at IS NULL "
            f"WHERE {rc_where} AND rc.episodes > 0"
        )
        cells = (
            f"SELECT rc.project_id, m.network_id, rc.month, rc.speciale, rc.course_type, "  # noqa: S608
            f"rc.code, SUM(rc.episodes) AS episodes FROM {source} "
            f"GROUP BY rc.project_id, m.network_id, rc.month, rc.speciale, rc.course_type, rc.code"
        )
        contributors = (
            f"SELECT d.project_id, d.network_id, d.month, d.clinic_id, c.region_code FROM ("  # noqa: S608
            f"SELECT DISTINCT rc.project_id, m.network_id, rc.month, rc.clinic_id FROM {source}"
            f") d JOIN {clinic} c ON c.id = d.clinic_id"
        )
        written = sql.apply_difference(
            cursor, NetworkCell, (cells, rc_params), _NETWORK_CELL_KEY, "episodes", projects, only
        )
        written += sql.apply_difference(
            cursor,
            NetworkContributor,
            (contributors, rc_params),
            _NETWORK_CONTRIBUTOR_KEY,
            "region_code",
            projects,
            only,
        )
    return written
