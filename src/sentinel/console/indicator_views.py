"""The console's page for a project's indicators declared as data ("Rapportens indikatorer"):
the drafts, a structured form to add or change one (population, numerator and denominator
conditions as choices per field of the record type, period, direction, target range,
disclosure rule, comparison levels — no free text for what is counted, no JSON), and
publishing the drafts with a data specification version; below, what each version measured.

A thin door: it loads the project, checks the permission and calls ``reports.actions``
(``save_indicator``, ``remove_indicator``, ``publish_indicators``), which hold every rule
(``reports.indicators``). All staff may read the page; changing needs
``projects.change_project`` (project managers and administrators) — support gets 403.
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
from sentinel.reports.actions import publish_indicators, remove_indicator, save_indicator
from sentinel.reports.engine import definitions
from sentinel.reports.indicators import ANY, LEVELS, FieldInfo, sources
from sentinel.reports.models import DeclaredIndicator
from sentinel.reports.targets import BETTER_DA, open_versions

PERMISSION = "projects.change_project"
PARTS = (
    ("population", "Population: hvilke poster indikatoren handler om"),
    ("denominator", "Nævner: yderligere betingelser (ud over populationen)"),
    ("numerator", "Tæller: de poster i nævneren, der også opfylder"),
)


def _values(text: str) -> list[str]:
    """Values typed with commas (codes: upper case)."""
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


def numbers() -> list[tuple[str, str]]:
    """Every number a median may read, of every record type the language knows."""
    found: dict[str, str] = {}
    for source in sources().values():
        for name, info in source.numbers.items():
            found.setdefault(name, f"{info.label_da} ({source.record_type})")
    return list(found.items())


def condition_fields() -> dict[str, FieldInfo]:
    """Every field a condition may name, of every record type the language knows (the first
    record type's words where two share a name): a new record type's fields appear in the
    form as it registers its source, with no change here."""
    found: dict[str, FieldInfo] = {}
    for source in sources().values():
        for name, info in source.fields.items():
            found.setdefault(name, info)
    return found


class IndicatorForm(forms.Form):
    """An indicator's fields (the rules are the action's; messages in Danish)."""

    key = forms.SlugField(label="Nøgle", max_length=40, help_text="Fx opfoelgning. Ændres ikke.")
    label_da = forms.CharField(label="Navn (dansk)", max_length=200)
    label_en = forms.CharField(label="Navn (engelsk)", max_length=200, required=False)
    definition_da = forms.CharField(
        label="Definition (dansk)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    definition_en = forms.CharField(
        label="Definition (engelsk)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    record_type = forms.ChoiceField(label="Posttype")
    kind = forms.ChoiceField(
        label="Slags",
        choices=DeclaredIndicator.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="En median har ingen tæller; dens mål angives i tallets egen enhed (ikke %).",
    )
    value = forms.ChoiceField(label="Tallet, en median læser", required=False)
    period = forms.ChoiceField(label="Periode", choices=DeclaredIndicator.Period.choices)
    better = forms.ChoiceField(
        label="Hvad er bedre?", choices=list(BETTER_DA.items()), widget=forms.RadioSelect
    )
    low = forms.DecimalField(label="Mål, nedre grænse (%)", required=False, localize=True)
    high = forms.DecimalField(label="Mål, øvre grænse (%)", required=False, localize=True)
    disclosure = forms.ChoiceField(
        label="Skjulning af små tal",
        choices=DeclaredIndicator.Disclosure.choices,
        widget=forms.RadioSelect,
    )
    levels = forms.MultipleChoiceField(
        label="Sammenlign med",
        choices=[(k, da) for k, (da, _en) in LEVELS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = sources()
        record_type = cast(forms.ChoiceField, self.fields["record_type"])
        record_type.choices = [(name, f"{s.label_da} ({name})") for name, s in known.items()]
        value = cast(forms.ChoiceField, self.fields["value"])
        value.choices = [("", "ingen (en andel)"), *numbers()]
        for part, _part_label in PARTS:
            for name, info in condition_fields().items():
                if info.choices is not None:
                    self.fields[f"{part}_{name}"] = forms.MultipleChoiceField(
                        label=info.label_da,
                        choices=[*info.choices, ("", "ingen (tom)")],
                        widget=forms.CheckboxSelectMultiple,
                        required=False,
                    )
                    continue
                self.fields[f"{part}_{name}"] = forms.CharField(
                    label=info.label_da,
                    required=False,
                    help_text="Værdier adskilt af komma, fx L89, L90.",
                )
                self.fields[f"{part}_{name}_any"] = forms.BooleanField(
                    label=f"{info.label_da}: en hvilken som helst", required=False
                )
                self.fields[f"{part}_{name}_none"] = forms.BooleanField(
                    label=f"{info.label_da}: ingen (tom)", required=False
                )

    def groups(self) -> list[tuple[str, list[Any]]]:
        """The form's fields as the page shows them: the indicator, then each part's
        conditions in a group of its own."""
        parts = {f"{part}_" for part, _label in PARTS}
        own = [f for f in self if not any(f.name.startswith(p) for p in parts)]
        groups: list[tuple[str, list[Any]]] = [("Indikatoren", own)]
        for part, label in PARTS:
            groups.append((label, [f for f in self if f.name.startswith(f"{part}_")]))
        return groups

    def conditions(self, part: str) -> dict[str, list[str]]:
        """One part's conditions as the action takes them (field → values allowed)."""
        data = self.cleaned_data
        found: dict[str, list[str]] = {}
        for name, info in condition_fields().items():
            raw = data.get(f"{part}_{name}")
            values = list(raw or []) if info.choices is not None else _values(raw or "")
            if info.choices is not None:
                found.update({name: values} if values else {})
                continue
            if data.get(f"{part}_{name}_any"):
                values.append(ANY)
            if data.get(f"{part}_{name}_none"):
                values.append("")
            if values:
                found[name] = values
        return found

    @classmethod
    def initial_from(cls, row: DeclaredIndicator) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(row, name)
            for name in (
                "key",
                "label_da",
                "label_en",
                "definition_da",
                "definition_en",
                "record_type",
                "kind",
                "value",
                "period",
                "better",
                "low",
                "high",
                "disclosure",
                "levels",
            )
        }
        for part, _label in PARTS:
            conditions = getattr(row, part) or {}
            for name, info in condition_fields().items():
                values = conditions.get(name, [])
                if info.choices is not None:
                    initial[f"{part}_{name}"] = list(values)
                    continue
                initial[f"{part}_{name}"] = ", ".join(v for v in values if v not in ("", ANY))
                initial[f"{part}_{name}_any"] = ANY in values
                initial[f"{part}_{name}_none"] = "" in values
        return initial


