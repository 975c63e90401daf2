"""The coding-development indicator (issue: share of structured courses refined from a symptom
code to a disease code, median days to the final code), against hand-computed histories:
the pure rule per course, and the headline figures of clinic, quality network, region and
nation from cells per clinic kept by the benchmark refresh."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.clinics.models import Clinic
from sentinel.collection.pipeline import ingest
from sentinel.demo.views import DEMO_VIEWER
from sentinel.networks import actions as networks
from sentinel.networks.models import Network
from sentinel.projects.actions import enrol
from sentinel.reports import aggregates
from sentinel.reports.development import Development
from sentinel.reports.diagnosekodning.headline import REFINED_SHARE
from sentinel.reports.engine import SUPPRESSED, Period, build_report
from sentinel.reports.models import DevelopmentBenchmarkCell, DevelopmentCell
from sentinel.reports.network_report import build_network_report
from sentinel.reports.pages import ReportLinks, render_tab_html
from sentinel.reports.pdf import meeting_pack_html
from tests.api.conftest import synthetic_cpr
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory
from tests.reports.test_pages import TAB_QUERIES

START = dt.date(2026, 3, 2)
MARCH = Period.months(dt.date(2026, 3, 1), dt.date(2026, 3, 1))
ENROLLED = dt.date(2026, 1, 12)
TODAY = dt.date(2026, 9, 1)
OPERATOR = Actor.staff("operator")
LINKS_ = ReportLinks("/klinik/rapporter/")


def when(days: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{START + dt.timedelta(days=days)}T{hour:02d}:00:00+01:00")


# --- the rule, course by course ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("course_type", "history", "expected"),
    [
        ("knee_osteoarthritis", [("L15", 0), ("L90", 10)], (True, True, 10)),
        ("knee_osteoarthritis", [("L15", 0)], (True, False, 0)),
        ("hip_osteoarthritis", [("L89", 3)], (False, False, 3)),
        # Primary low back pain requires L03, a symptom code: never "started with a symptom".
        ("low_back_pain", [("L03", 0)], (False, False, 0)),
        # The final code's last run starts on day 20, not on its first use (day 0).
        ("lumbar_radiculopathy", [("L86", 0), ("L02", 5), ("L86", 20)], (False, False, 20)),
        # A code recorded again keeps the run's start.
        ("cervical_radiculopathy", [("L01", 0), ("L83", 7), ("L83", 12)], (True, True, 7)),
        # A symptom code refined to another symptom code is not refined.
        ("knee_osteoarthritis", [("L15", 0), ("L18", 4)], (True, False, 4)),
        # A code entered in error never counts: neither as the first nor as the final one.
        (
            "knee_osteoarthritis",
            [("L15", 0, "entered-in-error"), ("L90", 2), ("L84", 6, "refuted")],
            (False, False, 2),
        ),
        # Recorded just after midnight Danish time (the evening before in UTC): that day.
        ("hip_osteoarthritis", [("L89", 5, None, 0)], (False, False, 5)),
    ],
)
def test_course_development_from_its_history(db, project, vendor, course_type, history, expected):
    clinic = ClinicFactory()
    onboard(clinic, project, vendor)
    outcome = ingest(vendor=vendor, clinic=clinic, records=[course("C1", course_type, history)])
    assert outcome.accepted == 1, outcome

    aggregates.refresh_benchmark(project_ids=[project.pk])

    cells = list(
        DevelopmentCell.objects.filter(clinic=clinic).values_list(
            "month", "symptom_first", "refined", "days", "courses"
        )
    )
    assert cells == [(START.replace(day=1), *expected, 1)]


def test_course_without_a_code_has_no_development(db, project, vendor) -> None:
    clinic = ClinicFactory()
    onboard(clinic, project, vendor)
    ingest(vendor=vendor, clinic=clinic, records=[course("C1", "knee_osteoarthritis", [])])

    aggregates.refresh_benchmark(project_ids=[project.pk])

    assert not DevelopmentCell.objects.filter(clinic=clinic).exists()


def test_median_days_of_summed_cells() -> None:
    odd, even = Development(), Development()
    for days, n in ((0, 2), (3, 1), (7, 1), (10, 1)):
        odd.add(False, False, days, n)
    for days in (0, 0, 3, 7, 10, 20):
        even.add(False, False, days, 1)

    assert odd.median_days == Decimal("3.0")
    assert even.median_days == Decimal("5.0")  # (3 + 7) / 2
    assert Development().median_days is None


# --- the headline: clinic, region, nation -----------------------------------------------------


def course(source_id: str, course_type: str, history: list, version: int = 1) -> dict:
    diagnoses = []
    for code, days, *rest in history:
        status = rest[0] if rest else None
        hour = rest[1] if len(rest) > 1 else 9
        diagnosis = {"code": code, "recorded_at": when(days, hour).isoformat()}
        if status:
            diagnosis["verification_status"] = status
        diagnoses.append(diagnosis)
    return {
        "type": "episode",
        "source_id": source_id,
        "version": version,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": START.isoformat(),
        "diagnoses": diagnoses,
    }


def onboard(clinic, project, vendor) -> None:
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(ENROLLED))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(ENROLLED))
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(ENROLLED))
    enrol(by=signer.actor, clinic=clinic, project=project, on=ENROLLED)


CLINIC_A = [
    course("A1", "knee_osteoarthritis", [("L15", 0), ("L90", 10)]),  # symptom → refined, 10
    course("A2", "knee_osteoarthritis", [("L15", 0)]),  # symptom, not refined, 0
    course("A3", "hip_osteoarthritis", [("L89", 3)]),  # 3
    course("A4", "low_back_pain", [("L03", 0)]),  # 0
    course("A5", "lumbar_radiculopathy", [("L86", 0), ("L02", 5), ("L86", 20)]),  # 20
    # L18 entered in error never counts: symptom (L01) → refined (L83), 7
    course(
        "A6",
        "cervical_radiculopathy",
        [("L01", 0), ("L83", 7), ("L18", 9, "entered-in-error")],
    ),
]
"""Clinic A: 3 started with a symptom code, 2 refined (66.67 %); days 0, 0, 3, 7, 10, 20
(median 5.0)."""


def peer(prefix: str, refined: int, kept: int) -> list[dict]:
    """``refined`` courses L15 → L90 on day 4, ``kept`` courses left on L15 (day 0)."""
    courses = [
        course(f"{prefix}R{i}", "knee_osteoarthritis", [("L15", 0), ("L90", 4)])
        for i in range(refined)
    ]
    courses += [course(f"{prefix}K{i}", "knee_osteoarthritis", [("L15", 0)]) for i in range(kept)]
    return courses


@pytest.fixture
def network_of_histories(db, project, vendor):
    """Clinic A and four peers in Region Syddanmark (DK-83), one clinic in DK-81."""
    a = ClinicFactory(region_code="DK-83", municipality_code="")
    peers = [ClinicFactory(region_code="DK-83", municipality_code="") for _ in range(4)]
    far = ClinicFactory(region_code="DK-81", municipality_code="")
    for clinic, records in (
        (a, CLINIC_A),
        *((p, [*peer(f"P{n}", 2, 1), course(f"P{n}H", "hip_osteoarthritis", [("L89", 0)])])
          for n, p in enumerate(peers)),
        (far, peer("F", 3, 2)),
    ):  # fmt: skip
        onboard(clinic, project, vendor)
        outcome = ingest(vendor=vendor, clinic=clinic, records=records)
        assert outcome.accepted == len(records), outcome
    aggregates.refresh_benchmark()
    return a, far


def figures(clinic, project) -> dict:
    report = build_report(clinic, project, MARCH, TODAY)
    return {f.indicator.key: f for f in report.headline}


def test_coding_development_clinic_region_and_nation(network_of_histories, project):
    a, _far = network_of_histories

    shown = figures(a, project)

    share, days = shown["refined_share"], shown["days_to_final_code"]
    # Clinic A: 2 of 3. Region: A + 4 peers (2 refined, 1 kept each): 10 of 15.
    # Nation: + the far clinic (3 refined, 2 kept): 13 of 20.
    assert (share.value, share.n) == (Decimal("66.67"), 3)
    assert share.region == Decimal("66.67")
    assert share.nation == Decimal("65.00")
    # Days: A 0,0,3,7,10,20 → 5.0; region + 8 zeros and 8 fours (22 courses) → (3+4)/2;
    # nation + 2 zeros and 3 fours (27 courses) → 4.
    assert (days.value, days.n) == (Decimal("5.0"), 6)
    assert days.region == Decimal("3.5")
    assert days.nation == Decimal("4.0")
    assert days.indicator.kind == "days"
    as_json = {f["key"]: f for f in build_report(a, project, MARCH, TODAY).as_dict()["headline"]}
    assert as_json["days_to_final_code"]["value"] == "5.00"
    assert as_json["refined_share"]["nation"] == "65.00"


def test_a_region_of_fewer_than_five_clinics_has_no_comparison(network_of_histories, project):
    _a, far = network_of_histories

    shown = figures(far, project)

    share, days = shown["refined_share"], shown["days_to_final_code"]
    assert (share.value, share.n) == (Decimal("60.00"), 5)
    assert share.region is None and "færre end 5 klinikker" in share.region_note_da
    assert days.region is None
    assert share.nation == Decimal("65.00")


def test_small_scope_counts_are_suppressed(db, project, vendor):
    clinics = [ClinicFactory(region_code="DK-82", municipality_code="") for _ in range(5)]
    for n, clinic in enumerate(clinics):
        onboard(clinic, project, vendor)
        records = [course(f"S{n}", "hip_osteoarthritis", [("L89", 1)])] if n == 0 else []
        records.append(course(f"T{n}", "low_back_pain", []))  # contributes, no code
        ingest(vendor=vendor, clinic=clinic, records=records)
    aggregates.refresh_benchmark()

    days = figures(clinics[0], project)["days_to_final_code"]

    assert days.value == Decimal("1.0") and days.n == 1  # the clinic's own: no rule
    assert days.region is SUPPRESSED and days.nation is SUPPRESSED  # one course: "<5"


def test_a_refined_code_moves_the_figures_at_the_next_refresh(
    network_of_histories, project, vendor
):
    a, _far = network_of_histories
    update = course("A2", "knee_osteoarthritis", [("L15", 0), ("L90", 30)], version=2)

    ingest(vendor=vendor, clinic=a, records=[update])
    before = figures(a, project)["refined_share"].value
    aggregates.refresh_benchmark()  # incremental: the journal names clinic A
    shown = figures(a, project)

    assert before == Decimal("66.67")  # the cells follow the refresh, like the benchmark
    assert shown["refined_share"].value == Decimal("100.00")
    # Days 0, 3, 7, 10, 20, 30 → (7 + 10) / 2
    assert shown["days_to_final_code"].value == Decimal("8.5")
    assert shown["refined_share"].nation == Decimal("70.00")  # 14 of 20
    full = aggregates.refresh_benchmark(project_ids=[project.pk], full=True)
    assert full.recomputed == 1
    assert figures(a, project)["days_to_final_code"].value == Decimal("8.5")
    assert DevelopmentCell.objects.filter(clinic=a).exists()
    assert DevelopmentBenchmarkCell.objects.filter(scope="DK").exists()


# --- the quality network: its members' cells, the same disclosure rules -----------------------


def in_network(name: str, clinics: list) -> Network:
    network = networks.create_network(name=name, by=OPERATOR)
    for clinic in clinics:
        invitation = networks.invite(network, clinic, by=OPERATOR)
        networks.accept(invitation, by=Actor.clinic_user(uuid.UUID(int=clinic.pk), "Klinikejer"))
    return network


def peers_of(a) -> list:
    return list(Clinic.objects.filter(region_code="DK-83").exclude(pk=a.pk).order_by("pk"))


def test_a_network_of_five_clinics_shows_its_coding_development(network_of_histories, project):
    a, far = network_of_histories
    network = in_network("Klynge Fyn", [a, *peers_of(a)[:3], far])
    aggregates.refresh_benchmark()

    shown = figures(a, project)

    share, days = shown["refined_share"], shown["days_to_final_code"]
    # A (2 of 3) + three peers (2 of 3 each) + far (3 of 5): 11 of 17 started with a symptom
    # code were refined; the region (10 of 15) and the nation (13 of 20) differ.
    assert share.network_name == "Klynge Fyn"
    assert share.network == Decimal("64.71")
    assert (share.region, share.nation) == (Decimal("66.67"), Decimal("65.00"))
    # Days: A 0,0,3,7,10,20; three peers 0,0,4,4 each; far 0,0,4,4,4 → 23 courses: ten zeros,
    # one 3, nine fours, 7, 10, 20 → the twelfth is 4.
    assert days.network_name == "Klynge Fyn"
    assert days.network == Decimal("4.0")
    assert days.region == Decimal("3.5")
    # The far clinic's region has no comparison; its network has, the same figures.
    far_shown = figures(far, project)
    assert far_shown["refined_share"].region is None
    assert far_shown["refined_share"].network == Decimal("64.71")
    assert far_shown["days_to_final_code"].network == Decimal("4.0")
    # The JSON, the tab and the meeting pack carry them.
    report = build_report(a, project, MARCH, TODAY)
    as_json = {f["key"]: f for f in json.loads(json.dumps(report.as_dict()))["headline"]}
    assert as_json["refined_share"]["network"] == "64.71"
    assert as_json["refined_share"]["network_name"] == "Klynge Fyn"
    assert as_json["days_to_final_code"]["network"] == "4.00"
    html = render_tab_html(a, project, MARCH, links=ReportLinks("/klinik/rapporter/"), today=TODAY)
    refined = html.split('id="overblik-refined_share"')[1].split("</li>")[0]
    assert "<dt>Klynge Fyn</dt><dd>64,71" in refined
    days_html = html.split('id="overblik-days_to_final_code"')[1].split("</li>")[0]
    assert "<dt>Klynge Fyn</dt><dd>4,0" in days_html
    pack = meeting_pack_html(report, a)
    pack_refined = pack.split(REFINED_SHARE.label_da)[1].split("</li>")[0]
    assert "Klynge Fyn: 64,71" in pack_refined
    # The coordinator's network report has the network's share in its own row.
    inside = build_network_report(network, project, MARCH, today=TODAY)
    members = inside.section("network").table("members")
    assert members.rows[0][0] == "Netværket"
    assert members.column("refined_share")[0] == Decimal("64.71")


def test_a_network_of_four_clinics_shows_no_coding_development(network_of_histories, project):
    a, far = network_of_histories
    in_network("Klynge Fyn", [a, *peers_of(a)[:2], far])
    aggregates.refresh_benchmark()

    shown = figures(a, project)

    for key in ("refined_share", "days_to_final_code"):
        assert shown[key].network_name == "Klynge Fyn"
        assert shown[key].network is None
        assert "færre end 5 klinikker" in shown[key].network_note_da
        assert "fewer than 5 clinics" in shown[key].network_note_en
    assert shown["refined_share"].region == Decimal("66.67")  # the region still compares


def test_a_clinic_that_leaves_drops_out_of_the_network_at_the_next_refresh(
    network_of_histories, project
):
    a, far = network_of_histories
    network = in_network("Klynge Fyn", [a, *peers_of(a)[:3], far])
    aggregates.refresh_benchmark()
    assert figures(a, project)["refined_share"].network == Decimal("64.71")

    networks.leave(network, far, by=Actor.clinic_user(uuid.UUID(int=far.pk), "Klinikejer"))
    assert figures(a, project)["refined_share"].network == Decimal("64.71")  # until the refresh
    aggregates.refresh_benchmark()

    assert figures(a, project)["refined_share"].network is None  # four contributing clinics
    assert not figures(far, project)["refined_share"].network_name


def test_small_network_counts_are_suppressed(db, project, vendor):
    clinics = [ClinicFactory(region_code="DK-82", municipality_code="") for _ in range(5)]
    for n, clinic in enumerate(clinics):
        onboard(clinic, project, vendor)
        records = (
            [course(f"S{n}", "knee_osteoarthritis", [("L15", 0), ("L90", 2)])] if n < 2 else []
        )
        records.append(course(f"T{n}", "low_back_pain", []))  # contributes, no code
        ingest(vendor=vendor, clinic=clinic, records=records)
    in_network("Klynge Vest", clinics)
    aggregates.refresh_benchmark()

    shown = figures(clinics[0], project)

    # Two courses in five contributing clinics: both network figures are "<5".
    assert shown["refined_share"].value == Decimal("100.00")  # the clinic's own: no rule
    assert shown["refined_share"].network is SUPPRESSED
    assert shown["days_to_final_code"].network is SUPPRESSED
    # A clinic outside the network gets no network figure.
    outside = ClinicFactory(region_code="DK-82", municipality_code="")
    onboard(outside, project, vendor)
    assert not figures(outside, project)["refined_share"].network_name


def test_the_network_figures_cost_no_query_once_the_refresh_is_read(network_of_histories, project):
    a, far = network_of_histories
    in_network("Klynge Fyn", [a, *peers_of(a)[:3], far])
    aggregates.refresh_benchmark()

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            render_tab_html(a, project, MARCH, worklist_by=DEMO_VIEWER, links=LINKS_, today=TODAY)
        return [q["sql"] for q in captured]

    cold = queries()
    warm = queries()

    def network_development(captured: list[str]) -> int:
        return sum("developmentcell" in q and "networkcontributor" in q for q in captured)

    assert len(warm) <= TAB_QUERIES, "\n".join(warm)
    assert network_development(cold) == 1  # one query per refresh ...
    assert network_development(warm) == 0  # ... then kept, like the region's and nation's


# --- kept in step: the incremental refresh equals a full recount -------------------------------


def development_tables(project) -> tuple[set, set]:
    clinics = set(
        DevelopmentCell.objects.filter(project=project).values_list(
            "clinic_id", "month", "symptom_first", "refined", "days", "courses"
        )
    )
    scopes = set(
        DevelopmentBenchmarkCell.objects.filter(project=project).values_list(
            "scope", "month", "symptom_first", "refined", "days", "courses"
        )
    )
    return clinics, scopes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refreshes_keep_the_cells_and_sums_a_full_recount_would_write(
    network_of_histories, project, vendor, seed
):
    """New courses, new codes, refuted codes, a course moved to another month and one of
    another type arrive in rounds through the pipeline, a refresh after each; the cells and
    the region and nation sums then equal what a full recount writes, and the full recount
    finds nothing to change."""
    rng = random.Random(seed)
    a, far = network_of_histories
    clinics = [a, far, *Clinic.objects.filter(region_code="DK-83").exclude(pk=a.pk)[:2]]
    types = ["knee_osteoarthritis", "hip_osteoarthritis", "lumbar_radiculopathy"]
    codes = ["L15", "L90", "L89", "L86", "L02", "L83", "L01"]
    sent: dict[tuple[int, str], dict] = {}  # the last version sent of each course
    for round_ in range(4):
        for clinic in clinics:
            records = []
            for source in rng.sample([f"R{i}" for i in range(6)], rng.randint(1, 4)):
                before = sent.get((clinic.pk, source))
                if before is None:  # a new course, in this round's month or March
                    history = [(rng.choice(codes), rng.randint(0, 5))]
                    record = course(source, rng.choice(types), history)
                    if rng.random() < 0.3:
                        record["start_date"] = (START + dt.timedelta(days=31 * round_)).isoformat()
                else:  # the history goes on: a new code, sometimes refuting the last one
                    record = json.loads(json.dumps(before))
                    record["version"] += 1
                    last = dt.datetime.fromisoformat(record["diagnoses"][-1]["recorded_at"])
                    if rng.random() < 0.2:
                        record["diagnoses"][-1]["verification_status"] = "refuted"
                    record["diagnoses"].append(
                        {
                            "code": rng.choice(codes),
                            "recorded_at": (
                                last + dt.timedelta(days=rng.randint(1, 9))
                            ).isoformat(),
                        }
                    )
                    if rng.random() < 0.2:
                        record["course_type"] = rng.choice(types)
                sent[(clinic.pk, source)] = record
                records.append(record)
            outcome = ingest(vendor=vendor, clinic=clinic, records=records)
            assert outcome.accepted == len(records), outcome
        result = aggregates.refresh_benchmark()
        assert result.recomputed == 0
    kept = development_tables(project)
    assert kept[0] and kept[1]
    aggregates.refresh_benchmark(full=True)
    assert development_tables(project) == kept
