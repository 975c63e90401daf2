"""The console's ModelAdmin base: nothing deleted, no bulk actions, Danish names for the
models and their fields (``console.labels``), and small helpers for the console's own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from sentinel.console import labels


class NamedApp:
    """An app config as the console names it (``labels.APPS``)."""

    def __init__(self, config: Any) -> None:
        self._config = config
        self.verbose_name = labels.app_name(config.label)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)


class NamedOptions:
    """A model's ``_meta`` with the console's Danish names; everything else is the model's."""

    def __init__(self, opts: Any) -> None:
        self._opts = opts
        self.verbose_name, self.verbose_name_plural = labels.model_names(opts)
        self.app_config = NamedApp(opts.app_config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opts, name)


class ConsoleChangeList(ChangeList):
    """The list page, titled with the model's Danish name."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.opts = NamedOptions(self.model._meta)  # type: ignore[assignment]
        if self.model_admin.has_change_permission(request):
            title = _("Select %s to change")
        else:
            title = _("Select %s to view")
        self.title = title % self.opts.verbose_name


def _column(opts: Any, field: models.Field) -> Any:
    """A list column for a model field, headed with its Danish label."""
    name = field.name
    if field.choices:

        def value(obj: Any) -> Any:
            return getattr(obj, f"get_{name}_display")()
    else:

        def value(obj: Any) -> Any:
            return getattr(obj, name)

    value.__name__ = name
    boolean = isinstance(field, models.BooleanField)
    return admin.display(
        description=labels.field_label(opts, name), ordering=name, boolean=boolean
    )(value)


def _titled(title: str) -> Any:
    """A field's list filter (as Django picks it) under the console's Danish title."""

    def make(
        field: Any, request: Any, params: Any, model: Any, model_admin: Any, field_path: Any
    ) -> Any:
        spec = FieldListFilter.create(field, request, params, model, model_admin, field_path)
        spec.title = title
        return spec

    return make


class ConsoleModelAdmin(admin.ModelAdmin):
    """Nothing is deleted through the console, and there are no bulk actions."""

    actions = None

    @staticmethod
    def adopt(obj: Any, created: Any) -> None:
        """Make the admin's unsaved ``obj`` the row a domain action ``created`` (so Django's
        change message and redirect name it), instead of saving ``obj`` itself."""
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- Danish names for what the models call in English --------------------------------

    def _field(self, name: Any) -> models.Field | None:
        if not isinstance(name, str):
            return None
        try:
            field = self.opts.get_field(name)
        except FieldDoesNotExist:
            return None
        return field if isinstance(field, models.Field) else None

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = []
        for name in super().get_list_display(request):
            field = self._field(name)
            columns.append(_column(self.opts, field) if field is not None else name)
        return columns

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters: list[Any] = []
        for item in super().get_list_filter(request):
            field = self._field(item)
            if field is not None:
                title = labels.field_label(self.opts, field.name)
                if title[1:2].islower():  # "Efter speciale", but "Efter CVR"
                    title = title[0].lower() + title[1:]
                filters.append((item, _titled(title)))
            else:
                filters.append(item)
        return filters

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ConsoleChangeList

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs.setdefault("labels", labels.field_labels(self.opts))
        kwargs.setdefault("help_texts", labels.field_help(self.opts))
        return super().get_form(request, obj, change, **kwargs)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        named = NamedOptions(self.opts)
        if add:
            title = _("Add %s")
        elif self.has_change_permission(request, obj):
            title = _("Change %s")
        else:
            title = _("View %s")
        context["title"] = title % named.verbose_name
        response = super().render_change_form(request, context, add, change, form_url, obj)
        response.context_data["opts"] = named  # type: ignore[attr-defined]
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        named = NamedOptions(self.opts)
        context = {"opts": named, "module_name": str(named.verbose_name_plural).capitalize()}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    # --- helpers for the console's own pages ----------------------------------------------

    def require(self, request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def page(
        self, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        full = {
            **self.admin_site.each_context(request),
            "opts": NamedOptions(self.opts),
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
