"""Clinic-facing pages. For now: the front page and, in demo mode only, an overview of the
synthetic nation with each clinic's status check (the real portal, with MitID login, comes
with the portal issue)."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.clinics.models import Clinic
from sentinel.clinics.status import check_status
from sentinel.lib import refdata
from sentinel.portal.services import LaunchRefusal, use_launch_link

_AGAIN = "Åbn Sentinel igen fra menuen i dit praksissystem."
REFUSALS = {
    LaunchRefusal.UNKNOWN: (404, f"Linket findes ikke. {_AGAIN}"),
    LaunchRefusal.EXPIRED: (410, f"Linket er udløbet (det virker i 5 minutter). {_AGAIN}"),
    LaunchRefusal.USED: (410, f"Linket er allerede brugt (det virker kun én gang). {_AGAIN}"),
}


@require_GET
def front_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/front.html",
        {"sentinel": SENTINEL_SUPPORT, "sundhed_dk": SUNDHED_DK_SUPPORT},
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _require_demo() -> None:
    if not settings.DEMO:
        raise Http404("only in demo mode")


@require_GET
def demo_overview(request: HttpRequest) -> HttpResponse:
    _require_demo()
    clinics = list(Clinic.objects.order_by("region_code", "ydernummer"))
    region_names = {code: r.name for code, r in refdata.regions().items()}
    outcomes: Counter[str] = Counter()
    rows = []
    for clinic in clinics:
        report = check_status(clinic)
        first_problem = next((c for c in report.checks if not c.ok), None)
        if first_problem is None:
            outcome = "ok"
        else:
            outcome = f"{first_problem.check}:{first_problem.state.value}"
        outcomes[outcome] += 1
        rows.append({"clinic": clinic, "report": report, "first_problem": first_problem})
    return render(
        request,
        "portal/demo_overview.html",
        {
            "rows": rows,
            "outcomes": sorted(outcomes.items()),
            "region_names": region_names,
            "clinic_count": len(clinics),
        },
    )


@require_GET
def demo_clinic_status(request: HttpRequest, ydernummer: str) -> HttpResponse:
    _require_demo()
    clinic = get_object_or_404(Clinic, ydernummer=ydernummer)
    report = check_status(clinic)
    return render(request, "portal/status.html", {"clinic": clinic, "report": report})


@require_GET
def launch(request: HttpRequest, token: str) -> HttpResponse:
    """The page a practice system opens: the Sentinel menu for one clinic (single use)."""
    result = use_launch_link(token)
    if result.refusal is not None:
        status, message = REFUSALS[result.refusal]
        return render(request, "portal/launch_refused.html", {"message": message}, status=status)
    link = result.link
    report = check_status(link.clinic)
    response = render(
        request, "portal/launch_menu.html", {"clinic": link.clinic, "link": link, "report": report}
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
