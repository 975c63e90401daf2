"""A headline figure as the tab and the PDF write it, in the page's language: the value with
its n, the network, region and nation beside it, the change since the previous period in
words, which direction is better and the target (``reports.headline.Figure`` is the figure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from sentinel.reports.disclosure import Suppressed
from sentinel.reports.headline import Figure
from sentinel.reports.presenting import number_text, pick
from sentinel.reports.tables import CellValue


@dataclass(frozen=True)
class FigureView:
    """One headline figure as the tab writes it (in the page's language)."""

    key: str
    label: str
    value: str
    code_title: str
    n: str
    region_name: str
    region: str
    nation: str
    change: str
    verdict: str
    better: str
    target: str
    in_target: str
    nation_name: str = "Hele landet"
    network_name: str = ""
    network: str = ""
    definition: str = ""
    target_source: str = ""


def _share(value: CellValue, note: str, *, english: bool = False) -> str:
    if isinstance(value, Suppressed):
        return f"{value.text} %"
    if isinstance(value, Decimal):
        return f"{number_text(value.quantize(Decimal('0.01')), english=english)} %"
    none = "no figure" if english else "ingen tal"
    return f"{none} ({note})" if note else none


def _days(value: CellValue, note: str, *, english: bool = False, unit: str = "days") -> str:
    """Days (one decimal) or, with ``unit`` "", a median in its own unit (two decimals)."""
    if isinstance(value, Suppressed):
        return value.text
    if isinstance(value, Decimal):
        shown = number_text(value.quantize(Decimal("0.1" if unit else "0.01")), english=english)
        return shown if not unit else f"{shown} days" if english else f"{shown} dage"
    none = "no figure" if english else "ingen tal"
    return f"{none} ({note})" if note else none


def figure_view(figure: Figure, *, english: bool = False) -> FigureView:
    """A headline figure in words (Danish, or English): the value with its n, region and
    nation beside it, the change since the previous period (an arrow with words), which
    direction is better and the target."""
    indicator = figure.indicator
    formats: dict[str, Callable[..., str]] = {"days": _days, "median": partial(_days, unit="")}
    shown = formats.get(indicator.kind, _share)
    value = shown(figure.value, "no courses" if english else "ingen forløb", english=english)
    count = number_text(figure.n, english=english)
    if indicator.kind == "code":
        if figure.code:
            value = f"{figure.code} ({value})"
        else:
            value = "no code" if english else "ingen kode"
        n = f"{count} courses with the code" if english else f"{count} forløb med koden"
    elif english:
        n = f"{count} {indicator.n_en or 'courses'}"
    else:
        n = f"{count} {indicator.n_da or 'forløb'}"
    in_target = ""
    if figure.in_target is not None:
        inside = {
            True: ("inden for målet", "within the target"),
            False: ("uden for målet", "outside the target"),
        }
        in_target = inside[figure.in_target][english]
    return FigureView(
        key=indicator.key,
        label=pick(indicator, "label", english),
        value=value,
        code_title=figure.code_title_da,
        n=n,
        region_name=pick(figure, "region_name", english),
        region=shown(figure.region, pick(figure, "region_note", english), english=english),
        nation=shown(figure.nation, pick(figure, "nation_note", english), english=english),
        change=pick(figure, "change", english),
        verdict=figure.verdict,
        better=pick(figure, "better", english),
        target=pick(indicator, "target", english),
        in_target=in_target,
        nation_name="Nation" if english else "Hele landet",
        network_name=figure.network_name,
        network=shown(figure.network, pick(figure, "network_note", english), english=english)
        if figure.network_name
        else "",
        definition=pick(indicator, "definition", english),
        target_source=pick(indicator, "target_source", english),
    )
