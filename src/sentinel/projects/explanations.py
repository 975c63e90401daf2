"""What the participation model tells a clinic, in Danish and English (the seed guide's words).

Each function turns one fact of ``projects.participation.Participation`` into a status line
(``Check``) or a sentence: what is in place, what is missing, what to do and whom to call.
Nothing here decides anything; the rules are in ``participation``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import AgreementState, Standing
from sentinel.clinics.contacts import SUNDHED_DK_SUPPORT, systemhus
from sentinel.clinics.models import Vendor
from sentinel.lib.dates import add_months, format_da, format_en
from sentinel.projects.checks import Check, State
from sentinel.projects.models import Enrolment, Project

# --- activation -----------------------------------------------------------------------------


def activation_ok(vendor_names: Sequence[str], since: dt.date) -> Check:
    names = ", ".join(vendor_names)
    return Check(
        "activation",
        State.OK,
        f"Sentinel er aktiveret i dit praksissystem ({names}) siden {format_da(since)}.",
        f"Sentinel is activated in the practice system ({names}) since {format_en(since)}.",
    )


def activation_ended(vendor: Vendor, ended: dt.date) -> Check:
    return Check(
        "activation",
        State.ACTION_NEEDED,
        f"{vendor.name} deaktiverede Sentinel i dit praksissystem {format_da(ended)}. Der "
        "overføres ingen data.",
        f"{vendor.name} deactivated Sentinel in the practice system on {format_en(ended)}. "
        "No data is transferred.",
        "Kontakt dit systemhus og bed dem aktivere Sentinel igen.",
        "Contact the practice system vendor and ask them to activate Sentinel again.",
        systemhus(vendor),
    )


def activation_missing() -> Check:
    return Check(
        "activation",
        State.ACTION_NEEDED,
        "Dit systemhus har ikke aktiveret Sentinel i dit praksissystem.",
        "No practice system vendor has activated Sentinel for this clinic.",
        "Kontakt dit systemhus og bed dem aktivere Sentinel i dit praksissystem. Har du ikke et "
        "menupunkt til Sentinel, er det også dit systemhus, du skal kontakte.",
        "Contact the practice system vendor and ask them to activate Sentinel.",
        systemhus(None),
    )


# --- the DPA and the consent ---------------------------------------------------------------

_DOC_WORDS = {
    DocumentKind.DPA: {
        "da": "databehandleraftalen",
        "en": "the data processing agreement",
        "verb_da": "underskrevet",
        "verb_en": "signed",
        "verb_short_da": "underskrives",
        "noun_da": "underskrift",
        "noun_en": "signature",
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
        "verb_short_da": "godkendes",
        "noun_da": "godkendelse",
        "noun_en": "approval",
        "do_da": "Godkend samtykkeerklæringen under menupunktet 'Praksis samtykke' i "
        "Sentinel-menuen eller her på siden.",
        "do_en": "Approve the practice consent under 'Praksis samtykke' in the Sentinel menu "
        "or on this site.",
    },
}


def agreement_line(state: AgreementState) -> Check:
    w = _DOC_WORDS[DocumentKind(state.kind)]
    doc = state.current_document
    if state.standing is Standing.CURRENT and doc is not None:
        signed = state.latest_signature
        when = timezone.localdate(signed.signed_at) if signed else None
        da = f"Du har {w['verb_da']} {w['da']} (version {doc.version}) {format_da(when)}."
        en = f"You have {w['verb_en']} {w['en']} (version {doc.version}) on {format_en(when)}."
        if state.sign_by is not None and state.upcoming is not None:
            new = state.upcoming.version
            da += (
                f" Ny version skal {w['verb_short_da']} senest {format_da(state.sign_by)} "
                f"(version {new} gælder fra den dag); indtil da gælder din "
                f"{w['noun_da']} af version {doc.version}."
            )
            en += (
                f" A new version must be {w['verb_en']} by {format_en(state.sign_by)} "
                f"(version {new} is in force from that day); until then your "
                f"{w['noun_en']} of version {doc.version} counts."
            )
            return Check(state.kind, State.OK, da, en, w["do_da"], w["do_en"])
        return Check(state.kind, State.OK, da, en)
    if state.standing is Standing.OUTDATED and doc is not None and state.latest_signature:
        old = state.latest_signature.document.version
        return Check(
            state.kind,
            State.ACTION_NEEDED,
            f"Der er kommet en ny version af {w['da']} (version {doc.version}, gældende fra "
            f"{format_da(doc.published_on)}). Du har {w['verb_da']} version {old}. Der "
            f"opsamles ikke data, før den nye version er {w['verb_da']}.",
            f"A new version of {w['en']} is in force (version {doc.version}, from "
            f"{format_en(doc.published_on)}); you have {w['verb_en']} version {old}. No data is "
            f"collected until the new version is {w['verb_en']}.",
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


# --- enrolment ------------------------------------------------------------------------------


def enrolment_ok(current: Sequence[Enrolment]) -> Check:
    listing_da = ", ".join(f"{e.project.name} (fra {format_da(e.enrolled_on)})" for e in current)
    listing_en = ", ".join(f"{e.project.name} (from {format_en(e.enrolled_on)})" for e in current)
    return Check(
        "enrolment", State.OK, f"Du er tilmeldt: {listing_da}.", f"Enrolled in: {listing_en}."
    )


def enrolment_missing(last: Enrolment | None) -> Check:
    detail_da = "Du er ikke tilmeldt nogen projekter, så der opsamles ingen data."
    detail_en = "The clinic is not enrolled in any project, so no data is collected."
    if last is not None and last.unenrolled_on is not None:
        detail_da = (
            f"Du frameldte dig {last.project.name} {format_da(last.unenrolled_on)} og er ikke "
            "tilmeldt nogen projekter nu."
        )
        detail_en = (
            f"The clinic left {last.project.name} on {format_en(last.unenrolled_on)} and is not "
            "enrolled in any project now."
        )
    return Check(
        "enrolment",
        State.ACTION_NEEDED,
        detail_da,
        detail_en,
        "Tilmeld dig et projekt under 'Administrer' i Sentinel-menuen. Under hvert projekt kan "
        "du se, hvilke data der opsamles.",
        "Enrol in a project under 'Administrer' in the Sentinel menu.",
    )


# --- when a report opens --------------------------------------------------------------------


def opening_reason(
    project: Project,
    *,
    opens_on: dt.date | None,
    today: dt.date,
    in_place: dt.date,
    dpa_missing: bool,
    consent_missing: bool,
) -> tuple[str, str]:
    """Why ``project``'s report is not open on ``today`` (Danish, English); empty when open."""
    delay = project.first_report_delay_months
    if opens_on is None:
        missing_da = " og ".join(
            text
            for text, absent in (
                ("databehandleraftalen er ikke underskrevet", dpa_missing),
                ("samtykkeerklæringen er ikke godkendt", consent_missing),
            )
            if absent
        )
        missing_en = " and ".join(
            text
            for text, absent in (
                ("the data processing agreement is not signed", dpa_missing),
                ("the practice consent is not approved", consent_missing),
            )
            if absent
        )
        return (
            f"Rapporten for {project.name} åbner {delay} måneder efter, at databehandleraftale, "
            f"samtykke og tilmelding er på plads, men {missing_da}. Når det er sket, kan du se "
            "her, hvornår rapporten åbner.",
            f"The {project.name} report opens {delay} months after the data processing "
            f"agreement, consent and enrolment are in place, but {missing_en}.",
        )
    if today >= opens_on:
        return "", ""
    if opens_on > add_months(in_place, delay):
        why_da = (
            f"Rapporterne for {project.name} åbner tidligst {format_da(project.reports_open_from)}"
            " for alle klinikker."
        )
        why_en = f"No {project.name} report opens before {format_en(project.reports_open_from)}."
    else:
        why_da = (
            f"Den første rapport åbner {delay} måneder efter, at databehandleraftale, samtykke "
            f"og tilmelding var på plads ({format_da(in_place)}), så der er samlet data nok til "
            "en rapport."
        )
        why_en = (
            f"The first report opens {delay} months after the data processing agreement, "
            f"consent and enrolment were in place ({format_en(in_place)})."
        )
    return (
        f"Din første rapport for {project.name} åbner {format_da(opens_on)}. {why_da}",
        f"The first {project.name} report opens on {format_en(opens_on)}. {why_en}",
    )


