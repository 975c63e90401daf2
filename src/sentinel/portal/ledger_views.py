"""Administrer → "Brug af jeres data": the clinic's ledger of how its data is used, as a page
and as CSV. Both read ``sharing.ledger.ledger_for`` (the figures' one home)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sentinel.clinics.models import Clinic
from sentinel.portal import texts
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.clinic_pages import page_context
from sentinel.sharing.ledger import ledger_csv, ledger_for

#: Course ids shown per refusal reason on the page; the CSV has them all.
SHOWN_IDS = 20
#: Months shown per project on the page (newest first); the CSV has them all.
SHOWN_MONTHS = 12


@require_GET
@clinic_page
def ledger(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    book = ledger_for(clinic)
    return render(
        request,
        "portal/ledger.html",
        page_context(
            clinic,
            user,
            "administer",
            ledger=book,
            projects=[
                {
                    "p": p,
                    "received": [texts.label(texts.FIELD_LABELS, f) for f in p.fields_received],
                    "dropped": [texts.label(texts.FIELD_LABELS, f) for f in p.fields_dropped],
                    "months": [m.month for m in p.months[:SHOWN_MONTHS]],
                    "records": [m.records for m in p.months[:SHOWN_MONTHS]],
                    "rows": [
                        (
                            texts.label(texts.FIELD_LABELS, f),
                            False,
                            [m.received.get(f, 0) for m in p.months[:SHOWN_MONTHS]],
                        )
                        for f in p.fields_received
                    ]
                    + [
                        (
                            texts.label(texts.FIELD_LABELS, f),
                            True,
                            [m.dropped.get(f, 0) for m in p.months[:SHOWN_MONTHS]],
                        )
                        for f in p.fields_dropped
                    ],
                    "more_months": max(len(p.months) - SHOWN_MONTHS, 0),
                }
                for p in book.projects
            ],
            refusals=[
                {
                    "group": g,
                    "label": texts.label(texts.REFUSAL_REASONS, g.reason),
                    "ids": g.source_ids[:SHOWN_IDS],
                    "stored_later": g.stored_later,
                    "more": max(len(g.source_ids) - SHOWN_IDS, 0),
                }
                for g in book.refusals
            ],
        ),
    )


@require_GET
@clinic_page
def ledger_download(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    body = "\ufeff" + ledger_csv(ledger_for(clinic))
    name = f"sentinel-brug-af-data-{clinic.ydernummer}-{timezone.localdate():%Y%m%d}.csv"
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
