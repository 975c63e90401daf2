"""The console's pages for a project's data sharing: its recipients and retention
("Deling og opbevaring") and its exports ("Dataudtræk").

Thin doors: each page loads the project, checks the permission, validates the form and calls
the same action the CLI calls (``console.sharing``, ``console.exports``). Everyone in the
console may read the sharing page; changing it needs ``projects.change_project``, and the
export page (reading it too) ``console.export_data`` — support gets 403.
"""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path

from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.console.sharing_forms import ExportForm, RecipientForm, RetentionForm
from sentinel.console.staff import staff_actor
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project, Recipient
from sentinel.sharing import exports
from sentinel.sharing.recipients import add_recipient, set_retention, update_recipient


def sharing_urls(model_admin: Any) -> list[URLPattern]:
    """The pages' URLs on the project admin (``projects_project_sharing``, ``…_export``,
    ``…_export_download``)."""
    info = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"

    def view(function: Any) -> Any:
        bound = partial(function, model_admin)
        return model_admin.wrap(update_wrapper(bound, function))

    return [
        path("<path:object_id>/sharing/", view(sharing_view), name=f"{info}_sharing"),
        path("<path:object_id>/export/", view(export_view), name=f"{info}_export"),
        path(
            "<path:object_id>/export/<int:export_id>/<str:name>",
            view(download_view),
            name=f"{info}_export_download",
        ),
    ]


def sharing_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """Retention settings and recipients: read by all staff, changed by project managers."""
    project: Project = model_admin.object_or_404(request, object_id)
    may_change = request.user.has_perm("projects.change_project")
    here = model_admin.url("sharing", project.pk)
    editing = _recipient(project, request.GET.get("recipient") or request.POST.get("editing"))
    retention_form = RetentionForm(
        initial={
            "retention_months": project.retention_months,
            "unenrolment_grace_days": project.unenrolment_grace_days,
        }
    )
    recipient_form = _recipient_form(editing)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        by = staff_actor(request.user)
        which = request.POST.get("form")
        try:
            if which == "retention":
                retention_form = RetentionForm(request.POST)
                if retention_form.is_valid():
                    set_retention(by=by, project=project, **retention_form.cleaned_data)
                    messages.success(request, "Opbevaringsreglerne er gemt.")
                    return HttpResponseRedirect(here)
            elif which == "recipient":
                recipient_form = RecipientForm(
                    request.POST, editing=editing, initial=_recipient_initial(editing)
                )
                if recipient_form.is_valid():
                    data = recipient_form.cleaned_data
                    if editing is None:
                        add_recipient(by=by, project=project, **data)
                        messages.success(request, f"{data['name']} er tilføjet som modtager.")
                    else:
                        fields = {k: v for k, v in data.items() if k != "code"}
                        update_recipient(by=by, recipient=editing, **fields)
                        messages.success(request, f"{data['name']} er gemt.")
                    return HttpResponseRedirect(here)
            else:
                return HttpResponseNotAllowed(["GET"])
        except DomainError as exc:
            form = retention_form if which == "retention" else recipient_form
            form.add_error(None, exc.message_da)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return model_admin.page(
        request,
        "console/sharing.html",
        {
            "title": f"Deling og opbevaring: {project.name}",
            "project": project,
            "original": project,
            "recipients": project.recipients.order_by("name"),
            "may_change": may_change,
            "may_export": request.user.has_perm(exports.PERMISSION),
            "retention_form": retention_form,
            "recipient_form": recipient_form,
            "editing": editing,
            "here": here,
            "export_url": model_admin.url("export", project.pk),
            "change_url": model_admin.url("change", project.pk),
        },
    )


def _recipient(project: Project, code: str | None) -> Recipient | None:
    return project.recipients.filter(code=code).first() if code else None


def _recipient_initial(recipient: Recipient | None) -> dict[str, Any]:
    if recipient is None:
        return {}
    return {
        "code": recipient.code,
        "name": recipient.name,
        "description_da": recipient.description_da,
        "record_level": recipient.record_level,
    }


def _recipient_form(recipient: Recipient | None) -> RecipientForm:
    return RecipientForm(editing=recipient, initial=_recipient_initial(recipient))


def export_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """Choose recipient, kind and period; the export is written on the server and audited,
    and its files can be downloaded from the list of past exports."""
    project: Project = model_admin.object_or_404(request, object_id)
    model_admin.require(request, exports.PERMISSION)
    here = model_admin.url("export", project.pk)
    if request.method == "POST":
        form = ExportForm(request.POST, project=project)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = exports.create_export(
                    by=staff_actor(request.user),
                    project=project,
                    recipient=data["recipient"],
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message_da)
            else:
                rows = ", ".join(
                    f"{f['name']}: {f['rows']}"
                    for f in result.manifest["files"]
                    if f["format"] == "csv"
                )
                messages.success(
                    request,
                    f"Udtrækket til {data['recipient'].name} er skrevet til {result.directory} "
                    f"({rows} rækker).",
                )
                return HttpResponseRedirect(here)
    elif request.method == "GET":
        form = ExportForm(project=project, initial=ExportForm.initial_for())
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return model_admin.page(
        request,
        "console/export.html",
        {
            "title": f"Dataudtræk: {project.name}",
            "project": project,
            "original": project,
            "form": form,
            "past": exports.past_exports(project),
            "download_url": model_admin.url("export", project.pk),
            "export_dir": exports.export_dir(),
            "sharing_url": model_admin.url("sharing", project.pk),
        },
    )


def download_view(
    model_admin: Any, request: HttpRequest, object_id: str, export_id: int, name: str
) -> HttpResponseBase:
    """One file of a past export, for those who may export (``console.export_data``); the
    download is audited before the file is sent, and never cached."""
    project: Project = model_admin.object_or_404(request, object_id)
    model_admin.require(request, exports.PERMISSION)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    path = exports.export_file(project, export_id, name)
    if path is None:
        raise Http404
    with transaction.atomic():
        record(
            by=staff_actor(request.user),
            action=AuditEvent.Action.EXPORT_DOWNLOADED,
            obj=project,
            details={"export": export_id, "file": name},
        )
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
