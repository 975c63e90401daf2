"""The report pages (demo URLs) through Django's test client, with data that came in through
the ingest pipeline and a refreshed benchmark, dated relative to today (the pages use today)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate
from sentinel.clinics.models import Clinic
from sentinel.collection.pipeline import ingest
from sentinel.demo.views import DEMO_VIEWER
from sentinel.lib.dates import add_months, format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from sentinel.reports.engine import SUPPRESSED, Column, Period, Table
from sentinel.reports.pages import ReportLinks, render_tab_html, table_view
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory, VendorFactory

pytestmark = pytest.mark.django_db

LINKS = ReportLinks("/klinik/rapporter/")

TODAY = timezone.localdate()
ENROLLED = add_months(TODAY, -6).replace(day=12)
"""Enrolled (with DPA and consent) about six months ago: the report opened four months ago."""
FIRST = ENROLLED + dt.timedelta(days=3)
LATER = add_months(ENROLLED, 1).replace(day=5)

_serial = itertools.count(1000)


def synthetic_cpr(born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A generated CPR (a real date, serial 1000–3999); never copied from a person."""
    return f"{born:%d%m%y}{next(_serial)}"


def record(source_id: str, course_type: str | None, codes: list[str], start: dt.date) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": start.isoformat(),
        "diagnoses": [
            {"code": code, "recorded_at": f"{start.isoformat()}T{9 + i:02d}:00:00+01:00"}
            for i, code in enumerate(codes)
        ],
    }


def onboard(clinic: Clinic, project: Project, vendor, *, on: dt.date = ENROLLED) -> None:
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(on))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(on))
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(on))
    enrol(by=signer.actor, clinic=clinic, project=project, on=on)


@pytest.fixture
def demo_on(settings):
    settings.DEMO = True
    return settings


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic_with_data(project, vendor) -> Clinic:
    """A clinic in Region Hovedstaden with six courses in two months (two of them lacking a
    required code), and four more clinics in the region, so the benchmark compares."""
    clinic = ClinicFactory(name="Fysio Østerbro & Søn")
    onboard(clinic, project, vendor)
    outcome = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[
            record("A-1", "knee_osteoarthritis", ["L90"], FIRST),
            record("A-2", "knee_osteoarthritis", ["L90", "L03"], FIRST),  # now L03: lacking
            record("A-3", "low_back_pain", [], LATER),  # no code: lacking
            record("A-4", "lumbar_spinal_stenosis", ["L84"], LATER),
            record("A-5", None, ["L03"], LATER),
            record("A-6", None, ["L90"], LATER),
        ],
    )
    assert outcome.accepted == 6, outcome.as_dict()
    for n in range(4):
        other = ClinicFactory()
        onboard(other, project, vendor)
        ingest(
            vendor=vendor,
            clinic=other,
            records=[record(f"O{n}-{i}", None, ["L90"], FIRST) for i in range(3)],
        )
    aggregates.refresh_benchmark()
    return clinic


def tab_url(clinic: Clinic, tail: str = "") -> str:
    return f"/demo/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/{tail}"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


# --- The tab ---------------------------------------------------------------------------------


def test_tab_shows_data_range_tabs_sections_charts_and_tables(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data))

    assert '<html lang="da">' in content
    assert f"Data fra {format_da(ENROLLED)} til {format_da(TODAY)}" in content
    assert 'aria-current="page">Diagnosekodning' in content
    assert "Mest brugte diagnoser" in content
    assert "Kodningsgrad for strukturerede forløb" in content
    assert "Sammenligning med region og land" in content
    assert content.count('role="img"') == 3  # benchmark bars, completeness and trend lines
    assert '<th scope="col">Kode</th>' in content
    assert '<th scope="row">L03</th>' in content
    assert '<caption id="tabel-top_codes-caption">De 10 mest brugte diagnoser</caption>' in content
    assert "Region Hovedstaden: 5 klinikker har bidraget." in content
    assert tab_url(clinic_with_data, "csv/top_codes/") in content
    assert tab_url(clinic_with_data, "print/") in content
    assert response_has_no_store(client, tab_url(clinic_with_data))


def response_has_no_store(client, url: str) -> bool:
    return client.get(url)["Cache-Control"] == "no-store"


