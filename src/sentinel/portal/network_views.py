"""Quality networks in the portal.

- **Netværk under Administrer** (``clinic_networks``): the clinic's invitations and
  memberships. Everyone who reaches the clinic sees them; only the owner (logged in for the
  clinic's CVR with signing rights) accepts or declines an invitation, consents to be named to
  a network or withdraws that consent, and leaves a network (``networks.actions``, audited).
- **The network's page** (``network_page``, ``network_pdf``): the network's aggregate and each
  member's figures (``reports.network_report``: named or "Klinik A, B, …") and its meeting
  pack. Open to the network's coordinators (by the logged-in person's UUID) and to people who
  reach a member clinic; anyone else gets 404, like a network that does not exist. Never a
  worklist, never patient data.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.networks import actions
from sentinel.networks.members import coordinated_by, memberships, pending_invitations
from sentinel.networks.models import Invitation, Membership, Network
from sentinel.portal.access import PortalUser, clinic_page, login_url, portal_user
from sentinel.portal.clinic_pages import page_context
from sentinel.portal.templatetags.portal import english
from sentinel.reports.network_report import build_network_report, network_projects
from sentinel.reports.pages import parse_period
from sentinel.reports.pdf import meeting_pack
from sentinel.reports.presenting import section_view


def _back(clinic: Clinic) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:networks", args=[clinic.ydernummer]))


@clinic_page
def clinic_networks(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The clinic's networks (GET) and the owner's answers (POST ``action``)."""
    if request.method == "POST":
        return _answer(request, clinic, user)
    if request.method != "GET":
        raise Http404("no such method")
    page = reverse("portal:networks", args=[clinic.ydernummer])
    context = page_context(
        clinic,
        user,
        "administer",
        invitations=list(pending_invitations(clinic)),
        memberships=list(memberships(clinic)),
        is_owner=user.owner(clinic) is not None,
        owner_login_url=login_url(page),
    )
    return render(request, "portal/networks.html", context)


def _answer(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    if user.owner(clinic) is None:
        messages.error(
            request,
            _("Kun den tegningsberettigede kan svare for klinikken. Log ind med MitID Erhverv."),
        )
        return _back(clinic)
    by = user.actor(clinic)
    action = request.POST.get("action", "")
    try:
        if action in ("accept", "decline"):
            invitation = Invitation.objects.filter(
                pk=_int(request.POST.get("invitation")), clinic=clinic
            ).first()
            if invitation is None:
                raise Http404("no such invitation")
            if action == "accept":
                named = request.POST.get("named") == "1"
                actions.accept(invitation, by=by, named=named)
                messages.success(
                    request,
                    _("Klinikken er nu medlem af %(network)s.")
                    % {"network": invitation.network.name},
                )
            else:
                actions.decline(invitation, by=by)
                messages.success(
                    request,
                    _("Invitationen til %(network)s er afslået.")
                    % {"network": invitation.network.name},
                )
        elif action in ("leave", "name", "unname"):
            membership = Membership.objects.filter(
                network_id=_int(request.POST.get("network")), clinic=clinic, left_at__isnull=True
            ).first()
            if membership is None:
                raise Http404("no such membership")
            network = membership.network
            if action == "leave":
                actions.leave(network, clinic, by=by)
                messages.success(
                    request,
                    _(
                        "Klinikken har forladt %(network)s. Den tælles ikke med i netværkets tal "
                        "fra næste opdatering."
                    )
                    % {"network": network.name},
                )
            else:
                actions.set_naming(network, clinic, named=action == "name", by=by)
                text = (
                    _("Klinikken vises nu med navn i %(network)s.")
                    if action == "name"
                    else _("Klinikken vises nu uden navn (Klinik A, B, …) i %(network)s.")
                )
                messages.success(request, text % {"network": network.name})
        else:
            messages.error(request, _("Vælg en handling."))
    except DomainError as exc:
        messages.error(request, exc.message_en if english() else exc.message_da)
    return _back(clinic)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _network_for(request: HttpRequest, pk: int) -> tuple[Network, PortalUser, Actor]:
    """The network for a coordinator of it or a person who reaches a member; else 404."""
    user = portal_user(request)
    network = Network.objects.filter(pk=pk).first()
    if network is None:
        raise Http404("no such network")
    identity = user.identity
    if (
        identity is not None
        and network.coordinators.filter(person_uuid=identity.person_uuid).exists()
    ):
        return network, user, Actor.clinic_user(identity.person_uuid, identity.name)
    member = (
        user.clinics()
        .filter(pk__in=network.memberships.filter(left_at__isnull=True).values("clinic_id"))
        .first()
    )
    if member is None:
        raise Http404("no such network for this user")
    return network, user, user.actor(member)


@require_GET
def network_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The network's figures per project: the aggregate and each member's."""
    if portal_user(request).is_anonymous:
        return HttpResponseRedirect(login_url(request.get_full_path()))
    network, user, _by = _network_for(request, pk)
    period, error = parse_period(request)
    today = timezone.localdate()
    en = english()
    reports = []
    for project in network_projects(network, today):
        report = build_network_report(network, project, period, today=today)
        reports.append(
            {
                "project": project,
                "report": report,
                "sections": [
                    section_view(s, report=report, links=None, print_view=True, english=en)
                    for s in report.sections
                ],
                "pdf": reverse("portal:network_pdf", args=[network.pk, project.code]),
            }
        )
    response = render(
        request,
        "portal/network.html",
        {
            "portal_user": user,
            "network": network,
            "reports": reports,
            "period_error": error,
            "period_label": period.label_en if en else period.label_da,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def network_pdf(request: HttpRequest, pk: int, project: str) -> HttpResponse:
    """The network's meeting pack for one project (same renderer as the clinic's)."""
    if portal_user(request).is_anonymous:
        return HttpResponseRedirect(login_url(request.get_full_path()))
    network, _user, by = _network_for(request, pk)
    period, error = parse_period(request)
    if error:
        raise Http404("invalid period")
    today = timezone.localdate()
    found = next((p for p in network_projects(network, today) if p.code == project), None)
    if found is None:
        raise Http404("no such project in this network")
    report = build_network_report(network, found, period, today=today)
    if not report.is_open:
        raise Http404("no open report")
    pdf = meeting_pack(report, None, english=english(), network=network.name)
    record(
        by=by,
        action=AuditEvent.Action.NETWORK_PACK_DOWNLOADED,
        obj=network,
        details={"project": found.code},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="sentinel-{found.code}-netvaerk-{network.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


def coordinated(user: PortalUser) -> list[Network]:
    """The networks the logged-in person coordinates (for the clinics page)."""
    if user.identity is None:
        return []
    return list(coordinated_by(user.identity.person_uuid))
