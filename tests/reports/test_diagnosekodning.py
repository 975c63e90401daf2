"""The Diagnosekodning report, with expected tables worked out by hand.

Report cells and benchmark rows are written directly where a test needs exact numbers; the
end-to-end tests at the bottom ingest episodes through the pipeline and refresh the benchmark
with ``reports.aggregates``, the way production fills these tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.collection.models import Episode
from sentinel.collection.pipeline import ingest
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.reports import aggregates
from sentinel.reports.diagnosekodning import worklist
from sentinel.reports.engine import SUPPRESSED, Period, build_report, prepare
from sentinel.reports.models import BenchmarkState
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory, VendorFactory
from tests.reports.conftest import (
    add_benchmark,
    add_cells,
    add_contributors,
    onboard_for_reports,
)

D = dt.date
TODAY = D(2026, 4, 20)  # the report opened 12.03.2026; months jan–apr 2026
FEB, MAR = D(2026, 2, 1), D(2026, 3, 1)


def P(text: str) -> Decimal:
    return Decimal(text)


def rows(table) -> list[tuple]:
    return [tuple(r) for r in table.rows]


def report(clinic, project, period=None, today=TODAY):
    return build_report(clinic, project, period or Period.since_enrolment(), today=today)


# --- Top diagnoses -------------------------------------------------------------------------


def test_top_codes_names_ten_and_puts_the_rest_in_ovrige(enrolled_clinic, project):
    # 12 codes, 40 coded courses; ranked by count, ties by code: L03 8, L90 6, L89 5, L86 4,
    # L83 3, L84 3, L87 2, L91 2, L92 2, L98 2 | L99 2, L18 1 → Øvrige 3.
    add_cells(enrolled_clinic, project, FEB, {"L03": 5, "L90": 6, "L89": 5, "L86": 4, "": 4})
    add_cells(
        enrolled_clinic,
        project,
        MAR,
        {"L03": 3, "L83": 3, "L84": 3, "L87": 2, "L91": 2, "L92": 2, "L98": 2, "L99": 2,
         "L18": 1, "": 1},
    )  # fmt: skip

    table = report(enrolled_clinic, project).section("diagnoses").table("top_codes")

    assert rows(table) == [
        ("L03", "Symptom/klage fra lænd", 8, P("20.00")),
        ("L90", "Artrose i knæ", 6, P("15.00")),
        ("L89", "Artrose i hofteled", 5, P("12.50")),
        ("L86", "Rygsyndrom med smerteudstråling", 4, P("10.00")),
        ("L83", "Cervikalsyndrom", 3, P("7.50")),
        ("L84", "Rygsyndrom uden smerteudstråling", 3, P("7.50")),
        ("L87", "Bursit/tendinit/synovit IKA", 2, P("5.00")),
        ("L91", "Artrose IKA", 2, P("5.00")),
        ("L92", "Skuldersyndrom", 2, P("5.00")),
        ("L98", "Erhvervet deformitet af ekstremitet", 2, P("5.00")),
        ("Øvrige", "2 andre koder", 3, P("7.50")),
        ("I alt", "Forløb med kode", 40, P("100.00")),
        ("Uden kode", "Forløb uden diagnosekode", 5, None),
    ]
    assert [c.kind for c in table.columns] == ["text", "text", "count", "percent"]


def test_top_codes_one_third_each_adds_up_to_exactly_100(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, FEB, {"L90": 1, "L03": 1, "L83": 1})

    table = report(enrolled_clinic, project).section("diagnoses").table("top_codes")

    assert rows(table)[:4] == [
        ("L03", "Symptom/klage fra lænd", 1, P("33.33")),
        ("L83", "Cervikalsyndrom", 1, P("33.33")),
        ("L90", "Artrose i knæ", 1, P("33.34")),
        ("I alt", "Forløb med kode", 3, P("100.00")),
    ]


def test_top_codes_with_exactly_ten_codes_has_no_ovrige(enrolled_clinic, project):
    codes = ["L03", "L18", "L83", "L84", "L86", "L87", "L89", "L90", "L91", "L92"]
    add_cells(enrolled_clinic, project, FEB, dict.fromkeys(codes, 1))

    table = report(enrolled_clinic, project).section("diagnoses").table("top_codes")

    assert table.column("code") == [*codes, "I alt", "Uden kode"]
    assert set(table.column("share")[:10]) == {P("10.00")}


def test_top_codes_of_a_clinic_without_coded_courses(enrolled_clinic, project):
    add_cells(enrolled_clinic, project, FEB, {"": 3})

    section = report(enrolled_clinic, project).section("diagnoses")

    assert rows(section.table("top_codes")) == [
        ("I alt", "Forløb med kode", 0, None),
        ("Uden kode", "Forløb uden diagnosekode", 3, None),
    ]
    assert rows(section.table("chapters")) == [("I alt", "Forløb med kode", 0, None)]
    assert section.note_da == "3 forløb i perioden har ingen diagnosekode."


def test_chapters_add_up_by_largest_remainder(enrolled_clinic, project):
    # L 3, P 2, A 1, K 1 of 7: floors 42.85 28.57 14.28 14.28 (99.98); remainders (of 7)
    # 5, 1, 4, 4 → L gets one, then A and K tie (remainder and count): the later, K.
    add_cells(
        enrolled_clinic, project, FEB, {"L03": 2, "L90": 1, "P76": 2, "A04": 1, "K86": 1, "": 2}
    )

    table = report(enrolled_clinic, project).section("diagnoses").table("chapters")

    assert rows(table) == [
        ("L", "Bevægeapparatet", 3, P("42.86")),
        ("P", "Psykiske forhold", 2, P("28.57")),
        ("A", "Almene og uspecifikke", 1, P("14.28")),
        ("K", "Hjerte og kredsløb", 1, P("14.29")),
        ("I alt", "Forløb med kode", 7, P("100.00")),
    ]


# --- Completeness and trend ----------------------------------------------------------------

STRUCTURED = {
    FEB: {
        ("51", "knee_osteoarthritis", "L90"): 4,  # valid
        ("51", "knee_osteoarthritis", "L03"): 1,  # wrong code
        ("51", "knee_osteoarthritis", ""): 1,  # no code
        ("51", "low_back_pain", "L03"): 2,  # valid
        ("51", "", "L90"): 2,  # not a structured course
    },
    MAR: {
        ("51", "lumbar_spinal_stenosis", "L86"): 1,  # valid
        ("51", "lumbar_spinal_stenosis", "L84"): 1,  # valid
        ("51", "lumbar_spinal_stenosis", "L03"): 1,  # wrong code
        ("51", "cervical_radiculopathy", "L83"): 2,  # valid
        ("57", "knee_osteoarthritis", "L03"): 1,  # speciale 57: not counted
        ("57", "", ""): 3,
    },
}


def test_completeness_per_course_type_and_month(enrolled_clinic, project):
    for month, cells in STRUCTURED.items():
        add_cells(enrolled_clinic, project, month, cells)

    section = report(enrolled_clinic, project).section("completeness")

    assert rows(section.table("completeness_by_type")) == [
        ("Cervikal nerverodspåvirkning", "L83", 2, 2, P("100.00")),
        ("Lumbal nerverodspåvirkning", "L86", 0, 0, None),
        ("Lumbal spinalstenose", "L84/L86", 3, 2, P("66.67")),
        ("Hofteartrose", "L89", 0, 0, None),
        ("Knæartrose", "L90", 6, 4, P("66.67")),
        ("Primære lændesmerter", "L03", 2, 2, P("100.00")),
        ("I alt", "", 13, 10, P("76.92")),
    ]
    assert rows(section.table("completeness_by_month")) == [
        ("jan 2026", 0, 0, None),
        ("feb 2026", 8, 6, P("75.00")),
        ("mar 2026", 5, 4, P("80.00")),
        ("apr 2026", 0, 0, None),
        ("I alt", 13, 10, P("76.92")),
    ]
    chart = section.charts[0]
    assert chart.kind == "line" and chart.table_key == "completeness_by_month"
    assert chart.categories == ("jan 2026", "feb 2026", "mar 2026", "apr 2026")
    assert chart.series[0].values == (None, P("75.00"), P("80.00"), None)


def test_trend_counts_courses_and_coded_courses_per_month(enrolled_clinic, project):
    for month, cells in STRUCTURED.items():
        add_cells(enrolled_clinic, project, month, cells)

    section = report(enrolled_clinic, project).section("trend")

    assert rows(section.table("trend")) == [
        ("jan 2026", 0, 0, None),
        ("feb 2026", 10, 9, P("90.00")),
        ("mar 2026", 9, 6, P("66.67")),
        ("apr 2026", 0, 0, None),
        ("I alt", 19, 15, P("78.95")),
    ]
    chart = section.charts[0]
    assert (chart.kind, chart.table_key) == ("line", "trend")
    assert [s.values for s in chart.series] == [(0, 10, 9, 0), (0, 9, 6, 0)]


def test_a_period_of_months_reads_only_those_months(enrolled_clinic, project):
    for month, cells in STRUCTURED.items():
        add_cells(enrolled_clinic, project, month, cells)

    r = report(enrolled_clinic, project, Period.parse("2026-03..2026-03"))

    assert r.data_range_da == "Data fra 01.03.2026 til 31.03.2026"
    assert rows(r.section("trend").table("trend")) == [
        ("mar 2026", 9, 6, P("66.67")),
        ("I alt", 9, 6, P("66.67")),
    ]


# --- Benchmark -----------------------------------------------------------------------------


@pytest.fixture
def benchmarked(enrolled_clinic, project):
    """The clinic codes L03 2, L89 1, L90 1. Region Hovedstaden (DK-84): L03 20, L90 10,
    L89 4, K86 6 (of 40); the nation: L03 30, L90 12, L89 8, K86 10 (of 60)."""
    add_cells(enrolled_clinic, project, FEB, {"L03": 2, "L90": 1, "L89": 1})
    add_benchmark(project, "DK-84", FEB, {"L03": 20, "L90": 10, "L89": 4, "K86": 6, "": 9})
    add_benchmark(project, "DK", FEB, {"L03": 30, "L90": 12, "L89": 8, "K86": 10, "": 12})
    return enrolled_clinic


def test_benchmark_shares_beside_region_and_nation_with_small_cells_suppressed(
    benchmarked, project
):
    region = add_contributors(project, FEB, "DK-84", 5, including=[benchmarked])
    add_contributors(project, MAR, "DK-84", 2, including=region[:2])  # the same clinics again
    add_contributors(project, FEB, "DK-81", 1)

    section = report(benchmarked, project).section("benchmark")
    table = section.table("benchmark")

    # Region: 50.00, 25.00, 10.00 (only 4 courses: "<5"), Øvrige 6 → 15.00, suppressed too:
    # the column adds up to 100, so 100 - 50 - 25 - 15 would give the 10.00 back.
    # Nation: 30/60 50.00, 12/60 20.00, 8/60 13.333.., 10/60 16.666.. → floors 99.99, the
    # missing hundredth to the larger remainder (Øvrige): 13.33, 16.67.
    assert [c.key for c in table.columns] == ["code", "title", "clinic", "region", "nation"]
    assert [c.label_da for c in table.columns][2:] == [
        "Klinikken (%)",
        "Region Hovedstaden (%)",
        "Hele landet (%)",
    ]
    assert rows(table) == [
        ("L03", "Symptom/klage fra lænd", P("50.00"), P("50.00"), P("50.00")),
        ("L89", "Artrose i hofteled", P("25.00"), SUPPRESSED, P("13.33")),
        ("L90", "Artrose i knæ", P("25.00"), P("25.00"), P("20.00")),
        ("Øvrige", "Øvrige koder", P("0.00"), SUPPRESSED, P("16.67")),
    ]
    assert section.note_da == (
        "Region Hovedstaden: 5 klinikker har bidraget. Hele landet: 6 klinikker har bidraget."
    )
    chart = section.charts[0]
    assert chart.categories == ("L03", "L89", "L90")
    assert [(s.name_da, s.values) for s in chart.series] == [
        ("Klinikken", (P("50.00"), P("25.00"), P("25.00"))),
        ("Region Hovedstaden", (P("50.00"), SUPPRESSED, P("25.00"))),
        ("Hele landet", (P("50.00"), P("13.33"), P("20.00"))),
    ]
    assert table.as_dict()["rows"][1] == {
        "code": "L89",
        "title": "Artrose i hofteled",
        "clinic": "25.00",
        "region": "<5",
        "nation": "13.33",
    }


def test_benchmark_needs_five_clinics_four_give_no_comparison(benchmarked, project):
    add_contributors(project, FEB, "DK-84", 4, including=[benchmarked])
    add_contributors(project, FEB, "DK-81", 1)
    add_contributors(project, D(2025, 12, 1), "DK-84", 3)  # before the period: not counted

    section = report(benchmarked, project).section("benchmark")

    assert rows(section.table("benchmark")) == [
        ("L03", "Symptom/klage fra lænd", P("50.00"), None, P("50.00")),
        ("L89", "Artrose i hofteled", P("25.00"), None, P("13.33")),
        ("L90", "Artrose i knæ", P("25.00"), None, P("20.00")),
        ("Øvrige", "Øvrige koder", P("0.00"), None, P("16.67")),
    ]
    assert section.note_da.startswith(
        "Region Hovedstaden: ingen sammenligning, fordi færre end 5 klinikker har bidraget "
        "med data i perioden."
    )
    assert [s.name_da for s in section.charts[0].series] == ["Klinikken", "Hele landet"]


def test_benchmark_with_four_clinics_in_the_nation_compares_nothing(benchmarked, project):
    add_contributors(project, FEB, "DK-84", 4, including=[benchmarked])

    section = report(benchmarked, project).section("benchmark")

    assert [r[3:] for r in rows(section.table("benchmark"))] == [(None, None)] * 4
    assert "Hele landet: ingen sammenligning" in section.note_da
    assert [s.name_da for s in section.charts[0].series] == ["Klinikken"]


def test_benchmark_follows_the_report_period(benchmarked, project):
    add_contributors(project, FEB, "DK-84", 5, including=[benchmarked])
    add_contributors(project, MAR, "DK-84", 5)
    add_cells(benchmarked, project, MAR, {"L90": 5})
    add_benchmark(project, "DK-84", MAR, {"L90": 50})
    add_benchmark(project, "DK", MAR, {"L90": 50})

    table = (
        report(benchmarked, project, Period.parse("2026-03..2026-03"))
        .section("benchmark")
        .table("benchmark")
    )

    # March only: the clinic has L90 5 (100 %); region 5 clinics, L90 50 of 50.
    assert rows(table) == [
        ("L90", "Artrose i knæ", P("100.00"), P("100.00"), P("100.00")),
        ("Øvrige", "Øvrige koder", P("0.00"), SUPPRESSED, SUPPRESSED),
    ]


def test_benchmark_of_a_clinic_without_region(project):
    clinic = ClinicFactory(region_code="", municipality_code="")
    onboard_for_reports(clinic, project)
    add_cells(clinic, project, FEB, {"L03": 6})
    add_benchmark(project, "DK", FEB, {"L03": 60})
    add_contributors(project, FEB, "DK-81", 5)

    section = report(clinic, project).section("benchmark")

    assert rows(section.table("benchmark"))[0] == (
        "L03", "Symptom/klage fra lænd", P("100.00"), None, P("100.00")
    )  # fmt: skip
    assert section.note_da.startswith("Klinikken har ingen region registreret")


@pytest.mark.parametrize(
    "period", ["since_enrolment", "2026-02..2026-02", "2026-03..2026-04", "2026"]
)
def test_benchmark_after_a_refresh_reads_the_same_as_before_one(benchmarked, project, period):
    """Before the first refresh the figures are read from the tables; after one they come from
    the per-refresh snapshot. Same figures, whatever the months, region or moving clinic."""
    region = add_contributors(project, FEB, "DK-84", 5, including=[benchmarked])
    add_contributors(project, MAR, "DK-84", 4, including=region[1:3])
    add_contributors(project, MAR, "DK-81", 2, including=region[3:4])  # moved region in March
    add_contributors(project, D(2025, 12, 1), "DK-84", 3)  # before the enrolment
    add_cells(benchmarked, project, MAR, {"L90": 5, "K86": 1})
    add_benchmark(project, "DK-84", MAR, {"L90": 50, "K86": 3, "L03": 7})
    add_benchmark(project, "DK-81", MAR, {"L90": 9, "R96": 40})
    add_benchmark(project, "DK", MAR, {"L90": 59, "K86": 3, "L03": 7, "R96": 40})
    add_benchmark(project, "DK", D(2025, 12, 1), {"L03": 99})  # before the enrolment
    nowhere = ClinicFactory(region_code="", municipality_code="")
    onboard_for_reports(nowhere, project)
    add_cells(nowhere, project, MAR, {"R96": 2, "L90": 1})
    chosen = Period.parse(period)

    def benchmarks():
        return [
            report(clinic, project, chosen).section("benchmark")
            for clinic in (benchmarked, nowhere)
        ]

    before = benchmarks()
    refreshed = timezone.now()  # a new refresh time: the caches are keyed by it
    BenchmarkState.objects.update_or_create(project=project, defaults={"refreshed_at": refreshed})
    after = benchmarks()

    assert report(benchmarked, project).benchmark_refreshed_at == refreshed
    assert after == before
    assert benchmarks() == before  # and again, from the cache


# --- Worklist ------------------------------------------------------------------------------

_serial = itertools.count(1000)


def synthetic_cpr(born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A generated CPR (a real date, serial 1000–3999); never copied from a person."""
    return f"{born:%d%m%y}{next(_serial)}"


