"""GET /api/v1/clinics/{ydernummer}/reports/{project}, over real HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic
from sentinel.lib.dates import add_months
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from sentinel.reports import engine
from sentinel.reports.engine import ReportContext, ReportDefinition, Section, register
from tests.api.conftest import ENROLLED_ON, episode, onboard, synthetic_cpr
from tests.reports.conftest import clinic_signer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REPORT = "/clinics/811111/reports/diagnosekodning"


def viewed() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="report.worklist_viewed"))


@pytest.fixture
def coded_clinic(api, ready_clinic) -> tuple[Clinic, list[str]]:
    """The ``api`` vendor's clinic 811111 (enrolled 12.01.2026) with four courses."""
    cprs = [synthetic_cpr() for _ in range(4)]
    records = [
        episode("E-1", patient_cpr=cprs[0]),  # knee, L90: valid
        episode(
            "E-2",
            patient_cpr=cprs[1],
            diagnoses=[{"code": "L03", "recorded_at": "2026-02-03T09:00:00+01:00"}],
        ),  # knee, L03: lacks L90
        episode("E-3", patient_cpr=cprs[2], course_type="low_back_pain", diagnoses=[]),
        episode("E-4", patient_cpr=cprs[3], start_date="2026-03-09", course_type=None),  # L90
    ]
    response = api.submit("811111", records)
    assert response.status_code == 200 and response.json()["accepted"] == 4, response.text
    return ready_clinic, cprs


def test_report_json_for_the_vendors_clinic(api, coded_clinic):
    _clinic, cprs = coded_clinic

    response = api.http.get(REPORT)

    assert response.status_code == 200, response.text
    body = response.json()
    today = timezone.localdate()
    assert body["is_open"] is True
    assert body["period"] == {
        "kind": "since_enrolment",
        "text": "since_enrolment",
        "query": {"period": "since_enrolment"},
    }
    assert (body["data_from"], body["data_to"]) == ("2026-01-12", today.isoformat())
    assert body["data_range_da"] == f"Data fra 12.01.2026 til {today:%d.%m.%Y}"
    assert [s["key"] for s in body["sections"]] == [
        "diagnoses",
        "completeness",
        "trend",
        "benchmark",
        "completeness_compared",
        "exceptions",
    ]
    top = body["sections"][0]["tables"][0]
    assert top["key"] == "top_codes"
    assert top["rows"] == [
        {"code": "L90", "title": "Artrose i knæ", "episodes": 2, "share": "66.67"},
        {"code": "L03", "title": "Symptom/klage fra lænd", "episodes": 1, "share": "33.33"},
        {"code": "I alt", "title": "Forløb med kode", "episodes": 3, "share": "100.00"},
        {"code": "Uden kode", "title": "Forløb uden diagnosekode", "episodes": 1, "share": None},
    ]
    worklist = body["worklist"]
    assert worklist["columns"][0]["key"] == "source_id"
    assert [r["source_id"] for r in worklist["rows"]] == ["E-2", "E-3"]
    for cpr in cprs:
        assert cpr not in response.text
        assert f"{cpr[:6]}-{cpr[6:]}" not in response.text
    [event] = viewed()
    assert (event.actor_kind, event.actor_id) == ("vendor", api.vendor.slug)
    assert event.details == {
        "project": "diagnosekodning",
        "rows": 2,
        "period": "since_enrolment",
        "cpr_shown": False,
        "vendor": api.vendor.slug,
    }


def test_report_json_follows_the_chosen_period(api, coded_clinic):
    feb = api.http.get(REPORT, params={"period": "range", "from": "2026-02", "to": "2026-02"})
    year = api.http.get(REPORT, params={"period": "year", "year": "2026"})

    assert feb.status_code == 200, feb.text
    body = feb.json()
    assert (body["data_from"], body["data_to"]) == ("2026-02-01", "2026-02-28")
    assert body["period"]["query"] == {"period": "range", "from": "2026-02", "to": "2026-02"}
    trend = body["sections"][2]["tables"][0]
    assert trend["rows"] == [
        {"month": "feb 2026", "episodes": 3, "coded": 2, "share": "66.67"},
        {"month": "I alt", "episodes": 3, "coded": 2, "share": "66.67"},
    ]
    assert year.status_code == 200 and year.json()["data_from"] == "2026-01-12"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "range", "from": "2026-13", "to": "2026-02"}, "invalid_period"),
        ({"period": "range", "from": "2026-05"}, "invalid_period"),
        ({"period": "fortnight"}, "invalid_period"),
        # exactly as the OpenAPI document says: no short text form, no spaces, no empty year
        ({"period": "2026"}, "invalid_period"),
        ({"period": " year", "year": "2026"}, "invalid_period"),
        ({"year": ""}, "invalid_period"),
        ({"period": "year", "year": "٢٠٢٦"}, "invalid_period"),
        ({"period": "year", "year": "2025"}, "empty_period"),
    ],
)
def test_report_json_with_a_bad_period_is_422_naming_the_period(api, coded_clinic, params, code):
    response = api.http.get(REPORT, params=params)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["fields"][0]["field"] == "period"
    assert viewed() == []


