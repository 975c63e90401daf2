"""A target and direction set for the project version are shown beside the value on every
door: the tab, the print view, the JSON (vendor API, real HTTP) and the meeting pack (PDF),
in Danish and English. The figures are ``test_headline``'s, worked out by hand there:
completeness 80.00 % (n 5) and courses with a code 87.50 % (n 8), down 12.50 points from the
previous period.

Set here: completeness higher is better, target 75–90 % (so 80.00 % is within it); courses
with a code *lower* is better, target 0–10 % (87.50 % is outside it, and its fall of 12.50
points is now for the better).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from sentinel.reports.actions import set_indicator_target
from tests.api.conftest import make_vendor_client  # noqa: F401 - the vendor API's client
from tests.conftest import SYSTEM
from tests.reports.test_headline import MONTH, QUERY, headline_clinic  # noqa: F401 - the fixture
from tests.reports.test_meeting_pack import pdf_text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def with_targets(project, headline_clinic):  # noqa: F811 - the fixture imported above
    for indicator, better, low, high in (
        ("completeness", "higher", "75", "90"),
        ("coded_share", "lower", "0", "10"),
    ):
        set_indicator_target(
            by=SYSTEM,
            project=project,
            indicator=indicator,
            version=1,
            better=better,
            low=Decimal(low),
            high=Decimal(high),
        )
    return headline_clinic


def _figure(content: str, key: str) -> str:
    figure = content[content.index(f'id="overblik-{key}"') :]
    return figure[: figure.index("</li>")]


def test_json_carries_the_stored_target_and_direction(
    make_vendor_client,  # noqa: F811 - the fixture imported above
    vendor,
    with_targets,
):
    api = make_vendor_client(vendor)

    response = api.http.get(
        f"/clinics/{with_targets.ydernummer}/reports/diagnosekodning?{urlencode(QUERY)}"
    )

    assert response.status_code == 200, response.text
    figures = {f["key"]: f for f in response.json()["headline"]}
    completeness, coded = figures["completeness"], figures["coded_share"]
    assert (completeness["value"], completeness["target"], completeness["in_target"]) == (
        "80.00",
        ["75.00", "90.00"],
        True,
    )
    assert (completeness["target_version"], completeness["target_from"]) == (1, "2025-06-30")
    assert (coded["value"], coded["better"], coded["target"], coded["in_target"]) == (
        "87.50",
        "lower",
        ["0.00", "10.00"],
        False,
    )
    assert (coded["direction"], coded["verdict"], coded["better_en"]) == (
        "down",
        "better",
        "Lower is better.",
    )
    assert coded["change_en"].endswith("– better.")
    # The top code has no target: the definition's own words stand.
    assert (figures["top_code"]["better"], figures["top_code"]["target_version"]) == ("none", None)


def test_tab_and_print_view_show_the_target_beside_the_value(client, settings, with_targets):
    settings.DEMO = True
    base = f"/demo/klinik/{with_targets.ydernummer}/rapporter/diagnosekodning/"

    for url in (base, base + "print/"):
        content = client.get(url + "?" + urlencode(QUERY)).content.decode()
        completeness = _figure(content, "completeness")
        assert '<strong class="nowrap">80,00 %</strong>' in completeness
        assert "Højere er bedre. Mål: 75,00–90,00 % (inden for målet)." in completeness
        coded = _figure(content, "coded_share")
        assert '<strong class="nowrap">87,50 %</strong>' in coded
        assert "Lavere er bedre. Mål: 0,00–10,00 % (uden for målet)." in coded
        assert "↓ 12,50 procentpoint lavere end i forrige periode (" in coded
        assert "– bedre." in coded

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(base + "?" + urlencode(QUERY)).content.decode()
    assert "Lower is better. Target: 0.00–10.00 % (outside the target)." in _figure(
        english, "coded_share"
    )


def test_meeting_pack_shows_the_target_its_direction_and_where_it_comes_from(
    client, settings, with_targets
):
    settings.DEMO = True

    response = client.get(
        f"/demo/klinik/{with_targets.ydernummer}/rapporter/diagnosekodning.pdf?" + urlencode(QUERY)
    )

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    flat = " ".join(pdf_text(response.content).split())
    assert "Højere er bedre. Mål: 75,00–90,00 % (inden for målet)." in flat
    assert "Lavere er bedre. Mål: 0,00–10,00 % (uden for målet)." in flat
    assert (
        "Mål og retning er fastsat for dataspecifikationens version 1 (gælder fra 30.06.2025)."
        in flat
    )
    last_day = MONTH - dt.timedelta(days=1)  # the period ends with last month
    assert (
        f"Mål og retning er dem, der gjaldt den {last_day:%d.%m.%Y}, den sidste dag med data"
        in flat
    )
