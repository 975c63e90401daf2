"""The console's Danish words for what Django and the models name in English or as codes.

The models keep their English verbose names (the API and the CLI are English, and a verbose
name is part of a migration); the console shows these instead. Codes that have a home of their
own are read from it — check names from ``projects.checks.TITLES``, reasons from
``collection.reason_texts``, document kinds from ``agreements.models.DocumentKind``, export
kinds from ``sharing.exports.KINDS`` — and this module holds only the words that had none: the
apps, the models and their fields, the agreements' standing and the audit log's actions.
An unknown code shows as itself, so a new one never breaks a page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.text import capfirst

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import Standing
from sentinel.audit.models import AuditEvent
from sentinel.collection.dataflow import Attention
from sentinel.collection.reason_texts import REFUSAL_REASONS
from sentinel.console.roles import Role
from sentinel.projects.checks import TITLES

APPS = {
    "agreements": "Aftaler",
    "audit": "Auditlog",
    "clinics": "Klinikker og systemhuse",
    "projects": "Projekter",
    "console": "Operatørkonsol",
    "django_q": "Baggrundsjob",
    "networks": "Kvalitetsnetværk",
}

MODELS = {
    "agreements.document": ("dokumentversion", "dokumentversioner"),
    "audit.auditevent": ("hændelse", "auditlog"),
    "clinics.clinic": ("klinik", "klinikker"),
    "clinics.vendor": ("systemhus", "systemhuse"),
    "projects.project": ("projekt", "projekter"),
    "django_q.task": ("jobkørsel", "jobkørsler"),
    "networks.network": ("kvalitetsnetværk", "kvalitetsnetværk"),
}

FIELDS: dict[str, dict[str, str]] = {
    "projects.project": {
        "code": "Kode",
        "name": "Navn",
        "summary_da": "Kort beskrivelse (dansk)",
        "description_da": "Projektbeskrivelse (dansk)",
        "description_en": "Projektbeskrivelse (engelsk)",
        "recipients_da": "Med hvem data må deles (dansk)",
        "reports_open_from": "Rapporter åbner tidligst",
        "first_report_delay_months": "Måneder til første rapport",
        "is_published": "Offentliggjort",
        "created_at": "Oprettet",
        "retention_months": "Opbevaringstid (måneder)",
        "unenrolment_grace_days": "Frist efter framelding (dage)",
    },
    "agreements.document": {
        "kind": "Dokument",
        "version": "Version",
        "title": "Titel",
        "text": "Tekst",
        "sha256": "SHA-256",
        "published_on": "Gælder fra",
        "is_sample": "Eksempeltekst",
        "created_at": "Oprettet",
    },
    "clinics.clinic": {
        "ydernummer": "Ydernummer",
        "cvr": "CVR",
        "sor_id": "SOR-id",
        "name": "Navn",
        "speciale": "Speciale",
        "region_code": "Region",
        "municipality_code": "Kommune",
        "created_at": "Oprettet",
    },
    "clinics.vendor": {
        "slug": "Kort navn",
        "name": "Navn",
        "menu_help_da": "Hvor Sentinel-menuen er (dansk)",
        "menu_help_en": "Hvor Sentinel-menuen er (engelsk)",
        "support_phone": "Supporttelefon",
        "support_email": "Support-e-mail",
        "created_at": "Oprettet",
    },
    "django_q.task": {
        "name": "Kørsel",
        "func": "Job",
        "started": "Sat i kø",
        "stopped": "Sluttede",
        "success": "Lykkedes",
        "attempt_count": "Forsøg",
        "result": "Resultat",
        "group": "Job",
    },
    "audit.auditevent": {
        "at": "Tidspunkt",
        "actor_kind": "Hvem (slags)",
        "actor_id": "Hvem (id)",
        "actor_name": "Navn",
        "action": "Handling",
        "clinic": "Klinik",
        "object_type": "Objekttype",
        "object_id": "Objekt-id",
        "details": "Detaljer",
    },
}

HELP: dict[str, dict[str, str]] = {
    "projects.project": {
        "code": "Fast maskinnavn, fx diagnosekodning. Kan ikke ændres senere.",
        "recipients_da": "De navngivne modtagere af aggregerede eller pseudonymiserede data.",
        "reports_open_from": "Ingen rapport åbner før denne dag.",
        "retention_months": "Data opbevares så mange måneder fra forløbets startdato og "
        "slettes derefter.",
        "unenrolment_grace_days": "En klinik, der har frameldt sig, får sine data slettet så "
        "mange dage efter frameldingen (medmindre den har tilmeldt sig igen).",
    },
    "agreements.document": {
        "published_on": "Den dag, versionen træder i kraft.",
        "is_sample": "Eksempeltekst, ikke juridisk gældende.",
    },
    "clinics.vendor": {
        "menu_help_da": "Vises for systemhusets klinikker: hvor de finder Sentinel-menuen.",
        "support_phone": "Vises for klinikkerne, hvor et statustjek siger, at de skal "
        "kontakte systemhuset.",
        "support_email": "Vises for klinikkerne sammen med telefonnummeret.",
    },
}

OBJECT_TYPES = {
    "agreements.dpasignature": "underskrift",
    "agreements.consentapproval": "godkendelse",
    "projects.enrolment": "tilmelding",
    "projects.dataspecification": "dataspecifikation",
    "projects.recipient": "modtager",
    "clinics.activation": "aktivering",
    "clinics.vendorcredential": "API-nøgle",
    "clinics.vendorrequest": "anmodning fra systemhus",
    "reports.indicatortarget": "mål for rapportindikator",
    "reports.declaredindicator": "rapportindikator",
    "reports.openitemexception": "undtagelse for åbent punkt",
    "reports.developmentcell": "celle for kodeudvikling",
    "reports.developmentbenchmarkcell": "benchmarkcelle for kodeudvikling",
    "reports.outcomecell": "celle for forløbsresultater",
    "reports.outcomebenchmarkcell": "benchmarkcelle for forløbsresultater",
    "reports.outcomechange": "ændring af forløbsresultater (til genberegning)",
    "reports.therapistvisibility": "synlighed af behandleroversigt",
    "clinics.activationrequest": "anmodning fra systemhus",
    "portal.launchlink": "startlink",
    "console.operation": "handling i konsollen",
    "collection.dataflow": "dataflow",
    "collection.episode": "forløb",
    "collection.diagnosisevent": "diagnose",
    "collection.outcomerecord": "resultatmåling",
    "collection.submission": "overførsel",
    "reports.reportcell": "rapportcelle",
    "reports.cellchange": "ændring af rapportcelle",
    "reports.benchmarkcell": "benchmarkcelle",
    "reports.benchmarkcontributor": "bidrag til benchmark",
    "reports.benchmarkstate": "benchmarkens tilstand",
    "notices.contact": "e-mailadresse",
    "notices.notice": "besked",
    "networks.coordinator": "netværkskoordinator",
    "networks.invitation": "invitation til netværk",
    "networks.membership": "medlemskab af netværk",
    "reports.networkcell": "netværkscelle",
    "reports.networkcontributor": "bidrag til netværk",
    "auth.user": "bruger",
}

ROLES = {
    Role.SUPPORT: "Support",
    Role.PROJECT_MANAGER: "Projektleder",
    Role.ADMINISTRATOR: "Administrator",
}

ATTENTION = {
    Attention.NEVER_RECEIVED: "aldrig modtaget data",
    Attention.NO_RECENT_DATA: "ingen data i over {threshold} dage",
    Attention.REFUSALS_RISING: "flere afviste poster end ugerne før",
}

STANDINGS = {
    Standing.CURRENT: "gældende version underskrevet/godkendt",
    Standing.OUTDATED: "en ny version mangler",
    Standing.MISSING: "mangler",
}

AUDIT_ACTIONS = {
    AuditEvent.Action.CLINIC_REGISTERED: "Klinik registreret",
    AuditEvent.Action.VENDOR_CREATED: "Systemhus oprettet",
    AuditEvent.Action.CREDENTIAL_ISSUED: "API-nøgle udstedt",
    AuditEvent.Action.CREDENTIAL_ROTATED: "API-nøgle udskiftet",
    AuditEvent.Action.CREDENTIAL_REVOKED: "API-nøgle tilbagekaldt",
    AuditEvent.Action.LAUNCH_LINK_CREATED: "Startlink lavet",
    AuditEvent.Action.LAUNCH_LINK_USED: "Startlink brugt",
    AuditEvent.Action.ACTIVATED: "Sentinel aktiveret",
    AuditEvent.Action.DEACTIVATED: "Sentinel deaktiveret",
    AuditEvent.Action.VENDOR_REQUESTED: "Systemhus bad om adgang",
    AuditEvent.Action.VENDOR_APPROVED: "Systemhus godkendt",
    AuditEvent.Action.VENDOR_REFUSED: "Systemhus afvist",
    AuditEvent.Action.DOCUMENT_PUBLISHED: "Dokumentversion offentliggjort",
    AuditEvent.Action.DPA_SIGNED: "Databehandleraftale underskrevet",
    AuditEvent.Action.CONSENT_APPROVED: "Samtykkeerklæring godkendt",
    AuditEvent.Action.PROJECT_CREATED: "Projekt oprettet",
    AuditEvent.Action.SPECIFICATION_PUBLISHED: "Dataspecifikation offentliggjort",
    AuditEvent.Action.ENROLLED: "Tilmeldt projekt",
    AuditEvent.Action.UNENROLLED: "Frameldt projekt",
    AuditEvent.Action.STAFF_CREATED: "Medarbejder oprettet",
    AuditEvent.Action.STAFF_DEVICE_RESET: "To-faktor-app nulstillet",
    AuditEvent.Action.STAFF_DEVICE_CONFIRMED: "To-faktor-app bekræftet",
    AuditEvent.Action.STAFF_DEACTIVATED: "Medarbejder deaktiveret",
    AuditEvent.Action.STAFF_UNLOCKED: "Login-spærring ophævet",
    AuditEvent.Action.STAFF_LOGIN: "Logget ind i konsollen",
    AuditEvent.Action.STAFF_LOGIN_FAILED: "Mislykket login i konsollen",
    AuditEvent.Action.STAFF_LOCKED_OUT: "Login spærret",
    AuditEvent.Action.STAFF_LOGIN_WHILE_LOCKED: "Login forsøgt under spærring",
    AuditEvent.Action.STAFF_LOGOUT: "Logget ud af konsollen",
    AuditEvent.Action.STAFF_SESSION_EXPIRED: "Logget ud efter inaktivitet",
    AuditEvent.Action.PROJECT_UPDATED: "Projekt ændret",
    AuditEvent.Action.PROJECT_PUBLISHED: "Projekt offentliggjort",
    AuditEvent.Action.STATUS_CHECKED: "Statustjek kørt i konsollen",
    AuditEvent.Action.JOB_QUEUED: "Baggrundsjob sat i kø",
    AuditEvent.Action.NETWORK_CREATED: "Kvalitetsnetværk oprettet",
    AuditEvent.Action.NETWORK_COORDINATORS_SET: "Netværkets koordinatorer sat",
    AuditEvent.Action.NETWORK_INVITED: "Klinik inviteret til netværk",
    AuditEvent.Action.NETWORK_JOINED: "Klinik blev medlem af netværk",
    AuditEvent.Action.NETWORK_DECLINED: "Invitation til netværk afslået",
    AuditEvent.Action.NETWORK_LEFT: "Klinik forlod netværk",
    AuditEvent.Action.NETWORK_NAMING_CONSENTED: "Samtykke til navn i netværk givet",
    AuditEvent.Action.NETWORK_NAMING_WITHDRAWN: "Samtykke til navn i netværk trukket tilbage",
    AuditEvent.Action.NETWORK_PACK_DOWNLOADED: "Netværkets mødepakke hentet",
    AuditEvent.Action.AUDIT_LOG_EXPORTED: "Auditlog eksporteret",
    AuditEvent.Action.RECIPIENT_CREATED: "Modtager tilføjet",
    AuditEvent.Action.RECIPIENT_UPDATED: "Modtager ændret",
    AuditEvent.Action.EXPORT_CREATED: "Dataudtræk lavet",
    AuditEvent.Action.RETENTION_DELETED: "Data slettet efter opbevaringsregler",
    AuditEvent.Action.PORTAL_LOGIN: "Logget ind i portalen",
    AuditEvent.Action.PORTAL_LOGOUT: "Logget ud af portalen",
    AuditEvent.Action.WORKLIST_VIEWED: "Arbejdsliste vist",
    AuditEvent.Action.OPEN_ITEM_EXCEPTED: "Åbent punkt besvaret som ikke relevant",
    AuditEvent.Action.THERAPIST_VISIBILITY_SET: "Synlighed af behandleroversigt ændret",
    AuditEvent.Action.THERAPISTS_VIEWED: "Behandleroversigt vist",
    AuditEvent.Action.WORKLIST_PRINTED: "Arbejdsliste udskrevet",
    AuditEvent.Action.EXPORT_DOWNLOADED: "Fil fra dataudtræk hentet",
    AuditEvent.Action.NOTICE_CONTACT_ADDED: "E-mailadresse til beskeder tilføjet",
    AuditEvent.Action.NOTICE_CONTACT_VERIFIED: "E-mailadresse til beskeder bekræftet",
    AuditEvent.Action.NOTICE_CONTACT_CHANGED: "Beskeder til e-mailadresse ændret",
    AuditEvent.Action.NOTICE_CONTACT_STOPPED: "Beskeder til e-mailadresse stoppet",
    AuditEvent.Action.NOTICE_SENT: "Besked sendt pr. e-mail",
    AuditEvent.Action.INDICATOR_TARGET_SET: "Mål og retning for en rapportindikator sat",
    AuditEvent.Action.INDICATOR_SAVED: "Udkast til en rapportindikator gemt",
    AuditEvent.Action.INDICATOR_REMOVED: "Udkast til en rapportindikator fjernet",
    AuditEvent.Action.INDICATORS_PUBLISHED: "Rapportindikatorer offentliggjort med en version",
}


def _word(table: dict[Any, str], code: str) -> str:
    return table.get(code, code)


def app_name(app_label: str) -> str:
    return APPS.get(app_label, app_label)


def model_names(opts: Any) -> tuple[str, str]:
    """The Danish singular and plural of a model (its ``_meta``)."""
    return MODELS.get(opts.label_lower, (str(opts.verbose_name), str(opts.verbose_name_plural)))


def field_label(opts: Any, name: str) -> str:
    found = FIELDS.get(opts.label_lower, {}).get(name)
    return found if found is not None else capfirst(opts.get_field(name).verbose_name)


def field_labels(opts: Any) -> dict[str, str]:
    return dict(FIELDS.get(opts.label_lower, {}))


def field_help(opts: Any) -> dict[str, str]:
    return dict(HELP.get(opts.label_lower, {}))


def object_type(label: str) -> str:
    """An audit row's object type (``app.model``) by the model's Danish name."""
    return MODELS[label][0] if label in MODELS else OBJECT_TYPES.get(label, label)


def attention(code: str) -> str:
    return _word(ATTENTION, code).format(threshold=settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS)


def role(value: str) -> str:
    return _word(ROLES, value)


def audit_action(code: str) -> str:
    return _word(AUDIT_ACTIONS, code)


def reason(code: str) -> str:
    return str(REFUSAL_REASONS[code]) if code in REFUSAL_REASONS else code


def check_name(code: str) -> str:
    return TITLES[code][0] if code in TITLES else code


def standing(value: str) -> str:
    return _word(STANDINGS, value)


def document_kind(code: str) -> str:
    return str(DocumentKind(code).label) if code in DocumentKind.values else code
