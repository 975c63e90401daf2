"""Coding completeness compared with region and nation, per course type and in total, and the
funnel plot — figures worked out by hand, the funnel's limits computed here independently
(normal approximation to the binomial with z from ``statistics.NormalDist``), the same figures
in the JSON (vendor API, real HTTP) and the CSV, and the disclosure rule's hidden rates.

Data as in ``test_headline`` (through the ingest pipeline, benchmark refreshed), over the two
whole months before this one. Structured courses, all knee osteoarthritis (L90 required):
  clinic A (Region Hovedstaden): 5, of them 4 L90        → 80.00 %
  five clinics in Region Hovedstaden: 10 each, 9 L90     → region 49/55 = 89.09 %
  one clinic in Region Nordjylland: 10, none L90         → nation 49/65 = 75.38 %
Funnel: national rate p = 49/65; seven clinics drawn (all have ≥ 5 courses): A marked at
(5, 80 %), five at (10, 90 %), one at (10, 0 %) — below the 99.8 % limit.
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist
from urllib.parse import urlencode

import pytest

from sentinel.reports.disclosure import hidden_rates
from tests.api.conftest import make_vendor_client  # noqa: F401 - the vendor API's client
from tests.reports.test_headline import QUERY, headline_clinic  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

P = 49 / 65


def pct(x: float) -> str:
    return str(Decimal(repr(x * 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def limits(n: int, level: float) -> tuple[str, str]:
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    spread = z * math.sqrt(P * (1 - P) / n)
    return pct(max(0.0, P - spread)), pct(min(1.0, P + spread))


def test_limits_by_hand():
    # At n = 5: √(p(1−p)/5) = 0.192646; 1.96 × that = 0.37757, 3.09 × that = 0.59532.
    assert limits(5, 0.95) == ("37.63", "100.00")
    assert limits(5, 0.998) == ("15.85", "100.00")


def _section(body: dict, key: str) -> dict:
    return next(s for s in body["sections"] if s["key"] == key)


def test_completeness_compared_in_json_and_csv(
    client,
    settings,
    make_vendor_client,  # noqa: F811 - the fixture imported above
    vendor,
    headline_clinic,  # noqa: F811 - the fixture imported above
):
    api = make_vendor_client(vendor)
    yd = headline_clinic.ydernummer

    body = api.http.get(f"/clinics/{yd}/reports/diagnosekodning?{urlencode(QUERY)}").json()

    section = _section(body, "completeness_compared")
    table = next(t for t in section["tables"] if t["key"] == "completeness_compared")
    rows = {r["course_type"]: r for r in table["rows"]}
    knee = rows["Knæartrose"]
    assert (knee["clinic_courses"], knee["clinic"]) == (5, "80.00")
    assert (knee["region_courses"], knee["region"]) == (55, "89.09")
    assert (knee["nation_courses"], knee["nation"]) == (65, "75.38")
    total = rows["I alt"]
    assert (total["clinic"], total["region"], total["nation"]) == ("80.00", "89.09", "75.38")
    # A course type nobody had: no rate, and its count (0) is not shown.
    hip = rows["Hofteartrose"]
    assert (hip["clinic_courses"], hip["clinic"], hip["region_courses"]) == (0, None, "<5")
    english = {r["course_type"]: r for r in table["rows_en"]}
    assert english["Knee osteoarthritis"]["region"] == "89.09"
    # The funnel: the clinic against the national limits, computed independently above.
    funnel = next(t for t in section["tables"] if t["key"] == "funnel")
    clinic, nation = funnel["rows"]
    assert (clinic["courses"], clinic["share"]) == (5, "80.00")
    assert (clinic["lower_998"], clinic["lower_95"]) == (limits(5, 0.998)[0], limits(5, 0.95)[0])
    assert (clinic["upper_95"], clinic["upper_998"]) == ("100.00", "100.00")
    assert clinic["band"] == "inden for 95 %-grænserne"
    assert (nation["courses"], nation["share"]) == (65, pct(P))
    bands = {
        r["band"]: r["clinics"]
        for r in _section(body, "completeness_compared")["tables"][2]["rows"]
    }
    assert bands["inden for 95 %-grænserne"] == 6
    assert bands["under 99,8 %-grænsen"] == 1
    assert bands["I alt"] == 7
    chart = section["charts"][0]
    assert chart["kind"] == "funnel"
    assert chart["funnel"]["clinic"] == {"courses": 5, "valid": 4, "rate": "80.00"}
    assert chart["funnel"]["clinics_drawn"] == 7
    assert "points" not in chart["funnel"]  # other clinics' points are never handed out

    # The CSV carries the same figures.
    settings.DEMO = True
    base = f"/demo/klinik/{yd}/rapporter/diagnosekodning/csv/"
    text = client.get(f"{base}funnel/?{urlencode(QUERY)}").content.decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert first[1:3] == ["Strukturerede forløb", "Kodningsgrad (%)"]
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[1][:4] == ["Klinikken", "5", "80,00", limits(5, 0.998)[0].replace(".", ",")]
    compared = client.get(f"{base}completeness_compared/?{urlencode(QUERY)}")
    knee_line = next(
        line
        for line in csv.reader(io.StringIO(compared.content.decode("utf-8-sig")), delimiter=";")
        if line[0] == "Knæartrose"
    )
    assert knee_line[2:] == ["5", "80,00", "55", "89,09", "65", "75,38"]


def test_tab_draws_the_funnel_without_naming_another_clinic(
    client,
    settings,
    headline_clinic,  # noqa: F811 - the fixture imported above
):
    settings.DEMO = True
    yd = headline_clinic.ydernummer

    response = client.get(f"/demo/klinik/{yd}/rapporter/diagnosekodning/?" + urlencode(QUERY))

    content = response.content.decode()
    svg = content[content.index('class="chart chart-funnel"') :]
    svg = svg[: svg.index("</svg>")]
    assert 'class="this-clinic"' in svg and "Klinikken" in svg
    others = svg[svg.index('class="others"') :]
    others = others[: others.index("</g>")]
    # Five clinics at (10, 90 %) share one dot; the clinic at (10, 0 %) another.
    assert others.count("<circle") == 2
    assert "<title" not in others and "id=" not in others
    assert re.search(r"\b8\d{5}\b", svg) is None  # no ydernummer in the plot
    assert "Landets andel 75,38 %, 7 klinikker vist" in svg
    assert 'id="tabel-funnel"' in content and 'id="tabel-completeness_compared"' in content


def test_hidden_rates_follow_the_disclosure_rule():
    # (valid, courses) per course type: knee's rest is 2 (hidden); alone it would come back
    # from the total, so the shown row with the fewest courses (hip) is hidden too.
    groups = [(0, 0), (0, 0), (0, 0), (10, 10), (20, 22), (8, 15)]
    assert hidden_rates(groups) == [False, False, False, True, True, False]
    # Without the total shown, nothing more than the row's own rule.
    assert hidden_rates(groups, total_shown=False) == [False, False, False, False, True, False]
    # A rest of 0 stands for nobody: 100 % stays.
    assert hidden_rates([(10, 10), (7, 14)]) == [False, False]
    with pytest.raises(ValueError):
        hidden_rates([(5, 4)])


def test_no_funnel_with_too_few_clinics(client, settings, project, vendor):
    from sentinel.reports import aggregates
    from tests.reports.test_headline import KNEE, NOW, _clinic, course

    settings.DEMO = True
    alone = _clinic(vendor, project, [course(f"E-{i}", NOW, "L90", KNEE) for i in range(6)])
    aggregates.refresh_benchmark()

    content = client.get(
        f"/demo/klinik/{alone.ydernummer}/rapporter/diagnosekodning/?" + urlencode(QUERY)
    ).content.decode()

    assert "Intet tragtdiagram: færre end 5 klinikker med mindst 5 strukturerede forløb" in content
    assert "chart-funnel" not in content
    assert 'id="tabel-completeness_compared"' in content
