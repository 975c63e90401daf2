"""A third project made as data only: created in the console by a project manager (real
requests, logged in with password and TOTP), its data specification and its indicators
entered as fields and published; a clinic enrols, its practice system sends courses through
the real vendor API (a live server), the benchmark is refreshed, and the clinic opens the
project's tab in the portal (logged in through the real OpenID Connect provider): the figures
are the ones worked out by hand below. No line of the project's own code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic
from sentinel.lib.dates import add_months
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from sentinel.reports.models import DeclaredIndicator
from tests.api.conftest import make_vendor_client, synthetic_cpr  # noqa: F401 (fixture)
from tests.console.conftest import staff_rows
from tests.portal.conftest import (  # noqa: F401 (fixtures)
    PROVIDER_WARNINGS,
    log_in,
    person,
    provider,
    provider_issuer,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    *PROVIDER_WARNINGS,
]

TODAY = timezone.localdate()
ENROLLED = add_months(TODAY, -3)

PROJECT = {
    "code": "artrose",
    "name": "Artroseforløb",
    "summary_da": "Kodning af artroseforløb.",
    "description_da": "Der opsamles forløb med speciale, forløbstype og ICPC-2-koder.",
    "description_en": "",
    "recipients_da": "Klinikken selv.",
    "reports_open_from": "2026-01-01",
    "first_report_delay_months": "2",
}
SPECIFICATION = {
    "record_types": ["episode"],
    "data_fields": ["patient_cpr", "speciale", "course_type", "start_date", "diagnoses"],
    "specialities": ["51"],
    "icpc2_codes": "",
    "effective_from": TODAY.isoformat(),
}


def indicator_form(key: str, label: str, **fields: object) -> dict[str, object]:
    form: dict[str, object] = {
        "action": "save",
        "key": key,
        "label_da": label,
        "label_en": "",
        "definition_da": "",
        "definition_en": "",
        "record_type": "episode",
        "period": "report",
        "better": "higher",
        "low": "",
        "high": "",
        "disclosure": "standard",
        "levels": ["region", "nation"],
        "population_code": "",
        "denominator_code": "",
        "numerator_code": "",
    }
    form.update(fields)
    return form


ARTHROSIS = indicator_form(
    "artrose_kodet",
    "Artrose med krævet kode",
    population_speciale=["51"],
    population_course_type=["knee_osteoarthritis", "hip_osteoarthritis"],
    numerator_code="L89, L90",
    low="90",
    high="100",
)
CODED = indicator_form(
    "kodet", "Forløb med kode", population_speciale=["51"], numerator_code_any="on"
)


def course(source_id: str, course_type: str | None, codes: list[str]) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": TODAY.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [
            {"code": code, "recorded_at": f"{TODAY.isoformat()}T09:30:00+01:00"} for code in codes
        ],
    }


COURSES = [
    course("A-1", "knee_osteoarthritis", ["L90"]),
    course("A-2", "knee_osteoarthritis", ["L90"]),
    course("A-3", "knee_osteoarthritis", []),
    course("A-4", "hip_osteoarthritis", ["L89"]),
    course("A-5", "low_back_pain", ["L03"]),
    course("A-6", None, ["L90"]),
]
"""By hand: arthrosis courses A-1–A-4 (4), with L89/L90 A-1, A-2, A-4 (3): 75,00 %. Every
course of speciale 51 (6), with any code (5): 83,33 %."""


def onboard(clinic: Clinic, project: Project) -> None:
    signer = Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)
    at = timezone.make_aware(dt.datetime.combine(ENROLLED, dt.time(9)))
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(by=signer.actor, clinic=clinic, project=project, on=ENROLLED)


def test_a_project_made_in_the_console_as_data_shows_its_tab_with_hand_computed_figures(
    project_manager,
    make_vendor_client,  # noqa: F811 - the fixture imported above
    client,
    provider,  # noqa: F811 - the fixture imported above
) -> None:
    staff_client, manager = project_manager

    # The project, its data specification and its indicators, entered in the console.
    created = staff_client.post(reverse("console:projects_project_add"), PROJECT)
    assert created.status_code == 302, created.content.decode()[:2000]
    project = Project.objects.get(code="artrose")
    indicators = reverse("console:projects_project_indicators", args=[project.pk])
    for form in (ARTHROSIS, CODED):
        saved = staff_client.post(indicators, form)
        assert saved.status_code == 302, saved.content.decode()[:3000]
    page = staff_client.get(indicators).content.decode()
    assert "Artrose med krævet kode" in page and "Forløbstype: knee_osteoarthritis" in page
    # The specification's first version, published with the indicators.
    spec_url = reverse("console:projects_project_specification", args=[project.pk])
    preview = staff_client.post(spec_url, SPECIFICATION)
    assert preview.status_code == 200 and preview.context["fingerprint"]
    assert "Offentliggør de 2 udkast til rapportens indikatorer" in preview.content.decode()
    confirmed = staff_client.post(
        spec_url,
        {**SPECIFICATION, "confirm": preview.context["fingerprint"], "with_indicators": "on"},
    )
    assert confirmed.status_code == 302, confirmed.content.decode()[:2000]
    published = staff_client.post(reverse("console:projects_project_publish", args=[project.pk]))
    assert published.status_code == 302
    project.refresh_from_db()
    assert project.is_published
    assert [
        i.key for i in DeclaredIndicator.objects.filter(project=project, specification__version=1)
    ] == [
        "artrose_kodet",
        "kodet",
    ]
    assert len(staff_rows(manager, AuditEvent.Action.INDICATOR_SAVED)) == 2
    assert len(staff_rows(manager, AuditEvent.Action.INDICATORS_PUBLISHED)) == 1

    # A clinic enrols; its practice system sends the courses through the vendor API.
    api = make_vendor_client()
    activated = api.activate("822222", municipality_code="0461")
    assert activated.status_code == 200, activated.text
    clinic = Clinic.objects.get(ydernummer="822222")
    onboard(clinic, project)
    sent = api.submit("822222", COURSES)
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] == 6, sent.text
    aggregates.refresh_benchmark()

    # The clinic opens its reports: the project's tab, with the figures worked out by hand.
    log_in(client, provider, person(clinic))
    base = f"/klinik/{clinic.ydernummer}/rapporter/"
    first = client.get(base)
    assert first.status_code == 302
    assert first["Location"] == f"{base}artrose/"
    tab = client.get(f"{base}artrose/")
    assert tab.status_code == 200
    html = tab.content.decode()
    assert "Artrose med krævet kode" in html and "Forløb med kode" in html
    assert "75,00 %" in html and "83,33 %" in html
    assert "færre end 5 klinikker" in html  # one clinic: no comparison

    table = client.get(f"{base}artrose/csv/indicators/")
    assert table.status_code == 200
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[2:5] for r in rows[1:]] == [["3", "4", "75,00"], ["5", "6", "83,33"]]
    as_json = api.http.get("/clinics/822222/reports/artrose")
    assert as_json.status_code == 200, as_json.text
    headline = {f["key"]: (f["value"], f["n"], f["in_target"]) for f in as_json.json()["headline"]}
    assert headline == {"artrose_kodet": ("75.00", 4, False), "kodet": ("83.33", 6, None)}
    pdf = client.get(f"{base}artrose.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:4] == b"%PDF"


def test_support_may_read_the_indicators_page_but_not_change_it(support, project) -> None:
    staff_client, _person = support
    url = reverse("console:projects_project_indicators", args=[project.pk])

    assert staff_client.get(url).status_code == 200
    refused = staff_client.post(url, indicator_form("kodet", "Forløb med kode"))

    assert refused.status_code == 403
    assert not DeclaredIndicator.objects.filter(project=project).exists()


def test_an_indicator_with_bad_fields_is_refused_in_danish_and_nothing_stored(
    project_manager, project
) -> None:
    staff_client, manager = project_manager
    url = reverse("console:projects_project_indicators", args=[project.pk])

    unknown_code = staff_client.post(
        url, indicator_form("kodet", "Forløb med kode", numerator_code="Q99")
    )
    no_numerator = staff_client.post(url, indicator_form("kodet", "Forløb med kode"))

    assert unknown_code.status_code == 200
    assert "er ikke en gyldig værdi for ICPC-2-kode" in unknown_code.content.decode()
    assert "Tælleren skal have mindst én betingelse" in no_numerator.content.decode()
    assert not DeclaredIndicator.objects.filter(project=project).exists()
    assert not staff_rows(manager, AuditEvent.Action.INDICATOR_SAVED)


def test_a_draft_is_edited_removed_and_published_with_a_later_version(
    project_manager, project
) -> None:
    staff_client, manager = project_manager
    url = reverse("console:projects_project_indicators", args=[project.pk])
    staff_client.post(url, ARTHROSIS)
    staff_client.post(url, CODED)

    editing = staff_client.get(url, {"indicator": "artrose_kodet"})
    form = editing.context["form"]
    assert form.initial["population_course_type"] == ARTHROSIS["population_course_type"]
    assert form.initial["numerator_code"] == "L89, L90"
    changed = staff_client.post(url, {**ARTHROSIS, "numerator_code": "L90", "low": "", "high": ""})
    removed = staff_client.post(url, {"action": "remove", "key": "kodet"})
    assert (changed.status_code, removed.status_code) == (302, 302)
    [draft] = DeclaredIndicator.objects.filter(project=project, specification__isnull=True)
    assert (draft.numerator, draft.low, draft.high) == ({"code": ["L90"]}, None, None)

    in_force = project.specification()
    published = staff_client.post(url, {"action": "publish", "version": str(in_force.version)})
    again = staff_client.post(url, {"action": "publish", "version": str(in_force.version)})

    assert published.status_code == 302
    assert again.status_code == 200  # that version has its indicators: no choice to make
    assert [(i.key, i.specification_id) for i in DeclaredIndicator.objects.filter(
        project=project
    ).exclude(specification=None)] == [("artrose_kodet", in_force.pk)]  # fmt: skip
    page = staff_client.get(url).content.decode()
    assert f"Version {in_force.version} (gælder fra" in page
    assert len(staff_rows(manager, AuditEvent.Action.INDICATOR_REMOVED)) == 1


def test_a_median_is_saved_and_edited_as_structured_fields(project_manager) -> None:
    """A median of the outcome record type's change (no numerator, no target), from the form."""
    staff_client, _manager = project_manager
    project = Project.objects.get(code="forlobsresultater")
    url = reverse("console:projects_project_indicators", args=[project.pk])
    median = indicator_form(
        "median_nprs",
        "Ændring i smerte (median)",
        record_type="outcome",
        kind="median",
        value="change",
        better="lower",
        population_instrument=["nprs"],
        denominator_paired=["yes"],
    )

    saved = staff_client.post(url, median)
    with_numerator = staff_client.post(url, {**median, "key": "x", "numerator_mic": ["yes"]})

    assert saved.status_code == 302, saved.content.decode()[:2000]
    row = DeclaredIndicator.objects.get(project=project, key="median_nprs", specification=None)
    assert (row.kind, row.value, row.numerator) == ("median", "change", {})
    assert with_numerator.status_code == 200
    assert "En median har ingen tæller." in with_numerator.content.decode()
    editing = staff_client.get(url, {"indicator": "median_nprs"})
    assert (editing.context["form"].initial["kind"], editing.context["form"].initial["value"]) == (
        "median",
        "change",
    )
    assert "Median af" in editing.content.decode()
