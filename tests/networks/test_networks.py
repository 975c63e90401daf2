"""Quality networks: joining needs the owner's yes, leaving counts from the next refresh, the
network is one more comparison level with the same disclosure rules, and members are named
only by consent and only inside their network."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sentinel.audit.models import AuditEvent
from sentinel.lib.errors import DomainError
from sentinel.networks import actions
from sentinel.networks.members import members, network_of
from sentinel.networks.models import Invitation, Membership
from sentinel.reports.aggregates import refresh_benchmark
from sentinel.reports.engine import SUPPRESSED, Period, build_report
from sentinel.reports.exports import table_csv
from sentinel.reports.models import NetworkCell, NetworkContributor
from sentinel.reports.network_report import build_network_report
from tests.networks.conftest import (
    OPERATOR,
    TODAY,
    join,
    member_clinic,
    owner,
)
from tests.reports.conftest import add_cells

pytestmark = pytest.mark.django_db

FEB_2026 = dt.date(2026, 2, 1)


def report(clinic, project):
    return build_report(clinic, project, Period.since_enrolment(), today=TODAY)


def column(report, section: str, table: str, key: str) -> list:
    return report.section(section).table(table).column(key)


# --- joining and leaving ------------------------------------------------------------------


def test_an_invitation_alone_does_not_make_a_member(network, project):
    clinic = member_clinic(project, 1)
    invitation = actions.invite(network, clinic, by=OPERATOR)
    refresh_benchmark()

    assert network_of(clinic) is None
    assert not NetworkContributor.objects.filter(network=network).exists()
    assert "network" not in [
        c.key for c in report(clinic, project).section("benchmark").tables[0].columns
    ]
    assert invitation.state == Invitation.State.PENDING


def test_the_owner_accepts_and_the_clinic_joins_audited(network, project):
    clinic = member_clinic(project, 1)
    invitation = actions.invite(network, clinic, by=OPERATOR)

    membership = actions.accept(invitation, by=owner(clinic))

    assert network_of(clinic) == network
    assert membership.named_since is None
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    joined = AuditEvent.objects.get(action=AuditEvent.Action.NETWORK_JOINED)
    assert joined.clinic_id == clinic.pk and joined.actor_id == owner(clinic).id
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_INVITED).count() == 1


def test_a_declined_invitation_makes_no_member_and_cannot_be_accepted_after(network, project):
    clinic = member_clinic(project, 1)
    invitation = actions.invite(network, clinic, by=OPERATOR)
    actions.decline(invitation, by=owner(clinic))

    with pytest.raises(DomainError) as refused:
        actions.accept(invitation, by=owner(clinic))

    assert refused.value.code == "invitation_answered"
    assert not Membership.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_DECLINED).count() == 1


def test_a_clinic_cannot_be_invited_twice_while_pending_or_member(network, project):
    clinic = member_clinic(project, 1)
    actions.invite(network, clinic, by=OPERATOR)
    with pytest.raises(DomainError, match="already invited"):
        actions.invite(network, clinic, by=OPERATOR)
    actions.accept(Invitation.objects.get(), by=owner(clinic))
    with pytest.raises(DomainError, match="already a member"):
        actions.invite(network, clinic, by=OPERATOR)
    assert Invitation.objects.count() == 1


def test_bad_coordinator_uuid_is_refused_and_nothing_stored(db):
    with pytest.raises(DomainError) as refused:
        actions.create_network(name="Klynge X", coordinators=["not a uuid!"], by=OPERATOR)
    assert refused.value.code == "bad_person_uuid"
    with pytest.raises(DomainError):
        actions.create_network(name="  ", by=OPERATOR)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_CREATED).exists()


def test_leaving_drops_the_clinic_from_the_network_figures_from_the_next_refresh(network, project):
    clinics = [member_clinic(project, i) for i in range(6)]
    for clinic in clinics:
        join(network, clinic)
    refresh_benchmark()
    assert NetworkContributor.objects.filter(network=network).count() == 6
    assert NetworkCell.objects.get(network=network, code="L90").episodes == 60

    actions.leave(network, clinics[0], by=owner(clinics[0]))
    # Leaving takes effect at once for the membership ...
    assert network_of(clinics[0]) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_LEFT).count() == 1
    # ... and in the figures at the next refresh.
    assert NetworkCell.objects.get(network=network, code="L90").episodes == 60
    refresh_benchmark()
    assert NetworkContributor.objects.filter(network=network).count() == 5
    assert NetworkCell.objects.get(network=network, code="L90").episodes == 50
    assert "network" not in [
        c.key for c in report(clinics[0], project).section("benchmark").tables[0].columns
    ]
    assert column(report(clinics[1], project), "benchmark", "benchmark", "network") == [
        Decimal("100.00"),
        SUPPRESSED,  # "Øvrige": no other code (0 is under five)
    ]


# --- the comparison level -----------------------------------------------------------------


def test_every_comparison_of_the_tab_shows_the_network_beside_region_and_nation(network, project):
    clinics = [member_clinic(project, i, coded=10 + i) for i in range(5)]
    for clinic in clinics:
        join(network, clinic)
    refresh_benchmark()

    shown = report(clinics[0], project)

    benchmark = shown.section("benchmark").table("benchmark")
    assert [c.key for c in benchmark.columns][2:] == ["clinic", "network", "region", "nation"]
    completeness = shown.section("completeness_compared").table("completeness_compared")
    keys = [c.key for c in completeness.columns]
    assert keys.index("network") < keys.index("region") < keys.index("nation")
    # 60 valid of 70 structured courses in the network (10+11+12+13+14 coded, 5×2 uncoded).
    assert completeness.rows[-1][keys.index("network")] == Decimal("85.71")
    assert "Klynge Nordsjælland: 5 klinikker har bidraget." in shown.section("benchmark").note_da
    figure = next(f for f in shown.headline if f.indicator.key == "completeness")
    assert figure.network == Decimal("85.71")
    assert figure.network_name == "Klynge Nordsjælland"
    # The JSON and the CSV carry the same figures.
    data = json.loads(json.dumps(shown.as_dict()))
    assert next(f for f in data["headline"] if f["key"] == "completeness")["network"] == "85.71"
    csv_text = table_csv(completeness).decode("utf-8-sig")
    assert "85,71" in csv_text


def test_a_network_with_four_contributing_clinics_shows_no_comparison(network, project):
    clinics = [member_clinic(project, i) for i in range(4)]
    for clinic in clinics:
        join(network, clinic)
    refresh_benchmark()

    shown = report(clinics[0], project)

    assert column(shown, "benchmark", "benchmark", "network") == [None, None]
    note = shown.section("benchmark").note_da
    assert "Klynge Nordsjælland: ingen sammenligning, fordi færre end 5 klinikker" in note
    figure = next(f for f in shown.headline if f.indicator.key == "completeness")
    assert figure.network is None
    assert "færre end 5 klinikker" in figure.network_note_da


def test_a_member_without_data_does_not_count_as_contributing(network, project):
    clinics = [member_clinic(project, i) for i in range(4)]
    empty = member_clinic(project, 9, coded=0, uncoded=0)
    for clinic in [*clinics, empty]:
        join(network, clinic)
    refresh_benchmark()

    assert column(report(clinics[0], project), "benchmark", "benchmark", "network") == [None, None]


def test_network_cells_under_five_are_suppressed(network, project):
    clinics = [member_clinic(project, i, coded=1, uncoded=0) for i in range(5)]
    for clinic in clinics:
        join(network, clinic)
    add_cells(clinics[0], project, TODAY.replace(day=1, month=2), {("51", "", "L03"): 3})
    refresh_benchmark()

    values = column(report(clinics[0], project), "benchmark", "benchmark", "network")
    # L03 (3 courses) is under five; its complement is hidden with it.
    # L03 (3 courses in the network) and "Øvrige" (0) are under five; L90 is 5 of 8.
    assert values == [SUPPRESSED, Decimal("62.50"), SUPPRESSED]


# --- naming by consent --------------------------------------------------------------------


def test_members_are_lettered_unless_they_consented_and_letters_are_stable(network, project):
    clinics = [member_clinic(project, i) for i in range(5)]
    for i, clinic in enumerate(clinics):
        join(network, clinic, named=i == 2)

    labels = {m.clinic.pk: m.label for m in members(network, "2026")}

    assert labels[clinics[2].pk] == "Netværksklinik 2"
    others = [labels[c.pk] for c in clinics if c is not clinics[2]]
    assert all(label.startswith("Klinik ") and len(label) == 8 for label in others)
    assert len(set(labels.values())) == 5
    assert {m.clinic.pk: m.label for m in members(network, "2026")} == labels
    # Consent can be withdrawn (audited), and a withdrawn member is lettered again.
    actions.set_naming(network, clinics[2], named=False, by=owner(clinics[2]))
    assert not any(m.named for m in members(network, "2026"))
    actions.set_naming(network, clinics[0], named=True, by=owner(clinics[0]))
    named = [m for m in members(network, "2026") if m.named]
    assert [m.clinic for m in named] == [clinics[0]]
    actions_done = AuditEvent.objects.filter(
        action__in=[
            AuditEvent.Action.NETWORK_NAMING_CONSENTED,
            AuditEvent.Action.NETWORK_NAMING_WITHDRAWN,
        ]
    ).values_list("action", flat=True)
    assert sorted(actions_done) == [
        "network.naming_consented",
        "network.naming_consented",
        "network.naming_withdrawn",
    ]


def test_consent_to_one_network_does_not_name_the_clinic_in_another(network, project):
    other = actions.create_network(name="Klynge Syd", by=OPERATOR)
    clinic = member_clinic(project, 1)
    join(network, clinic, named=True)
    join(other, clinic)

    assert [m.label for m in members(network, "p")] == ["Netværksklinik 1"]
    assert [m.label for m in members(other, "p")] == ["Klinik A"]


def test_nothing_outside_the_network_names_a_member(network, project):
    clinics = [member_clinic(project, i) for i in range(5)]
    for clinic in clinics:
        join(network, clinic, named=True)
    outsider = member_clinic(project, 99)
    refresh_benchmark()

    # The member's own report and an outsider's name only the network, never a member.
    for clinic in (clinics[0], outsider):
        text = json.dumps(report(clinic, project).as_dict(), ensure_ascii=False)
        for other in clinics:
            if other is not clinic:
                assert other.name not in text
    # Inside the network (its own report), consenting members are named.
    inside = build_network_report(network, project, Period.since_enrolment(), today=TODAY)
    assert set(inside.section("network").table("members").column("member")) == {
        "Netværket",
        *(c.name for c in clinics),
    }


def test_the_network_report_letters_members_and_suppresses_small_ones(network, project):
    big = [member_clinic(project, i, coded=10, uncoded=0) for i in range(4)]
    small = member_clinic(project, 7, coded=3, uncoded=0)
    for clinic in [*big, small]:
        join(network, clinic)
    refresh_benchmark()

    inside = build_network_report(network, project, Period.since_enrolment(), today=TODAY)

    table = inside.section("network").table("members")
    assert table.rows[0][0] == "Netværket"
    assert all(str(v).startswith("Klinik ") for v in table.column("member")[1:])
    completeness = table.column("completeness")
    assert completeness[0] == Decimal("100.00")  # 43 of 43 valid, 5 clinics
    assert sorted(str(v) for v in completeness[1:]) == ["100.00"] * 4 + ["<5"]
    assert "Netværksklinik" not in json.dumps(inside.as_dict(), ensure_ascii=False)


def test_the_incremental_refresh_adds_members_new_courses_to_the_network(network, project):
    """After the first refresh the journal's changes are added to the network's cells and
    contributors as to the region's; a full recompute then finds nothing to write."""
    clinics = [member_clinic(project, i) for i in range(5)]
    for clinic in clinics:
        join(network, clinic)
    refresh_benchmark()
    late = member_clinic(project, 5, coded=0, uncoded=0)
    join(network, late)
    refresh_benchmark()  # the membership changed: the network is recomputed
    assert NetworkContributor.objects.filter(network=network).count() == 5

    from sentinel.reports.models import CellChange, ReportCell

    ReportCell.objects.filter(clinic=late, project=project, month=FEB_2026, code="L90").update(
        episodes=7
    )
    CellChange.objects.create(
        clinic=late,
        project=project,
        month=FEB_2026,
        speciale="51",
        course_type="knee_osteoarthritis",
        code="L90",
        delta=7,
    )
    result = refresh_benchmark()

    assert result.recomputed == 0
    assert NetworkCell.objects.get(network=network, code="L90").episodes == 57
    assert NetworkContributor.objects.filter(network=network).count() == 6
    assert refresh_benchmark(full=True).written == 0
