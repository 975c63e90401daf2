"""The audit log in the console: read-only for everyone, with a CSV export of a filter."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.console import labels
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.auditlog import (
    ActionFilter,
    ActorFilter,
    ClinicFilter,
    FromFilter,
    ToFilter,
    csv_lines,
)
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor


@admin.register(AuditEvent, site=console_site)
class AuditEventAdmin(ConsoleModelAdmin):
    """Read-only for everyone: no add, change or delete, not even for administrators."""

    list_display = ("at", "actor_kind", "actor_id", "actor_name", "action_code", "clinic", "target")
    list_filter = (ClinicFilter, ActorFilter, ActionFilter, "actor_kind", FromFilter, ToFilter)
    list_select_related = ("clinic",)
    search_fields = ("actor_id", "actor_name", "action", "object_id", "=clinic__ydernummer")
    fields = (
        "at",
        "actor_kind",
        "actor_id",
        "actor_name",
        "action_code",
        "clinic",
        "object_kind",
        "object_id",
        "details",
    )
    readonly_fields = fields
    show_full_result_count = False
    change_list_template = "console/audit_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Handling", ordering="action")
    def action_code(self, obj: AuditEvent) -> str:
        """The action in words, with the code as written (the log keeps open-ended names)."""
        words = labels.audit_action(obj.action)
        return words if words == obj.action else f"{words} ({obj.action})"

    @admin.display(description="Objekttype")
    def object_kind(self, obj: AuditEvent) -> str:
        words = labels.object_type(obj.object_type)
        return f"{words} ({obj.object_type})" if words != obj.object_type else words

    @admin.display(description="Objekt")
    def target(self, obj: AuditEvent) -> str:
        return f"{labels.object_type(obj.object_type)} {obj.object_id}".strip()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = {
            "may_export": request.user.has_perm("console.export_audit_log"),
            "export_url": self.url("export"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export.csv", self.wrap(self.export_view), name=f"{info}_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The rows of the current filter as CSV; the export itself is audited first."""
        self.require(request, "console.export_audit_log")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters as exc:
            return HttpResponseBadRequest(str(exc) or "invalid filter")
        events_ = changelist.queryset.select_related("clinic")
        with transaction.atomic():
            rows = events_.count()
            export = record(
                by=staff_actor(request.user),
                action=AuditEvent.Action.AUDIT_LOG_EXPORTED,
                details={"filter": dict(sorted(changelist.params.items())), "rows": rows},
            )
        lines = csv_lines(events_.exclude(pk=export.pk).iterator(chunk_size=2000))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime(export.at).strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="sentinel-audit-{stamp}.csv"'
        return response
