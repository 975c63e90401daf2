"""The report's headline — coding completeness, the share of courses with a code and the
most used code — with n, region and nation, the change since the previous period of the same
length and which direction is better: on the tab (demo page) and in the JSON (vendor API, real
HTTP), against figures worked out by hand below.

Data through the ingest pipeline, benchmark refreshed. The report covers the two whole months
before this one (M-2, M-1); the previous period is M-4, M-3.

Clinic A (Region Hovedstaden), this period: 4 knee courses coded L90 (valid), 1 knee course
coded L03 (not valid), 2 courses without a type coded L03, 1 without a type and no code.
  completeness 4/5 = 80.00 %, n 5 · courses with a code 7/8 = 87.50 %, n 8
  top code L90: 4 of 7 coded, shares 4/7 = 57.14, 3/7 = 42.86
Previous period: 1 knee course L90, 1 knee course L03.
  completeness 1/2 = 50.00 % → +30.00 points (higher is better: better)
  with a code 2/2 = 100.00 % → −12.50 points (worse); top code then L03 (tie → lower code)
Five more clinics in Region Hovedstaden, 10 knee courses each this period: 9 L90, 1 L03.
One clinic in Region Nordjylland: 10 knee courses coded L03.
  Region: structured 55, valid 49 → 49/55 = 89.09 (6/55 = 10.91); with a code 57 of 58:
          the 1 without is under 5, and so the 57 is hidden too (complement) → "<5".
          L90 49, L03 8, others 0 → 49/57 = 85.96
  Nation: structured 65, valid 49 → 49/65 = 75.38 (16/65 = 24.62); with a code 67 of 68 → "<5".
          L90 49, L03 18 → 49/67 = 73.13
"""

from __future__ import annotations

import datetime as dt
import itertools
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from sentinel.clinics.actions import activate
from sentinel.collection.pipeline import ingest
from sentinel.lib.dates import add_months
from sentinel.reports import aggregates
from tests.api.conftest import make_vendor_client  # noqa: F401 - the vendor API's client
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory
from tests.reports.test_pages import onboard

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MONTH = timezone.localdate().replace(day=1)
NOW = add_months(MONTH, -2) + dt.timedelta(days=3)
BEFORE = add_months(MONTH, -4) + dt.timedelta(days=3)
ENROLLED = add_months(MONTH, -6)
QUERY = {
    "period": "range",
    "from": f"{add_months(MONTH, -2):%Y-%m}",
    "to": f"{add_months(MONTH, -1):%Y-%m}",
}
_serial = itertools.count(1000)


def course(source_id: str, day: dt.date, code: str, course_type: str | None) -> dict:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": f"170580{next(_serial)}",  # generated: a real date, serial 1000-3999
        "speciale": "51",
        "course_type": course_type,
        "start_date": day.isoformat(),
        "diagnoses": [{"code": code, "recorded_at": f"{day.isoformat()}T09:00:00+01:00"}]
        if code
        else [],
    }


KNEE = "knee_osteoarthritis"


def _clinic(vendor, project, records: list[dict], **fields):
    clinic = ClinicFactory(**fields)
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(ENROLLED))
    onboard(clinic, project, vendor, on=ENROLLED)
    outcome = ingest(vendor=vendor, clinic=clinic, records=records)
    assert outcome.accepted == len(records), outcome.as_dict()
    return clinic


@pytest.fixture
def headline_clinic(project, vendor):
    clinic = _clinic(
        vendor,
        project,
        [
            *(course(f"A-{i}", NOW, "L90", KNEE) for i in range(4)),
            course("A-4", NOW, "L03", KNEE),
            course("A-5", NOW, "L03", None),
            course("A-6", NOW, "L03", None),
            course("A-7", NOW, "", None),
            course("P-1", BEFORE, "L90", KNEE),
            course("P-2", BEFORE, "L03", KNEE),
        ],
        name="Fysio Overblik",
    )
    for n in range(5):
        records = [course(f"R{n}-{i}", NOW, "L90", KNEE) for i in range(9)]
        _clinic(vendor, project, [*records, course(f"R{n}-9", NOW, "L03", KNEE)])
    _clinic(
        vendor,
        project,
        [course(f"N-{i}", NOW, "L03", KNEE) for i in range(10)],
        region_code="DK-81",
        municipality_code="0851",
    )
    aggregates.refresh_benchmark()
    return clinic


def _previous_label() -> str:
    return f"{add_months(MONTH, -4):%Y-%m} to {add_months(MONTH, -3):%Y-%m}"