class PublishForm(forms.Form):
    version = forms.TypedChoiceField(label="Offentliggør med version", coerce=int)


def indicator_urls(model_admin: Any) -> list[URLPattern]:
    """The page's URL on the project admin (``projects_project_indicators``)."""
    info = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    view = model_admin.wrap(update_wrapper(partial(indicators_view, model_admin), indicators_view))
    return [path("<path:object_id>/indicators/", view, name=f"{info}_indicators")]


def _describe(row: DeclaredIndicator) -> list[tuple[str, str]]:
    """The conditions of an indicator in words, per part."""
    source = sources().get(row.record_type)
    words = []
    for part, label in (
        ("population", "Population"),
        ("denominator", "Nævner"),
        ("numerator", "Tæller"),
    ):
        conditions = getattr(row, part) or {}
        shown = []
        for name, values in conditions.items():
            field = source.fields[name].label_da if source and name in source.fields else name
            names = [{"": "ingen", ANY: "en hvilken som helst"}.get(v, v) for v in values]
            shown.append(f"{field}: {', '.join(names)}")
        words.append((label, "; ".join(shown) or "alle"))
    if row.kind == DeclaredIndicator.Kind.MEDIAN:
        number = source.numbers.get(row.value) if source else None
        words.append(("Median af", number.label_da if number else row.value))
    levels = ", ".join(LEVELS[level][0] for level in row.levels or () if level in LEVELS)
    words.append(("Sammenlign med", levels or "ingen"))
    return words


