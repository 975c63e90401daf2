"""The status check: "Tjek om opsamling af data fungerer" and "Jeg har ingen rapporter".

Computed from the data, never written by hand per clinic. The checks come in the seed guide's
order, each answering ok / waiting / action needed, with a Danish and an English explanation,
what to do, and whom to contact:

1. ``activation`` – has a systemhus activated Sentinel for the clinic?     → your systemhus
2. ``dpa``        – is the DPA version in force signed?                    → sign here / sundhed.dk
3. ``consent``    – is the consent version in force approved?             → approve here
4. ``enrolment``  – is the clinic enrolled in a project?                   → enrol under Administrer
5. ``data_flow``  – per project: is data arriving since enrolment?         → Sentinel support
6. ``report``     – per project: has the report opened, and from when does it show data?

A report opens at max(project's "reports open from", latest of first DPA signature, first
consent approval and the current enrolment + the project's first-report delay). The first
signature counts, not a re-signature of a newer version: an open report does not close again
because a new DPA version was published (collection pauses, the status check says so).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import AgreementState, Standing, agreement_state
from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT, Contact, systemhus
from sentinel.clinics.models import Activation, Clinic
from sentinel.collection.models import DataFlow
from sentinel.lib.dates import add_months, format_da
from sentinel.projects.models import Enrolment


class State(StrEnum):
    OK = "ok"
    WAITING = "waiting"
    ACTION_NEEDED = "action_needed"


@dataclass(frozen=True)
class Check:
    check: str
    state: State
    detail_da: str
    detail_en: str
    action_da: str = ""
    action_en: str = ""
    contact: Contact | None = None
    project: str | None = None

    @property
    def ok(self) -> bool:
        return self.state is State.OK

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        da = language == "da"
        return {
            "check": self.check,
            "project": self.project,
            "ok": self.ok,
            "state": self.state.value,
            "detail": self.detail_da if da else self.detail_en,
            "action": self.action_da if da else self.action_en,
            "contact": self.contact.as_dict() if self.contact else None,
        }


@dataclass(frozen=True)
class ProjectStatus:
    code: str
    name: str
    enrolled_on: dt.date
    reports_open_on: dt.date | None
    period_from: dt.date
    last_received_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.code,
            "name": self.name,
            "enrolled_on": self.enrolled_on.isoformat(),
            "collect_from": self.enrolled_on.isoformat(),
            "reports_open_on": self.reports_open_on.isoformat() if self.reports_open_on else None,
            "report_period_from": self.period_from.isoformat(),
            "last_received_at": (
                self.last_received_at.isoformat() if self.last_received_at else None
            ),
        }


@dataclass(frozen=True)
class StatusReport:
    clinic: Clinic
    on: dt.date
    checks: list[Check]
    projects: list[ProjectStatus] = field(default_factory=list)
    vendor_menu_help_da: str = ""
    vendor_menu_help_en: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "ydernummer": self.clinic.ydernummer,
            "clinic": self.clinic.name,
            "checked_on": self.on.isoformat(),
            "ok": self.ok,
            "checks": [c.as_dict(language) for c in self.checks],
            "projects": [p.as_dict() for p in self.projects],
            "menu_help": self.vendor_menu_help_da if language == "da" else self.vendor_menu_help_en,
        }


def reports_open_on(
    *,
    reports_open_from: dt.date,
    delay_months: int,
    dpa_first_signed: dt.date | None,
    consent_first_approved: dt.date | None,
    enrolled_on: dt.date,
) -> dt.date | None:
    """The day a project's first report opens for a clinic, or None while DPA or consent is
    still missing (the clock has not started)."""
    if dpa_first_signed is None or consent_first_approved is None:
        return None
    all_in_place = max(dpa_first_signed, consent_first_approved, enrolled_on)
    return max(reports_open_from, add_months(all_in_place, delay_months))


def _activation_check(clinic: Clinic, on: dt.date) -> tuple[Check, Any, dt.date | None]:
    """The activation check on ``on``, the vendor to name, and since when Sentinel is active."""
    activations = [
        a
        for a in Activation.objects.filter(clinic=clinic).select_related("vendor")
        if timezone.localdate(a.activated_at) <= on
    ]
    active = [
        a
        for a in activations
        if a.deactivated_at is None or timezone.localdate(a.deactivated_at) > on
    ]
    if active:
        names = ", ".join(sorted({a.vendor.name for a in active}))
        since = min(a.activated_at for a in active)
        return (
            Check(
                "activation",
                State.OK,
                f"Sentinel er aktiveret i dit praksissystem ({names}) siden "
                f"{format_da(timezone.localdate(since))}.",
                f"Sentinel is activated in the practice system ({names}) since "
                f"{timezone.localdate(since).isoformat()}.",
            ),
            active[0].vendor,
            timezone.localdate(since),
        )
    if activations:
        last = max(activations, key=lambda a: a.deactivated_at or a.activated_at)
        ended = timezone.localdate(last.deactivated_at or last.activated_at)
        return (
            Check(
                "activation",
                State.ACTION_NEEDED,
                f"{last.vendor.name} deaktiverede Sentinel i dit praksissystem "
                f"{format_da(ended)}. Der overføres ingen data.",
                f"{last.vendor.name} deactivated Sentinel in the practice system on "
                f"{ended.isoformat()}. No data is transferred.",
                "Kontakt dit systemhus og bed dem aktivere Sentinel igen.",
                "Contact the practice system vendor and ask them to activate Sentinel again.",
                systemhus(last.vendor),
            ),
            last.vendor,
            None,
        )
    return (
        Check(
            "activation",
            State.ACTION_NEEDED,
            "Dit systemhus har ikke aktiveret Sentinel i dit praksissystem.",
            "No practice system vendor has activated Sentinel for this clinic.",
            "Kontakt dit systemhus og bed dem aktivere Sentinel i dit praksissystem. Har du "
            "ikke et menupunkt til Sentinel, er det også dit systemhus, du skal kontakte.",
            "Contact the practice system vendor and ask them to activate Sentinel.",
            systemhus(None),
        ),
        None,
        None,
    )


_DOC_WORDS = {
    DocumentKind.DPA: {
        "da": "databehandleraftalen",
        "en": "the data processing agreement",
        "verb_da": "underskrevet",
        "verb_en": "signed",
        "do_da": "Underskriv databehandleraftalen med dit virksomheds-MitID: direkte hos "
        "Sentinel, eller via menupunktet 'Underskriv ny databehandleraftale' i Sentinel-menuen "
        "i dit praksissystem (sundhed.dk).",
        "do_en": "Sign the data processing agreement with business MitID, directly with "
        "Sentinel or through the Sentinel menu of the practice system (sundhed.dk).",
    },
    DocumentKind.CONSENT: {
        "da": "samtykkeerklæringen (praksis samtykke)",
        "en": "the practice consent",
        "verb_da": "godkendt",
        "verb_en": "approved",
        "do_da": "Godkend samtykkeerklæringen under menupunktet 'Praksis samtykke' i "
        "Sentinel-menuen eller her på siden.",
        "do_en": "Approve the practice consent under 'Praksis samtykke' in the Sentinel menu "
        "or on this site.",
    },
}


def _agreement_check(state: AgreementState) -> Check:
    w = _DOC_WORDS[DocumentKind(state.kind)]
    doc = state.current_document
    if state.standing is Standing.CURRENT and doc is not None:
        signed = state.latest_signature
        when = timezone.localdate(signed.signed_at) if signed else None
        return Check(
            state.kind,
            State.OK,
            f"Du har {w['verb_da']} {w['da']} (version {doc.version}) {format_da(when)}.",
            f"You have {w['verb_en']} {w['en']} (version {doc.version}) on {when}.",
        )
    if state.standing is Standing.OUTDATED and doc is not None and state.latest_signature:
        old = state.latest_signature.document.version
        return Check(
            state.kind,
            State.ACTION_NEEDED,
            f"Der er kommet en ny version af {w['da']} (version {doc.version}, gældende fra "
            f"{format_da(doc.published_on)}). Du har {w['verb_da']} version {old}. Der "
            f"opsamles ikke data, før den nye version er {w['verb_da']}.",
            f"A new version of {w['en']} is in force (version {doc.version}, from "
            f"{doc.published_on}); you have {w['verb_en']} version {old}. No data is collected "
            f"until the new version is {w['verb_en']}.",
            w["do_da"],
            w["do_en"],
            SUNDHED_DK_SUPPORT,
        )
    return Check(
        state.kind,
        State.ACTION_NEEDED,
        f"Du har ikke {w['verb_da']} {w['da']}. Uden den opsamles der ingen data.",
        f"You have not {w['verb_en']} {w['en']}; no data can be collected without it.",
        w["do_da"],
        w["do_en"],
        SUNDHED_DK_SUPPORT,
    )


def _enrolment_check(clinic: Clinic, current: list[Enrolment], on: dt.date) -> Check:
    if current:
        listing_da = ", ".join(
            f"{e.project.name} (fra {format_da(e.enrolled_on)})" for e in current
        )
        listing_en = ", ".join(f"{e.project.name} (from {e.enrolled_on})" for e in current)
        return Check(
            "enrolment",
            State.OK,
            f"Du er tilmeldt: {listing_da}.",
            f"Enrolled in: {listing_en}.",
        )
    past = (
        Enrolment.objects.filter(clinic=clinic, unenrolled_on__lte=on)
        .select_related("project")
        .order_by("-unenrolled_on")
        .first()
    )
    detail_da = "Du er ikke tilmeldt nogen projekter, så der opsamles ingen data."
    detail_en = "The clinic is not enrolled in any project, so no data is collected."
    if past is not None and past.unenrolled_on is not None:
        detail_da = (
            f"Du frameldte dig {past.project.name} {format_da(past.unenrolled_on)} og er ikke "
            "tilmeldt nogen projekter nu."
        )
        detail_en = (
            f"The clinic left {past.project.name} on {past.unenrolled_on} and is not enrolled "
            "in any project now."
        )
    return Check(
        "enrolment",
        State.ACTION_NEEDED,
        detail_da,
        detail_en,
        "Tilmeld dig et projekt under 'Administrer' i Sentinel-menuen. Under hvert projekt "
        "kan du se, hvilke data der opsamles.",
        "Enrol in a project under 'Administrer' in the Sentinel menu.",
    )


def _data_flow_check(
    enrolment: Enrolment,
    flow: DataFlow | None,
    prerequisites_ok: bool,
    collecting_since: dt.date,
    on: dt.date,
) -> Check:
    project = enrolment.project
    threshold = settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS
    last = timezone.localdate(flow.last_received_at) if flow else None
    if not prerequisites_ok:
        return Check(
            "data_flow",
            State.ACTION_NEEDED,
            f"Der kan ikke overføres data til {project.name}, før punkterne ovenfor er i orden.",
            f"No data can be transferred for {project.name} until the checks above are ok.",
            "Ret først punkterne ovenfor.",
            "Fix the checks above first.",
            project=project.code,
        )
    if last is not None and (on - last).days <= threshold:
        return Check(
            "data_flow",
            State.OK,
            f"Vi modtager data til {project.name}; senest {format_da(last)}.",
            f"Data for {project.name} is arriving; last received {last}.",
            project=project.code,
        )
    if last is None and (on - collecting_since).days <= threshold:
        expected = collecting_since + dt.timedelta(days=threshold)
        return Check(
            "data_flow",
            State.WAITING,
            f"Vi har endnu ikke modtaget data til {project.name}. Data forventes senest "
            f"{format_da(expected)}.",
            f"No data for {project.name} yet; it is expected by {expected}.",
            "Du skal ikke gøre noget endnu.",
            "Nothing to do yet.",
            project=project.code,
        )
    if last is None:
        detail_da = (
            f"Du er tilmeldt {project.name}, men vi har ikke modtaget data fra dit "
            f"praksissystem siden tilmeldingen {format_da(enrolment.enrolled_on)}."
        )
        detail_en = (
            f"Enrolled in {project.name}, but no data has arrived since enrolment on "
            f"{enrolment.enrolled_on}."
        )
    else:
        days = (on - last).days
        detail_da = (
            f"Vi har ikke modtaget data til {project.name} i {days} dage (senest "
            f"{format_da(last)})."
        )
        detail_en = f"No data for {project.name} for {days} days (last received {last})."
    return Check(
        "data_flow",
        State.ACTION_NEEDED,
        detail_da,
        detail_en,
        "Kontakt Sentinel supporten, så finder vi ud af, hvorfor data ikke overføres.",
        "Contact Sentinel support to find out why data is not being transferred.",
        SENTINEL_SUPPORT,
        project=project.code,
    )


def _report_check(enrolment: Enrolment, opens: dt.date | None, on: dt.date) -> Check:
    project = enrolment.project
    period_da = f"Rapporten viser data fra din tilmelding {format_da(enrolment.enrolled_on)}."
    period_en = f"The report shows data from enrolment on {enrolment.enrolled_on}."
    delay = project.first_report_delay_months
    if opens is None:
        return Check(
            "report",
            State.ACTION_NEEDED,
            f"Rapporten for {project.name} åbner {delay} måneder efter, at databehandleraftale, "
            f"samtykke og tilmelding er på plads. {period_da}",
            f"The {project.name} report opens {delay} months after the data processing "
            f"agreement, consent and enrolment are in place. {period_en}",
            "Underskriv databehandleraftalen og godkend samtykkeerklæringen (se ovenfor).",
            "Sign the data processing agreement and approve the consent (see above).",
            project=project.code,
        )
    if on < opens:
        return Check(
            "report",
            State.WAITING,
            f"Din første rapport for {project.name} åbner {format_da(opens)}. {period_da}",
            f"The first {project.name} report opens on {opens}. {period_en}",
            "Du skal ikke gøre noget; der skal samles data nok til en rapport.",
            "Nothing to do; enough data must be collected for a report first.",
            project=project.code,
        )
    return Check(
        "report",
        State.OK,
        f"Rapporten for {project.name} er åben (fanebladet '{project.name}'). {period_da}",
        f"The {project.name} report is open. {period_en}",
        project=project.code,
    )


def check_status(clinic: Clinic, on: dt.date | None = None) -> StatusReport:
    """Run every check for ``clinic`` as of ``on`` (today by default)."""
    day = on or timezone.localdate()
    activation, vendor, active_since = _activation_check(clinic, day)
    dpa = agreement_state(clinic, DocumentKind.DPA, day)
    consent = agreement_state(clinic, DocumentKind.CONSENT, day)
    enrolments = list(
        Enrolment.objects.covering(day)
        .filter(clinic=clinic)
        .select_related("project")
        .order_by("project__name")
    )
    checks = [
        activation,
        _agreement_check(dpa),
        _agreement_check(consent),
        _enrolment_check(clinic, enrolments, day),
    ]
    flows = {
        f.project_id: f
        for f in DataFlow.objects.filter(clinic=clinic, project__in=[e.project for e in enrolments])
    }
    prerequisites_ok = activation.ok and dpa.ok and consent.ok
    dpa_first = timezone.localdate(dpa.first_signed_at) if dpa.first_signed_at else None
    consent_first = timezone.localdate(consent.first_signed_at) if consent.first_signed_at else None
    projects: list[ProjectStatus] = []
    for enrolment in enrolments:
        project = enrolment.project
        flow = flows.get(project.pk)
        collecting_since = max(
            d
            for d in (active_since, dpa_first, consent_first, enrolment.enrolled_on)
            if d is not None
        )
        opens = reports_open_on(
            reports_open_from=project.reports_open_from,
            delay_months=project.first_report_delay_months,
            dpa_first_signed=dpa_first,
            consent_first_approved=consent_first,
            enrolled_on=enrolment.enrolled_on,
        )
        checks.append(_data_flow_check(enrolment, flow, prerequisites_ok, collecting_since, day))
        checks.append(_report_check(enrolment, opens, day))
        projects.append(
            ProjectStatus(
                code=project.code,
                name=project.name,
                enrolled_on=enrolment.enrolled_on,
                reports_open_on=opens,
                period_from=enrolment.enrolled_on,
                last_received_at=flow.last_received_at if flow else None,
            )
        )
    return StatusReport(
        clinic=clinic,
        on=day,
        checks=checks,
        projects=projects,
        vendor_menu_help_da=vendor.menu_help_da if vendor else "",
        vendor_menu_help_en=vendor.menu_help_en if vendor else "",
    )