def record(source_id, course_type, codes, *, cpr=None, start="2026-02-02", speciale="51"):
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": cpr or synthetic_cpr(),
        "speciale": speciale,
        "course_type": course_type,
        "start_date": start,
        "diagnoses": [
            {"code": code, "recorded_at": f"{start}T{9 + i:02d}:00:00+01:00"}
            for i, code in enumerate(codes)
        ],
    }


@pytest.fixture
def vendor_clinics(project):
    """Two clinics of one vendor, both onboarded on ENROLLED, with stored episodes."""
    vendor = VendorFactory()
    a = ClinicFactory()
    b = ClinicFactory()
    for clinic in (a, b):
        onboard_for_reports(clinic, project, vendor=vendor)
    cpr_a = synthetic_cpr()
    outcome = ingest(
        vendor=vendor,
        clinic=a,
        records=[
            record("A-1", "knee_osteoarthritis", ["L90"]),  # valid
            record("A-2", "knee_osteoarthritis", ["L90", "L03"], cpr=cpr_a),  # current L03
            record("A-3", "low_back_pain", [], start="2026-03-05"),  # no code
            record("A-4", "lumbar_spinal_stenosis", ["L84"]),  # valid
            record("A-5", None, ["L03"]),  # not structured
        ],
        now=at(TODAY),
    )
    assert outcome.accepted == 5, outcome.as_dict()
    ingest(
        vendor=vendor,
        clinic=b,
        records=[record("B-1", "hip_osteoarthritis", ["L03"])],
        now=at(TODAY),
    )
    return vendor, a, b, cpr_a


