"""The funnel plot as SVG, drawn on the server like the other charts (``reports.charts``).

Every drawn clinic is a small grey dot with no label, no title and no id — the dots are
deduplicated by their drawn position, so nothing in the SVG counts or names another clinic —
and the clinic reading the report is a larger, labelled marker. The national rate is a line,
the 95 % limits solid and the 99.8 % limits dashed (shape as well as colour). The description
says the national rate, the clinic's point and band, and how many clinics lie in each band;
the table beside the plot holds the same numbers (``diagnosekodning.completeness``).
"""

from __future__ import annotations

import math

from sentinel.lib.shares import percent
from sentinel.reports.funnel import Z95, Z998, Band, Funnel, limit
from sentinel.reports.svg import (
    GRID,
    INK,
    MUTED,
    axis_number,
    axis_ticks,
    base_id,
    coord,
    empty_svg,
    escape,
    marker_svg,
    open_svg,
    value_text,
    words,
)
from sentinel.reports.tables import Chart, Column

WIDTH = 640
HEIGHT = 330
LEFT = 60
RIGHT = 24
TOP = 44
BOTTOM = 52
CLINIC = "#0b4f8a"
OTHERS = "#4a5561"
LIMIT_95 = "#6a3d9a"
LIMIT_998 = "#1e6b35"
SAMPLES = 80

BAND_WORDS: dict[Band, tuple[str, str]] = {
    "above_998": ("over 99,8 %-grænsen", "above the 99.8 % limit"),
    "above_95": (
        "mellem 95 %- og 99,8 %-grænsen, over",
        "between the 95 % and 99.8 % limits, above",
    ),
    "within": ("inden for 95 %-grænserne", "within the 95 % limits"),
    "below_95": (
        "mellem 95 %- og 99,8 %-grænsen, under",
        "between the 95 % and 99.8 % limits, below",
    ),
    "below_998": ("under 99,8 %-grænsen", "below the 99.8 % limit"),
}


def band_text(band: Band, english: bool) -> str:
    return BAND_WORDS[band][english]


def summary(funnel: Funnel, english: bool) -> str:
    """The plot in words: the national rate, this clinic, the clinics per band."""
    rate = value_text(funnel.rate_percent, "percent", english=english)
    counts = funnel.counts()
    per_band = "; ".join(f"{band_text(b, english)}: {counts[b]}" for b in counts)
    if english:
        parts = [f"National rate {rate}, {funnel.drawn} clinics drawn ({per_band})."]
    else:
        parts = [f"Landets andel {rate}, {funnel.drawn} klinikker vist ({per_band})."]
    if funnel.marked and funnel.marked[0]:
        n, valid = funnel.marked
        own = value_text(percent(valid, n), "percent", english=english)
        where = band_text(funnel.band(n, valid), english)
        parts.append(
            f"The clinic: {own} of {n} courses, {where}."
            if english
            else f"Klinikken: {own} af {n} forløb, {where}."
        )
    if funnel.omitted:
        parts.append(
            f"{funnel.omitted} clinics with fewer than 5 courses are not drawn."
            if english
            else f"{funnel.omitted} klinikker med færre end 5 forløb er ikke vist."
        )
    return " ".join(parts)


