"""The drawing parts every server-side chart shares (``reports.charts``): colours, patterns,
markers, numbers the Danish way, the accessible ``<svg>`` opening with its title and
description (every number, with n where a share has it), and the empty chart."""

from __future__ import annotations

import html
import math
import re
from decimal import Decimal

from sentinel.reports import disclosure
from sentinel.reports.disclosure import Suppressed
from sentinel.reports.exports import number_da
from sentinel.reports.tables import Chart, in_english


def escape(text: object) -> str:
    """``text`` as HTML or SVG text (``&``, ``<``, ``>`` and both quotes escaped), as
    Django's ``escape`` but without its lazy-text wrapper: a tab escapes ~1,000 texts."""
    return html.escape(str(text))


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

SMALL_N = 10
"""A share on fewer courses than this is drawn as a hollow marker: it can swing widely."""
BAND = "#eef1f4"

SUPPRESSED_LABEL = disclosure.LABEL
MISSING_LABEL = "–"


# --- numbers ---------------------------------------------------------------------------------


def value_text(value: object, unit: str, *, english: bool = False) -> str:
    if isinstance(value, Suppressed):
        return SUPPRESSED_LABEL
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        text = number_da(value)
        return (text.replace(",", ".") if english else text) + (" %" if unit == "percent" else "")
    return MISSING_LABEL


def words(chart: Chart, english: bool) -> tuple[str, str]:
    """The chart's title and description in the page's language."""
    if english:
        return chart.title_en or chart.title_da, chart.description_en or chart.description_da
    return chart.title_da, chart.description_da


def series_name(series: object, english: bool) -> str:
    name_da = str(getattr(series, "name_da", ""))
    return (str(getattr(series, "name_en", "")) or name_da) if english else name_da


def category_text(category: str, english: bool) -> str:
    return in_english(category) if english else str(category)


def as_number(value: object) -> float | None:
    """A chart value as a float for geometry, or None when it draws nothing."""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return float(value)
    return None


def axis_ticks(top: float, *, percent: bool, whole: bool) -> list[float]:
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


def coord(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros (deterministic, compact)."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def axis_number(x: float, *, english: bool = False) -> str:
    if float(x).is_integer():
        return str(int(x))
    text = number_da(Decimal(str(x)).normalize())
    return text.replace(",", ".") if english else text


# --- shared parts ----------------------------------------------------------------------------


def base_id(chart: Chart, prefix: str) -> str:
    raw = f"{prefix}-{chart.key}" if prefix else f"chart-{chart.key}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", raw)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wrap_label(text: str, width: int) -> list[str]:
    """``text`` on at most two lines of about ``width`` characters (the rest shortened)."""
    if len(text) <= width:
        return [text]
    cut = text.rfind(" ", 0, width + 1)
    if cut <= 0:
        cut = width
    return [text[:cut].rstrip(), shorten(text[cut:].strip(), width)]


def describe(chart: Chart, *, english: bool = False) -> str:
    """The chart's description followed by every number in it, series by series."""
    parts = [words(chart, english)[1].strip()]
    for series in chart.series:
        counts = series.counts or (None,) * len(chart.categories)
        values = "; ".join(
            f"{category_text(category, english)}: {value_text(value, chart.unit, english=english)}"
            + (f" (n {n})" if n is not None else "")
            for category, value, n in zip(chart.categories, series.values, counts, strict=True)
        )
        none = "no values" if english else "ingen værdier"
        parts.append(f"{series_name(series, english)}: {values or none}.")
    for category in chart.incomplete:
        if english:
            parts.append(f"{in_english(category)} is not over yet: its figures are provisional.")
        else:
            parts.append(f"{category} er ikke slut endnu: tallene er foreløbige.")
    return " ".join(p for p in parts if p)


def open_svg(
    chart: Chart, base: str, width: int, height: int, *, english: bool = False, text: str = ""
) -> list[str]:
    """The ``<svg>`` opening with its title and description (``text``, or every number of
    the chart's series)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(chart.kind)}" '
        f'id="{base}" role="img" aria-labelledby="{base}-title {base}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{escape(FONT)}" font-size="13">',
        f'<title id="{base}-title">{escape(words(chart, english)[0])}</title>',
        f'<desc id="{base}-desc">{escape(text or describe(chart, english=english))}</desc>',
    ]


def patterns_svg(base: str, count: int) -> list[str]:
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


def fill_of(base: str, index: int) -> str:
    colour, kind = STYLES[index % len(STYLES)]
    return colour if kind == "solid" else f"url(#{base}-p{index})"


def marker_svg(shape: str, x: float, y: float, colour: str, *, hollow: bool = False) -> str:
    paint = (
        f'fill="#fff" stroke="{colour}" stroke-width="2" class="small-n"'
        if hollow
        else f'fill="{colour}"'
    )
    if shape == "square":
        return f'<rect x="{coord(x - 4)}" y="{coord(y - 4)}" width="8" height="8" {paint}/>'
    if shape == "triangle":
        return (
            f'<path d="M{coord(x)} {coord(y - 5)}L{coord(x + 5)} {coord(y + 4)}'
            f'L{coord(x - 5)} {coord(y + 4)}Z" {paint}/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{coord(x)} {coord(y - 5)}L{coord(x + 5)} {coord(y)}'
            f'L{coord(x)} {coord(y + 5)}L{coord(x - 5)} {coord(y)}Z" {paint}/>'
        )
    return f'<circle cx="{coord(x)}" cy="{coord(y)}" r="4" {paint}/>'


def empty_svg(chart: Chart, base: str, width: int, *, english: bool = False) -> str:
    height = 60
    parts = open_svg(chart, base, width, height, english=english)
    nothing = "No data to show in the period." if english else "Ingen data at vise i perioden."
    parts.append(f'<text x="8" y="34" fill="{MUTED}">{nothing}</text></svg>')
    return "".join(parts)