def test_worklist_shows_the_clinics_own_uncoded_courses_with_cpr(vendor_clinics, project):
    _vendor, a, _b, cpr_a = vendor_clinics
    user = Actor.clinic_user("00000000-0000-4000-8000-00000000000a", "Klinikbruger")

    table = worklist(a, project, Period.since_enrolment(), by=user, today=TODAY)

    assert [c.key for c in table.columns] == [
        "cpr", "source_id", "course_type", "start_date", "current_code", "required", "exception"
    ]  # fmt: skip
    assert [row[1:] for row in rows(table)] == [
        ("A-2", "Knæartrose", "02.02.2026", "L03", "L90", None),
        ("A-3", "Primære lændesmerter", "05.03.2026", None, "L03", None),
    ]
    assert rows(table)[0][0] == f"{cpr_a[:6]}-{cpr_a[6:]}"
    assert rows(table)[1][0] is not None
    event = AuditEvent.objects.get(action="report.worklist_viewed")
    assert (event.actor_kind, event.clinic_id) == ("clinic_user", a.pk)
    assert event.details == {
        "project": "diagnosekodning",
        "rows": 2,
        "period": "since_enrolment",
        "cpr_shown": True,
    }
    assert cpr_a not in str(event.details)


def test_worklist_for_a_vendor_shows_source_ids_only(vendor_clinics, project):
    vendor, a, _b, cpr_a = vendor_clinics

    table = worklist(a, project, Period.since_enrolment(), by=Actor.vendor(vendor), today=TODAY)

    assert table.columns[0].key == "source_id"
    assert table.column("source_id") == ["A-2", "A-3"]
    assert cpr_a not in str(table.as_dict())
    event = AuditEvent.objects.get(action="report.worklist_viewed")
    assert (event.actor_kind, event.details["cpr_shown"]) == ("vendor", False)


