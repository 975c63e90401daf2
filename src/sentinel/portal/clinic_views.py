"""A clinic's pages in the portal: the Sentinel menu, the DPA and the consent with their
receipts, Administrer (projects, enrolment, data exchange), Tjek status, Kom godt i gang and the
report tabs. Every view is a ``clinic_page``: it runs only for a user who reaches the clinic.

The views load, check, call the domain's actions and answer; the rules live in the actions
(``agreements.actions.sign_dpa``, ``projects.actions.enrol`` …) and the status check.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import DocumentKind, SignatureBase
from sentinel.agreements.services import SIGNATURE_MODEL, AgreementState, Standing, agreement_state
from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.clinics.models import Clinic
from sentinel.clinics.status import Check, StatusReport, check_status, reports_open_on
from sentinel.lib.dataspec import DataSpec
from sentinel.lib.errors import DomainError
from sentinel.lib.specdiff import Change, diff_specs
from sentinel.portal import texts
from sentinel.portal.access import PortalUser, clinic_page, login_url, set_identity
from sentinel.portal.exchange import exchange_overview
from sentinel.portal.receipts import build_receipt
from sentinel.portal.templatetags.portal import english
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Enrolment, Project
from sentinel.reports.engine import Standing as ReportStanding
from sentinel.reports.engine import tabs_for
from sentinel.reports.pages import (
    ReportLinks,
    csv_response,
    parse_period,
    render_tab_html,
    tab_for_project,
    tab_response,
)

KIND_SLUGS: dict[str, str] = {
    DocumentKind.DPA: "databehandleraftale",
    DocumentKind.CONSENT: "samtykke",
}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}
SIGN: dict[str, Any] = {DocumentKind.DPA: sign_dpa, DocumentKind.CONSENT: approve_consent}


def _agreement_badge(state: AgreementState) -> tuple[str, str]:
    """The state class and the words for a document in the menu."""
    dpa = state.kind == DocumentKind.DPA
    if state.standing is Standing.CURRENT:
        return "ok", _("Underskrevet") if dpa else _("Godkendt")
    if state.current_document is None:
        return "waiting", _("Ikke offentliggjort endnu")
    if state.standing is Standing.OUTDATED:
        if dpa:
            return "action_needed", _("Ny version – kræver din underskrift")
        return "action_needed", _("Ny version – kræver din godkendelse")
    return "action_needed", _("Kræver din underskrift") if dpa else _("Kræver din godkendelse")


def _context(clinic: Clinic, user: PortalUser, section: str, **extra: Any) -> dict[str, Any]:
    return {"clinic": clinic, "portal_user": user, "section": section, **extra}


# --- the menu ---------------------------------------------------------------------------------


def menu_response(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The Sentinel menu of ``clinic``: the seed's three entries first, then the rest."""
    dpa = agreement_state(clinic, DocumentKind.DPA)
    consent = agreement_state(clinic, DocumentKind.CONSENT)
    enrolled = list(
        Enrolment.objects.covering(timezone.localdate())
        .filter(clinic=clinic)
        .select_related("project")
        .order_by("project__name")
    )
    report = check_status(clinic)
    response = render(
        request,
        "portal/menu.html",
        _context(
            clinic,
            user,
            "menu",
            dpa_badge=_agreement_badge(dpa),
            consent_badge=_agreement_badge(consent),
            enrolled=enrolled,
            status_ok=report.ok,
            status_open=sum(1 for c in report.checks if c.state == "action_needed"),
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
        ),
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@clinic_page
def clinic_home(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    return menu_response(request, clinic, user)


# --- the DPA and the consent ------------------------------------------------------------------


def _signing_state(user: PortalUser, clinic: Clinic) -> dict[str, Any]:
    identity = user.identity
    return {
        "identity": identity,
        "fresh": identity is not None and identity.is_fresh(),
        "assurance": texts.label(texts.ASSURANCE_LEVELS, identity.assurance_level)
        if identity
        else "",
        "channel": texts.label(texts.CHANNELS, user.channel(clinic)),
    }


@require_http_methods(["GET", "POST"])
@clinic_page
def agreement(request: HttpRequest, clinic: Clinic, user: PortalUser, kind: str) -> HttpResponse:
    """Read the document in force and sign (DPA) or approve (consent) it with a fresh login."""
    state = agreement_state(clinic, kind)
    document = state.current_document
    error = ""
    status = 200
    if request.method == "POST":
        identity = user.identity
        if document is None:
            raise Http404("no document published")
        if identity is None or not identity.is_fresh():
            error = _(
                "Log ind med MitID Erhverv lige før du underskriver. Dit login er for gammelt "
                "eller allerede brugt til en underskrift."
            )
            status = 403
        elif request.POST.get("version") != str(document.version):
            error = _(
                "Der er kommet en ny version af dokumentet, mens du læste det. Læs den nye "
                "version nedenfor, og underskriv igen."
            )
            status = 409
        else:
            signer = Signer(
                person_uuid=uuid.UUID(identity.person_uuid),
                name=identity.name,
                cvr=identity.cvr,
                assurance_level=identity.assurance_level,
                may_sign=identity.may_sign,
            )
            try:
                signature = SIGN[kind](clinic=clinic, signer=signer, channel=user.channel(clinic))
            except DomainError as exc:
                error = exc.message_en if english() else exc.message_da
                status = 403
            else:
                set_identity(request, identity.spent())
                done = _("Databehandleraftalen er underskrevet.")
                if kind == DocumentKind.CONSENT:
                    done = _("Samtykkeerklæringen er godkendt.")
                messages.success(request, done)
                return HttpResponseRedirect(
                    reverse(
                        "portal:receipt",
                        args=[clinic.ydernummer, KIND_SLUGS[kind], signature.pk],
                    )
                )
    signatures = list(
        SIGNATURE_MODEL[kind]
        .objects.filter(clinic=clinic)
        .select_related("document")
        .order_by("-signed_at", "-id")
    )
    signed_current = next(
        (s for s in signatures if document is not None and s.document_id == document.pk), None
    )
    page = "dpa" if kind == DocumentKind.DPA else "consent"
    return render(
        request,
        "portal/agreement.html",
        _context(
            clinic,
            user,
            page,
            kind=kind,
            slug=KIND_SLUGS[kind],
            is_dpa=kind == DocumentKind.DPA,
            state=state,
            badge=_agreement_badge(state),
            document=document,
            signatures=signatures,
            signed_current=signed_current,
            error=error,
            fresh_login_href=login_url(request.path, fresh=True),
            **_signing_state(user, clinic),
        ),
        status=status,
    )


def _signature(clinic: Clinic, kind_slug: str, pk: int) -> SignatureBase:
    kind = SLUG_KINDS.get(kind_slug)
    if kind is None:
        raise Http404("no such document kind")
    model = SIGNATURE_MODEL[kind]
    return get_object_or_404(model.objects.select_related("document"), pk=pk, clinic=clinic)


@require_GET
@clinic_page
def receipt(
    request: HttpRequest, clinic: Clinic, user: PortalUser, kind_slug: str, pk: int
) -> HttpResponse:
    signature = _signature(clinic, kind_slug, pk)
    found = build_receipt(clinic, signature)
    page = "dpa" if kind_slug == "databehandleraftale" else "consent"
    return render(
        request,
        "portal/receipt.html",
        _context(
            clinic,
            user,
            page,
            receipt=found,
            signature=signature,
            kind_slug=kind_slug,
            document_href=reverse(f"portal:{page}", args=[clinic.ydernummer]),
        ),
    )


@require_GET
@clinic_page
def receipt_download(
    request: HttpRequest, clinic: Clinic, user: PortalUser, kind_slug: str, pk: int
) -> HttpResponse:
    found = build_receipt(clinic, _signature(clinic, kind_slug, pk))
    response = HttpResponse(found.as_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


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
    worklist: bool
    recipients: str
    current: Enrolment | None
    last: Enrolment | None
    changes: list[SpecificationChange]


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
        worklist=bool(spec and spec.person_identifiable_worklist),
        recipients=project.recipients_da,
        current=current,
        last=periods[0] if periods else None,
        changes=_specification_changes(project, current, today),
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
        _context(
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
        ),
    )


def _prerequisites(clinic: Clinic) -> list[Check]:
    """The checks that must be ok before anything is collected (activation, DPA, consent)."""
    report = check_status(clinic)
    return [c for c in report.checks if c.check in {"activation", "dpa", "consent"} and not c.ok]


def _opens_if_enrolled(clinic: Clinic, project: Project, day: dt.date) -> dt.date | None:
    dpa = agreement_state(clinic, DocumentKind.DPA, day)
    consent = agreement_state(clinic, DocumentKind.CONSENT, day)
    return reports_open_on(
        reports_open_from=project.reports_open_from,
        delay_months=project.first_report_delay_months,
        dpa_first_signed=timezone.localdate(dpa.first_signed_at) if dpa.first_signed_at else None,
        consent_first_approved=timezone.localdate(consent.first_signed_at)
        if consent.first_signed_at
        else None,
        enrolled_on=day,
    )


@require_http_methods(["GET", "POST"])
@clinic_page
def enrol_confirm(
    request: HttpRequest, clinic: Clinic, user: PortalUser, code: str
) -> HttpResponse:
    """Confirm enrolment: collection starts today (once the prerequisites are in place)."""
    project = get_object_or_404(Project, code=code, is_published=True)
    today = timezone.localdate()
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
                % {"project": project.name, "day": enrolment.enrolled_on.strftime("%d.%m.%Y")},
            )
            return HttpResponseRedirect(reverse("portal:administer", args=[clinic.ydernummer]))
    return render(
        request,
        "portal/enrol_confirm.html",
        _context(
            clinic,
            user,
            "administer",
            project=project,
            view=_project_view(clinic, project, today),
            today=today,
            missing=_prerequisites(clinic),
            opens_on=_opens_if_enrolled(clinic, project, today),
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
                _("Du er frameldt %(project)s. Der opsamles ikke data fra %(day)s.")
                % {"project": project.name, "day": ended.unenrolled_on.strftime("%d.%m.%Y")},
            )
            return HttpResponseRedirect(reverse("portal:administer", args=[clinic.ydernummer]))
    elif current is None:
        raise Http404("not enrolled")
    return render(
        request,
        "portal/unenrol_confirm.html",
        _context(
            clinic, user, "administer", project=project, current=current, today=today, error=error
        ),
        status=status,
    )


# --- Tjek status and Kom godt i gang ----------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    check: Check
    href: str
    link_text: str


def _check_link(clinic: Clinic, check: Check) -> tuple[str, str]:
    if check.ok or check.state == "waiting":
        return "", ""
    yd = clinic.ydernummer
    if check.check == "dpa":
        return reverse("portal:dpa", args=[yd]), _("Gå til databehandleraftalen")
    if check.check == "consent":
        return reverse("portal:consent", args=[yd]), _("Gå til praksis samtykke")
    if check.check == "enrolment":
        return reverse("portal:administer", args=[yd]), _("Gå til Administrer")
    return "", ""


def _rows(clinic: Clinic, report: StatusReport) -> list[CheckRow]:
    return [CheckRow(c, *_check_link(clinic, c)) for c in report.checks]


@require_GET
@clinic_page
def status(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    report = check_status(clinic)
    return render(
        request,
        "portal/status_check.html",
        _context(
            clinic,
            user,
            "status",
            report=report,
            rows=_rows(clinic, report),
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str
    checks: list[CheckRow]
    href: str = ""
    link_text: str = ""

    @property
    def state(self) -> str:
        states = {r.check.state for r in self.checks}
        if "action_needed" in states:
            return "action_needed"
        if "waiting" in states or not self.checks:
            return "waiting"
        return "ok"


@require_GET
@clinic_page
def help_page(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The seed guide's steps ("Sentinel – kom godt i gang"), each against the clinic's state."""
    report = check_status(clinic)
    rows = _rows(clinic, report)

    def of(*names: str) -> list[CheckRow]:
        return [r for r in rows if r.check.check in names]

    yd = clinic.ydernummer
    steps = [
        Step(
            1,
            _("Dit systemhus aktiverer Sentinel"),
            _(
                "Dit praksissystem skal have Sentinel aktiveret, før der kan overføres data. "
                "Har du ikke et menupunkt til Sentinel, skal du kontakte dit systemhus."
            ),
            of("activation"),
        ),
        Step(
            2,
            _("Underskriv databehandleraftalen"),
            _(
                "Du underskriver som dataansvarlig med dit virksomheds-MitID: direkte her hos "
                "Sentinel eller via menupunktet 'Underskriv ny databehandleraftale' i "
                "Sentinel-menuen i dit praksissystem (sundhed.dk)."
            ),
            of("dpa"),
            reverse("portal:dpa", args=[yd]),
            _("Gå til databehandleraftalen"),
        ),
        Step(
            3,
            _("Godkend samtykkeerklæringen (Praksis samtykke)"),
            _("Du godkender samtykkeerklæringen som dataansvarlig."),
            of("consent"),
            reverse("portal:consent", args=[yd]),
            _("Gå til praksis samtykke"),
        ),
        Step(
            4,
            _("Tilmeld dig projekter under Administrer"),
            _(
                "Et projekt er en opsamling af data med et bestemt formål. Under hvert projekt "
                "kan du se, hvilke data der opsamles, og med hvem de må deles."
            ),
            of("enrolment"),
            reverse("portal:administer", args=[yd]),
            _("Gå til Administrer"),
        ),
        Step(
            5,
            _("Dit praksissystem sender data"),
            _(
                "Når alt ovenfor er på plads, sender dit praksissystem data til de projekter, "
                "du er tilmeldt, fra tilmeldingsdagen."
            ),
            of("data_flow"),
        ),
        Step(
            6,
            _("Se dine rapporter"),
            _(
                "De første rapporter åbner cirka 2 måneder efter, at databehandleraftale, "
                "samtykke og tilmelding er på plads. Der er et faneblad for hvert projekt, du er "
                "tilmeldt, og rapporten viser data fra din tilmelding."
            ),
            of("report"),
            reverse("portal:reports", args=[yd]),
            _("Gå til Rapporter"),
        ),
    ]
    return render(
        request,
        "portal/help.html",
        _context(
            clinic,
            user,
            "help",
            steps=steps,
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )


# --- Rapporter: the report engine's tabs behind the portal's login ----------------------------
#
# The reports app renders; the portal loads the clinic (``clinic_page``), passes its own links
# and the person as ``worklist_by``, so every worklist shown or downloaded here is audited as
# that clinic user (``report.worklist_viewed``).


def _report_links(clinic: Clinic) -> ReportLinks:
    return ReportLinks(reverse("portal:reports", args=[clinic.ydernummer]))


@require_GET
@clinic_page
def reports(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The clinic's report tabs: the first one, or why there are none yet."""
    tabs = tabs_for(clinic)
    if tabs:
        return HttpResponseRedirect(
            reverse("portal:report_tab", args=[clinic.ydernummer, tabs[0].project_code])
        )
    return render(request, "portal/reports.html", _context(clinic, user, "reports", tab_html=""))


@require_GET
@clinic_page
def report_tab(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """One project's report tab, rendered by the reports app, inside the portal's page."""
    standing = ReportStanding.read(clinic, timezone.localdate())  # read once for both
    chosen, tabs = tab_for_project(clinic, project, standing=standing)
    period, error_da = parse_period(request)
    html = render_tab_html(
        clinic,
        chosen,
        period,
        request=request,
        worklist_by=user.actor(clinic),
        links=_report_links(clinic),
        tabs=tabs,
        error_da=error_da,
        standing=standing,
    )
    return render(
        request,
        "portal/reports.html",
        _context(clinic, user, "reports", tab_html=mark_safe(html)),  # noqa: S308 - rendered by the reports app's templates
        status=400 if error_da else 200,
    )


@require_GET
@clinic_page
def report_print(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str
) -> HttpResponse:
    """The print view of one tab (the reports app's page, without navigation or forms)."""
    return tab_response(
        request,
        clinic,
        project,
        links=_report_links(clinic),
        worklist_by=user.actor(clinic),
        print_view=True,
    )


@require_GET
@clinic_page
def report_csv(
    request: HttpRequest, clinic: Clinic, user: PortalUser, project: str, table: str
) -> HttpResponse:
    """One table of one tab as a CSV download (the worklist audited as this user's)."""
    return csv_response(request, clinic, project, table, worklist_by=user.actor(clinic))