def test_report_json_of_another_vendors_clinic_is_404(api, other_api, coded_clinic):
    response = other_api.http.get(REPORT)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "811111" in response.json()["error"]["message"]
    assert viewed() == []


@pytest.mark.parametrize(
    "path",
    [
        "/clinics/899999/reports/diagnosekodning",  # no such clinic
        "/clinics/81111x/reports/diagnosekodning",  # not a ydernummer
        "/clinics/811111/reports/no-such-project",
    ],
)
def test_report_json_of_an_unknown_clinic_or_project_is_404(api, ready_clinic, path):
    response = api.http.get(path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_report_json_of_a_clinic_never_enrolled_is_404(api):
    assert api.activate("822222").status_code == 200

    response = api.http.get("/clinics/822222/reports/diagnosekodning")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_enrolled"


def test_report_json_before_it_opens_says_when(api):
    assert api.activate("833333").status_code == 200
    today = timezone.localdate()
    enrolled = today - dt.timedelta(days=20)
    onboard(Clinic.objects.get(ydernummer="833333"), on=enrolled)

    response = api.http.get("/clinics/833333/reports/diagnosekodning")

    assert response.status_code == 200
    body = response.json()
    assert body["is_open"] is False
    assert body["opens_on"] == add_months(enrolled, 2).isoformat()
    assert body["closed_reason_da"].startswith(
        f"Din første rapport for Diagnosekodning åbner {add_months(enrolled, 2):%d.%m.%Y}."
    )
    assert (body["sections"], body["worklist"], body["data_from"]) == ([], None, None)
    assert viewed() == []


def test_report_json_without_the_worklist_is_not_audited(api, coded_clinic):
    response = api.http.get(REPORT, params={"worklist": "false"})

    assert response.status_code == 200
    assert response.json()["worklist"] is None
    assert viewed() == []


def test_report_json_needs_a_credential(live_server, coded_clinic):
    response = httpx.get(f"{live_server.url}/api/v1{REPORT}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_report_json_is_described_in_the_openapi_document(api):
    document = api.http.get("/openapi.json").json()

    operation = document["paths"]["/api/v1/clinics/{ydernummer}/reports/{project}"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "ydernummer",
        "project",
        "period",
        "year",
        "from",
        "to",
        "worklist",
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/ReportOut")
    assert {"404", "422"} <= set(operation["responses"])
    report = document["components"]["schemas"]["ReportOut"]
    assert {"sections", "worklist", "opens_on", "data_from"} <= set(report["properties"])


class _NoWorklistReport(ReportDefinition):
    """A second project's report: one section and no worklist."""

    def sections(self, ctx: ReportContext) -> list[Section]:
        return [Section("only", "Kun", "Only")]


@pytest.fixture
def second_project(ready_clinic, monkeypatch) -> Project:
    """Project "andet" with a report of its own (no worklist); clinic 811111 enrolled."""
    monkeypatch.setattr(engine, "_registry", dict(engine.definitions()))
    register("andet")(_NoWorklistReport)
    project = Project.objects.create(
        code="andet",
        name="Andet",
        summary_da="x",
        description_da="x",
        reports_open_from=ENROLLED_ON,
        is_published=True,
    )
    enrol(
        by=clinic_signer(ready_clinic).actor, clinic=ready_clinic, project=project, on=ENROLLED_ON
    )
    return project


def test_report_json_asks_the_projects_definition_for_its_worklist(api, second_project):
    response = api.http.get("/clinics/811111/reports/andet")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["is_open"], [s["key"] for s in body["sections"]]) == (True, ["only"])
    assert body["worklist"] is None
    assert viewed() == []
    assert api.http.get(REPORT).json()["worklist"]["key"] == "worklist"