def test_worklist_never_shows_another_clinics_courses(vendor_clinics, project):
    _vendor, a, b, _cpr = vendor_clinics
    user = Actor.clinic_user("00000000-0000-4000-8000-00000000000b", "Klinikbruger")

    assert worklist(b, project, Period.since_enrolment(), by=user, today=TODAY).column(
        "source_id"
    ) == ["B-1"]
    own = worklist(a, project, Period.since_enrolment(), by=user, today=TODAY)
    assert "B-1" not in own.column("source_id")
    assert AuditEvent.objects.filter(action="report.worklist_viewed").count() == 2


def test_worklist_without_cpr_when_the_specification_does_not_allow_it(vendor_clinics, project):
    _vendor, a, _b, _cpr = vendor_clinics
    spec = dict(project.specification(TODAY).spec, person_identifiable_worklist=False)
    publish_specification(by=SYSTEM, project=project, spec=spec, effective_from=D(2026, 4, 1))
    user = Actor.clinic_user("00000000-0000-4000-8000-00000000000c", "Klinikbruger")

    table = worklist(a, project, Period.since_enrolment(), by=user, today=TODAY)

    assert "cpr" not in [c.key for c in table.columns]
    assert AuditEvent.objects.get(action="report.worklist_viewed").details["cpr_shown"] is False


