"""Projects in the console: the list, the form, publishing, new specification versions (the
sharing pages are ``console.sharing_views``, the report targets ``console.target_views``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path
from django.utils import timezone

from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.forms import SpecificationForm
from sentinel.console.indicator_views import indicator_urls
from sentinel.console.sharing_views import sharing_urls
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.console.target_views import target_urls
from sentinel.jobs import queue
from sentinel.lib.dataspec import parse_spec
from sentinel.lib.errors import DomainError
from sentinel.lib.specdiff import diff_specs
from sentinel.projects.models import DataSpecification, Enrolment, Project
from sentinel.projects.publishing import (
    PROJECT_FIELDS,
    check_specification_version,
    create_project,
    publish_project,
    publish_specification_version,
    update_project,
)
from sentinel.reports.actions import publish_indicators
from sentinel.reports.models import DeclaredIndicator


@admin.register(Project, site=console_site)
class ProjectAdmin(ConsoleModelAdmin):
    list_display = ("name", "code", "is_published", "latest_version", "enrolled_clinics")
    search_fields = ("name", "code")
    fields = ("code", *PROJECT_FIELDS, "is_published")
    change_form_template = "console/project_change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code", "is_published") if obj is not None else ("is_published",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        latest = (
            DataSpecification.objects.filter(project=OuterRef("pk"))
            .order_by("-version")
            .values("version")[:1]
        )
        enrolled = (
            Enrolment.objects.open()
            .filter(project=OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_version_number=Subquery(latest),
                enrolled_count=Coalesce(Subquery(enrolled), Value(0), output_field=IntegerField()),
            )
        )

    @admin.display(description="Seneste specifikation", ordering="latest_version_number")
    def latest_version(self, obj: Any) -> str:
        return f"v{obj.latest_version_number}" if obj.latest_version_number else "–"

    @admin.display(description="Tilmeldte klinikker", ordering="enrolled_count")
    def enrolled_clinics(self, obj: Any) -> int:
        return int(obj.enrolled_count)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in PROJECT_FIELDS}
        by = staff_actor(request.user)
        if change:
            update_project(by=by, project=obj, **fields)
            return
        created = create_project(by=by, code=form.cleaned_data["code"], **fields)
        self.adopt(obj, created)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        project = self.object_or_404(request, object_id)
        versions = list(project.specifications.order_by("version"))
        in_force = project.specification()
        history = []
        previous = None
        for version in versions:
            history.append(
                {
                    "version": version,
                    "spec": version.parsed,
                    "changes": diff_specs(previous.parsed if previous else None, version.parsed),
                    "in_force": in_force is not None and version.pk == in_force.pk,
                    "upcoming": version.effective_from > timezone.localdate(),
                }
            )
            previous = version
        context = {
            "history": list(reversed(history)),
            "may_publish_specification": request.user.has_perm("console.publish_specification"),
            "may_publish_project": self.has_change_permission(request, project)
            and not project.is_published
            and bool(versions),
            "specification_url": self.url("specification", project.pk),
            "publish_url": self.url("publish", project.pk),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/specification/",
                self.wrap(self.specification_view),
                name=f"{info}_specification",
            ),
            path("<path:object_id>/publish/", self.wrap(self.publish_view), name=f"{info}_publish"),
            *sharing_urls(self),
            *target_urls(self),
            *indicator_urls(self),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        project = self.object_or_404(request, object_id)
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            publish_project(by=staff_actor(request.user), project=project)
        except DomainError as exc:
            messages.error(request, exc.message_da)
        else:
            messages.success(
                request, f"{project.name} er offentliggjort; klinikker kan tilmelde sig."
            )
        return HttpResponseRedirect(self.url("change", project.pk))

    def specification_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A new specification version: the form, a preview of what changes, then publish."""
        project = self.object_or_404(request, object_id)
        self.require(request, "console.publish_specification")
        latest = project.specifications.order_by("-version").first()
        drafts = DeclaredIndicator.objects.filter(project=project, specification__isnull=True)
        drafts_count = drafts.count()
        changes = None
        fingerprint = ""
        if request.method == "POST":
            form = SpecificationForm(request.POST)
            if form.is_valid():
                effective_from = form.cleaned_data["effective_from"]
                fingerprint = _fingerprint(form.spec, effective_from)
                confirmed = (
                    request.POST.get("confirm") == fingerprint and "preview" not in request.POST
                )
                try:
                    if confirmed:
                        with transaction.atomic():  # the version and its indicators, or neither
                            version = publish_specification_version(
                                by=staff_actor(request.user),
                                project=project,
                                spec=form.spec,
                                effective_from=effective_from,
                            )
                            if drafts and request.POST.get("with_indicators"):
                                publish_indicators(
                                    by=staff_actor(request.user),
                                    project=project,
                                    version=version.version,
                                )
                    else:
                        check_specification_version(
                            project=project, spec=form.spec, effective_from=effective_from
                        )
                except DomainError as exc:
                    form.add_error(None, exc.message_da)
                else:
                    if confirmed:
                        transaction.on_commit(lambda: queue.enqueue("notices"))
                        messages.success(
                            request,
                            f"Version {version.version} af {project.name}s dataspecifikation er "
                            f"offentliggjort og gælder for data fra {version.effective_from}. "
                            "De tilmeldte klinikker får besked pr. e-mail.",
                        )
                        return HttpResponseRedirect(self.url("change", project.pk))
                    changes = diff_specs(latest.parsed if latest else None, parse_spec(form.spec))
        else:
            initial: dict[str, Any] = {"effective_from": timezone.localdate()}
            if latest is not None:
                initial.update(SpecificationForm.initial_from(latest.parsed))
            form = SpecificationForm(initial=initial)
        return self.page(
            request,
            "console/specification_form.html",
            {
                "title": f"Ny version af dataspecifikationen for {project.name}",
                "project": project,
                "original": project,
                "latest": latest,
                "next_version": (latest.version + 1) if latest else 1,
                "form": form,
                "changes": changes,
                "fingerprint": fingerprint,
                "change_url": self.url("change", project.pk),
                "draft_indicators": drafts_count,
            },
        )


def _fingerprint(spec: dict[str, Any], effective_from: dt.date) -> str:
    """Ties a confirmation to the exact specification previewed."""
    text = json.dumps({"spec": spec, "from": effective_from.isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