def test_tab_numbers_are_in_the_table_with_a_decimal_comma(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data))

    # Coded: L03 2, L90 2, L84 1 of 5 → 40,00 / 40,00 / 20,00.
    l03 = '<th scope="row">L03</th>\n      <td>Symptom/klage fra lænd</td><td class="num">2</td>'
    assert l03 in content
    assert '<td class="num">40,00</td>' in content
    assert '<td class="num">20,00</td>' in content
    assert "40,00 %" in content  # the same number in the bar chart


def test_benchmark_chart_says_less_than_five_where_the_table_does(
    client, demo_on, clinic_with_data
):
    content = page(client, tab_url(clinic_with_data))

    chart = content[content.index("<svg", content.index('id="sektion-benchmark"')) :]
    chart = chart[: chart.index("</svg>")]
    # L03 and L84 have fewer than 5 courses in the region and the nation; L90 has 14 of 17.
    assert chart.count('class="absent">&lt;5</text>') == 4
    assert "82,35 %" in chart
    assert "L03 Symptom/klage fra lænd" in chart


def test_tab_has_unique_ids_and_headings_in_order(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data))

    ids = re.findall(r'\sid="([^"]+)"', content)
    assert len(ids) == len(set(ids))
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", content)]
    assert levels[:2] == [1, 2]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_tab_offers_the_period_chooser(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data))

    assert '<form class="period-form" method="get"' in content
    for kind in ("since_enrolment", "last_12_months", "year", "range"):
        assert f'name="period" id="periode-{kind}" value="{kind}"' in content
    assert 'value="since_enrolment" checked' in content
    assert '<select name="year" id="periode-aar">' in content
    assert '<label for="periode-fra">fra</label>' in content


def test_period_chooser_narrows_the_report_to_a_range_of_months(client, demo_on, clinic_with_data):
    month = LATER.replace(day=1)
    query = f"?period=range&from={month:%Y-%m}&to={month:%Y-%m}"

    content = page(client, tab_url(clinic_with_data, query))

    last = add_months(month, 1) - dt.timedelta(days=1)
    assert f"Data fra {format_da(month)} til {format_da(min(last, TODAY))}" in content
    assert 'value="range" checked' in content
    assert escape(tab_url(clinic_with_data, f"csv/top_codes/{query}")) in content
    # Only the later month's courses: L03 1, L84 1, L90 1 of 3.
    assert '<td class="num">33,33</td>' in content
    assert '<td class="num">33,34</td>' in content


def test_period_chooser_takes_a_calendar_year(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data, f"?period=year&year={TODAY.year}"))

    assert f"Kalenderåret {TODAY.year}" in content
    assert f"<option selected>{TODAY.year}</option>" in content


def test_a_bad_period_is_refused_with_the_reason_in_danish(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data, "?period=range&from=2026-13&to=x"), 400)

    assert 'role="alert"' in content
    assert "Ugyldig periode" in content
    assert f"Data fra {format_da(ENROLLED)}" in content  # shown since enrolment instead


def test_a_period_before_the_enrolment_says_so(client, demo_on, clinic_with_data):
    before = add_months(ENROLLED, -3)
    query = f"?period=range&from={before:%Y-%m}&to={before:%Y-%m}"

    content = page(client, tab_url(clinic_with_data, query))

    assert "ligger uden for din tilmelding" in content
    assert "Mest brugte diagnoser" not in content


def test_closed_report_says_when_it_opens_and_why(client, demo_on, project, vendor):
    clinic = ClinicFactory()
    enrolled = TODAY - dt.timedelta(days=10)
    onboard(clinic, project, vendor, on=enrolled)
    opens = add_months(enrolled, 2)

    content = page(client, tab_url(clinic))

    assert f"Rapporten åbner {format_da(opens)}" in content
    assert f"Din første rapport for Diagnosekodning åbner {format_da(opens)}" in content
    assert "2 måneder efter" in content
    assert "(åbner " in content  # the tab says it too
    assert "csv/" not in content
    assert "<svg" not in content
    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()


