"""The report tab in the practice system's narrow window (480×700), in a real browser and
axe-clean: codes, months and CPR numbers are never broken across lines, wide tables scroll in
their own keyboard-reachable region instead of pushing the page sideways, and the charts keep
their drawn size (legible text) in a scrolling region of their own."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, check_page
from tests.browser.test_report_print import clinic_with_a_worklist, log_in_to_the_tab

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NARROW = {"width": 480, "height": 700}

LINES = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((el) => !el.querySelector('.sr-only'))  // an empty cell: a dash, words for readers
  .map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return [el.textContent.trim(), tops.size];
})"""


def test_report_tab_in_the_narrow_window(live_server, provider, vendor, new_page) -> None:
    _clinic, owner, shown_cpr = clinic_with_a_worklist(provider, vendor, "847002")

    page = new_page(viewport=NARROW)
    log_in_to_the_tab(page, live_server, owner, "847002")

    # Codes, months, ids and the CPR number: one line each.
    cells = page.evaluate(
        LINES, ".report-table.ids-first tbody th, .report-table .id, .report-table .num"
    )
    texts = {text for text, _lines in cells}
    assert {"L90", "L03", shown_cpr, "P-MANGLER"} <= texts
    assert [c for c in cells if c[1] != 1] == []
    # Column headers break between words, never inside one ("Forl øb").
    headers = page.evaluate(LINES, ".report-table thead th")
    assert ["Forløb", 1] in headers
    # The page itself does not scroll sideways in the report; a wide table scrolls in its
    # region (focusable: axe checks it below).
    report_width = page.evaluate("() => document.querySelector('.report').scrollWidth")
    assert report_width <= NARROW["width"]
    # Charts keep their drawn width: text at its drawn size, not shrunk to fit.
    widths = page.evaluate(
        "() => Array.from(document.querySelectorAll('.chart-scroll svg'))"
        ".map((svg) => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width)"
    )
    assert widths and min(widths) >= 0.99
    # The headline cards stack: each as wide as the content column.
    cards = page.evaluate(
        "() => Array.from(document.querySelectorAll('.headline-figure'))"
        ".map((el) => el.getBoundingClientRect().left)"
    )
    assert len(cards) == 5 and len(set(cards)) == 1
    check_page(page, "42-report-narrow")
    page.locator(".report-headline").screenshot(path=str(SCREENSHOTS / "42-headline-narrow.png"))
    # From 360 px on: still nothing broken and nothing pushing the page sideways.
    page.set_viewport_size({"width": 360, "height": 700})
    cells = page.evaluate(
        LINES, ".report-table.ids-first tbody th, .report-table .id, .report-table .num"
    )
    assert [c for c in cells if c[1] != 1] == []
    assert page.evaluate("() => document.querySelector('.report').scrollWidth") <= 360
    check_page(page, "43-report-360")
    page.set_viewport_size(NARROW)
    page.locator("#sektion-completeness").screenshot(
        path=str(SCREENSHOTS / "42-completeness-narrow.png")
    )
