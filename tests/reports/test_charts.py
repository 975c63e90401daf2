"""The server-side SVG charts: accessible, escaped, deterministic, every number present."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from sentinel.reports.charts import chart_svg
from sentinel.reports.engine import SUPPRESSED, Chart, Series

SVG = "{http://www.w3.org/2000/svg}"


def bar_chart(**overrides) -> Chart:
    fields = {
        "key": "benchmark_chart",
        "kind": "bar",
        "unit": "percent",
        "title_da": "Mest brugte diagnoser: klinikken, regionen og landet",
        "description_da": "Klinikkens andel ved siden af regionens og landets.",
        "categories": ("L03", "L90"),
        "series": (
            Series("Klinikken", (Decimal("33.33"), Decimal("66.67"))),
            Series("Region Hovedstaden", (Decimal("12.50"), SUPPRESSED)),  # type: ignore[arg-type]
            Series("Hele landet", (Decimal("20.00"), None)),
        ),
        "table_key": "benchmark",
    }
    fields.update(overrides)
    return Chart(**fields)


def line_chart(**overrides) -> Chart:
    fields = {
        "key": "trend_chart",
        "kind": "line",
        "title_da": "Forløb og kodede forløb pr. måned",
        "description_da": "Antal forløb og forløb med kode, måned for måned.",
        "categories": ("jan 2026", "feb 2026", "mar 2026"),
        "series": (
            Series("Forløb", (12, 1234, 7)),
            Series("Forløb med kode", (10, None, 7)),
        ),
        "table_key": "trend",
    }
    fields.update(overrides)
    return Chart(**fields)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_bar_chart_is_an_image_labelled_by_its_title_and_description() -> None:
    root = parse(chart_svg(bar_chart()))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}title").text == "Mest brugte diagnoser: klinikken, regionen og landet"


def test_bar_chart_carries_every_number_with_a_decimal_comma() -> None:
    svg = chart_svg(bar_chart())

    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    for label in ("33,33 %", "66,67 %", "12,50 %", "20,00 %"):
        assert label in texts
    description = parse(svg).find(f"{SVG}desc").text
    assert "Klinikken: L03: 33,33 %; L90: 66,67 %." in description
    assert "Region Hovedstaden: L03: 12,50 %; L90: <5." in description


def test_bar_chart_draws_suppressed_and_missing_values_as_absent_with_a_label() -> None:
    root = parse(chart_svg(bar_chart()))

    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4  # 6 values, one "<5" and one missing draw no bar
    absent = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "absent"]
    assert absent == ["<5", "–"]


def test_bar_chart_tells_series_apart_by_pattern_not_only_colour() -> None:
    root = parse(chart_svg(bar_chart()))

    patterns = root.findall(f"{SVG}defs/{SVG}pattern")
    assert len(patterns) == 2  # region striped, nation dotted; the clinic is solid
    fills = {
        r.get("fill")
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None and r.get("fill")
    }
    assert fills == {"#0b4f8a", *(f"url(#{p.get('id')})" for p in patterns)}
    legend = [t.text for t in root.find(f"{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend == ["Klinikken", "Region Hovedstaden", "Hele landet"]


def test_bar_chart_uses_longer_labels_when_given() -> None:
    svg = chart_svg(bar_chart(), labels={"L03": "L03 Symptom/klage fra lænd"})

    assert "L03 Symptom/klage fra lænd" in svg


def test_chart_text_is_escaped() -> None:
    chart = bar_chart(
        title_da="<script>alert(1)</script>",
        description_da='"quoted" & <b>',
        categories=("<L03>", "L90"),
        series=(Series("A & B <i>", (Decimal("1.00"), Decimal("2.00"))),),
    )

    svg = chart_svg(chart, labels={"<L03>": "<L03> & co"})

    assert "<script>" not in svg
    assert "<i>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "&lt;L03&gt; &amp; co" in svg
    parse(svg)  # still well-formed XML


def test_chart_output_is_deterministic_and_ids_follow_the_prefix() -> None:
    first = chart_svg(bar_chart(), id_prefix="benchmark")
    again = chart_svg(bar_chart(), id_prefix="benchmark")
    other = chart_svg(bar_chart(), id_prefix="andet")

    assert first == again
    assert 'id="benchmark-benchmark_chart"' in first
    ids = re.findall(r'id="([^"]+)"', first)
    assert len(ids) == len(set(ids))
    assert not set(ids) & set(re.findall(r'id="([^"]+)"', other))


def test_line_chart_is_accessible_and_has_every_number() -> None:
    svg = chart_svg(line_chart())
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-trend_chart-title chart-trend_chart-desc"
    description = root.find(f"{SVG}desc").text
    assert "Forløb: jan 2026: 12; feb 2026: 1234; mar 2026: 7." in description
    assert "Forløb med kode: jan 2026: 10; feb 2026: –; mar 2026: 7." in description
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1234" in texts  # no thousands separator
    assert {"jan 2026", "feb 2026", "mar 2026"} <= set(texts)


def test_line_chart_breaks_the_line_at_a_missing_point_and_varies_dash_and_marker() -> None:
    root = parse(chart_svg(line_chart()))

    series = root.findall(f"{SVG}g[@class='series series-1']")[0]
    # 10, None, 7: two single points, no line between them.
    assert series.findall(f"{SVG}path[@fill='none']") == []
    first = root.findall(f"{SVG}g[@class='series series-0']")[0]
    (line,) = first.findall(f"{SVG}path[@fill='none']")
    assert line.get("stroke-dasharray") is None
    markers_0 = {m.tag for g in first.findall(f"{SVG}g") for m in g}
    markers_1 = {m.tag for g in series.findall(f"{SVG}g") for m in g}
    assert f"{SVG}circle" in markers_0
    assert f"{SVG}rect" in markers_1  # squares for the second series


def test_percent_line_chart_axis_stops_at_100() -> None:
    chart = line_chart(
        unit="percent",
        series=(Series("Andel", (Decimal("50.00"), Decimal("75.00"), Decimal("100.00"))),),
    )

    texts = [t.text for t in parse(chart_svg(chart)).iter(f"{SVG}text")]

    assert "100 %" in texts
    assert "125 %" not in texts
    assert "100,00 %" in texts


def test_empty_chart_says_there_is_nothing_to_show() -> None:
    chart = bar_chart(categories=(), series=(Series("Klinikken", ()),))

    root = parse(chart_svg(chart))

    assert root.get("role") == "img"
    assert "Ingen data" in "".join(root.itertext())


def test_unknown_chart_kind_is_refused() -> None:
    chart = line_chart()
    object.__setattr__(chart, "kind", "pie")

    with pytest.raises(ValueError, match="pie"):
        chart_svg(chart)