def test_worklist_before_the_report_opens_is_refused_and_not_audited(vendor_clinics, project):
    _vendor, a, _b, _cpr = vendor_clinics
    user = Actor.clinic_user("00000000-0000-4000-8000-00000000000d", "Klinikbruger")

    with pytest.raises(DomainError) as caught:
        worklist(a, project, Period.since_enrolment(), by=user, today=D(2026, 3, 11))

    assert caught.value.code == "report_not_open"
    assert "åbner 12.03.2026" in caught.value.message_da
    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()


def test_worklist_refuses_a_preparation_for_another_period_or_clinic(vendor_clinics, project):
    _vendor, a, b, _cpr = vendor_clinics
    user = Actor.clinic_user("00000000-0000-4000-8000-00000000000e", "Klinikbruger")
    prepared = prepare(a, project, Period.since_enrolment(), today=TODAY)

    with pytest.raises(ValueError, match="prepared for clinic"):
        worklist(a, project, Period.last_12_months(), by=user, today=TODAY, prepared=prepared)
    with pytest.raises(ValueError, match="prepared for clinic"):
        worklist(b, project, Period.since_enrolment(), by=user, today=TODAY, prepared=prepared)

    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()
    table = worklist(a, project, Period.since_enrolment(), by=user, prepared=prepared)
    assert [r[1] for r in table.rows] == ["A-2", "A-3"]


