"""Forløbsresultater's declared tab compared with the clinic's quality network, and its
median indicators in the headline: records sent through the public JSON API, networks joined
and left through the networks' actions, the benchmark refreshed, and the figures read against
values worked out by hand (the network with the disclosure rules of the region and nation)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Clinic
from sentinel.networks import actions
from sentinel.networks.models import Network
from sentinel.projects.models import Project
from sentinel.reports.benchmark import refresh_benchmark
from sentinel.reports.engine import Period, build_report
from sentinel.reports.exports import table_csv
from sentinel.reports.pages import ReportLinks, render_tab_html
from tests.factories import ClinicFactory
from tests.outcomes.helpers import episode, measurement, onboard
from tests.outcomes.test_outcome_report import (
    ON,
    OUTCOMES,
    Vendor,
    clinic_a_records,
    nprs,
    other_clinic_records,
    table_of,
)

pytestmark = pytest.mark.django_db

OPERATOR = Actor.staff("operator")
NAME = "Klynge Østjylland"
FOLLOWUP_KNEE = "followup_knee_osteoarthritis"
KNEE_LABEL = "Opfølgning: knæartrose"
NPRS_LABEL = "Ændring i smerte (NPRS, point) (median)"


def owner(clinic: Clinic) -> Actor:
    return Actor.clinic_user(uuid.UUID(int=clinic.pk), "Klinikejer")


def join(network: Network, clinic: Clinic) -> None:
    actions.accept(actions.invite(network, clinic, by=OPERATOR), by=owner(clinic))


def improving_records() -> list[dict]:
    """Five ended knee courses, each with NPRS 6 → 5 (a change of -1) by the patient."""
    records: list[dict] = []
    for n in range(1, 6):
        records += [
            episode(f"O-{n}", end_date="2026-04-01"),
            nprs(f"OM-{n}-1", f"O-{n}", "baseline", 6),
            nprs(f"OM-{n}-2", f"O-{n}", "end_of_course", 5),
        ]
    return records


def enrolled(vendor: Vendor, records: list[dict], region: str = "DK-82") -> Clinic:
    clinic = ClinicFactory(region_code=region, municipality_code="")
    onboard(clinic, vendor.vendor, OUTCOMES)
    vendor.send(clinic, records)
    return clinic


@pytest.fixture
def project() -> Project:
    return Project.objects.get(code=OUTCOMES)


@pytest.fixture
def vendor() -> Vendor:
    return Vendor()


@pytest.fixture
def network(db) -> Network:
    return actions.create_network(name=NAME, by=OPERATOR)


@pytest.fixture
def clinics(vendor) -> dict[str, list[Clinic]]:
    """Clinic A (the courses of ``clinic_a_records``), four clinics sending
    ``other_clinic_records`` and two sending ``improving_records``, all in one region."""
    return {
        "a": [enrolled(vendor, clinic_a_records())],
        "others": [enrolled(vendor, other_clinic_records()) for _ in range(4)],
        "improving": [enrolled(vendor, improving_records()) for _ in range(2)],
    }


def report_of(clinic: Clinic, project: Project, period: Period | None = None):
    report = build_report(clinic, project, period or Period.since_enrolment(), ON)
    assert report.is_open
    return report, {f.indicator.key: f for f in report.headline}


def test_a_network_of_five_shows_its_figures_beside_region_and_nation(
    vendor, clinics, network, project
) -> None:
    a = clinics["a"][0]
    for clinic in [a, *clinics["others"]]:
        join(network, clinic)
    refresh_benchmark(project_ids=[project.pk])

    report, found = report_of(a, project)

    # Knee follow-up: A 2 of 3 (E-1, E-2 paired; E-3 not); each other clinic 3 of 5;
    # the two improving clinics 5 of 5. Network (A + 4): 14 of 23; region and nation (all
    # seven): 24 of 33.
    knee = found[FOLLOWUP_KNEE]
    assert (knee.value, knee.n) == (Decimal("66.67"), 3)
    assert (knee.network, knee.region, knee.nation) == (
        Decimal("60.87"),
        Decimal("72.73"),
        Decimal("72.73"),
    )
    assert knee.network_name == NAME and knee.network_note_da == ""
    # The NPRS change: network A's -4 and -1 and 12 × -5 (14 pairs): median -5.00; region
    # and nation add 10 × -1 (24 pairs): the 12th and 13th are -5 and -4, median -4.50.
    change = found["change_nprs"]
    assert (change.value, change.n) == (Decimal("-2.50"), 2)
    assert (change.network, change.region, change.nation) == (
        Decimal("-5.00"),
        Decimal("-4.50"),
        Decimal("-4.50"),
    )
    assert change.network_name == NAME

    indicators = table_of(report, "indicators")
    keys = [c.key for c in indicators.columns]
    assert keys[4:8] == ["clinic", "network", "region", "nation"]
    assert indicators.columns[5].label_da == f"{NAME} (%)"
    csv_text = table_csv(indicators).decode("utf-8-sig")
    assert f"{KNEE_LABEL};jan 2026–jun 2026;2;3;66,67;60,87;72,73;72,73;" in csv_text
    assert f"{NAME}: 5 klinikker har bidraget." in report.section("indicators").note_da
    chart = report.section("indicators").charts[0]
    assert chart.title_da == "Indikatorer: klinikken, netværket, regionen og landet"
    assert [series.name_da for series in chart.series][:2] == ["Klinikken", NAME]
    medians = table_of(report, "medians")
    assert [c.key for c in medians.columns][3:7] == ["clinic", "network", "region", "nation"]
    medians_csv = table_csv(medians).decode("utf-8-sig")
    assert f"{NPRS_LABEL};jan 2026–jun 2026;2;-2,50;-5,00;-4,50;-4,50;Lavere er bedre;" in (
        medians_csv
    )

    # The JSON answer carries the same figures, and names no member.
    body = vendor.report(a).json()
    headline = {f["key"]: f for f in body["headline"]}
    assert headline[FOLLOWUP_KNEE]["network"] == "60.87"
    assert headline["change_nprs"]["network"] == "-5.00"
    assert headline["change_nprs"]["kind"] == "median"
    served = next(s for s in body["sections"] if s["key"] == "medians")["tables"][0]
    nprs_row = next(r for r in served["rows"] if r["indicator"] == NPRS_LABEL)
    assert nprs_row["network"] == "-5.00"
    as_text = json.dumps(body, ensure_ascii=False)
    assert all(member.name not in as_text for member in clinics["others"])

    html = render_tab_html(a, project, Period.since_enrolment(), links=ReportLinks("/r/"), today=ON)
    assert NAME in html and "-5,00" in html


def test_a_network_of_four_shows_no_network_figure(vendor, clinics, network, project) -> None:
    a = clinics["a"][0]
    for clinic in [a, *clinics["others"][:3]]:
        join(network, clinic)
    refresh_benchmark(project_ids=[project.pk])

    report, found = report_of(a, project)

    for key in (FOLLOWUP_KNEE, "change_nprs"):
        assert found[key].network is None
        assert found[key].network_name == NAME
        assert found[key].network_note_da == "færre end 5 klinikker har bidraget"
        assert found[key].network_note_en == "fewer than 5 clinics contributed"
        assert found[key].region is not None  # seven clinics in the region
    shares = table_of(report, "indicators")
    assert len(shares.rows) >= 11
    assert shares.column("network") == [None] * len(shares.rows)
    note = report.section("indicators").note_da
    assert f"{NAME}: ingen sammenligning, fordi færre end 5 klinikker" in note
    medians = table_of(report, "medians")
    assert medians.column("network") == [None] * 4
    assert f"{NAME}: færre end 5 klinikker har bidraget." in report.section("medians").note_da


def test_a_clinic_in_no_network_has_no_network_column(clinics, network, project) -> None:
    for clinic in clinics["others"] + clinics["improving"][:1]:
        join(network, clinic)  # a network of five that A is not in
    refresh_benchmark(project_ids=[project.pk])

    report, found = report_of(clinics["a"][0], project)

    assert all(f.network is None and f.network_name == "" for f in found.values())
    for key in ("indicators", "medians"):
        assert "network" not in [c.key for c in table_of(report, key).columns]
    assert NAME not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_leaving_drops_the_clinic_from_the_network_figures_from_the_next_refresh(
    clinics, network, project
) -> None:
    a, leaver = clinics["a"][0], clinics["improving"][0]
    for clinic in [a, *clinics["others"], leaver]:
        join(network, clinic)
    refresh_benchmark(project_ids=[project.pk])
    # With the improving clinic: knee follow-up 19 of 28; NPRS 12 × -5, 6 × -1, -4: -5.00.
    assert report_of(a, project)[1][FOLLOWUP_KNEE].network == Decimal("67.86")

    actions.leave(network, leaver, by=owner(leaver))

    # At once the leaver sees no network; the others' figures stay until the next refresh.
    assert report_of(leaver, project)[1][FOLLOWUP_KNEE].network_name == ""
    assert report_of(a, project)[1][FOLLOWUP_KNEE].network == Decimal("67.86")
    refresh_benchmark(project_ids=[project.pk])
    found = report_of(a, project)[1]
    assert found[FOLLOWUP_KNEE].network == Decimal("60.87")
    assert found["change_nprs"].network == Decimal("-5.00")


def april_records() -> list[dict]:
    """Three knee courses started in April 2026: NPRS 8 → 2, 7 → 4, 6 → 5 (-6, -3, -1)."""
    records: list[dict] = []
    for n, (start, end) in enumerate(((8, 2), (7, 4), (6, 5)), start=1):
        records += [
            episode(f"A-{n}", start_date="2026-04-06", end_date="2026-04-28"),
            measurement(f"AM-{n}-1", f"A-{n}", score=start, date="2026-04-06"),
            measurement(
                f"AM-{n}-2", f"A-{n}", score=end, timepoint="end_of_course", date="2026-04-28"
            ),
        ]
    return records


def test_a_median_leads_the_tab_with_its_n_and_the_change_since_the_previous_period(
    vendor, project
) -> None:
    clinic = enrolled(vendor, clinic_a_records() + april_records())
    refresh_benchmark(project_ids=[project.pk])
    period = Period.months(dt.date(2026, 3, 1), dt.date(2026, 4, 1))

    _report, found = report_of(clinic, project, period)

    # March-April: the April pairs -6, -3, -1: median -3.00 of 3. January-February before:
    # the February pairs -4 and -1: -2.50 of 2. Lower is better for pain: 0.50 lower, better.
    change = found["change_nprs"]
    assert (change.value, change.n) == (Decimal("-3.00"), 3)
    assert (change.previous, change.previous_n) == (Decimal("-2.50"), 2)
    assert change.change == Decimal("-0.50")
    assert (change.direction, change.verdict) == ("down", "better")
    assert change.change_da == (
        "↓ 0,50 lavere end i forrige periode (jan 2026–feb 2026: -2,50) – bedre."
    )
    assert change.change_en == (
        "↓ 0.50 lower than in the previous period (Jan 2026–Feb 2026: -2.50) – better."
    )
    assert change.better_da == "Lavere er bedre."
    assert change.nation is None  # one clinic: no comparison
    assert change.nation_note_da == "færre end 5 klinikker har bidraget"
    # The headline keeps the declared order: shares and medians together.
    assert list(found).index("change_nprs") == list(found).index("followup_low_back_pain") + 1

    body = vendor.report(clinic).json()  # since enrolment: Jan-Jun, the five pairs
    headline = {f["key"]: f for f in body["headline"]}
    assert (headline["change_nprs"]["value"], headline["change_nprs"]["n"]) == ("-3.00", 5)
    html = render_tab_html(clinic, project, period, links=ReportLinks("/r/"), today=ON)
    assert "-3,00" in html and "n = 3 forløb" in html
