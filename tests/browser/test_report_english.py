"""The report tab in English, in a real browser and axe-clean at 1280×800 and in the practice
system's 480×700 window: sections, tables, the headline, the period form, the charts and the
dates in English; the link to the PDF meeting pack; and the print view in the narrow window
without the worklist unless it is ticked."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import check_page
from tests.browser.test_report_print import CPR_SHAPE, clinic_with_a_worklist, log_in_to_the_tab

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
DANISH_DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")


def test_english_tab_wide_and_narrow(live_server, provider, vendor, new_page) -> None:
    _clinic, owner, _cpr = clinic_with_a_worklist(provider, vendor, "847011")
    page = new_page(viewport=WIDE)
    log_in_to_the_tab(page, live_server, owner, "847011")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    page.reload()

    report = page.locator(".report")
    text = report.inner_text()
    for words in (
        "At a glance",
        "Coding completeness, structured courses",
        "Most used diagnoses",
        "Coding completeness of structured courses",
        "Monthly trend",
        "Compared with region and nation",
        "Coding completeness compared with region and nation",
        "Choose the period",
        "Since enrolment",
        "Download the meeting pack (PDF)",
        "Knee osteoarthritis",
        "Higher is better.",
    ):
        assert words in text, words
    assert re.search(r"Data from \d{1,2} [A-Z][a-z]{2} \d{4} to ", text)
    assert DANISH_DATE.search(text) is None
    for danish in ("Overblik", "Vælg periode", "Forløbstype", "Højere er bedre", "I alt"):
        assert danish not in text, danish
    chart_text = page.locator("#sektion-completeness svg").first.inner_html()
    assert "Share validly coded (%)" in chart_text
    pdf = page.get_by_role("link", name="Download the meeting pack (PDF)")
    assert pdf.get_attribute("href").endswith("/rapporter/diagnosekodning.pdf")
    check_page(page, "44-report-english")

    page.set_viewport_size(NARROW)
    assert page.evaluate("() => document.querySelector('.report').scrollWidth") <= 480
    check_page(page, "45-report-english-narrow")


def test_print_view_in_the_narrow_window_leaves_out_the_worklist(
    live_server, provider, vendor, new_page
) -> None:
    _clinic, owner, shown_cpr = clinic_with_a_worklist(provider, vendor, "847012")
    page = new_page(viewport=NARROW)
    log_in_to_the_tab(page, live_server, owner, "847012")

    page.goto(f"{live_server.url}/klinik/847012/rapporter/diagnosekodning/print/")

    assert page.locator("#tabel-worklist").count() == 0
    assert shown_cpr not in page.content()
    assert CPR_SHAPE.search(page.locator("body").inner_text()) is None
    assert page.evaluate("() => document.querySelector('.report').scrollWidth") <= 480
    check_page(page, "46-report-print-narrow")
