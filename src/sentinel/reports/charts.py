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
- **Safe and deterministic.** All text is HTML-escaped; the same chart gives byte-for-byte the
  same SVG (element ids come from the chart key and an optional prefix, never at random).

Numbers are written the Danish way: decimal comma, no thousands separator (like the CSV).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from django.utils.html import escape

from sentinel.reports import disclosure
from sentinel.reports.engine import Chart, Suppressed
from sentinel.reports.exports import number_da

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#1b1f24"
MUTED = "#4a5561"
GRID = "#d5dbe1"

# (colour, pattern) per series, in order. Colours: ≥ 3:1 against white (WCAG 1.4.11).
STYLES: tuple[tuple[str, str], ...] = (
    ("#0b4f8a", "solid"),
    ("#6a3d9a", "stripes"),
    ("#4a5561", "dots"),
    ("#1e6b35", "cross"),
)
DASHES = ("", "6 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")

SUPPRESSED_LABEL = disclosure.LABEL
MISSING_LABEL = "–"


# --- numbers ---------------------------------------------------------------------------------


def _value_text(value: object, unit: str) -> str:
    if isinstance(value, Suppressed):
        return SUPPRESSED_LABEL
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return number_da(value) + (" %" if unit == "percent" else "")
    return MISSING_LABEL


def _number(value: object) -> float | None:
    """A chart value as a float for geometry, or None when it draws nothing."""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return float(value)
    return None


def _ticks(top: float, *, percent: bool, whole: bool) -> list[float]:
    """Axis ticks from 0 to at least ``top`` in 2–5 even steps of 1, 2, (2.5,) 5 × 10^k
    (whole steps for counts; a percent axis never goes past 100)."""
    if top <= 0:
        return [0.0, 50.0, 100.0] if percent else [0.0, 1.0]
    rough = top / 4
    exponent = math.floor(math.log10(rough))
    step = 10.0 ** (exponent + 1)
    for factor in (1.0, 2.0, 5.0) if whole else (1.0, 2.0, 2.5, 5.0):
        if factor * 10.0**exponent >= rough - 1e-9:
            step = factor * 10.0**exponent
            break
    if whole:
        step = max(1.0, round(step))
    count = math.ceil(top / step - 1e-9)
    ticks = [step * i for i in range(count + 1)]
    if percent and ticks[-1] > 100:
        ticks = [t for t in ticks if t < 100] + [100.0]
    return ticks


def _fmt(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros (deterministic, compact)."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _axis_number(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return number_da(Decimal(str(x)).normalize())


# --- shared parts ----------------------------------------------------------------------------


def _base_id(chart: Chart, prefix: str) -> str:
    raw = f"{prefix}-{chart.key}" if prefix else f"chart-{chart.key}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", raw)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _wrap(text: str, width: int) -> list[str]:
    """``text`` on at most two lines of about ``width`` characters (the rest shortened)."""
    if len(text) <= width:
        return [text]
    cut = text.rfind(" ", 0, width + 1)
    if cut <= 0:
        cut = width
    return [text[:cut].rstrip(), _truncate(text[cut:].strip(), width)]


def _description(chart: Chart) -> str:
    """The chart's description followed by every number in it, series by series."""
    parts = [chart.description_da.strip()]
    for series in chart.series:
        values = "; ".join(
            f"{category}: {_value_text(value, chart.unit)}"
            for category, value in zip(chart.categories, series.values, strict=True)
        )
        parts.append(f"{series.name_da}: {values or 'ingen værdier'}.")
    return " ".join(p for p in parts if p)


def _open_svg(chart: Chart, base: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(chart.kind)}" '
        f'id="{base}" role="img" aria-labelledby="{base}-title {base}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{escape(FONT)}" font-size="13">',
        f'<title id="{base}-title">{escape(chart.title_da)}</title>',
        f'<desc id="{base}-desc">{escape(_description(chart))}</desc>',
    ]


def _patterns(base: str, count: int) -> list[str]:
    """One ``<pattern>`` per series style that is not a plain fill."""
    out = ["<defs>"]
    for i in range(count):
        colour, kind = STYLES[i % len(STYLES)]
        pid = f"{base}-p{i}"
        if kind == "stripes":
            out.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
                f'<rect width="3" height="6" fill="{colour}"/></pattern>'
            )
        elif kind == "dots":
            out.append(
                f'<pattern id="{pid}" width="5" height="5" patternUnits="userSpaceOnUse">'
                f'<rect width="5" height="5" fill="#fff"/>'
                f'<circle cx="2.5" cy="2.5" r="1.6" fill="{colour}"/></pattern>'
            )
        elif kind == "cross":
            out.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f'<rect width="6" height="6" fill="#fff"/>'
                f'<path d="M0 0L6 6M6 0L0 6" stroke="{colour}" stroke-width="1.5"/></pattern>'
            )
    out.append("</defs>")
    return out


