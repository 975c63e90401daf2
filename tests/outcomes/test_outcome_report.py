"""Forløbsresultater's report tab, built by the engine from the indicators its migration
declares (no report code): records sent through the public JSON API, the benchmark refreshed,
and the tab's headline, table, CSV, JSON answer, page and PDF read against figures worked
out by hand; region and nation as the disclosure rules allow; no tab without enrolment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Clinic
from sentinel.projects.models import Project
from sentinel.reports.benchmark import refresh_benchmark
from sentinel.reports.disclosure import SUPPRESSED
from sentinel.reports.engine import Period, build_report, tabs_for
from sentinel.reports.exports import table_csv
from sentinel.reports.pages import ReportLinks, render_tab_html
from sentinel.reports.pdf import meeting_pack
from tests.conftest import SYSTEM
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import episode, measurement, onboard

pytestmark = pytest.mark.django_db

OUTCOMES = "forlobsresultater"
ON = dt.date(2026, 6, 1)
ENDED = "2026-04-01"
END_DAY = "2026-03-30"


class Vendor:
    """A practice system speaking the public JSON API with its own credential."""

    def __init__(self) -> None:
        self.vendor = VendorFactory()
        _credential, token = issue_credential(by=SYSTEM, vendor=self.vendor)
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def send(self, clinic: Clinic, records: list[dict]) -> None:
        response = self.http.post(
            f"/api/v1/clinics/{clinic.ydernummer}/submissions",
            {"records": records},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["rejected"] == []

    def report(self, clinic: Clinic, project: str = OUTCOMES):
        return self.http.get(f"/api/v1/clinics/{clinic.ydernummer}/reports/{project}")


def nprs(source_id: str, course: str, timepoint: str, score: int, by: str = "patient") -> dict:
    day = END_DAY if timepoint == "end_of_course" else "2026-02-02"
    return measurement(
        source_id, course, timepoint=timepoint, score=score, answered_by=by, date=day
    )


def psfs(source_id: str, course: str, timepoint: str, items: list[int]) -> dict:
    return measurement(
        source_id,
        course,
        instrument="psfs",
        timepoint=timepoint,
        score=None,
        items=[{"item": str(i + 1), "score": s} for i, s in enumerate(items)],
        date=END_DAY if timepoint == "end_of_course" else "2026-02-02",
    )


def clinic_a_records() -> list[dict]:
    """Six courses started in February 2026 (the figures in the test below)."""
    return [
        episode("E-1", end_date=ENDED),
        nprs("M-1", "E-1", "baseline", 8),
        nprs("M-2", "E-1", "end_of_course", 4),  # -4: NPRS's MIC (2 lower) reached
        psfs("M-3", "E-1", "baseline", [3, 4]),
        psfs("M-4", "E-1", "end_of_course", [6, 7]),  # 3.5 → 6.5: +3, reached
        episode("E-2", end_date=ENDED),
        nprs("M-5", "E-2", "baseline", 6, by="therapist"),
        nprs("M-6", "E-2", "end_of_course", 5),  # -1: not reached; not all by the patient
        episode("E-3", end_date=ENDED),
        nprs("M-7", "E-3", "baseline", 7),  # no end-of-course measurement
        episode("E-4", end_date=ENDED, course_type="hip_osteoarthritis"),
        measurement("M-8", "E-4", instrument="chair_stand_30s", score=10, answered_by="therapist"),
        measurement(
            "M-9",
            "E-4",
            instrument="chair_stand_30s",
            score=13,
            answered_by="therapist",
            timepoint="end_of_course",
            date=END_DAY,
        ),
        episode("E-5"),  # not ended: outside the follow-up's denominator
        nprs("M-10", "E-5", "baseline", 5),
        episode("E-6", end_date=ENDED, course_type="low_back_pain"),  # nothing measured
    ]


def other_clinic_records() -> list[dict]:
    """Five ended knee courses: three with NPRS 8 → 3 by the patient, two measured never."""
    records: list[dict] = []
    for n in range(1, 6):
        records.append(episode(f"K-{n}", end_date=ENDED))
        if n <= 3:
            records += [
                nprs(f"KM-{n}-1", f"K-{n}", "baseline", 8),
                nprs(f"KM-{n}-2", f"K-{n}", "end_of_course", 3),
            ]
    return records


@pytest.fixture
def project() -> Project:
    return Project.objects.get(code=OUTCOMES)


@pytest.fixture
def vendor() -> Vendor:
    return Vendor()


@pytest.fixture
def clinic(vendor) -> Clinic:
    clinic = ClinicFactory(region_code="DK-84", municipality_code="")
    onboard(clinic, vendor.vendor, OUTCOMES)
    vendor.send(clinic, clinic_a_records())
    return clinic


@pytest.fixture
def others(vendor, project) -> list[Clinic]:
    """Five more clinics (four in the clinic's region, one in another) send their courses."""
    clinics = []
    for region in ("DK-84", "DK-84", "DK-84", "DK-84", "DK-83"):
        other = ClinicFactory(region_code=region, municipality_code="")
        onboard(other, vendor.vendor, OUTCOMES)
        vendor.send(other, other_clinic_records())
        clinics.append(other)
    return clinics


def table_of(report, key: str):
    return next(t for s in report.sections for t in s.tables if t.key == key)


def figures(clinic: Clinic, project: Project):
    report = build_report(clinic, project, Period.since_enrolment(), ON)
    assert report.is_open
    return report, {f.indicator.key: f for f in report.headline}


def test_the_tab_is_built_from_the_declared_indicators(clinic, project) -> None:
    refresh_benchmark(project_ids=[project.pk])

    assert [t.project_code for t in tabs_for(clinic, ON)] == [OUTCOMES]
    report, found = figures(clinic, project)
    assert list(found) == [
        "followup",
        "followup_cervical_radiculopathy",
        "followup_lumbar_radiculopathy",
        "followup_lumbar_spinal_stenosis",
        "followup_hip_osteoarthritis",
        "followup_knee_osteoarthritis",
        "followup_low_back_pain",
        "change_nprs",
        "change_psfs",
        "change_chair_stand_30s",
        "change_walk_40m_fast",
        "mic_nprs",
        "mic_psfs",
        "mic_chair_stand_30s",
        "mic_walk_40m_fast",
        "patient_answered",
    ]
    own = {key: (f.value, f.n) for key, f in found.items()}
    # Ended courses E-1, E-2, E-3, E-4, E-6; one instrument at baseline and end: E-1, E-2, E-4.
    assert own["followup"] == (Decimal("60.00"), 5)
    assert own["followup_knee_osteoarthritis"] == (Decimal("66.67"), 3)
    assert own["followup_hip_osteoarthritis"] == (Decimal("100.00"), 1)
    assert own["followup_low_back_pain"] == (Decimal("0.00"), 1)
    assert own["followup_cervical_radiculopathy"] == (None, 0)
    # NPRS pairs: E-1 (-4, reached), E-2 (-1); PSFS E-1 +3; chair stand E-4 +3.
    assert own["mic_nprs"] == (Decimal("50.00"), 2)
    assert own["mic_psfs"] == (Decimal("100.00"), 1)
    assert own["mic_chair_stand_30s"] == (Decimal("100.00"), 1)
    assert own["mic_walk_40m_fast"] == (None, 0)  # no walk measured
    # Questionnaires per course: E-1 NPRS, E-1 PSFS, E-3, E-5 by the patient; E-2 not.
    assert own["patient_answered"] == (Decimal("80.00"), 5)
    # One clinic alone: no comparison.
    assert found["followup"].region is None and found["followup"].nation is None
    assert "færre end 5 klinikker" in found["followup"].nation_note_da
    assert report.courses == 5  # the courses in a course indicator's denominator (ended)
    # The change per instrument, the median with its n: NPRS -4 and -1; PSFS +3; chair +3.
    # The medians lead with their own figures too: the median in its own unit, never percent.
    assert (found["change_nprs"].value, found["change_nprs"].n) == (Decimal("-2.50"), 2)
    assert found["change_nprs"].indicator.kind == "median"
    assert (found["change_walk_40m_fast"].value, found["change_walk_40m_fast"].n) == (None, 0)
    medians = {row[0].da: row[2:4] for row in table_of(report, "medians").rows}
    assert medians["Ændring i smerte (NPRS, point) (median)"] == (2, Decimal("-2.50"))
    assert medians["Ændring i funktion (PSFS, point) (median)"] == (1, Decimal("3.00"))
    assert medians["Ændring i rejse-sætte-sig-test (antal) (median)"] == (1, Decimal("3.00"))
    assert medians["Ændring i 40 m hurtig gangtest (sekunder) (median)"] == (0, None)


def test_region_and_nation_as_the_disclosure_rules_allow(clinic, others, project) -> None:
    refresh_benchmark(project_ids=[project.pk])

    report, found = figures(clinic, project)
    # Nation: 6 clinics, 30 ended courses, 18 followed up; the region (DK-84): 5 clinics,
    # 25 ended, 15 followed up.
    assert (found["followup"].nation, found["followup"].region) == (
        Decimal("60.00"),
        Decimal("60.00"),
    )
    # Knee: nation 17 of 28, region 14 of 23.
    knee = found["followup_knee_osteoarthritis"]
    assert (knee.nation, knee.region) == (Decimal("60.71"), Decimal("60.87"))
    # Fewer than 5 courses in a part, or a rest of 1-4 that would give it back: "<5".
    assert found["mic_nprs"].nation is SUPPRESSED  # 16 of 17 reached: the rest is 1
    assert found["patient_answered"].nation is SUPPRESSED  # 19 of 20
    assert found["followup_hip_osteoarthritis"].nation is SUPPRESSED  # 1 of 1
    # The clinic's own figures are its own: shown however small.
    assert found["mic_psfs"].value == Decimal("100.00")

    table = table_of(report, "indicators")
    csv_text = table_csv(table).decode("utf-8-sig")
    assert "Opfølgning: knæartrose;jan 2026–jun 2026;2;3;66,67;60,87;60,71;" in csv_text
    assert "Mindste vigtige ændring: smerte (NPRS);jan 2026–jun 2026;1;2;50,00;<5;<5;" in (csv_text)

    # The median change: NPRS nation -4, -1 and 15 × -5 (6 clinics), region 12 × -5 and the
    # clinic's two; PSFS has one pair in the nation: "<5".
    medians = table_of(report, "medians")
    assert [c.key for c in medians.columns][3:6] == ["clinic", "region", "nation"]
    by_label = {row[0].da: row[2:6] for row in medians.rows}
    assert by_label["Ændring i smerte (NPRS, point) (median)"] == (
        2,
        Decimal("-2.50"),
        Decimal("-5.00"),
        Decimal("-5.00"),
    )
    assert by_label["Ændring i funktion (PSFS, point) (median)"][2:] == (SUPPRESSED, SUPPRESSED)
    medians_csv = table_csv(medians).decode("utf-8-sig")
    assert "Ændring i smerte (NPRS, point) (median);jan 2026–jun 2026;2;-2,50;-5,00;-5,00;" in (
        medians_csv
    )

    # A funnel plot where at least 5 clinics have 5 in the denominator: follow-up (5 each),
    # not NPRS's MIC (3 pairs at the other clinics).
    funnel = next(s for s in report.sections if s.key == "funnel")
    titles = [c.title_da for c in funnel.charts]
    assert "Tragtdiagram: Opfølgning: samme måleredskab ved start og afslutning" in titles
    assert "Tragtdiagram: Mindste vigtige ændring: smerte (NPRS)" not in titles
    assert "Mindste vigtige ændring: smerte (NPRS)" in funnel.note_da

    html = render_tab_html(
        clinic, project, Period.since_enrolment(), links=ReportLinks("/r/"), today=ON
    )
    assert "Opfølgning: samme måleredskab ved start og afslutning" in html
    assert "Spørgeskemaer besvaret af patienten selv" in html
    assert "Ændringer: medianer, klinikken sammenlignet" in html
    assert "<svg" in html
    assert meeting_pack(report, clinic).startswith(b"%PDF")


def test_the_json_answer_carries_the_same_figures(vendor, clinic, others, project) -> None:
    refresh_benchmark(project_ids=[project.pk])

    response = vendor.report(clinic)

    assert response.status_code == 200, response.content
    body = response.json()
    headline = {f["key"]: f for f in body["headline"]}
    assert (headline["followup"]["value"], headline["followup"]["n"]) == ("60.00", 5)
    assert headline["followup"]["nation"] == "60.00"
    assert headline["mic_nprs"]["value"] == "50.00"
    assert headline["mic_nprs"]["nation"] == "<5"
    assert headline["patient_answered"]["label_en"] == "Questionnaires answered by the patient"
    medians = next(s for s in body["sections"] if s["key"] == "medians")["tables"][0]
    nprs = next(r for r in medians["rows"] if r["indicator"].startswith("Ændring i smerte"))
    assert [nprs[k] for k in ("n", "clinic", "region", "nation")] == [2, "-2.50", "-5.00", "-5.00"]
    funnels = [c for s in body["sections"] for c in s["charts"] if c["kind"] == "funnel"]
    assert funnels  # the national rate and the clinic's point, never another clinic's


def test_a_clinic_enrolled_only_in_diagnosekodning_has_no_outcome_tab(vendor, project) -> None:
    clinic = ClinicFactory()
    onboard(clinic, vendor.vendor, "diagnosekodning")

    assert [t.project_code for t in tabs_for(clinic, ON)] == ["diagnosekodning"]
    assert vendor.report(clinic).status_code == 404


def test_follow_up_change_and_mic_need_the_same_instrument_at_baseline_and_end(
    vendor, project
) -> None:
    """A baseline NPRS and an end-of-course PSFS are measurements at both timepoints, but no
    follow-up: nothing can be compared. Only E-2's NPRS pair counts."""
    clinic = ClinicFactory(region_code="DK-84", municipality_code="")
    onboard(clinic, vendor.vendor, OUTCOMES)
    vendor.send(
        clinic,
        [
            episode("E-1", end_date=ENDED),
            nprs("M-1", "E-1", "baseline", 8),
            psfs("M-2", "E-1", "end_of_course", [6, 7]),
            episode("E-2", end_date=ENDED),
            nprs("M-3", "E-2", "baseline", 7),
            nprs("M-4", "E-2", "end_of_course", 4),  # -3: reached
        ],
    )
    refresh_benchmark(project_ids=[project.pk])

    report, found = figures(clinic, project)

    assert (found["followup"].value, found["followup"].n) == (Decimal("50.00"), 2)
    knee = found["followup_knee_osteoarthritis"]
    assert (knee.value, knee.n) == (
        Decimal("50.00"),
        2,
    )
    assert (found["mic_nprs"].value, found["mic_nprs"].n) == (Decimal("100.00"), 1)
    assert (found["mic_psfs"].value, found["mic_psfs"].n) == (None, 0)
    medians = {row[0].da: row[2:4] for row in table_of(report, "medians").rows}
    assert medians["Ændring i smerte (NPRS, point) (median)"] == (1, Decimal("-3.00"))
    assert medians["Ændring i funktion (PSFS, point) (median)"] == (0, None)


def walk(source_id: str, course: str, timepoint: str, seconds: float) -> dict:
    return measurement(
        source_id,
        course,
        instrument="walk_40m_fast",
        timepoint=timepoint,
        score=seconds,
        answered_by="therapist",
        date=END_DAY if timepoint == "end_of_course" else "2026-02-02",
    )


def test_the_walk_test_falls_in_seconds_and_reaches_its_mic_on_the_speed(vendor, project) -> None:
    """Three hip courses with the 40-m walk, lower time is better: 30 → 25 s (1.333 → 1.600
    m/s, +0.267: reached), 30 → 27 s (+0.148: not), 20 → 18 s (2.000 → 2.222, +0.222:
    reached; two seconds at a quick walker's pace weigh more than three at a slow one's)."""
    clinic = ClinicFactory(region_code="DK-84", municipality_code="")
    onboard(clinic, vendor.vendor, OUTCOMES)
    records: list[dict] = []
    for n, (start, end) in enumerate(((30, 25), (30.0, 27), (20, 18)), start=1):
        records += [
            episode(f"H-{n}", end_date=ENDED, course_type="hip_osteoarthritis"),
            walk(f"W-{n}-b", f"H-{n}", "baseline", start),
            walk(f"W-{n}-e", f"H-{n}", "end_of_course", end),
        ]
    vendor.send(clinic, records)
    refresh_benchmark(project_ids=[project.pk])

    report, found = figures(clinic, project)

    assert (found["mic_walk_40m_fast"].value, found["mic_walk_40m_fast"].n) == (
        Decimal("66.67"),
        3,
    )
    hip = found["followup_hip_osteoarthritis"]
    assert (hip.value, hip.n) == (Decimal("100.00"), 3)
    # The changes end − baseline: -5, -3, -2 s; the median -3 s, shown as "lower is better".
    table = table_of(report, "medians")
    medians = {row[0].da: row for row in table.rows}
    walked = medians["Ændring i 40 m hurtig gangtest (sekunder) (median)"]
    assert walked[2:4] == (3, Decimal("-3.00"))
    better = [c.key for c in table.columns].index("better")
    assert walked[better].da == "Lavere er bedre"
