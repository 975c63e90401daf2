"""Beskeder pr. e-mail under Administrer: the owner adds the clinic's addresses and chooses
their notices (``notices.contacts`` holds the rules); the links in the mails verify an address
and stop its notices without a login."""

from __future__ import annotations

import smtplib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sentinel.clinics.models import Clinic
from sentinel.lib.errors import DomainError
from sentinel.notices import contacts, mail
from sentinel.notices.models import Contact, Kind, Language
from sentinel.portal.access import PortalUser, clinic_page, login_url
from sentinel.portal.clinic_pages import page_context
from sentinel.portal.templatetags.portal import english

KIND_LABELS = {
    Kind.REPORT_OPENED: gettext_noop("Når rapporten for et projekt åbner"),
    Kind.NO_DATA: gettext_noop("Når der ikke er modtaget data i for lang tid"),
    Kind.NEW_VERSION: gettext_noop(
        "Når en ny version af databehandleraftalen eller samtykket skal underskrives"
    ),
    Kind.SPEC_CHANGED: gettext_noop(
        "Når det ændres, hvilke data et projekt indsamler, og fra hvornår"
    ),
    Kind.VENDOR_REQUEST: gettext_noop("Når et systemhus beder om at overføre klinikkens data"),
    Kind.DIGEST: gettext_noop("Hvert kvartal: klinikkens nøgletal og hvad der har ændret sig"),
}


def _kinds() -> list[tuple[str, str]]:
    return [(k.value, _(KIND_LABELS[k])) for k in Kind]


def _page(clinic: Clinic) -> str:
    return reverse("portal:notices", args=[clinic.ydernummer])


def _error(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_da


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_http_methods(["GET", "POST"])
@clinic_page
def notices(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The clinic's addresses and their notices; the owner adds one (POST)."""
    owner = user.owner(clinic)
    status = 200
    if request.method == "POST":
        if owner is None:
            messages.error(
                request,
                _("Kun den tegningsberettigede kan tilføje adresser. Log ind med MitID Erhverv."),
            )
            return HttpResponseRedirect(_page(clinic))
        try:
            contact = contacts.add_contact(
                owner=owner,
                clinic=clinic,
                email=request.POST.get("email", ""),
                kinds=request.POST.getlist("kinds"),
                language=request.POST.get("language", Language.DANISH),
                base_url=_base_url(request),
            )
        except DomainError as exc:
            messages.error(request, _error(exc))
            status = 400
        except (smtplib.SMTPException, OSError):  # the link's mail, sent once the address is saved
            messages.error(
                request,
                _(
                    "Adressen er gemt, men mailen med linket kunne ikke sendes. Prøv at tilføje "
                    "adressen igen om lidt."
                ),
            )
            return HttpResponseRedirect(_page(clinic))
        else:
            messages.success(
                request,
                _("Vi har sendt et link til %(email)s. Adressen får beskeder, når linket er åbnet.")
                % {"email": contact.email},
            )
            return HttpResponseRedirect(_page(clinic))
    return render(
        request,
        "portal/notices.html",
        page_context(
            clinic,
            user,
            "administer",
            contacts=[
                {"contact": c, "kinds": c.kinds}
                for c in Contact.objects.filter(clinic=clinic).order_by("email")
            ],
            kinds=_kinds(),
            languages=Language.choices,
            is_owner=owner is not None,
            owner_login_url=login_url(_page(clinic)),
        ),
        status=status,
    )


@clinic_page
@require_POST
def notice_choose(request: HttpRequest, clinic: Clinic, user: PortalUser, pk: int) -> HttpResponse:
    """The owner changes which notices one address gets."""
    owner = user.owner(clinic)
    if owner is None:
        messages.error(
            request,
            _("Kun den tegningsberettigede kan ændre beskeder. Log ind med MitID Erhverv."),
        )
        return HttpResponseRedirect(_page(clinic))
    try:
        contact = contacts.choose(
            owner=owner, clinic=clinic, contact_id=pk, kinds=request.POST.getlist("kinds")
        )
    except DomainError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _("Beskeder til %(email)s er gemt.") % {"email": contact.email})
    return HttpResponseRedirect(_page(clinic))


@require_http_methods(["GET", "POST"])
def notice_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the verification mail: a button (so that a mail scanner opening the link
    spends nothing), and the address is verified when it is pressed."""
    done = error = ""
    status = 200
    if request.method == "POST":
        try:
            contact = contacts.verify(token=token)
        except DomainError as exc:
            error, status = _error(exc), 410
        else:
            done = contact.email
    response = render(
        request,
        "portal/notice_link.html",
        {"purpose": "verify", "done": done, "error": error},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the signed token is the authority; mail programs POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def notice_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The stop link in every notice: no login; it can only stop this address's notices."""
    done = error = ""
    status = 200
    if request.method == "POST":
        try:
            contact = contacts.stop(token=token)
        except DomainError as exc:
            error, status = _error(exc), 404
        else:
            done = contact.email
    elif mail.contact_for_stop_token(token) is None:
        error, status = _("Linket er ukendt."), 404
    response = render(
        request,
        "portal/notice_link.html",
        {"purpose": "stop", "done": done, "error": error},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response
