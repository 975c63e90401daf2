"""The portal's doors: the front page, login outcomes, the practice-system launch, the list of
a user's clinics, logout. The clinic's own pages are in
``clinic_pages`` and the ``*_views`` modules; the demo's pages are in ``sentinel.demo``."""

from __future__ import annotations

from django.contrib import auth
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.clinics.launch import LaunchRefusal, use_launch_link
from sentinel.portal import network_views, texts
from sentinel.portal.access import login_url, portal_user, start_launch_session
from sentinel.portal.clinic_pages import menu_response
from sentinel.portal.oidc import REFUSAL_KEY, login_configured
from sentinel.portal.services import note_logout


def _refusal_message(refusal: LaunchRefusal) -> tuple[int, str]:
    again = _("Åbn Sentinel igen fra menuen i dit praksissystem.")
    if refusal is LaunchRefusal.EXPIRED:
        return 410, _("Linket er udløbet (det virker i 5 minutter).") + " " + again
    if refusal is LaunchRefusal.USED:
        return 410, _("Linket er allerede brugt (det virker kun én gang).") + " " + again
    if refusal is LaunchRefusal.NOT_SERVED:
        return 403, _(
            "Dit praksissystem har ikke længere adgang til klinikken i Sentinel. Kontakt dit "
            "systemhus, eller log ind med MitID Erhverv."
        )
    return 404, _("Linket findes ikke.") + " " + again


@require_GET
def front_page(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    return render(
        request,
        "portal/front.html",
        {
            "sentinel": SENTINEL_SUPPORT,
            "sundhed_dk": SUNDHED_DK_SUPPORT,
            "portal_user": user,
            "login_available": login_configured(),
            "login_href": login_url(reverse("portal:clinics")),
        },
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``200 {"status": "ok"}`` when the database answers, ``503 {"status": "unavailable"}``
    (JSON, not an error page) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def login_failed(request: HttpRequest) -> HttpResponse:
    code = request.session.pop(REFUSAL_KEY, "")
    message = texts.label(texts.LOGIN_REFUSALS, code) if code else ""
    return render(
        request,
        "portal/login_failed.html",
        {"message": message, "login_href": login_url(reverse("portal:clinics"))},
        status=403,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the portal session, login and launch alike; audited as ``portal.logout``."""
    note_logout(user=portal_user(request))
    auth.logout(request)
    return HttpResponseRedirect(reverse("portal:front"))


@require_GET
def clinics(request: HttpRequest) -> HttpResponse:
    """The clinics the user reaches; straight to the clinic when there is only one."""
    user = portal_user(request)
    if user.is_anonymous:
        return HttpResponseRedirect(login_url(request.get_full_path()))
    reachable = list(user.clinics().order_by("name", "ydernummer"))
    networks = network_views.coordinated(user)
    if len(reachable) == 1 and not networks:
        return HttpResponseRedirect(reverse("portal:clinic", args=[reachable[0].ydernummer]))
    response = render(
        request,
        "portal/clinics.html",
        {"portal_user": user, "clinics": reachable, "networks": networks},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def launch(request: HttpRequest, token: str) -> HttpResponse:
    """The page a practice system opens: the Sentinel menu for one clinic (single use).

    The link starts a new portal session for the vendor's user at that clinic. Reloading the
    page in the same session shows the menu again instead of "already used".
    """
    result = use_launch_link(token)
    if result.refusal is not None:
        current = portal_user(request).launch
        if (
            result.refusal is LaunchRefusal.USED
            and result.link is not None
            and current is not None
            and current.link_id == result.link.pk
        ):
            return HttpResponseRedirect(
                reverse("portal:clinic", args=[result.link.clinic.ydernummer])
            )
        status, message = _refusal_message(result.refusal)
        return render(request, "portal/launch_refused.html", {"message": message}, status=status)
    link = result.link
    assert link is not None  # noqa: S101 - a link without refusal is always there
    start_launch_session(request, link)
    response = menu_response(request, link.clinic, portal_user(request))
    response["Referrer-Policy"] = "no-referrer"
    return response