def test_the_worklist_is_shown_with_source_ids_and_every_view_is_audited(
    client, demo_on, clinic_with_data
):
    content = page(client, tab_url(clinic_with_data))
    page(client, tab_url(clinic_with_data))

    assert "Arbejdsliste" in content
    assert '<th scope="row">A-2</th>' in content
    assert '<th scope="row">A-3</th>' in content
    assert "A-1</th>" not in content
    assert "Hver visning logges" in content
    events = AuditEvent.objects.filter(action="report.worklist_viewed")
    assert events.count() == 2
    event = events.first()
    assert event.clinic == clinic_with_data
    assert (event.actor_kind, event.actor_id) == ("system", "demo")
    assert event.details["rows"] == 2
    assert event.details["cpr_shown"] is False


def test_render_without_a_viewer_has_no_worklist_and_writes_no_audit_row(clinic_with_data, project):
    html = render_tab_html(
        clinic_with_data,
        project,
        Period.since_enrolment(),
        links=ReportLinks("/portal/rapporter/"),
    )

    assert "<html" not in html  # a fragment for the portal's page
    assert '<h2 class="report-title">Diagnosekodning</h2>' in html
    assert "Arbejdsliste" not in html
    assert "/portal/rapporter/diagnosekodning/csv/top_codes/" in html
    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()


def test_render_with_a_viewer_includes_the_worklist(clinic_with_data, project):
    html = render_tab_html(
        clinic_with_data, project, Period.last_12_months(), worklist_by=DEMO_VIEWER, links=LINKS
    )

    assert "Arbejdsliste" in html
    assert AuditEvent.objects.filter(action="report.worklist_viewed").count() == 1


