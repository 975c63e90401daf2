"""The portal's words for codes that other parts of Sentinel keep as codes.

Danish is the source language (the message ids are Danish); English comes from the portal's
translation catalogue. Unknown codes show as themselves, so a new reason never breaks a page.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sentinel.agreements.models import AssuranceLevel, Channel, DocumentKind
from sentinel.collection import reason_texts

# Why a login could not be used (portal.oidc.LoginRefused codes and callback outcomes).
LOGIN_REFUSALS: dict[str, Promise] = {
    "no_person_uuid": _("Login-tjenesten oplyste ikke dit person-id (UUID)."),
    "no_cvr": _(
        "Dit login er ikke knyttet til et CVR-nummer. Log ind med dit virksomheds-MitID "
        "(MitID Erhverv) for den virksomhed, klinikken hører til."
    ),
    "invalid_cvr": _("Login-tjenesten oplyste et CVR-nummer, der ikke er gyldigt."),
    "not_a_clinic_user": _("Denne konto kan ikke bruges i klinikportalen."),
    "provider_error": _("Login-tjenesten svarede ikke som forventet. Prøv igen om lidt."),
    "invalid_token": _("Svaret fra login-tjenesten kunne ikke godkendes. Prøv igen."),
    "cancelled": _("Login blev afbrudt, så du er ikke logget ind."),
}

# Why the vendor API refused records: one home for every door (collection.reason_texts).
REFUSAL_REASONS = reason_texts.REFUSAL_REASONS

# The data a specification names (lib.dataspec.KNOWN_FIELDS has the Danish labels).
FIELD_LABELS: dict[str, Promise] = {
    "patient_cpr": _("Patientens CPR-nummer (gemmes kun pseudonymiseret eller krypteret)"),
    "speciale": _("Speciale (fx 51 almen fysioterapi)"),
    "course_type": _("Type af struktureret forløb"),
    "start_date": _("Forløbets startdato"),
    "end_date": _("Forløbets slutdato"),
    "diagnoses": _("ICPC-2-diagnosekoder med tidspunkt for registrering"),
    "practitioner_initials": _("Behandlerens initialer"),
    "services": _("Ydelser (ydelseskode og dato)"),
    "episode_source_id": _("Forløbet, målingen hører til (praksissystemets forløbs-id)"),
    "instrument": _("Hvilket spørgeskema eller hvilken test (fx NPRS, PSFS)"),
    "timepoint": _("Tidspunkt: start, afslutning, opfølgning efter 3 og 12 måneder"),
    "date": _("Datoen for målingen"),
    "score": _("Scoren (for spørgeskemaer med flere spørgsmål: gennemsnittet)"),
    "items": _("Scoren på hvert enkelt spørgsmål (kun numre og tal, ingen tekst)"),
    "answered_by": _("Hvem der svarede: patienten, fysioterapeuten eller en pårørende"),
    "age_band": _(
        "Patientens aldersgruppe (fx 60-69 år), beregnet ud fra CPR-nummeret ved "
        "modtagelsen; hverken CPR-nummer eller fødselsdato gemmes"
    ),
}

RECORD_TYPES: dict[str, Promise] = {
    "episode": _("Forløb med diagnosekoder"),
    "outcome": _("Resultatmål (spørgeskemaer og test) i strukturerede forløb"),
}

SPECIALITIES: dict[str, Promise] = {
    "51": _("51 almen fysioterapi"),
    "57": _("57 ridefysioterapi"),
}

ASSURANCE_LEVELS: dict[str, Promise] = {
    AssuranceLevel.LOW: _("lav"),
    AssuranceLevel.SUBSTANTIAL: _("betydelig"),
    AssuranceLevel.HIGH: _("høj"),
}

CHANNELS: dict[str, Promise] = {
    Channel.SENTINEL: _("Direkte hos Sentinel (sentinel-data.dk)"),
    Channel.SUNDHED_DK: _("Hos sundhed.dk via Sentinel-menuen i praksissystemet"),
}

DOCUMENTS: dict[str, Promise] = {
    DocumentKind.DPA: _("Databehandleraftale"),
    DocumentKind.CONSENT: _("Praksis samtykke"),
}


def label(table: dict[str, Promise], code: str) -> str:
    return str(table[code]) if code in table else code