def _fill(base: str, index: int) -> str:
    colour, kind = STYLES[index % len(STYLES)]
    return colour if kind == "solid" else f"url(#{base}-p{index})"


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{_fmt(x - 4)}" y="{_fmt(y - 4)}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 5)}L{_fmt(x + 5)} {_fmt(y + 4)}'
            f'L{_fmt(x - 5)} {_fmt(y + 4)}Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 5)}L{_fmt(x + 5)} {_fmt(y)}L{_fmt(x)} {_fmt(y + 5)}'
            f'L{_fmt(x - 5)} {_fmt(y)}Z" fill="{colour}"/>'
        )
    return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="4" fill="{colour}"/>'


def _empty(chart: Chart, base: str, width: int) -> str:
    height = 60
    parts = _open_svg(chart, base, width, height)
    parts.append(f'<text x="8" y="34" fill="{MUTED}">Ingen data at vise i perioden.</text></svg>')
    return "".join(parts)


# --- bar chart -------------------------------------------------------------------------------

BAR_WIDTH = 640
BAR_LABEL_W = 224
BAR_VALUE_W = 72
BAR_H = 14
BAR_GAP = 3
GROUP_GAP = 14
LABEL_CHARS = 26
LABEL_LINE_H = 15
LEGEND_H = 30


