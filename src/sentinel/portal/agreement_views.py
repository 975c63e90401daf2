"""The DPA and the consent: reading, signing or approving, and the receipts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sentinel.agreements.models import DocumentKind, SignatureBase
from sentinel.agreements.services import SIGNATURE_MODEL, agreement_state
from sentinel.clinics.models import Clinic
from sentinel.collection import approvals
from sentinel.core.pdf import PDF_CONTENT_TYPE
from sentinel.lib.errors import DomainError
from sentinel.notices import asking
from sentinel.portal import texts
from sentinel.portal.access import PortalUser, clinic_page, login_url, set_identity
from sentinel.portal.clinic_pages import (
    KIND_SLUGS,
    SIGN,
    SLUG_KINDS,
    agreement_badge,
    page_context,
)
from sentinel.portal.guide import guide
from sentinel.portal.receipts import build_receipt
from sentinel.portal.templatetags.portal import english

# --- the DPA and the consent ------------------------------------------------------------------


def signing_refusal(user: PortalUser, clinic: Clinic, kind: str = DocumentKind.DPA) -> str:
    """Why the logged-in person may not sign or approve for ``clinic`` (the agreements' own
    rule, ``Signer.refusal_to_sign``), in the page's language; "" when they may or when
    nobody is logged in yet."""
    if user.identity is None:
        return ""
    refused = user.identity.signer().refusal_to_sign(clinic, kind)
    if refused is None:
        return ""
    return refused.message_en if english() else refused.message_da


def _signing_state(user: PortalUser, clinic: Clinic, kind: str) -> dict[str, Any]:
    identity = user.identity
    refusal = signing_refusal(user, clinic, kind)
    return {
        "identity": identity,
        "refusal": refusal,
        "can_ask_owner": bool(refusal) and bool(asking.owner_addresses(clinic)),
        "fresh": identity is not None and identity.is_fresh(),
        "assurance": texts.label(texts.ASSURANCE_LEVELS, identity.assurance_level)
        if identity
        else "",
        "channel": texts.label(texts.CHANNELS, user.channel(clinic)),
    }


def _ids(request: HttpRequest, name: str) -> set[int]:
    return {int(v) for v in request.POST.getlist(name) if v.isascii() and v.isdigit()}


def _refused_vendors(request: HttpRequest) -> set[int]:
    """The vendors the signing form offered (``vendor_offered``) whose box was cleared."""
    return _ids(request, "vendor_offered") - _ids(request, "vendor")


@require_http_methods(["GET", "POST"])
@clinic_page
def agreement(request: HttpRequest, clinic: Clinic, user: PortalUser, kind: str) -> HttpResponse:
    """Read the document to sign — the one in force, or the next one published with notice —
    and sign (DPA) or approve (consent) it with a fresh login."""
    state = agreement_state(clinic, kind)
    document = state.to_sign or state.current_document
    error = ""
    status = 200
    if request.method == "POST":
        identity = user.identity
        if document is None:
            raise Http404("no document published")
        if identity is None or not identity.is_fresh():
            error = _(
                "Log ind med MitID Erhverv lige før du underskriver. Dit login er for gammelt "
                "eller allerede brugt til en underskrift."
            )
            status = 403
        elif request.POST.get("version") != str(document.version):
            error = _(
                "Der er kommet en ny version af dokumentet, mens du læste det. Læs den nye "
                "version nedenfor, og underskriv igen."
            )
            status = 409
        else:
            signer = identity.signer()
            try:
                if kind == DocumentKind.DPA:  # the owner confirms or refuses each vendor
                    signature = approvals.sign_dpa(
                        clinic=clinic,
                        signer=signer,
                        channel=user.channel(clinic),
                        refused_vendor_ids=_refused_vendors(request),
                    )
                else:
                    signature = SIGN[kind](
                        clinic=clinic, signer=signer, channel=user.channel(clinic)
                    )
            except DomainError as exc:
                error = exc.message_en if english() else exc.message_da
                status = 403
            else:
                set_identity(request, identity.spent())
                done = _("Databehandleraftalen er underskrevet.")
                if kind == DocumentKind.CONSENT:
                    done = _("Samtykkeerklæringen er godkendt.")
                messages.success(request, done)
                return HttpResponseRedirect(
                    reverse(
                        "portal:receipt",
                        args=[clinic.ydernummer, KIND_SLUGS[kind], signature.pk],
                    )
                )
    signatures = list(
        SIGNATURE_MODEL[kind]
        .objects.filter(clinic=clinic)
        .select_related("document")
        .order_by("-signed_at", "-id")
    )
    signed_current = next(
        (s for s in signatures if document is not None and s.document_id == document.pk), None
    )
    page = "dpa" if kind == DocumentKind.DPA else "consent"
    return render(
        request,
        "portal/agreement.html",
        page_context(
            clinic,
            user,
            page,
            kind=kind,
            slug=KIND_SLUGS[kind],
            is_dpa=kind == DocumentKind.DPA,
            state=state,
            badge=agreement_badge(state),
            document=document,
            signatures=signatures,
            signed_current=signed_current,
            error=error,
            fresh_login_href=login_url(request.path, fresh=True),
            vendors=approvals.serving(clinic) if kind == DocumentKind.DPA else [],
            **_signing_state(user, clinic, kind),
        ),
        status=status,
    )


@clinic_page
@require_POST
def ask_owner(request: HttpRequest, clinic: Clinic, user: PortalUser, kind: str) -> HttpResponse:
    """Someone whose login may not sign mails the owner a link to sign (``notices.asking``)."""
    page = reverse("portal:dpa" if kind == DocumentKind.DPA else "portal:consent",
                   args=[clinic.ydernummer])  # fmt: skip
    if not signing_refusal(user, clinic, kind):
        return HttpResponseRedirect(page)  # nothing to ask: this login signs itself
    identity = user.identity
    assert identity is not None  # noqa: S101 - a refusal is about a login
    try:
        sent = asking.ask_owner_to_sign(
            by=user.actor(clinic),
            asker_name=identity.name,
            clinic=clinic,
            kind=kind,
            base_url=f"{request.scheme}://{request.get_host()}",
        )
    except DomainError as exc:
        messages.error(request, exc.message_en if english() else exc.message_da)
    else:
        messages.success(
            request,
            ngettext(
                "Vi har sendt et link til klinikkens e-mailadresse til beskeder (%(n)s adresse).",
                "Vi har sendt et link til klinikkens e-mailadresser til beskeder (%(n)s adresser).",
                sent,
            )
            % {"n": sent},
        )
    return HttpResponseRedirect(page)


def _signature(clinic: Clinic, kind_slug: str, pk: int) -> SignatureBase:
    kind = SLUG_KINDS.get(kind_slug)
    if kind is None:
        raise Http404("no such document kind")
    model = SIGNATURE_MODEL[kind]
    return get_object_or_404(model.objects.select_related("document"), pk=pk, clinic=clinic)


@require_GET
@clinic_page
def receipt(
    request: HttpRequest, clinic: Clinic, user: PortalUser, kind_slug: str, pk: int
) -> HttpResponse:
    signature = _signature(clinic, kind_slug, pk)
    found = build_receipt(clinic, signature)
    page = "dpa" if kind_slug == "databehandleraftale" else "consent"
    return render(
        request,
        "portal/receipt.html",
        page_context(
            clinic,
            user,
            page,
            receipt=found,
            signature=signature,
            next_step=guide(clinic).current,
            kind_slug=kind_slug,
            document_href=reverse(f"portal:{page}", args=[clinic.ydernummer]),
        ),
    )


@require_GET
@clinic_page
def receipt_download(
    request: HttpRequest, clinic: Clinic, user: PortalUser, kind_slug: str, pk: int
) -> HttpResponse:
    found = build_receipt(clinic, _signature(clinic, kind_slug, pk))
    response = HttpResponse(found.as_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@require_GET
@clinic_page
def receipt_pdf(
    request: HttpRequest, clinic: Clinic, user: PortalUser, kind_slug: str, pk: int
) -> HttpResponse:
    """The receipt as a PDF (the text file stays)."""
    found = build_receipt(clinic, _signature(clinic, kind_slug, pk))
    response = HttpResponse(found.as_pdf(clinic), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{found.pdf_filename}"'
    response["Cache-Control"] = "no-store"
    return response
