"""DPA and consent versions in the console: read-only, and publishing the next version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path
from django.utils import timezone

from sentinel.agreements.actions import publish_document_version
from sentinel.agreements.models import ConsentApproval, Document, DocumentKind, DpaSignature
from sentinel.agreements.services import clinics_to_sign
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.forms import DocumentForm
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.jobs import queue
from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError


@admin.register(Document, site=console_site)
class DocumentAdmin(ConsoleModelAdmin):
    list_display = (
        "name",
        "title",
        "published_on",
        "in_force",
        "signed_by",
        "short_sha256",
        "is_sample",
    )
    list_filter = ("kind",)
    fields = ("kind", "version", "title", "published_on", "is_sample", "sha256", "text")
    readonly_fields = fields
    change_list_template = "console/document_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new version is published, see publish_view

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a published version is fixed

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        def signatures(model: Any) -> Subquery:
            return Subquery(
                model.objects.filter(document=OuterRef("pk"))
                .order_by()
                .values("document")
                .annotate(n=Count("pk"))
                .values("n")
            )

        current = (
            Document.objects.filter(kind=OuterRef("kind"), published_on__lte=timezone.localdate())
            .order_by("-version")
            .values("pk")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                signature_count=Coalesce(
                    signatures(DpaSignature),
                    signatures(ConsentApproval),
                    Value(0),
                    output_field=IntegerField(),
                ),
                current_pk=Subquery(current),
            )
        )

    @admin.display(description="Version", ordering="kind")
    def name(self, obj: Any) -> str:
        return str(obj)

    @admin.display(description="Gældende nu", boolean=True)
    def in_force(self, obj: Any) -> bool:
        return bool(obj.pk == obj.current_pk)

    @admin.display(
        description="Klinikker der har underskrevet/godkendt", ordering="signature_count"
    )
    def signed_by(self, obj: Any) -> int:
        return int(obj.signature_count)

    @admin.display(description="SHA-256")
    def short_sha256(self, obj: Any) -> str:
        return f"{obj.sha256[:12]}…"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = {
            "may_publish_document": request.user.has_perm("console.publish_document"),
            "publish_url": self.url("publish"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("publish/", self.wrap(self.publish_view), name=f"{info}_publish"),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        """Publish the next DPA or consent version, in force from its date: first what it
        means (how many clinics must sign by then), then, confirmed, publish and queue the
        notices to the clinics."""
        self.require(request, "console.publish_document")
        preview = None
        if request.method == "POST":
            form = DocumentForm(request.POST)
            if form.is_valid():
                try:
                    if request.POST.get("confirm") == "yes":
                        document = publish_document_version(
                            by=staff_actor(request.user), **form.cleaned_data
                        )
                    else:
                        preview = self._preview(request, form.cleaned_data)
                except DomainError as exc:
                    form.add_error(None, exc.message_da)
                else:
                    if preview is None:
                        transaction.on_commit(lambda: queue.enqueue("notices"))
                        messages.success(
                            request,
                            f"{document} er offentliggjort og gælder fra "
                            f"{format_da(document.published_on)}. Klinikkerne får besked pr. "
                            "e-mail og skal underskrive/godkende den senest den dag.",
                        )
                        return HttpResponseRedirect(self.url("changelist"))
        else:
            kind = request.GET.get("kind", DocumentKind.DPA)
            latest = Document.objects.filter(kind=kind).order_by("-version").first()
            form = DocumentForm(
                initial={
                    "kind": kind,
                    "title": latest.title if latest else "",
                    "text": latest.text if latest else "",
                    "published_on": timezone.localdate()
                    + dt.timedelta(days=settings.SENTINEL_VERSION_NOTICE_DAYS),
                }
            )
        return self.page(
            request,
            "console/document_publish.html",
            {
                "title": "Offentliggør ny dokumentversion",
                "form": form,
                "preview": preview,
                "notice_days": settings.SENTINEL_VERSION_NOTICE_DAYS,
            },
        )

    def _preview(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        """What publishing would do, checked by the action itself and rolled back."""

        class _Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                document = publish_document_version(by=staff_actor(request.user), **data)
                found = {
                    "version": document.version,
                    "kind": document.get_kind_display(),
                    "effective": document.published_on,
                    "clinics": clinics_to_sign(document.kind),
                    "urgent": bool(data.get("urgent_reason", "").strip()),
                }
                raise _Rollback
        except _Rollback:
            pass
        return found