def bar_chart_svg(
    chart: Chart, *, id_prefix: str = "", labels: dict[str, str] | None = None
) -> str:
    """Horizontal grouped bars: one group per category, one bar per series, value at the end.

    ``labels`` may give a longer text for a category (e.g. ``"L03"`` → ``"L03 Lænderyg…"``);
    it is shortened to fit, and the full text stays in the table beside the chart."""
    base = _base_id(chart, id_prefix)
    n_series = len(chart.series)
    if not chart.categories or n_series == 0:
        return _empty(chart, base, BAR_WIDTH)
    numbers = [x for s in chart.series for v in s.values if (x := _number(v)) is not None]
    top = max(numbers, default=0.0)
    ticks = _ticks(top, percent=chart.unit == "percent", whole=chart.unit == "count")
    axis_max = ticks[-1]
    x0 = BAR_LABEL_W
    span = BAR_WIDTH - BAR_LABEL_W - BAR_VALUE_W
    group_h = max(n_series * (BAR_H + BAR_GAP) - BAR_GAP, 2 * LABEL_LINE_H)
    height = LEGEND_H + len(chart.categories) * (group_h + GROUP_GAP) + 24
    parts = _open_svg(chart, base, BAR_WIDTH, height)
    parts += _patterns(base, n_series)
    parts.append(_legend_bars(chart, base))
    y_axis_top = LEGEND_H - 4
    y_axis_bottom = height - 20
    # Scale: gridlines at 0, ½ and the maximum, labelled under the bars.
    parts.append('<g class="axis">')
    for tick in ticks:
        x = x0 + span * tick / axis_max
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{y_axis_top}" x2="{_fmt(x)}" y2="{y_axis_bottom}" '
            f'stroke="{GRID if tick else INK}" stroke-width="1"/>'
        )
        suffix = " %" if chart.unit == "percent" else ""
        parts.append(
            f'<text x="{_fmt(x)}" y="{height - 6}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{escape(_axis_number(tick) + suffix)}</text>'
        )
    parts.append("</g>")
    y = LEGEND_H
    for c_index, category in enumerate(chart.categories):
        lines = _wrap((labels or {}).get(category, category), LABEL_CHARS)
        first_y = y + group_h / 2 + 4 - (len(lines) - 1) * LABEL_LINE_H / 2
        parts.append('<g class="group">')
        parts.append(
            f'<text x="{x0 - 8}" y="{_fmt(first_y)}" text-anchor="end" fill="{INK}">'
            + "".join(
                f'<tspan x="{x0 - 8}" dy="{0 if i == 0 else LABEL_LINE_H}">{escape(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            + "</text>"
        )
        for s_index, series in enumerate(chart.series):
            value = series.values[c_index]
            bar_y = y + s_index * (BAR_H + BAR_GAP)
            text_y = _fmt(bar_y + BAR_H - 3)
            text = escape(_value_text(value, chart.unit))
            number = _number(value)
            if number is not None:
                length = max(0.0, min(1.0, number / axis_max)) * span
                colour = STYLES[s_index % len(STYLES)][0]
                parts.append(
                    f'<rect x="{x0}" y="{bar_y}" width="{_fmt(length)}" height="{BAR_H}" '
                    f'fill="{_fill(base, s_index)}" stroke="{colour}" stroke-width="1">'
                    f"<title>{escape(series.name_da)}, {escape(category)}: {text}</title></rect>"
                )
                parts.append(
                    f'<text x="{_fmt(x0 + length + 4)}" y="{text_y}" fill="{INK}" '
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


def _legend_bars(chart: Chart, base: str) -> str:
    out = ['<g class="legend">']
    x = 8
    for i, series in enumerate(chart.series):
        colour = STYLES[i % len(STYLES)][0]
        out.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{_fill(base, i)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        name = _truncate(series.name_da, 28)
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


def line_chart_svg(chart: Chart, *, id_prefix: str = "") -> str:
    """One line per series over the categories (months), with a y axis from zero."""
    base = _base_id(chart, id_prefix)
    n = len(chart.categories)
    if n == 0 or not chart.series:
        return _empty(chart, base, LINE_WIDTH)
    numbers = [x for s in chart.series for v in s.values if (x := _number(v)) is not None]
    top = max(numbers, default=0.0)
    ticks = _ticks(top, percent=chart.unit == "percent", whole=chart.unit == "count")
    axis_max = ticks[-1]
    plot_w = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    bottom = LINE_TOP + plot_h

    def x_of(i: int) -> float:
        return LINE_LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y_of(v: float) -> float:
        return bottom - plot_h * max(0.0, min(1.0, v / axis_max))

    parts = _open_svg(chart, base, LINE_WIDTH, LINE_HEIGHT)
    parts.append(_legend_lines(chart))
    suffix = " %" if chart.unit == "percent" else ""
    parts.append('<g class="axis">')
    for tick in ticks:
        y = bottom - plot_h * tick / axis_max
        parts.append(
            f'<line x1="{LINE_LEFT}" y1="{_fmt(y)}" x2="{LINE_WIDTH - LINE_RIGHT}" '
            f'y2="{_fmt(y)}" stroke="{GRID if tick else INK}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LINE_LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{escape(_axis_number(tick) + suffix)}</text>'
        )
    every = max(1, math.ceil(n / 12))
    for i, category in enumerate(chart.categories):
        if i != n - 1 and (i % every or n - 1 - i < every):
            continue
        parts.append(
            f'<text x="{_fmt(x_of(i))}" y="{bottom + 18}" text-anchor="middle" '
            f'fill="{MUTED}" font-size="11">{escape(_truncate(category, 10))}</text>'
        )
    parts.append("</g>")
    for s_index, series in enumerate(chart.series):
        colour = STYLES[s_index % len(STYLES)][0]
        dash = DASHES[s_index % len(DASHES)]
        shape = MARKERS[s_index % len(MARKERS)]
        parts.append(f'<g class="series series-{s_index}">')
        # The line, broken where a point is missing.
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(series.values):
            number = _number(value)
            if number is not None:
                runs[-1].append((x_of(i), y_of(number)))
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) < 2:
                continue
            d = "M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in run)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        for i, value in enumerate(series.values):
            text = escape(_value_text(value, chart.unit))
            tooltip = f"{escape(series.name_da)}, {escape(chart.categories[i])}: {text}"
            number = _number(value)
            if number is not None:
                x, y = x_of(i), y_of(number)
                parts.append(f"<g>{_marker(shape, x, y, colour)}<title>{tooltip}</title></g>")
                shown_before = any(
                    _number(other.values[i]) == number for other in chart.series[:s_index]
                )
                if n <= LABELLED_POINTS and not shown_before:
                    below = s_index % 2 == 1 and y + 16 <= bottom - 4
                    label_y = y + 16 if below else y - 8
                    parts.append(
                        f'<text x="{_fmt(x)}" y="{_fmt(label_y)}" text-anchor="middle" '
                        f'fill="{INK}" font-size="10">{text}</text>'
                    )
            elif isinstance(value, Suppressed):
                parts.append(
                    f'<text x="{_fmt(x_of(i))}" y="{bottom - 4}" text-anchor="middle" '
                    f'fill="{INK}" font-size="10" class="absent">{text}'
                    f"<title>{tooltip}</title></text>"
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _legend_lines(chart: Chart) -> str:
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
        out.append(_marker(MARKERS[i % len(MARKERS)], x + 14, 14, colour))
        name = _truncate(series.name_da, 32)
        out.append(f'<text x="{x + 36}" y="18" fill="{INK}">{escape(name)}</text>')
        x += 36 + 8 * len(name) + 24
    out.append("</g>")
    return "".join(out)


# --- entry point -----------------------------------------------------------------------------


def chart_svg(chart: Chart, *, id_prefix: str = "", labels: dict[str, str] | None = None) -> str:
    """The SVG of ``chart`` (bar or line), as a string ready to put in a page."""
    if chart.kind == "bar":
        return bar_chart_svg(chart, id_prefix=id_prefix, labels=labels)
    if chart.kind == "line":
        return line_chart_svg(chart, id_prefix=id_prefix)
    raise ValueError(f"unknown chart kind {chart.kind!r}")
