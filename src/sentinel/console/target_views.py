"""The console's page for a project's report targets ("Mål for rapportens indikatorer"): per
headline indicator the target range and the better direction in force now, those set for
coming versions and every one ever set; and a form to set one for a data specification
version.

A thin door: it loads the project, checks the permission, reads the fields and calls
``reports.actions.set_indicator_target``, which holds every rule (``reports.targets``). All
staff may read the page; setting a target needs ``projects.change_project`` (project managers
and administrators) — support gets 403.
"""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path
from django.utils import timezone

from sentinel.console.staff import staff_actor
from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Project
from sentinel.reports.actions import set_indicator_target
from sentinel.reports.engine import Indicator, definitions
from sentinel.reports.targets import BETTER_DA, open_versions, overview, settable

PERMISSION = "projects.change_project"


class TargetForm(forms.Form):
    """The fields of a target; the rules are the action's (messages in Danish)."""

    indicator = forms.ChoiceField(label="Indikator")
    version = forms.TypedChoiceField(label="Gælder fra dataspecifikationens version", coerce=int)
    better = forms.ChoiceField(
        label="Hvad er bedre?", choices=list(BETTER_DA.items()), widget=forms.RadioSelect
    )
    low = forms.DecimalField(
        label="Mål, nedre grænse (%)",
        required=False,
        localize=True,
        help_text="Fx 95,00. Lad begge grænser stå tomme for kun en retning uden mål.",
    )
    high = forms.DecimalField(label="Mål, øvre grænse (%)", required=False, localize=True)

    def __init__(
        self,
        *args: Any,
        indicators: tuple[Indicator, ...],
        versions: list[DataSpecification],
        in_force: DataSpecification | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        indicator = cast(forms.ChoiceField, self.fields["indicator"])
        indicator.choices = [(i.key, i.label_da) for i in indicators]
        version = cast(forms.TypedChoiceField, self.fields["version"])
        version.choices = [
            (
                v.version,
                f"Version {v.version}, gælder fra {format_da(v.effective_from)}"
                + (" (gældende nu)" if in_force is not None and v.pk == in_force.pk else ""),
            )
            for v in versions
        ]


def target_urls(model_admin: Any) -> list[URLPattern]:
    """The page's URL on the project admin (``projects_project_targets``)."""
    info = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    bound = partial(targets_view, model_admin)
    view = model_admin.wrap(update_wrapper(bound, targets_view))
    return [path("<path:object_id>/targets/", view, name=f"{info}_targets")]


def _initial(item: Any, in_force: DataSpecification | None) -> dict[str, Any]:
    current = item.current
    low, high = current.target or (None, None)
    return {
        "indicator": current.key,
        "version": in_force.version if in_force is not None else None,
        "better": current.better,
        "low": low,
        "high": high,
    }


def targets_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    project: Project = model_admin.object_or_404(request, object_id)
    may_change = request.user.has_perm(PERMISSION)
    here = model_admin.url("targets", project.pk)
    today = timezone.localdate()
    definition = definitions().get(project.code)
    indicators = settable(definition.indicators) if definition is not None else ()
    versions = list(project.specifications.all())
    in_force = project.specification(today)
    items = overview(project, indicators, today)
    choosing = next(
        (i for i in items if i.default.key == request.GET.get("indicator")),
        items[0] if items else None,
    )
    settable_versions = open_versions(versions, today)
    make_form = partial(
        TargetForm, indicators=indicators, versions=settable_versions, in_force=in_force
    )
    form = make_form(initial=_initial(choosing, in_force) if choosing else {})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        form = make_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                set_indicator_target(
                    by=staff_actor(request.user),
                    project=project,
                    indicator=data["indicator"],
                    version=data["version"],
                    better=data["better"],
                    low=data["low"],
                    high=data["high"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message_da)
            else:
                label = dict(form.fields["indicator"].choices)[data["indicator"]]  # type: ignore[attr-defined]
                messages.success(
                    request,
                    f"Mål og retning for »{label}« er gemt for version {data['version']} og "
                    "senere versioner uden eget mål.",
                )
                return HttpResponseRedirect(here)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return model_admin.page(
        request,
        "console/targets.html",
        {
            "title": f"Mål for rapportens indikatorer: {project.name}",
            "project": project,
            "original": project,
            "has_report": definition is not None,
            "items": items,
            "in_force": in_force,
            "may_change": may_change and bool(indicators) and bool(settable_versions),
            "form": form,
            "here": here,
            "better_words": BETTER_DA,
            "change_url": model_admin.url("change", project.pk),
        },
    )
