"""Administrer: the clinic's projects, enrolment and unenrolment, and its data exchange."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sentinel.clinics.models import Clinic
from sentinel.collection.exchange import exchange_overview
from sentinel.collection.status import check_status
from sentinel.lib import icpc2
from sentinel.lib.dataspec import DataSpec
from sentinel.lib.errors import DomainError
from sentinel.lib.specdiff import Change, diff_specs
from sentinel.portal import texts
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.clinic_pages import page_context
from sentinel.portal.guide import next_step_text
from sentinel.portal.templatetags.portal import english
from sentinel.portal.vendor_views import vendors_context
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Enrolment, Project
from sentinel.projects.participation import Participation
from sentinel.sharing.retention import deletion_day

# --- Administrer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecificationChange:
    """A version of a project's data specification that took (or takes) effect while the
    clinic is enrolled, with what it changed, in the clinic's words."""

    version: int
    effective_from: dt.date
    upcoming: bool
    lines: list[str]


def _labels(table: dict[str, Any], values: tuple[str, ...]) -> str:
    return ", ".join(texts.label(table, v) for v in values)


def _change_lines(change: Change, new: DataSpec) -> list[str]:
    """One ``lib.specdiff.Change`` as sentences a clinic owner understands."""
    tables: dict[str, dict[str, Any]] = {
        "record_types": texts.RECORD_TYPES,
        "fields": texts.FIELD_LABELS,
        "specialities": texts.SPECIALITIES,
    }
    table = tables.get(change.part, {})
    added, removed = _labels(table, change.added), _labels(table, change.removed)
    lines: list[str] = []
    if change.part == "record_types":
        if added:
            lines.append(_("Nye slags data opsamles: %(items)s") % {"items": added})
        if removed:
            lines.append(
                _("Disse slags data opsamles ikke længere: %(items)s") % {"items": removed}
            )
    elif change.part == "fields":
        if added:
            lines.append(_("Opsamles nu også: %(items)s") % {"items": added})
        if removed:
            lines.append(_("Opsamles ikke længere: %(items)s") % {"items": removed})
    elif change.part == "specialities":
        if added:
            lines.append(_("Nu også forløb under speciale %(items)s") % {"items": added})
        if removed:
            lines.append(_("Ikke længere forløb under speciale %(items)s") % {"items": removed})
    elif change.part in {"icpc2_chapters", "icpc2_codes"}:
        chapters = change.part == "icpc2_chapters"
        if added:
            text = (
                _("Nye ICPC-2-kapitler: %(items)s")
                if chapters
                else _("Nye ICPC-2-koder: %(items)s")
            )
            lines.append(text % {"items": added})
        if removed:
            text = (
                _("ICPC-2-kapitler, der ikke længere opsamles: %(items)s")
                if chapters
                else _("ICPC-2-koder, der ikke længere opsamles: %(items)s")
            )
            lines.append(text % {"items": removed})
    elif change.part == "icpc2_filter":
        lines.append(
            _("Der opsamles nu kun de valgte ICPC-2-koder.")
            if new.icpc2_chapters or new.icpc2_codes
            else _("Der opsamles nu alle ICPC-2-koder.")
        )
    elif change.part == "course_types":
        if added:
            lines.append(
                _("Nye strukturerede forløb: %(items)s") % {"items": _course_types(change.added)}
            )
        if removed:
            lines.append(
                _("Strukturerede forløb, der ikke længere opsamles: %(items)s")
                % {"items": _course_types(change.removed)}
            )
    elif change.part == "course_type_filter":
        lines.append(
            _(
                "Der opsamles nu kun de valgte strukturerede forløb og målinger i dem; andre "
                "forløb opsamles ikke."
            )
            if new.course_types
            else _("Der opsamles nu alle forløb, også dem, der ikke er strukturerede forløb.")
        )
    elif change.part == "person_identifiable_worklist":
        lines.append(
            _("Arbejdslisten med egne forløb (CPR-nummeret gemmes krypteret) kommer til.")
            if new.person_identifiable_worklist
            else _("Arbejdslisten udgår; CPR-nummeret gemmes ikke længere krypteret.")
        )
    return lines


def _specification_changes(
    project: Project, current: Enrolment | None, today: dt.date
) -> list[SpecificationChange]:
    """The specification versions in effect after the clinic enrolled, each against the
    version before it, newest first (an announced future version too)."""
    if current is None:
        return []
    versions = list(project.specifications.order_by("version"))
    changes = []
    for previous, version in itertools.pairwise(versions):
        if version.effective_from <= current.enrolled_on:
            continue
        lines = [
            line
            for c in diff_specs(previous.parsed, version.parsed)
            for line in _change_lines(c, version.parsed)
        ]
        if lines:
            changes.append(
                SpecificationChange(
                    version=version.version,
                    effective_from=version.effective_from,
                    upcoming=version.effective_from > today,
                    lines=lines,
                )
            )
    return list(reversed(changes))


@dataclass(frozen=True)
class ProjectView:
    project: Project
    description: str
    description_lang: str
    fields: list[str]
    specialities: list[str]
    codes: str
    course_types: str
    """The structured courses collected, by name; empty when every course is."""
    worklist: bool
    recipients: str
    current: Enrolment | None
    last: Enrolment | None
    changes: list[SpecificationChange]
    deleted_on: dt.date | None
    """When the data goes after the last unenrolment (None while enrolled or never enrolled)."""


def _course_types(course_types: tuple[str, ...]) -> str:
    """Structured courses by their names, in the page's language."""
    names = icpc2.COURSE_TYPE_LABELS_EN if english() else icpc2.COURSE_TYPE_LABELS_DA
    return ", ".join(names.get(t, t) for t in course_types)


