"""Baggrundsjob in the console: each job's schedule, the queue, and every run with its result
— a failed run shows as failed, with its error, until a later attempt of it succeeds.
Administrators may queue a job now (``jobs.queue.enqueue``); nothing is changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path
from django_q.models import Task

from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.jobs import queue
from sentinel.jobs.schedule import JOBS, job_for
from sentinel.lib.errors import DomainError


@admin.register(Task, site=console_site)
class JobRunAdmin(ConsoleModelAdmin):
    list_display = ("job", "started", "stopped", "outcome", "attempt_count", "short_result")
    list_filter = ("success", "group")
    ordering = ("-started",)
    fields = ("job", "name", "started", "stopped", "outcome", "attempt_count", "result_text")
    readonly_fields = fields
    change_list_template = "console/job_change_list.html"
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Job", ordering="func")
    def job(self, obj: Task) -> str:
        found = job_for(obj.func)
        return found.title if found else obj.func

    @admin.display(description="Udfald", ordering="success")
    def outcome(self, obj: Task) -> str:
        return "Lykkedes" if obj.success else "Fejlede (prøves igen)"

    @admin.display(description="Resultat")
    def short_result(self, obj: Task) -> str:
        text = str(obj.result or "")
        return text if len(text) <= 120 else f"{text[:119]}…"

    @admin.display(description="Resultat")
    def result_text(self, obj: Task) -> str:
        return str(obj.result or "")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = {
            "jobs": queue.overview(runs=1),
            "waiting": queue.queued(),
            "may_run_jobs": request.user.has_perm("console.run_jobs"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("run/<slug:name>/", self.wrap(self.run_view), name=f"{info}_run"),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest, name: str) -> HttpResponse:
        """Queue a job now (POST); a running ``sentinel worker`` runs it."""
        self.require(request, "console.run_jobs")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            job_id = queue.enqueue(name)
        except DomainError as exc:
            messages.error(request, exc.message_da)
        else:
            record(
                by=staff_actor(request.user),
                action=AuditEvent.Action.JOB_QUEUED,
                details={"job": name, "id": job_id},
            )
            messages.success(
                request, f"{JOBS[name].title} er sat i kø og køres af workeren, når den er ledig."
            )
        return HttpResponseRedirect(self.url("changelist"))
