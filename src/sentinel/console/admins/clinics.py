"""Clinics in the console: the support page (the status check as the clinic sees it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponseNotAllowed
from django.urls import reverse

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import agreement_state
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.collection.dataflow import clinic_flow
from sentinel.collection.status import check_status
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor


@admin.register(Clinic, site=console_site)
class ClinicAdmin(ConsoleModelAdmin):
    list_display = ("ydernummer", "name", "cvr", "speciale", "region_code")
    list_filter = ("speciale", "region_code")
    search_fields = ("=ydernummer", "=cvr", "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clinics are registered by their vendor's activation

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        """The support page: the clinic's status check exactly as the clinic sees it, and its
        data flow. Running the check is audited."""
        clinic = self.object_or_404(request, object_id)
        self.require(request, "console.check_status")
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        report = check_status(clinic)
        with transaction.atomic():
            record(
                by=staff_actor(request.user),
                action=AuditEvent.Action.STATUS_CHECKED,
                clinic=clinic,
                obj=clinic,
                details={
                    "ok": report.ok,
                    "needs_action": [c.check for c in report.checks if not c.ok],
                },
            )
        return self.page(
            request,
            "console/clinic_support.html",
            {
                "title": f"{clinic.name} ({clinic.ydernummer})",
                "clinic": clinic,
                "original": clinic,
                "report": report,
                "flow": clinic_flow(clinic),
                "activations": clinic.activations.select_related("vendor"),
                "active_activations": clinic.activations.filter(
                    deactivated_at__isnull=True
                ).select_related("vendor"),
                "waiting": [
                    f"{c.title_da} (venter)" if c.state == "waiting" else c.title_da
                    for c in report.checks
                    if not c.ok
                ],
                "vendor_requests": clinic.vendor_requests.select_related("vendor").exclude(
                    automatic=True
                ),
                "enrolments": clinic.enrolments.select_related("project"),
                "agreements": [agreement_state(clinic, kind) for kind in DocumentKind.values],
                "audit_url": reverse(f"{self.admin_site.name}:audit_auditevent_changelist")
                + f"?clinic={clinic.ydernummer}",
            },
        )