def _codes_text(chapters: tuple[str, ...], codes: tuple[str, ...]) -> str:
    if not chapters and not codes:
        return _("Alle ICPC-2-koder")
    parts = []
    if chapters:
        parts.append(_("ICPC-2-kapitel %(chapters)s") % {"chapters": ", ".join(chapters)})
    if codes:
        parts.append(_("ICPC-2-koderne %(codes)s") % {"codes": ", ".join(codes)})
    return "; ".join(parts)


def _project_view(clinic: Clinic, project: Project, today: dt.date) -> ProjectView:
    specification = project.specification(today)
    spec = specification.parsed if specification else None
    periods = list(Enrolment.objects.filter(clinic=clinic, project=project).order_by("-id"))
    current = next((e for e in periods if e.unenrolled_on is None), None)
    use_english = english() and bool(project.description_en)
    return ProjectView(
        project=project,
        description=project.description_en if use_english else project.description_da,
        description_lang="en" if use_english else "da",
        fields=[texts.label(texts.FIELD_LABELS, f) for f in spec.fields] if spec else [],
        specialities=[texts.label(texts.SPECIALITIES, s) for s in spec.specialities]
        if spec
        else [],
        codes=_codes_text(spec.icpc2_chapters, spec.icpc2_codes) if spec else "",
        course_types=_course_types(spec.course_types) if spec else "",
        worklist=bool(spec and spec.person_identifiable_worklist),
        recipients=project.recipients_da,
        current=current,
        last=periods[0] if periods else None,
        changes=_specification_changes(project, current, today),
        deleted_on=(
            deletion_day(project, periods[0].unenrolled_on)
            if current is None and periods and periods[0].unenrolled_on
            else None
        ),
    )


@require_GET
@clinic_page
def administer(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    today = timezone.localdate()
    projects = [
        _project_view(clinic, p, today)
        for p in Project.objects.filter(is_published=True).order_by("name")
    ]
    report = check_status(clinic)
    flow_checks = [c for c in report.checks if c.check == "data_flow"]
    exchange = exchange_overview(clinic, today)
    return render(
        request,
        "portal/administer.html",
        page_context(
            clinic,
            user,
            "administer",
            projects=projects,
            exchange=exchange,
            flow_checks=flow_checks,
            refusals=[
                {
                    "label": texts.label(texts.REFUSAL_REASONS, r.reason),
                    "count": r.count,
                    "last_at": r.last_at,
                }
                for r in exchange.refusals
            ],
            threshold_days=settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS,
            **vendors_context(clinic, user),
        ),
    )


@require_http_methods(["GET", "POST"])
@clinic_page
def enrol_confirm(
    request: HttpRequest, clinic: Clinic, user: PortalUser, code: str
) -> HttpResponse:
    """Confirm enrolment: collection starts today (once the prerequisites are in place)."""
    project = get_object_or_404(Project, code=code, is_published=True)
    today = timezone.localdate()
    standing = Participation.read(clinic, today)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            enrolment = enrol(by=user.actor(clinic), clinic=clinic, project=project)
        except DomainError as exc:
            error = exc.message_en if english() else exc.message_da
            status = 409
        else:
            messages.success(
                request,
                _("Du er tilmeldt %(project)s fra %(day)s.")
                % {"project": project.name, "day": enrolment.enrolled_on.strftime("%d.%m.%Y")}
                + " "
                + _("Næste trin: %(text)s") % {"text": next_step_text(clinic)},
            )
            return HttpResponseRedirect(reverse("portal:administer", args=[clinic.ydernummer]))
    return render(
        request,
        "portal/enrol_confirm.html",
        page_context(
            clinic,
            user,
            "administer",
            project=project,
            view=_project_view(clinic, project, today),
            today=today,
            missing=[b.line for b in standing.prerequisites_missing(today)],
            opens_on=standing.opens_on(project, today, today),
            error=error,
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@clinic_page
def unenrol_confirm(
    request: HttpRequest, clinic: Clinic, user: PortalUser, code: str
) -> HttpResponse:
    """Confirm unenrolment: nothing dated today or later is collected."""
    project = get_object_or_404(Project, code=code, is_published=True)
    current = Enrolment.objects.open().filter(clinic=clinic, project=project).first()
    today = timezone.localdate()
    error = ""
    status = 200
    if request.method == "POST":
        try:
            ended = unenrol(by=user.actor(clinic), clinic=clinic, project=project)
        except DomainError as exc:
            error = exc.message_en if english() else exc.message_da
            status = 409
        else:
            assert ended.unenrolled_on is not None  # noqa: S101 - unenrol sets it
            messages.success(
                request,
                _(
                    "Du er frameldt %(project)s. Der opsamles ikke data fra %(day)s. Data, der "
                    "er modtaget, slettes %(deleted)s, medmindre du tilmelder dig igen inden da."
                )
                % {
                    "project": project.name,
                    "day": ended.unenrolled_on.strftime("%d.%m.%Y"),
                    "deleted": deletion_day(project, ended.unenrolled_on).strftime("%d.%m.%Y"),
                },
            )
            return HttpResponseRedirect(reverse("portal:administer", args=[clinic.ydernummer]))
    elif current is None:
        raise Http404("not enrolled")
    return render(
        request,
        "portal/unenrol_confirm.html",
        page_context(
            clinic,
            user,
            "administer",
            project=project,
            current=current,
            today=today,
            deleted_on=deletion_day(project, today),
            error=error,
        ),
        status=status,
    )