# --- End to end: ingest → aggregates → report ----------------------------------------------


def test_report_from_ingested_courses_and_a_refreshed_benchmark(vendor_clinics, project):
    vendor, a, _b, _cpr = vendor_clinics
    others = [ClinicFactory() for _ in range(3)]
    for clinic in others:
        onboard_for_reports(clinic, project, vendor=vendor)
        ingest(
            vendor=vendor,
            clinic=clinic,
            records=[record(f"{clinic.ydernummer}-{i}", "knee_osteoarthritis", ["L90"])
                     for i in range(3)],
            now=at(TODAY),
        )  # fmt: skip
    aggregates.refresh_benchmark()

    r = report(a, project)

    assert rows(r.section("diagnoses").table("top_codes")) == [
        ("L03", "Symptom/klage fra lænd", 2, P("50.00")),
        ("L84", "Rygsyndrom uden smerteudstråling", 1, P("25.00")),
        ("L90", "Artrose i knæ", 1, P("25.00")),
        ("I alt", "Forløb med kode", 4, P("100.00")),
        ("Uden kode", "Forløb uden diagnosekode", 1, None),
    ]
    assert rows(r.section("completeness").table("completeness_by_type"))[-1] == (
        "I alt", "", 4, 2, P("50.00")
    )  # fmt: skip
    # Five clinics in DK-84: A (L03 2, L84 1, L90 1), B (L03 1) and three with L90 3 each.
    # Region = nation: L03 3 (<5), L84 1 (<5), L90 10 → of 14: 21.43, 7.14, 71.43, Øvrige 0.
    assert rows(r.section("benchmark").table("benchmark")) == [
        ("L03", "Symptom/klage fra lænd", P("50.00"), SUPPRESSED, SUPPRESSED),
        ("L84", "Rygsyndrom uden smerteudstråling", P("25.00"), SUPPRESSED, SUPPRESSED),
        ("L90", "Artrose i knæ", P("25.00"), P("71.43"), P("71.43")),
        ("Øvrige", "Øvrige koder", P("0.00"), SUPPRESSED, SUPPRESSED),
    ]
    assert r.benchmark_refreshed_at is not None
    assert Episode.objects.filter(clinic=a).count() == 5


def test_report_benchmark_changes_with_the_next_refresh(vendor_clinics, project):
    vendor, a, _b, _cpr = vendor_clinics
    others = [ClinicFactory() for _ in range(3)]
    for clinic in others:
        onboard_for_reports(clinic, project, vendor=vendor)
    aggregates.refresh_benchmark()
    before = report(a, project).section("benchmark").table("benchmark")
    assert report(a, project).section("benchmark").table("benchmark") == before
    for clinic in others:
        ingest(
            vendor=vendor,
            clinic=clinic,
            records=[record(f"{clinic.ydernummer}-{i}", None, ["L03"]) for i in range(2)],
            now=at(TODAY),
        )

    aggregates.refresh_benchmark()
    after = report(a, project).section("benchmark").table("benchmark")

    # Before: two contributing clinics (A and B), no comparison. After: five; L03 3 + 6 = 9,
    # L84 1, L90 1 of 11 coded courses → 81.82, 9.09, 9.09 (L84 and L90 under 5: "<5").
    assert before.column("nation") == [None, None, None, None]
    assert after.column("nation") == [P("81.82"), SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert after.column("region") == after.column("nation")