def funnel_svg(chart: Chart, *, id_prefix: str = "", english: bool = False) -> str:
    """The funnel plot of ``chart.funnel``."""
    base = base_id(chart, id_prefix)
    funnel = chart.funnel
    if funnel is None or not funnel.courses:
        return empty_svg(chart, base, WIDTH, english=english)
    rate = funnel.rate
    everyone = [*funnel.points, *([funnel.marked] if funnel.marked and funnel.marked[0] else [])]
    max_n = max((n for n, _v in everyone), default=10)
    x_ticks = axis_ticks(float(max_n), percent=False, whole=True)
    x_max = x_ticks[-1]
    min_n = max(1, min((n for n, _v in everyone), default=5))
    lowest = min([limit(rate, min_n, Z998)[0], *(v / n for n, v in everyone if n)], default=rate)
    # At least a tenth of the scale below 100 %: every clinic at 100 % (a rate of 1 and limits
    # of width 0) would otherwise leave an axis from 100 % to 100 %.
    y_min = min(0.9, max(0.0, math.floor(lowest * 10) / 10))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h

    def x_of(n: float) -> float:
        return LEFT + plot_w * min(1.0, n / x_max)

    def y_of(p: float) -> float:
        return bottom - plot_h * max(0.0, min(1.0, (p - y_min) / (1 - y_min)))

    description = words(chart, english)[1] + " " + summary(funnel, english)
    parts = open_svg(chart, base, WIDTH, HEIGHT, english=english, text=description)
    parts.append(_legend(english))
    # Axes: percent on y (from y_min to 100 %), courses on x.
    parts.append('<g class="axis">')
    step = 0.1 if 1 - y_min > 0.3 else 0.05
    y_tick = y_min
    while y_tick <= 1.0 + 1e-9:
        y = y_of(y_tick)
        tick_text = escape(axis_number(round(y_tick * 100, 1), english=english))
        parts.append(
            f'<line x1="{LEFT}" y1="{coord(y)}" x2="{WIDTH - RIGHT}" y2="{coord(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{coord(y + 4)}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{tick_text} %</text>'
        )
        y_tick += step
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{coord(x)}" y1="{bottom}" x2="{coord(x)}" y2="{bottom + 4}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<text x="{coord(x)}" y="{bottom + 17}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{escape(axis_number(tick, english=english))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="{INK}"/>'
        f'<text x="{LEFT + plot_w / 2}" y="{bottom + 36}" text-anchor="middle" fill="{INK}" '
        f'font-size="12">{escape(funnel.axis_en if english else funnel.axis_da)}'
        "</text></g>"
    )
    # The limits, sampled on a geometric scale of n (the curves bend most at small n).
    samples = (
        [min_n * (x_max / min_n) ** (i / (SAMPLES - 1)) for i in range(SAMPLES)]
        if x_max > min_n
        else [float(min_n)]
    )
    for z, colour, dash in ((Z95, LIMIT_95, ""), (Z998, LIMIT_998, ' stroke-dasharray="6 4"')):
        for side in (0, 1):
            d = "M" + "L".join(
                f"{coord(x_of(n))} {coord(y_of(limit(rate, max(1, round(n)), z)[side]))}"
                for n in samples
            )
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"{dash} '
                'class="limit"/>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{coord(y_of(rate))}" x2="{WIDTH - RIGHT}" '
        f'y2="{coord(y_of(rate))}" stroke="{INK}" stroke-width="1.5" class="national"/>'
    )
    # The other clinics: one unlabelled dot per drawn position.
    seen: set[tuple[int, int]] = set()
    dots = []
    for n, valid in funnel.points:
        x, y = x_of(n), y_of(valid / n)
        key = (round(x), round(y))
        if key in seen:
            continue
        seen.add(key)
        dots.append(f'<circle cx="{key[0]}" cy="{key[1]}" r="2.5"/>')
    parts.append(
        f'<g class="others" fill="{OTHERS}" fill-opacity="0.55" aria-hidden="true">'
        + "".join(dots)
        + "</g>"
    )
    if funnel.marked and funnel.marked[0]:
        n, valid = funnel.marked
        x, y = x_of(n), y_of(valid / n)
        label = "The clinic" if english else "Klinikken"
        anchor = "end" if x > LEFT + plot_w * 0.8 else "start"
        dx = -9 if anchor == "end" else 9
        parts.append(
            f'<g class="this-clinic">{marker_svg("diamond", x, y, CLINIC)}'
            f'<path d="M{coord(x)} {coord(y - 8)}L{coord(x)} {coord(y + 8)}M{coord(x - 8)} '
            f'{coord(y)}L{coord(x + 8)} {coord(y)}" stroke="{CLINIC}" stroke-width="1.5"/>'
            f'<text x="{coord(x + dx)}" y="{coord(y - 8)}" text-anchor="{anchor}" '
            f'fill="{INK}" font-size="12" font-weight="bold">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(english: bool) -> str:
    items = (
        ("The clinic", "Klinikken"),
        ("Other clinics", "Andre klinikker"),
        ("National rate", "Landets andel"),
        ("95 % limits", "95 %-grænser"),
        ("99.8 % limits", "99,8 %-grænser"),
    )
    out = ['<g class="legend">']
    x = 8
    for i, (en, da) in enumerate(items):
        name = en if english else da
        if i == 0:
            out.append(marker_svg("diamond", x + 6, 14, CLINIC))
        elif i == 1:
            out.append(f'<circle cx="{x + 6}" cy="14" r="3" fill="{OTHERS}"/>')
        else:
            colour, dash = ((INK, ""), (LIMIT_95, ""), (LIMIT_998, ' stroke-dasharray="6 4"'))[
                i - 2
            ]
            out.append(
                f'<line x1="{x}" y1="14" x2="{x + 14}" y2="14" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
        out.append(f'<text x="{x + 20}" y="18" fill="{INK}" font-size="12">{escape(name)}</text>')
        x += 20 + 7 * len(name) + 14
    out.append("</g>")
    return "".join(out)


LIMIT_COLUMNS = (
    Column("lower_998", "Nedre 99,8 %-grænse", "Lower 99.8 % limit", "percent"),
    Column("lower_95", "Nedre 95 %-grænse", "Lower 95 % limit", "percent"),
    Column("upper_95", "Øvre 95 %-grænse", "Upper 95 % limit", "percent"),
    Column("upper_998", "Øvre 99,8 %-grænse", "Upper 99.8 % limit", "percent"),
    Column("band", "Placering", "Where", "text"),
)
"""The columns of a funnel plot's figures table after who, n and the share: the four limits
and the band (the clinic's funnel and a declared indicator's)."""