def indicators_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    project: Project = model_admin.object_or_404(request, object_id)
    may_change = request.user.has_perm(PERMISSION)
    here = model_admin.url("indicators", project.pk)
    today = timezone.localdate()
    drafts = list(
        DeclaredIndicator.objects.filter(project=project, specification__isnull=True).order_by(
            "position", "key"
        )
    )
    published = list(
        DeclaredIndicator.objects.filter(project=project, specification__isnull=False)
        .select_related("specification")
        .order_by("-specification__version", "position", "key")
    )
    with_indicators = {row.specification_id for row in published}
    versions = [
        v
        for v in open_versions(list(project.specifications.all()), today)
        if v.pk not in with_indicators
    ]
    editing = next((d for d in drafts if d.key == request.GET.get("indicator")), None)
    form = IndicatorForm(
        initial=IndicatorForm.initial_from(editing)
        if editing
        else {"better": "higher", "disclosure": "standard", "levels": list(LEVELS)}
    )
    publish_form = PublishForm()
    cast(forms.TypedChoiceField, publish_form.fields["version"]).choices = [
        (v.version, f"Version {v.version}, gælder fra {format_da(v.effective_from)}")
        for v in versions
    ]
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        by = staff_actor(request.user)
        action = request.POST.get("action", "save")
        try:
            if action == "remove":
                remove_indicator(by=by, project=project, key=request.POST.get("key", ""))
                messages.success(request, "Udkastet er fjernet.")
                return HttpResponseRedirect(here)
            if action == "publish":
                publish_form = PublishForm(request.POST)
                cast(forms.TypedChoiceField, publish_form.fields["version"]).choices = [
                    (v.version, str(v.version)) for v in versions
                ]
                if publish_form.is_valid():
                    version = publish_form.cleaned_data["version"]
                    publish_indicators(by=by, project=project, version=version)
                    messages.success(
                        request,
                        f"Indikatorerne er offentliggjort med version {version}; rapporterne "
                        "måler dem fra den dag, versionen gælder.",
                    )
                    return HttpResponseRedirect(here)
            else:
                form = IndicatorForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    save_indicator(
                        by=by,
                        project=project,
                        key=data["key"],
                        label_da=data["label_da"],
                        label_en=data["label_en"],
                        definition_da=data["definition_da"],
                        definition_en=data["definition_en"],
                        record_type=data["record_type"],
                        kind=data["kind"] or DeclaredIndicator.Kind.SHARE,
                        value=data["value"],
                        population=form.conditions("population"),
                        denominator=form.conditions("denominator"),
                        numerator=form.conditions("numerator"),
                        period=data["period"],
                        better=data["better"],
                        low=data["low"],
                        high=data["high"],
                        disclosure=data["disclosure"],
                        levels=data["levels"],
                    )
                    messages.success(request, f"Udkastet »{data['label_da']}« er gemt.")
                    return HttpResponseRedirect(here)
        except DomainError as exc:
            target = publish_form if action == "publish" else form
            target.add_error(None, exc.message_da)
            if action == "remove":
                messages.error(request, exc.message_da)
                return HttpResponseRedirect(here)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    by_version: dict[int, list[Any]] = {}
    version_of: dict[int, Any] = {}
    for row in published:
        spec = cast(DataSpecification, row.specification)
        by_version.setdefault(spec.version, []).append((row, _describe(row)))
        version_of[spec.version] = spec
    return model_admin.page(
        request,
        "console/indicators.html",
        {
            "title": f"Rapportens indikatorer: {project.name}",
            "project": project,
            "original": project,
            "drafts": [(d, _describe(d)) for d in drafts],
            "published": [(version_of[v], rows) for v, rows in by_version.items()],
            "may_change": may_change,
            "may_publish": may_change and bool(drafts) and bool(versions),
            "form": form,
            "publish_form": publish_form,
            "editing": editing,
            "here": here,
            "change_url": model_admin.url("change", project.pk),
            "has_code_report": project.code in definitions(),
        },
    )
