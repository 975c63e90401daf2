"""The meeting pack: one report tab over one period as an A4 PDF for the quality meeting.

It holds the clinic, the period and the days its data covers, the day it was made, the
headline (each figure with n, region, nation, the change and the target), every section of
the report with its charts — the comparisons with region and nation and the funnel plot among
them — and the definition of each headline figure. Never the worklist: the pack is built from
the ``Report`` alone, which holds no person-identifiable data (the worklist is a separate call
the pack never makes).

**The check sum.** Every page carries the SHA-256 of the figures shown, so a printed copy can
be matched to the data: the SHA-256, in hexadecimal, of the report's *canonical JSON* —
``Report.as_dict()`` (the object the vendor API answers with, less its ``worklist``) written
with its keys sorted, no spaces (``","`` and ``":"`` as separators), non-ASCII as UTF-8
(``ensure_ascii=False``), encoded as UTF-8 (``canonical_json``). Anyone with the same report
(clinic, project, period, on the same day after the same benchmark refresh) gets the same sum.
"""

from __future__ import annotations

import hashlib
import json

from django.template.loader import render_to_string
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.core.pdf import html_to_pdf
from sentinel.lib.dates import format_day
from sentinel.reports.engine import Report
from sentinel.reports.figures_view import figure_view
from sentinel.reports.presenting import refreshed_text, section_view


def canonical_json(report: Report) -> bytes:
    """The figures the pack shows, as canonical JSON (see the module's docstring)."""
    return json.dumps(
        report.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def figures_sha256(report: Report) -> str:
    """The check sum printed on every page of the pack."""
    return hashlib.sha256(canonical_json(report)).hexdigest()


def meeting_pack_html(
    report: Report, clinic: Clinic | None, *, english: bool = False, network: str = ""
) -> str:
    """The pack as one self-contained HTML page (styles inline, charts as inline SVG); for a
    quality network's pack (``reports.network_report``) ``network`` names it and there is no
    clinic."""
    if not report.is_open:
        raise ValueError("a meeting pack is made only of an open report")
    made = timezone.localtime()
    context = {
        "report": report,
        "clinic": clinic,
        "network": network,
        "english": english,
        "lang": "en" if english else "da",
        "sha256": figures_sha256(report),
        "period_label": report.period.label_en if english else report.period.label_da,
        "data_range": report.data_range_en if english else report.data_range_da,
        "made": f"{format_day(made.date(), english=english)} "
        + (f"{made:%H:%M}" if english else f"kl. {made:%H.%M}"),
        "refreshed": refreshed_text(report, english=english),
        "headline": [figure_view(f, english=english) for f in report.headline],
        "targets_day": format_day(report.data_to, english=english),
        "sections": [
            section_view(s, report=report, links=None, print_view=True, english=english)
            for s in report.sections
        ]
        if report.has_data
        else [],
    }
    return render_to_string("reports/pdf.html", context)


def meeting_pack_css(report: Report) -> str:
    """The pack's style sheet: A4, and the check sum in every page's foot."""
    return render_to_string("reports/pdf.css", {"sha256": figures_sha256(report)})


def meeting_pack(
    report: Report, clinic: Clinic | None, *, english: bool = False, network: str = ""
) -> bytes:
    """The meeting pack's PDF bytes (A4)."""
    title = f"Sentinel – {report.project_name} – {network or (clinic.name if clinic else '')}"
    return html_to_pdf(
        meeting_pack_html(report, clinic, english=english, network=network),
        css=meeting_pack_css(report),
        title=title,
        lang="en" if english else "da",
    )


def pdf_filename(report: Report) -> str:
    """``sentinel-<project>-<ydernummer>-<from>-<to>.pdf``."""
    days = [d.isoformat() if d else "x" for d in (report.data_from, report.data_to)]
    return "-".join(["sentinel", report.project_code, report.clinic_ydernummer, *days]) + ".pdf"
