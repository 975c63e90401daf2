"""Charts as SVG, drawn on the server from a report's ``Chart`` (no JavaScript).

Two kinds: ``bar`` — horizontal grouped bars, one group per category (the clinic's top
diagnoses) and one bar per series (clinic, region, nation); and ``line`` — one line per series
over the months. The rules every chart keeps:

- **Accessible.** The ``<svg>`` has ``role="img"`` and ``aria-labelledby`` pointing at its own
  ``<title>`` and ``<desc>``; the description lists every number, and the page shows the same
  numbers in the chart's table next to it.
- **Colour is never the only cue.** Every series has its own fill pattern (bars) or dash and
  marker shape (lines) as well as a colour, the legend shows them, and every bar carries its
  value as text. Text is near-black on white (contrast far above 4.5:1); bar and line colours
  have at least 3:1 against white.
- **Absent values are absent.** A suppressed cell (``Suppressed``) draws no bar but the label
  "<5"; a value that is missing (``None``: no comparison, no data) draws no bar but "–". In a
  line a missing point breaks the line.
- **Honest about thin and unfinished data.** A share's series may carry the courses behind
  each point (``Series.counts``): the line chart writes "n" under each month and draws a point
  on fewer than ``SMALL_N`` courses as a hollow marker, with a line saying so. A month that is
  not over yet (``Chart.incomplete``) is shaded and labelled "foreløbig", and the line into it
  is dotted, so a running month never reads as a drop.
- **Safe and deterministic.** All text is HTML-escaped; the same chart gives byte-for-byte the
  same SVG (element ids come from the chart key and an optional prefix, never at random).

Numbers are written the Danish way: decimal comma, no thousands separator (like the CSV).
"""

from __future__ import annotations

import math
from functools import lru_cache

from sentinel.reports.engine import Chart, Suppressed
from sentinel.reports.funnel_svg import funnel_svg
from sentinel.reports.svg import (
    BAND,
    DASHES,
    GRID,
    INK,
    MARKERS,
    MUTED,
    SMALL_N,
    STYLES,
    as_number,
    axis_number,
    axis_ticks,
    base_id,
    category_text,
    coord,
    empty_svg,
    escape,
    fill_of,
    marker_svg,
    open_svg,
    patterns_svg,
    series_name,
    shorten,
    value_text,
    wrap_label,
)

__all__ = ["SMALL_N", "bar_chart_svg", "chart_svg", "line_chart_svg"]


# --- bar chart -------------------------------------------------------------------------------

BAR_WIDTH = 640
BAR_LABEL_W = 224
BAR_VALUE_W = 96
BAR_H = 14
BAR_GAP = 3
GROUP_GAP = 14
LABEL_CHARS = 26
LABEL_LINE_H = 15
LEGEND_H = 30