# --- what a report tab leads with -----------------------------------------------------------


def blocked_notice(
    project: Project, check: Check, since: dt.date | None
) -> tuple[str, str, str, str]:
    """The banner of a report whose collection is blocked: (heading, text) in Danish, then
    English. ``check`` is the failing status line (its detail says why)."""
    since_da = f" siden {format_da(since)}" if since else ""
    since_en = f" since {format_en(since)}" if since else ""
    return (
        "Der opsamles ikke data",
        f"Der er ikke opsamlet data til {project.name}{since_da}. {check.detail_da}",
        "No data is being collected",
        f"No data has been collected for {project.name}{since_en}. {check.detail_en}",
    )


def unenrolled_notice(project: Project, enrolment: Enrolment) -> tuple[str, str, str, str]:
    """The banner of a report of a project the clinic has left."""
    assert enrolment.unenrolled_on is not None  # noqa: S101 - only for a period that ended
    last = enrolment.unenrolled_on - dt.timedelta(days=1)
    return (
        f"Klinikken er frameldt {project.name}",
        f"Du frameldte dig {project.name} {format_da(enrolment.unenrolled_on)}, så der "
        f"opsamles ikke data nu. Rapporten viser data fra tilmeldingen "
        f"{format_da(enrolment.enrolled_on)} til {format_da(last)}. Du kan tilmelde dig igen "
        "under Administrer.",
        f"The clinic has left {project.name}",
        f"The clinic left {project.name} on {format_en(enrolment.unenrolled_on)}, so no data "
        f"is collected now. The report shows data from enrolment on "
        f"{format_en(enrolment.enrolled_on)} to {format_en(last)}. The clinic can enrol "
        "again under Administrer.",
    )