def test_report_json_carries_the_headline_figures(
    make_vendor_client,  # noqa: F811 - the fixture imported above
    vendor,
    headline_clinic,
):
    api = make_vendor_client(vendor)

    response = api.http.get(
        f"/clinics/{headline_clinic.ydernummer}/reports/diagnosekodning?{urlencode(QUERY)}"
    )

    assert response.status_code == 200, response.text
    figures = {f["key"]: f for f in response.json()["headline"]}
    assert list(figures) == [
        "completeness",
        "coded_share",
        "top_code",
        "refined_share",
        "days_to_final_code",
    ]
    completeness = figures["completeness"]
    assert {k: completeness[k] for k in ("value", "n", "region", "nation")} == {
        "value": "80.00",
        "n": 5,
        "region": "89.09",
        "nation": "75.38",
    }
    assert (completeness["previous"], completeness["previous_n"]) == ("50.00", 2)
    assert (completeness["change"], completeness["direction"]) == ("30.00", "up")
    assert (completeness["better"], completeness["verdict"]) == ("higher", "better")
    assert (completeness["target"], completeness["in_target"]) == (["95.00", "100.00"], False)
    assert completeness["previous_period_en"] == _previous_label()
    assert completeness["change_en"] == (
        f"↑ 30.00 percentage points higher than in the previous period ({_previous_label()}: "
        "50.00 %) – better."
    )
    coded = figures["coded_share"]
    assert (coded["value"], coded["n"], coded["region"], coded["nation"]) == (
        "87.50",
        8,
        "<5",
        "<5",
    )
    assert (coded["previous"], coded["change"], coded["direction"], coded["verdict"]) == (
        "100.00",
        "-12.50",
        "down",
        "worse",
    )
    top = figures["top_code"]
    assert (top["code"], top["value"], top["n"], top["region"], top["nation"]) == (
        "L90",
        "57.14",
        4,
        "85.96",
        "73.13",
    )
    assert (top["previous_code"], top["better"], top["verdict"]) == ("L03", "none", "none")
    # The same figures as the tables the report already has.
    body = response.json()
    by_type = body["sections"][1]["tables"][0]["rows"][-1]
    assert (by_type["episodes"], by_type["share"]) == (5, "80.00")


def test_tab_leads_with_the_headline_in_danish(client, settings, headline_clinic):
    settings.DEMO = True

    response = client.get(
        f"/demo/klinik/{headline_clinic.ydernummer}/rapporter/diagnosekodning/?" + urlencode(QUERY)
    )

    assert response.status_code == 200
    content = response.content.decode()
    headline_at = content.index('id="overblik-titel"')
    assert headline_at < content.index('id="sektion-diagnoses"')
    assert headline_at < content.index('class="period-form"')
    figure = content[content.index('id="overblik-completeness"') :]
    figure = figure[: figure.index("</li>")]
    assert '<strong class="nowrap">80,00 %</strong>' in figure
    assert "n = 5 strukturerede forløb" in figure
    assert "<dt>Region Hovedstaden</dt><dd>89,09 %</dd>" in figure
    assert "<dt>Hele landet</dt><dd>75,38 %</dd>" in figure
    assert "↑ 30,00 procentpoint højere end i forrige periode (" in figure
    assert ": 50,00 %) – bedre." in figure
    assert "Højere er bedre. Mål: 95,00–100,00 % (uden for målet)." in figure
    coded = content[content.index('id="overblik-coded_share"') :]
    coded = coded[: coded.index("</li>")]
    assert "<dd>&lt;5 %</dd>" in coded
    assert "↓ 12,50 procentpoint lavere end i forrige periode (" in coded
    assert "– dårligere." in coded
    top = content[content.index('id="overblik-top_code"') :]
    top = top[: top.index("</li>")]
    assert '<strong class="nowrap">L90 (57,14 %)</strong>' in top
    assert "n = 4 forløb med koden" in top
    assert "<dd>85,96 %</dd>" in top and "<dd>73,13 %</dd>" in top
    assert "): L03." in top
    assert "Hverken højere eller lavere er bedre." in top


def test_headline_without_enough_clinics_says_why_there_is_no_comparison(
    client, settings, project, vendor
):
    settings.DEMO = True
    alone = _clinic(vendor, project, [course("E-1", NOW, "L90", KNEE)], name="Fysio Alene")
    aggregates.refresh_benchmark()

    response = client.get(
        f"/demo/klinik/{alone.ydernummer}/rapporter/diagnosekodning/?" + urlencode(QUERY)
    )

    content = response.content.decode()
    figure = content[content.index('id="overblik-completeness"') :]
    figure = figure[: figure.index("</li>")]
    assert '<strong class="nowrap">100,00 %</strong>' in figure
    assert "n = 1 strukturerede forløb" in figure
    assert figure.count("<dd>ingen tal (færre end 5 klinikker har bidraget)</dd>") == 2
    assert "Ingen forløb i forrige periode (" in figure
    assert "(inden for målet)" in figure
    top = content[content.index('id="overblik-top_code"') :]
    top = top[: top.index("</li>")]
    assert top.count("<dd>ingen tal (ingen sammenligning, se nedenfor)</dd>") == 2
    assert "Ingen forløb med kode i forrige periode." in top
