"""Two more occasions to tell a clinic about (``notices.occasions.due`` adds them):

- **A vendor asks to serve the clinic** — each pending request (``collection.approvals.pending``)
  once: which systemhus asked, when, and where the owner approves or refuses it.
- **The quarterly digest** — in the first ``DIGEST_DAYS`` days of a quarter, for each project
  whose report is open, the last complete quarter's headline figures and what changed since the
  quarter before, exactly as the report tab says them: the report is built by the engine
  (``reports.engine.build_report``) for that quarter, and each figure's value and words come
  from ``reports.headline.Figure`` — nothing is computed here. Figures only: no course, no
  patient, no source id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from django.urls import reverse

from sentinel.clinics.models import Clinic
from sentinel.collection.approvals import pending
from sentinel.lib.dates import format_da, format_en
from sentinel.notices.models import Kind
from sentinel.projects.models import Project
from sentinel.reports.engine import build_report
from sentinel.reports.headline import Figure
from sentinel.reports.periods import Period

DIGEST_DAYS = 14
"""A digest is sent in the first days of the quarter after the one it sums up."""


def vendor_requests(clinic: Clinic, header: Callable[[str], str]) -> list[dict[str, object]]:
    """One occasion per pending vendor request."""
    found = []
    path = reverse("portal:administer", args=[clinic.ydernummer])
    for request in pending(clinic):
        day = request.requested_at.date()
        vendor = request.vendor.name
        found.append(
            {
                "kind": Kind.VENDOR_REQUEST,
                "key": f"vendor:{request.pk}",
                "since": day,
                "da": (
                    f"{vendor} beder om at overføre klinikkens data",
                    f"{header('da')}{vendor} har {format_da(day)} bedt om at overføre "
                    "klinikkens data til Sentinel. Systemhuset får ingen adgang, før "
                    "klinikkens ejer har godkendt det. Kender I ikke anmodningen, så afvis "
                    "den.\n\nGodkend eller afvis under Administrer: {link}\n",
                ),
                "en": (
                    f"{vendor} asks to transfer the clinic's data",
                    f"{header('en')}On {format_en(day)}, {vendor} asked to transfer the "
                    "clinic's data to Sentinel. The vendor gets no access until the clinic's "
                    "owner approves it. If you do not know of the request, refuse it.\n\n"
                    "Approve or refuse under Administrer: {link}\n",
                ),
                "path": path,
            }
        )
    return found


def last_quarter(day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The complete quarter before the one ``day`` is in: first day, last day, "2026-Q3"."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    this_start = dt.date(day.year, first_month, 1)
    end = this_start - dt.timedelta(days=1)
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end, f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _figure_line(figure: Figure, language: str) -> str:
    indicator = figure.indicator
    unit = "" if indicator.kind == "median" else " %"  # a median is in its own unit
    if language == "en":
        label, change = indicator.label_en, figure.change_en
        value = f"{figure.code} " if figure.code else ""
        if figure.value is not None:
            value += f"{figure.value:.2f}{unit}"
        return f"- {label}: {value or 'no courses'} ({figure.n} courses). {change}"
    label, change = indicator.label_da, figure.change_da
    value = f"{figure.code} " if figure.code else ""
    if figure.value is not None:
        value += f"{figure.value:.2f}{unit}".replace(".", ",")
    return f"- {label}: {value or 'ingen forløb'} ({figure.n} forløb). {change}"


def digests(
    clinic: Clinic, day: dt.date, open_projects: list[Project], header: Callable[[str], str]
) -> list[dict[str, object]]:
    """The quarterly digest of each project in ``open_projects`` (its report is open)."""
    start, end, quarter = last_quarter(day)
    if (day - end).days > DIGEST_DAYS:
        return []
    found = []
    for project in open_projects:
        report = build_report(clinic, project, Period.months(start, end), day)
        if not report.is_open or not report.headline:
            continue
        name = project.name
        lines_da = "\n".join(_figure_line(f, "da") for f in report.headline)
        lines_en = "\n".join(_figure_line(f, "en") for f in report.headline)
        label_da = f"{(start.month - 1) // 3 + 1}. kvartal {start.year}"
        found.append(
            {
                "kind": Kind.DIGEST,
                "key": f"digest:{project.code}:{quarter}",
                "since": end + dt.timedelta(days=1),
                "da": (
                    f"{name}: klinikkens tal for {label_da}",
                    f"{header('da')}Klinikkens overblik for {name}, {label_da} "
                    f"({format_da(start)}–{format_da(end)}), sammenlignet med kvartalet før:\n\n"
                    f"{lines_da}\n\nHele rapporten med region og land: {{link}}\n",
                ),
                "en": (
                    f"{name}: the clinic's figures for {quarter}",
                    f"{header('en')}The clinic's overview for {name}, {quarter} ({start} to "
                    f"{end}), compared with the quarter before:\n\n{lines_en}\n\n"
                    "The whole report with region and country: {link}\n",
                ),
                "path": reverse("portal:report_tab", args=[clinic.ydernummer, project.code])
                + "?"
                + urlencode(Period.months(start, end).as_query()),
            }
        )
    return found