def test_render_queries_do_not_grow_with_the_data(clinic_with_data, project, vendor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            render_tab_html(clinic_with_data, project, Period.since_enrolment(), links=LINKS)
        return len(captured)

    queries()  # warm the caches (code list, definitions)
    before = queries()
    codes = ["L83", "L86", "L87", "L88", "L89", "L91", "L92", "L93", "L94", "L95", "L96", "L97"]
    ingest(
        vendor=vendor,
        clinic=clinic_with_data,
        records=[record(f"M-{i}", None, [code], LATER) for i, code in enumerate(codes)],
    )

    assert queries() == before


# The clinic's standing (participation model: activations, versions, signatures, enrolments),
# the benchmark state, the cells, the headline's targets, the worklist's specification and
# episodes (with their exceptions' reasons), its audit row; the clinic's quality network (one
# query; two more in a network); the exceptions and the coding-development cells.
TAB_QUERIES = 15
"""A tab with its worklist: the clinic's standing — activations, documents, signatures,
enrolments (4) —, the benchmark's refresh time, the clinic's cells, the courses counted apart
as exceptions, the clinic's coding-development cells (the region's and the nation's are cached
per refresh), the targets in force for the headline (one read of the stored targets, however
many), the data specification, the worklist's episodes (with their exceptions' reasons) and
its audit row (8), and the worklist's savepoint (2, inside the test's transaction)."""


def test_tab_queries_are_few_and_do_not_grow_with_clinics_or_months(
    clinic_with_data, project, vendor
):
    def queries(period: Period) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            render_tab_html(clinic_with_data, project, period, worklist_by=DEMO_VIEWER, links=LINKS)
        return [q["sql"] for q in captured]

    one_month = Period.months(LATER, LATER)
    queries(one_month)  # warm the benchmark cache of this refresh
    first = queries(one_month)
    queries(Period.since_enrolment())
    months = queries(Period.since_enrolment())  # about seven months
    for n in range(6):
        other = ClinicFactory()
        onboard(other, project, vendor)
        ingest(
            vendor=vendor,
            clinic=other,
            records=[record(f"N{n}-{i}", "low_back_pain", ["L03"], LATER) for i in range(4)],
        )
    aggregates.refresh_benchmark()
    cold = queries(Period.since_enrolment())  # the first render after the refresh
    clinics = queries(Period.since_enrolment())

    assert len(first) <= TAB_QUERIES, "\n".join(first)
    assert len(months) == len(first)
    assert len(clinics) == len(first)
    # Once per refresh: the region's and the nation's benchmark, every clinic's
    # completeness for the funnel plot, and the region's and nation's coding development.
    assert len(cold) <= len(first) + 4
    assert sum("projects_enrolment" in q for q in clinics) == 1
    assert sum("agreements_" in q for q in clinics) == 2  # the versions; both signature kinds


def test_tab_tables_escape_their_cells_and_mark_totals_suppressed_and_empty_cells():
    table = Table(
        key="t",
        title_da="Titel",
        title_en="Title",
        columns=(Column("label", "Kode", "Code"), Column("n", "Antal", "Count", "count"),
                 Column("share", "Andel", "Share", "percent"), Column("note", "Note", "Note")),
        rows=(
            ("<b>L03</b>", 1234, Decimal("33.333"), 'a "quoted" & <i>'),
            ("I alt", SUPPRESSED, None, ""),
        ),
    )  # fmt: skip

    body = str(table_view(table, csv_url="").body)
    empty = str(table_view(replace(table, rows=()), csv_url="").body)

    assert "<b>" not in body and "<i>" not in body
    assert '<th scope="row">&lt;b&gt;L03&lt;/b&gt;</th>' in body
    assert '<td class="num">1234</td><td class="num">33,33</td>' in body
    assert "<td>a &quot;quoted&quot; &amp; &lt;i&gt;</td>" in body
    assert '<tr class="total">' in body and body.count("<tr") == 2
    assert '<td class="num"><abbr title="færre end 5">&lt;5</abbr></td>' in body
    assert body.count('<span class="sr-only">ingen værdi</span>') == 2
    assert '<td colspan="4">Ingen forløb i perioden.</td>' in empty


def test_render_for_a_project_the_clinic_never_joined_is_refused(project):
    with pytest.raises(DomainError) as caught:
        render_tab_html(ClinicFactory(), project, Period.since_enrolment(), links=LINKS)

    assert caught.value.code == "not_enrolled"


def test_pages_escape_the_clinic_name(client, demo_on, project, vendor):
    clinic = ClinicFactory(name='<script>alert("x")</script> & Co')
    onboard(clinic, project, vendor)

    for url in (tab_url(clinic), tab_url(clinic, "print/")):
        content = page(client, url)
        assert "<script>alert" not in content
        assert escape('<script>alert("x")</script> & Co') in content


# --- Print view ------------------------------------------------------------------------------


def test_print_view_has_the_content_without_navigation(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data, "print/"))

    assert '<html lang="da">' in content
    assert f"Data fra {format_da(ENROLLED)} til {format_da(TODAY)}" in content
    assert '<caption id="tabel-top_codes-caption">De 10 mest brugte diagnoser</caption>' in content
    assert content.count('role="img"') == 3
    assert "report-tabs" not in content
    assert "period-form" not in content
    assert "csv/" not in content
    assert 'class="top"' not in content  # no site header
    assert "sentinel/site.css" in content


def test_print_view_leaves_out_the_worklist_unless_ticked_and_audits_it_when_included(
    client, demo_on, clinic_with_data
):
    default = page(client, tab_url(clinic_with_data, "print/"))

    assert 'id="tabel-worklist"' not in default
    assert '<th scope="row">A-2</th>' not in default
    assert 'name="arbejdsliste" id="medtag-arbejdsliste" value="med"' in default
    assert ' checked aria-describedby="medtag-arbejdsliste-hjaelp"' not in default
    assert not AuditEvent.objects.filter(action__startswith="report.worklist").exists()

    ticked = page(client, tab_url(clinic_with_data, "print/?arbejdsliste=med"))

    assert 'id="tabel-worklist"' in ticked
    assert '<th scope="row">A-2</th>' in ticked
    assert ' checked aria-describedby="medtag-arbejdsliste-hjaelp"' in ticked
    assert AuditEvent.objects.filter(action="report.worklist_viewed").count() == 1
    printed = AuditEvent.objects.get(action="report.worklist_printed")
    assert printed.clinic == clinic_with_data
    assert (printed.actor_kind, printed.actor_id) == ("system", "demo")
    assert printed.details == {"project": "diagnosekodning", "rows": 2, "period": "since_enrolment"}


def test_print_view_keeps_the_period_when_the_worklist_is_ticked(client, demo_on, clinic_with_data):
    content = page(client, tab_url(clinic_with_data, "print/?period=last_12_months"))

    assert '<input type="hidden" name="period" value="last_12_months">' in content


