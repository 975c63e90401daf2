"""What staff see and do in the console, model by model. Registered on ``console_site`` only.

Every write is a domain action called with the staff user as actor (audited in the same
transaction); nothing is ever deleted through the console, and the audit log is read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from sentinel.agreements.models import ConsentApproval, Document, DocumentKind, DpaSignature
from sentinel.agreements.services import agreement_state
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.actions import create_vendor
from sentinel.clinics.credentials import issue_credential, revoke_credential, rotate_credential
from sentinel.clinics.models import Activation, Clinic, Vendor, VendorCredential
from sentinel.collection.dataflow import clinic_flow, vendor_clinics
from sentinel.collection.status import check_status
from sentinel.console.actions import (
    PROJECT_FIELDS,
    check_specification_version,
    create_project,
    publish_document_version,
    publish_project,
    publish_specification_version,
    update_project,
)
from sentinel.console.auditlog import (
    ActionFilter,
    ActorFilter,
    ClinicFilter,
    FromFilter,
    ToFilter,
    csv_lines,
)
from sentinel.console.forms import DocumentForm, RotateForm, SpecificationForm
from sentinel.console.sharing_views import sharing_urls
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.lib.dataspec import parse_spec
from sentinel.lib.errors import DomainError
from sentinel.lib.specdiff import diff_specs
from sentinel.projects.models import DataSpecification, Enrolment, Project


class ConsoleModelAdmin(admin.ModelAdmin):
    """Nothing is deleted through the console, and there are no bulk actions."""

    actions = None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def require(self, request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def page(
        self, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        full = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            **context,
        }
        return TemplateResponse(request, template, full, status=status)

    def object_or_404(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        return obj

    def url(self, name: str, *args: Any) -> str:
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
        )

    def wrap(self, view: Any) -> Any:
        return self.admin_site.admin_view(view)


# --- projects ----------------------------------------------------------------------------


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
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

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
            messages.error(request, exc.message_en)
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
                        version = publish_specification_version(
                            by=staff_actor(request.user),
                            project=project,
                            spec=form.spec,
                            effective_from=effective_from,
                        )
                    else:
                        check_specification_version(
                            project=project, spec=form.spec, effective_from=effective_from
                        )
                except DomainError as exc:
                    form.add_error(None, exc.message_en)
                else:
                    if confirmed:
                        messages.success(
                            request,
                            f"Version {version.version} af {project.name}s dataspecifikation er "
                            f"offentliggjort og gælder for data fra {version.effective_from}.",
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
            },
        )


def _fingerprint(spec: dict[str, Any], effective_from: dt.date) -> str:
    """Ties a confirmation to the exact specification previewed."""
    text = json.dumps({"spec": spec, "from": effective_from.isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- documents ---------------------------------------------------------------------------


@admin.register(Document, site=console_site)
class DocumentAdmin(ConsoleModelAdmin):
    list_display = (
        "__str__",
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
        """Publish the next DPA or consent version, in force from its date."""
        self.require(request, "console.publish_document")
        if request.method == "POST":
            form = DocumentForm(request.POST)
            if form.is_valid():
                try:
                    document = publish_document_version(
                        by=staff_actor(request.user), **form.cleaned_data
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message_en)
                else:
                    messages.success(
                        request,
                        f"{document} er offentliggjort og gælder fra {document.published_on}. "
                        "Klinikkerne skal underskrive/godkende den, før opsamlingen fortsætter.",
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
                    "published_on": timezone.localdate(),
                }
            )
        return self.page(
            request,
            "console/document_publish.html",
            {"title": "Offentliggør ny dokumentversion", "form": form},
        )


# --- vendors and credentials -------------------------------------------------------------


def credential_state(credential: VendorCredential, now: dt.datetime) -> str:
    if credential.revoked_at:
        return f"tilbagekaldt {timezone.localtime(credential.revoked_at):%Y-%m-%d %H:%M}"
    if credential.expires_at and credential.expires_at <= now:
        return f"udløbet {timezone.localtime(credential.expires_at):%Y-%m-%d %H:%M}"
    if credential.expires_at:
        return f"aktiv, udløber {timezone.localtime(credential.expires_at):%Y-%m-%d %H:%M}"
    return "aktiv"


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
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

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
        clinics = vendor_clinics(vendor)
        return self.page(
            request,
            "console/vendor_overview.html",
            {
                "title": vendor.name,
                "vendor": vendor,
                "original": vendor,
                "credentials": credentials,
                "clinics": clinics,
                "weeks": clinics[0].rejections.weeks if clinics else [],
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
                messages.error(request, exc.message_en)
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


def _usable(credential: VendorCredential, now: dt.datetime) -> bool:
    return credential.revoked_at is None and (
        credential.expires_at is None or credential.expires_at > now
    )


# --- clinics: the support page -----------------------------------------------------------


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
                "vendor_requests": clinic.vendor_requests.select_related("vendor").exclude(
                    automatic=True
                ),
                "enrolments": clinic.enrolments.select_related("project"),
                "agreements": [agreement_state(clinic, kind) for kind in DocumentKind.values],
                "audit_url": reverse(f"{self.admin_site.name}:audit_auditevent_changelist")
                + f"?clinic={clinic.ydernummer}",
            },
        )


# --- the audit log -----------------------------------------------------------------------


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
        "object_type",
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
        """The action as written (the model's choices do not list every action)."""
        return obj.action

    @admin.display(description="Objekt")
    def target(self, obj: AuditEvent) -> str:
        return f"{obj.object_type} {obj.object_id}".strip()

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