def bar_chart_svg(
    chart: Chart,
    *,
    id_prefix: str = "",
    labels: dict[str, str] | None = None,
    english: bool = False,
) -> str:
    """Horizontal grouped bars: one group per category, one bar per series, value at the end.

    ``labels`` may give a longer text for a category (e.g. ``"L03"`` → ``"L03 Lænderyg…"``);
    it is shortened to fit, and the full text stays in the table beside the chart."""
    base = base_id(chart, id_prefix)
    n_series = len(chart.series)
    if not chart.categories or n_series == 0:
        return empty_svg(chart, base, BAR_WIDTH, english=english)
    numbers = [x for s in chart.series for v in s.values if (x := as_number(v)) is not None]
    top = max(numbers, default=0.0)
    ticks = axis_ticks(top, percent=chart.unit == "percent", whole=chart.unit == "count")
    axis_max = ticks[-1]
    x0 = BAR_LABEL_W
    span = BAR_WIDTH - BAR_LABEL_W - BAR_VALUE_W
    group_h = max(n_series * (BAR_H + BAR_GAP) - BAR_GAP, 2 * LABEL_LINE_H)
    height = LEGEND_H + len(chart.categories) * (group_h + GROUP_GAP) + 24
    parts = open_svg(chart, base, BAR_WIDTH, height, english=english)
    parts += patterns_svg(base, n_series)
    parts.append(_legend_bars(chart, base, english))
    y_axis_top = LEGEND_H - 4
    y_axis_bottom = height - 20
    # Scale: gridlines at 0, ½ and the maximum, labelled under the bars.
    parts.append('<g class="axis">')
    for tick in ticks:
        x = x0 + span * tick / axis_max
        parts.append(
            f'<line x1="{coord(x)}" y1="{y_axis_top}" x2="{coord(x)}" y2="{y_axis_bottom}" '
            f'stroke="{GRID if tick else INK}" stroke-width="1"/>'
        )
        suffix = " %" if chart.unit == "percent" else ""
        parts.append(
            f'<text x="{coord(x)}" y="{height - 6}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{escape(axis_number(tick, english=english) + suffix)}</text>'
        )
    parts.append("</g>")
    y = LEGEND_H
    for c_index, category in enumerate(chart.categories):
        lines = wrap_label(
            (labels or {}).get(category, category_text(category, english)), LABEL_CHARS
        )
        first_y = y + group_h / 2 + 4 - (len(lines) - 1) * LABEL_LINE_H / 2
        parts.append('<g class="group">')
        parts.append(
            f'<text x="{x0 - 8}" y="{coord(first_y)}" text-anchor="end" fill="{INK}">'
            + "".join(
                f'<tspan x="{x0 - 8}" dy="{0 if i == 0 else LABEL_LINE_H}">{escape(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            + "</text>"
        )
        for s_index, series in enumerate(chart.series):
            value = series.values[c_index]
            bar_y = y + s_index * (BAR_H + BAR_GAP)
            text_y = coord(bar_y + BAR_H - 3)
            count = series.counts[c_index] if series.counts else None
            shown = value_text(value, chart.unit, english=english)
            text = escape(f"{shown} · n {count}" if count is not None else shown)
            number = as_number(value)
            if number is not None:
                length = max(0.0, min(1.0, number / axis_max)) * span
                colour = STYLES[s_index % len(STYLES)][0]
                parts.append(
                    f'<rect x="{x0}" y="{bar_y}" width="{coord(length)}" height="{BAR_H}" '
                    f'fill="{fill_of(base, s_index)}" stroke="{colour}" stroke-width="1">'
                    f"<title>{escape(series_name(series, english))}, "
                    f"{escape(category_text(category, english))}: {text}</title></rect>"
                )
                parts.append(
                    f'<text x="{coord(x0 + length + 4)}" y="{text_y}" fill="{INK}" '
                    f'font-size="11">{text}</text>'
                )
            else:
                parts.append(
                    f'<text x="{x0 + 4}" y="{text_y}" fill="{INK}" font-size="11" '
                    f'class="absent">{text}</text>'
                )
        parts.append("</g>")
        y += group_h + GROUP_GAP
    parts.append("</svg>")
    return "".join(parts)


def _legend_bars(chart: Chart, base: str, english: bool = False) -> str:
    out = ['<g class="legend">']
    x = 8
    for i, series in enumerate(chart.series):
        colour = STYLES[i % len(STYLES)][0]
        out.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{fill_of(base, i)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        name = shorten(series_name(series, english), 28)
        out.append(f'<text x="{x + 20}" y="18" fill="{INK}">{escape(name)}</text>')
        x += 20 + 8 * len(name) + 24
    out.append("</g>")
    return "".join(out)


# --- line chart ------------------------------------------------------------------------------

LINE_WIDTH = 640
LINE_HEIGHT = 280
LINE_LEFT = 60
LINE_RIGHT = 40
LINE_TOP = 40
LINE_BOTTOM = 44
LABELLED_POINTS = 13
"""Up to this many months every point carries its value as text (once where lines meet);
beyond, only a tooltip."""


def line_chart_svg(chart: Chart, *, id_prefix: str = "", english: bool = False) -> str:
    """One line per series over the categories (months), with a y axis from zero."""
    base = base_id(chart, id_prefix)
    n = len(chart.categories)
    if n == 0 or not chart.series:
        return empty_svg(chart, base, LINE_WIDTH, english=english)
    numbers = [x for s in chart.series for v in s.values if (x := as_number(v)) is not None]
    top = max(numbers, default=0.0)
    ticks = axis_ticks(top, percent=chart.unit == "percent", whole=chart.unit == "count")
    axis_max = ticks[-1]
    counted = next((s.counts for s in chart.series if s.counts), ())
    height = LINE_HEIGHT + (14 if counted else 0)
    plot_w = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    bottom = LINE_TOP + plot_h
    incomplete = {i for i, c in enumerate(chart.categories) if c in chart.incomplete}

    def x_of(i: int) -> float:
        return LINE_LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y_of(v: float) -> float:
        return bottom - plot_h * max(0.0, min(1.0, v / axis_max))

    small = any(
        count is not None and count < SMALL_N and as_number(v) is not None
        for s in chart.series
        for v, count in zip(s.values, s.counts, strict=False)
    )
    height += 18 if small else 0
    parts = open_svg(chart, base, LINE_WIDTH, height, english=english)
    parts.append(_legend_lines(chart, english))
    if small:
        hollow_note = (
            f"Hollow marker: fewer than {SMALL_N} courses in the month – the share can swing "
            "widely."
            if english
            else f"Hul markør: under {SMALL_N} forløb i måneden – andelen kan svinge meget."
        )
        parts.append(
            f'<text x="8" y="{height - 6}" fill="{MUTED}" font-size="11">{hollow_note}</text>'
        )
    half = plot_w / (2 * max(1, n - 1)) if n > 1 else plot_w / 4
    for i in sorted(incomplete):
        parts.append(
            f'<g class="incomplete"><rect x="{coord(x_of(i) - half)}" y="{LINE_TOP}" '
            f'width="{coord(2 * half)}" height="{coord(plot_h)}" fill="{BAND}"/>'
            f'<text x="{coord(x_of(i))}" y="{LINE_TOP + 12}" text-anchor="middle" fill="{INK}" '
            f'font-size="10">{"provisional" if english else "foreløbig"}</text></g>'
        )
    suffix = " %" if chart.unit == "percent" else ""
    parts.append('<g class="axis">')
    for tick in ticks:
        y = bottom - plot_h * tick / axis_max
        parts.append(
            f'<line x1="{LINE_LEFT}" y1="{coord(y)}" x2="{LINE_WIDTH - LINE_RIGHT}" '
            f'y2="{coord(y)}" stroke="{GRID if tick else INK}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LINE_LEFT - 6}" y="{coord(y + 4)}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{escape(axis_number(tick, english=english) + suffix)}</text>'
        )
    every = max(1, math.ceil(n / 12))
    for i, category in enumerate(chart.categories):
        if i != n - 1 and (i % every or n - 1 - i < every):
            continue
        parts.append(
            f'<text x="{coord(x_of(i))}" y="{bottom + 18}" text-anchor="middle" '
            f'fill="{MUTED}" font-size="11">'
            f"{escape(shorten(category_text(category, english), 10))}</text>"
        )
        if counted and counted[i] is not None:
            parts.append(
                f'<text x="{coord(x_of(i))}" y="{bottom + 32}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="11" class="n">n {counted[i]}</text>'
            )
    parts.append("</g>")
    for s_index, series in enumerate(chart.series):
        colour = STYLES[s_index % len(STYLES)][0]
        dash = DASHES[s_index % len(DASHES)]
        shape = MARKERS[s_index % len(MARKERS)]
        parts.append(f'<g class="series series-{s_index}">')
        # The line, broken where a point is missing.
        # The line, broken where a point is missing; into a month not over yet it is dotted.
        runs: list[list[tuple[float, float]]] = [[]]
        provisional: list[tuple[tuple[float, float], tuple[float, float]]] = []
        previous: tuple[float, float] | None = None
        for i, value in enumerate(series.values):
            number = as_number(value)
            point = (x_of(i), y_of(number)) if number is not None else None
            if point is not None and i in incomplete:
                if previous is not None:
                    provisional.append((previous, point))
                if runs[-1]:
                    runs.append([])
            elif point is not None:
                runs[-1].append(point)
            elif runs[-1]:
                runs.append([])
            previous = point
        for run in runs:
            if len(run) < 2:
                continue
            d = "M" + "L".join(f"{coord(x)} {coord(y)}" for x, y in run)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        for (x1, y1), (x2, y2) in provisional:
            parts.append(
                f'<path d="M{coord(x1)} {coord(y1)}L{coord(x2)} {coord(y2)}" fill="none" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="1 4" '
                'class="provisional"/>'
            )
        for i, value in enumerate(series.values):
            text = escape(value_text(value, chart.unit, english=english))
            tooltip = (
                f"{escape(series_name(series, english))}, "
                f"{escape(category_text(chart.categories[i], english))}: {text}"
            )
            number = as_number(value)
            if number is not None:
                x, y = x_of(i), y_of(number)
                count = series.counts[i] if series.counts else None
                hollow = count is not None and count < SMALL_N
                if count is not None:
                    tooltip += f" (n {count})"
                marker = marker_svg(shape, x, y, colour, hollow=hollow)
                parts.append(f"<g>{marker}<title>{tooltip}</title></g>")
                shown_before = any(
                    as_number(other.values[i]) == number for other in chart.series[:s_index]
                )
                if n <= LABELLED_POINTS and not shown_before:
                    below = s_index % 2 == 1 and y + 16 <= bottom - 4
                    label_y = y + 16 if below else y - 8
                    parts.append(
                        f'<text x="{coord(x)}" y="{coord(label_y)}" text-anchor="middle" '
                        f'fill="{INK}" font-size="10">{text}</text>'
                    )
            elif isinstance(value, Suppressed):
                parts.append(
                    f'<text x="{coord(x_of(i))}" y="{bottom - 4}" text-anchor="middle" '
                    f'fill="{INK}" font-size="10" class="absent">{text}'
                    f"<title>{tooltip}</title></text>"
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _legend_lines(chart: Chart, english: bool = False) -> str:
    out = ['<g class="legend">']
    x = 8
    for i, series in enumerate(chart.series):
        colour = STYLES[i % len(STYLES)][0]
        dash = DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x}" y1="14" x2="{x + 28}" y2="14" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(marker_svg(MARKERS[i % len(MARKERS)], x + 14, 14, colour))
        name = shorten(series_name(series, english), 32)
        out.append(f'<text x="{x + 36}" y="18" fill="{INK}">{escape(name)}</text>')
        x += 36 + 8 * len(name) + 24
    out.append("</g>")
    return "".join(out)


# --- entry point -----------------------------------------------------------------------------


def chart_svg(
    chart: Chart,
    *,
    id_prefix: str = "",
    labels: dict[str, str] | None = None,
    english: bool = False,
) -> str:
    """The SVG of ``chart`` (bar, line or funnel), as a string ready to put in a page, with
    its words in English when asked."""
    if chart.kind == "bar":
        return bar_chart_svg(chart, id_prefix=id_prefix, labels=labels, english=english)
    if chart.kind == "line":
        return line_chart_svg(chart, id_prefix=id_prefix, english=english)
    if chart.kind == "funnel":
        return _funnel_svg(chart, id_prefix, english)
    raise ValueError(f"unknown chart kind {chart.kind!r}")


@lru_cache(maxsize=64)
def _funnel_svg(chart: Chart, id_prefix: str, english: bool) -> str:
    """A funnel plot draws every clinic: kept per chart (a clinic's funnel is itself kept per
    benchmark refresh, ``completeness.read_funnel``), so a clinic's tab draws it once."""
    return funnel_svg(chart, id_prefix=id_prefix, english=english)
