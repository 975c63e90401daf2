"""Behandlere: the per-therapist breakdown of a report tab (``reports.therapists`` holds the
rules) and the owner's choice of who may see it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.portal.access import PortalUser, clinic_page, login_url
from sentinel.portal.clinic_pages import page_context
from sentinel.projects.models import Project
from sentinel.reports import therapists
from sentinel.reports.pages import parse_period
from sentinel.reports.presenting import english_chosen, table_view


def therapists_url(clinic: Clinic, project: Project) -> str:
    return reverse("portal:report_therapists", args=[clinic.ydernummer, project.code])


@require_http_methods(["GET", "POST"])
@clinic_page
def report_therapists(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """The breakdown for whoever may see it; the owner also chooses who may (POST)."""
    found = Project.objects.filter(code=project).first()
    if found is None or not therapists.collects_initials(found):
        raise Http404("no therapist breakdown for this project")
    page = therapists_url(clinic, found)
    owner = user.owner(clinic)
    if request.method == "POST":
        if owner is None:
            messages.error(
                request,
                _("Kun den tegningsberettigede kan vælge, hvem der ser behandleroversigten."),
            )
            return HttpResponseRedirect(page)
        everyone = request.POST.get("shown_to") == "everyone"
        therapists.set_visibility(by=owner.actor, clinic=clinic, everyone=everyone)
        messages.success(
            request,
            _("Behandleroversigten vises nu for alle, der har adgang til klinikken.")
            if everyone
            else _("Behandleroversigten vises nu kun for den tegningsberettigede."),
        )
        return HttpResponseRedirect(page)
    context = page_context(
        clinic,
        user,
        "reports",
        project=found,
        is_owner=owner is not None,
        everyone=therapists.shown_to_everyone(clinic),
        owner_login_url=login_url(page),
        report_url=reverse("portal:report_tab", args=[clinic.ydernummer, found.code]),
        table=None,
        refused="",
    )
    if not therapists.may_see(clinic, is_owner=owner is not None):
        return render(request, "portal/therapists.html", context, status=403)
    period, error = parse_period(request)
    english = english_chosen()
    try:
        table = therapists.breakdown(
            clinic, found, period, by=user.actor(clinic), today=timezone.localdate()
        )
    except DomainError as exc:
        context["refused"] = exc.message_en if english else exc.message_da
        return render(request, "portal/therapists.html", context, status=409)
    context["table"] = table_view(table, csv_url="", english=english)
    context["period_error"] = error
    return render(request, "portal/therapists.html", context, status=400 if error else 200)
