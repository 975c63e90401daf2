"""Vendors in the console: their overview (clinics needing attention first) and their API
credentials (issue, rotate, revoke)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path
from django.utils import timezone

from sentinel.clinics.actions import create_vendor
from sentinel.clinics.credentials import issue_credential, revoke_credential, rotate_credential
from sentinel.clinics.models import Activation, Vendor, VendorCredential
from sentinel.collection.dataflow import ClinicFlow, vendor_clinics
from sentinel.console import labels
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.forms import RotateForm
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.lib.errors import DomainError


def credential_state(credential: VendorCredential, now: dt.datetime) -> str:
    if credential.revoked_at:
        return f"tilbagekaldt {timezone.localtime(credential.revoked_at):%Y-%m-%d %H:%M}"
    if credential.expires_at and credential.expires_at <= now:
        return f"udløbet {timezone.localtime(credential.expires_at):%Y-%m-%d %H:%M}"
    if credential.expires_at:
        return f"aktiv, udløber {timezone.localtime(credential.expires_at):%Y-%m-%d %H:%M}"
    return "aktiv"


CLINICS_PER_PAGE = 25


@admin.register(Vendor, site=console_site)
class VendorAdmin(ConsoleModelAdmin):
    list_display = ("name", "slug", "active_clinics", "usable_credentials", "created_at")
    search_fields = ("name", "slug")
    fields = ("slug", "name", "menu_help_da", "menu_help_en", "support_phone", "support_email")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        active = (
            Activation.objects.active()
            .filter(vendor=OuterRef("pk"))
            .order_by()
            .values("vendor")
            .annotate(n=Count("clinic", distinct=True))
            .values("n")
        )
        usable = (
            VendorCredential.objects.usable()
            .filter(vendor=OuterRef("pk"))
            .order_by()
            .values("vendor")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Coalesce(Subquery(active), Value(0), output_field=IntegerField()),
                usable_count=Coalesce(Subquery(usable), Value(0), output_field=IntegerField()),
            )
        )

    @admin.display(description="Aktive klinikker", ordering="active_count")
    def active_clinics(self, obj: Any) -> int:
        return int(obj.active_count)

    @admin.display(description="Gyldige API-nøgler", ordering="usable_count")
    def usable_credentials(self, obj: Any) -> int:
        return int(obj.usable_count)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:  # no role may change a vendor here; kept closed on purpose
            raise PermissionDenied
        created = create_vendor(by=staff_actor(request.user), **form.cleaned_data)
        self.adopt(obj, created)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        """The vendor's overview: credentials, and its clinics with their data flow."""
        vendor = self.object_or_404(request, object_id)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        now = timezone.now()
        credentials = [
            {"credential": c, "state": credential_state(c, now), "usable": _usable(c, now)}
            for c in vendor.credentials.all()
        ]
        today = timezone.localdate()
        clinics = vendor_clinics(vendor, today=today)
        rows = [_clinic_row(flow, today) for flow in clinics]
        waiting = [row for row in rows if row["attention"]]
        only_waiting = request.GET.get("vis") == "opmaerksomhed"
        page = Paginator(waiting if only_waiting else rows, CLINICS_PER_PAGE).get_page(
            request.GET.get("side")
        )
        return self.page(
            request,
            "console/vendor_overview.html",
            {
                "title": vendor.name,
                "vendor": vendor,
                "original": vendor,
                "credentials": credentials,
                "clinics": clinics,
                "page": page,
                "waiting": len(waiting),
                "only_waiting": only_waiting,
                "threshold": settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS,
                "may_manage": request.user.has_perm("console.manage_credentials"),
                "issue_url": self.url("issue", vendor.pk),
            },
        )

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/credentials/issue/",
                self.wrap(self.issue_view),
                name=f"{info}_issue",
            ),
            path(
                "<path:object_id>/credentials/<str:prefix>/rotate/",
                self.wrap(self.rotate_view),
                name=f"{info}_rotate",
            ),
            path(
                "<path:object_id>/credentials/<str:prefix>/revoke/",
                self.wrap(self.revoke_view),
                name=f"{info}_revoke",
            ),
            *super().get_urls(),
        ]

    def _credential(self, vendor: Vendor, prefix: str) -> VendorCredential:
        credential = vendor.credentials.filter(prefix=prefix).first()
        if credential is None:
            raise Http404
        return credential

    def _token_page(self, request: HttpRequest, vendor: Vendor, credential: Any, token: str) -> Any:
        response = self.page(
            request,
            "console/credential_token.html",
            {
                "title": f"Ny API-nøgle til {vendor.name}",
                "vendor": vendor,
                "original": vendor,
                "credential": credential,
                "token": token,
                "overview_url": self.url("change", vendor.pk),
            },
        )
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    def _confirm_page(self, request: HttpRequest, vendor: Vendor, **context: Any) -> Any:
        return self.page(
            request,
            "console/credential_confirm.html",
            {
                "vendor": vendor,
                "original": vendor,
                "overview_url": self.url("change", vendor.pk),
                **context,
            },
        )

    def issue_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        vendor = self.object_or_404(request, object_id)
        self.require(request, "console.manage_credentials")
        if request.method == "POST":
            credential, token = issue_credential(by=staff_actor(request.user), vendor=vendor)
            return self._token_page(request, vendor, credential, token)
        return self._confirm_page(
            request,
            vendor,
            title=f"Udsted en ny API-nøgle til {vendor.name}",
            action="issue",
            button="Udsted nøgle",
        )

    def rotate_view(self, request: HttpRequest, object_id: str, prefix: str) -> HttpResponse:
        vendor = self.object_or_404(request, object_id)
        self.require(request, "console.manage_credentials")
        credential = self._credential(vendor, prefix)
        form = RotateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new, token = rotate_credential(
                    by=staff_actor(request.user),
                    credential=credential,
                    grace=dt.timedelta(days=form.cleaned_data["grace_days"]),
                )
            except DomainError as exc:
                messages.error(request, exc.message_da)
                return HttpResponseRedirect(self.url("change", vendor.pk))
            return self._token_page(request, vendor, new, token)
        return self._confirm_page(
            request,
            vendor,
            title=f"Udskift API-nøglen {credential.prefix}",
            action="rotate",
            credential=credential,
            form=form,
            button="Udskift nøgle",
        )

    def revoke_view(self, request: HttpRequest, object_id: str, prefix: str) -> HttpResponse:
        vendor = self.object_or_404(request, object_id)
        self.require(request, "console.manage_credentials")
        credential = self._credential(vendor, prefix)
        if request.method == "POST":
            revoke_credential(by=staff_actor(request.user), credential=credential)
            messages.success(request, f"API-nøglen {credential.prefix} er tilbagekaldt.")
            return HttpResponseRedirect(self.url("change", vendor.pk))
        return self._confirm_page(
            request,
            vendor,
            title=f"Tilbagekald API-nøglen {credential.prefix}",
            action="revoke",
            credential=credential,
            button="Tilbagekald nøgle nu",
        )


def _clinic_row(flow: ClinicFlow, today: dt.date) -> dict[str, Any]:
    """One line of the vendor page's clinic list: why it needs a look, in words."""
    recent, before = flow.rejections.refused_by_fortnight()
    rows = flow.rejections.rows()
    return {
        "flow": flow,
        "attention": [labels.attention(code) for code in flow.attention(today)],
        "quiet_days": flow.quiet_days(today),
        "refused_recent": recent,
        "refused_before": before,
        "top_reason": labels.reason(rows[0][0]) if rows else "",
    }


def _usable(credential: VendorCredential, now: dt.datetime) -> bool:
    return credential.revoked_at is None and (
        credential.expires_at is None or credential.expires_at > now
    )