# --- CSV -------------------------------------------------------------------------------------


def test_csv_download_is_an_attachment_in_the_danish_excel_shape(client, demo_on, clinic_with_data):
    response = client.get(tab_url(clinic_with_data, "csv/top_codes/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    name = (
        f"sentinel-diagnosekodning-{clinic_with_data.ydernummer}-top_codes-"
        f"{ENROLLED.isoformat()}-{TODAY.isoformat()}.csv"
    )
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kode", "Diagnose", "Forløb", "Andel (%)"]
    assert rows[1] == ["L03", "Symptom/klage fra lænd", "2", "40,00"]
    assert ["Uden kode", "Forløb uden diagnosekode", "1", ""] in rows


def test_csv_follows_the_chosen_period(client, demo_on, clinic_with_data):
    month = LATER.replace(day=1)
    query = f"?period=range&from={month:%Y-%m}&to={month:%Y-%m}"

    response = client.get(tab_url(clinic_with_data, f"csv/trend/{query}"))

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3  # header, the one month, I alt
    assert rows[-1] == ["I alt", "4", "3", "75,00"]


def test_csv_of_the_worklist_is_audited(client, demo_on, clinic_with_data):
    response = client.get(tab_url(clinic_with_data, "csv/worklist/"))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "A-2" in text and "A-3" in text
    assert (
        AuditEvent.objects.filter(action="report.worklist_viewed", clinic=clinic_with_data).count()
        == 1
    )


def test_csv_of_an_unknown_table_is_not_found(client, demo_on, clinic_with_data):
    page(client, tab_url(clinic_with_data, "csv/no_such_table/"), 404)


def test_csv_of_a_closed_report_is_not_found(client, demo_on, project, vendor):
    clinic = ClinicFactory()
    onboard(clinic, project, vendor, on=TODAY - dt.timedelta(days=10))

    page(client, tab_url(clinic, "csv/top_codes/"), 404)
    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()


# --- Not found and not allowed ---------------------------------------------------------------


def test_unknown_clinic_is_not_found(client, demo_on, project):
    page(client, "/demo/klinik/899999/rapporter/diagnosekodning/", 404)


def test_unknown_project_is_not_found(client, demo_on, clinic_with_data):
    base = f"/demo/klinik/{clinic_with_data.ydernummer}/rapporter/"
    for tail in ("ukendt/", "ukendt/print/", "ukendt/csv/top_codes/"):
        page(client, base + tail, 404)


def test_a_project_the_clinic_has_no_tab_for_is_not_found(client, demo_on, project):
    clinic = ClinicFactory()  # never enrolled

    for tail in ("", "print/", "csv/top_codes/"):
        page(client, tab_url(clinic, tail), 404)


def test_report_pages_are_not_found_outside_demo_mode(client, settings, clinic_with_data):
    settings.DEMO = False

    for tail in ("", "print/", "csv/top_codes/", "csv/worklist/"):
        page(client, tab_url(clinic_with_data, tail), 404)
    page(client, f"/demo/klinik/{clinic_with_data.ydernummer}/rapporter/", 404)
    assert not AuditEvent.objects.filter(action="report.worklist_viewed").exists()


def test_report_pages_refuse_post(client, demo_on, clinic_with_data):
    assert client.post(tab_url(clinic_with_data)).status_code == 405
    assert client.post(tab_url(clinic_with_data, "csv/top_codes/")).status_code == 405


# --- Index -----------------------------------------------------------------------------------


def test_index_opens_the_first_tab(client, demo_on, clinic_with_data):
    response = client.get(f"/demo/klinik/{clinic_with_data.ydernummer}/rapporter/")

    assert response.status_code == 302
    assert response["Location"] == tab_url(clinic_with_data)


def test_index_of_a_clinic_without_projects_says_so(client, demo_on):
    clinic = ClinicFactory()

    content = page(client, f"/demo/klinik/{clinic.ydernummer}/rapporter/")

    assert "ikke tilmeldt et projekt med rapporter" in content
    assert f"/demo/klinik/{clinic.ydernummer}/status" in content
