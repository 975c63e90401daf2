"""The console's forms: login with a second factor, enrolment, specification and documents."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from sentinel.agreements.models import DocumentKind
from sentinel.clinics.models import Speciale
from sentinel.console.roles import role_of
from sentinel.console.staff import confirmed_device, pending_device
from sentinel.lib import icpc2
from sentinel.lib.dataspec import (
    ICPC2_CHAPTERS,
    KNOWN_FIELDS,
    KNOWN_SPECIALITIES,
    DataSpec,
    parse_spec,
)
from sentinel.lib.errors import DomainError
from sentinel.projects.publishing import unknown_icpc2_codes

NO_DEVICE = (
    "Du har ingen bekræftet autentificerings-app. Har en administrator oprettet dig, så bekræft "
    "appen med din første kode under 'Aktivér to-faktor-login'; ellers bed en administrator om "
    "at køre 'sentinel staff reset-device' for dig."
)
WRONG_CODE = "Koden er forkert eller udløbet. Prøv igen med den kode, appen viser nu."
LOGIN_REFUSED = (
    "Brugernavn, adgangskode eller kode er forkert, eller din autentificerings-app er ikke "
    "bekræftet endnu. Prøv igen med den kode, appen viser nu."
)
"""The one answer to every failed console login: a wrong password, a wrong or missing code,
no confirmed app and throttling all read the same, so the page never tells a guesser that
the password was right (``failure`` keeps the reason for the audit log)."""


def _token_field() -> forms.CharField:
    return forms.CharField(
        label="Kode fra autentificerings-appen",
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


def verify(device: TOTPDevice, token: str) -> tuple[bool, bool]:
    """(verified, throttled): check ``token`` against ``device`` once, with django-otp's
    throttling and replay protection (a code is accepted at most once)."""
    token = token.strip().replace(" ", "")
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = locked.verify_is_allowed()
        if not allowed:
            return False, True
        return locked.verify_token(token), False


class _StaffPasswordForm(AdminAuthenticationForm):
    """Username and password of an active staff user with a role; ``failure`` names why not."""

    failure = ""
    error_messages = {**AdminAuthenticationForm.error_messages, "invalid_login": LOGIN_REFUSED}

    def clean(self) -> dict[str, Any]:
        try:
            cleaned = super().clean()
        except ValidationError:
            self.failure = "invalid_login"
            raise
        if role_of(self.get_user()) is None:
            self.failure = "no_role"
            raise self.get_invalid_login_error()
        return cleaned


class ConsoleLoginForm(_StaffPasswordForm):
    """Password and a code from the staff user's confirmed authenticator app, in one step."""

    otp_token = _token_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user: Any = self.get_user()
        device = confirmed_device(user)
        token = cleaned.get("otp_token") or ""
        if device is None:
            self.failure = "no_device"
        elif not token.strip():
            self.failure = "missing_token"
        else:
            verified, throttled = verify(device, token)
            if not verified:
                self.failure = "throttled" if throttled else "invalid_token"
        if self.failure:
            raise ValidationError(LOGIN_REFUSED, code="invalid_login")
        user.otp_device = device
        return cleaned


class EnrolPasswordForm(_StaffPasswordForm):
    """Step one of confirming an authenticator app: the staff user's password."""

    device: TOTPDevice | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if confirmed_device(user) is not None:
            self.failure = "already_confirmed"
            raise ValidationError(
                "Din autentificerings-app er allerede bekræftet. Log ind med den.",
                code="already_confirmed",
            )
        self.device = pending_device(user)
        if self.device is None:
            self.failure = "no_device"
            raise ValidationError(
                "Der er ikke oprettet en autentificerings-app til dig. Bed en administrator om at "
                "køre 'sentinel staff reset-device' for dig.",
                code="no_device",
            )
        return cleaned


class EnrolTokenForm(forms.Form):
    otp_token = _token_field()


# --- data specification ------------------------------------------------------------------


def _field_choices() -> list[tuple[str, str]]:
    choices: dict[str, str] = {}
    for record_type, fields in KNOWN_FIELDS.items():
        for name, label in fields.items():
            choices.setdefault(name, f"{name} ({record_type}) – {label}")
    return list(choices.items())


def _chapter_choices() -> list[tuple[str, str]]:
    names: dict[str, str] = getattr(icpc2, "CHAPTERS_DA", {})
    return [
        (letter, f"{letter} – {names[letter]}" if letter in names else letter)
        for letter in sorted(ICPC2_CHAPTERS)
    ]


class SpecificationForm(forms.Form):
    """A data specification as structured fields; ``spec`` is the validated JSON."""

    record_types = forms.MultipleChoiceField(
        label="Posttyper",
        choices=[(t, t) for t in KNOWN_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )
    data_fields = forms.MultipleChoiceField(
        label="Felter der opsamles",
        choices=_field_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    specialities = forms.MultipleChoiceField(
        label="Specialer",
        choices=[(s.value, f"{s.value} {s.label}") for s in Speciale if s in KNOWN_SPECIALITIES],
        widget=forms.CheckboxSelectMultiple,
    )
    icpc2_chapters = forms.MultipleChoiceField(
        label="ICPC-2-kapitler (ingen kapitler og ingen koder: alle koder)",
        choices=_chapter_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    icpc2_codes = forms.CharField(
        label="Enkelte ICPC-2-koder",
        required=False,
        help_text="Adskilt af komma eller mellemrum, fx L03, L86.",
    )
    course_types = forms.MultipleChoiceField(
        label="Strukturerede forløb (ingen valgt: alle forløb, også dem uden forløbstype)",
        choices=[(t, f"{t} – {icpc2.COURSE_TYPE_LABELS_DA[t]}") for t in icpc2.COURSE_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={
            "invalid_choice": "Ukendt forløbstype: %(value)s. Vælg blandt de strukturerede forløb.",
            "invalid_list": "Forløbstyper skal være en liste af forløbstyper.",
        },
        help_text="Resultatmål følger deres forløbs type.",
    )
    person_identifiable_worklist = forms.BooleanField(
        label="Personhenførbar arbejdsliste (CPR gemmes krypteret til klinikkens egen liste)",
        required=False,
    )
    effective_from = forms.DateField(
        label="Gælder for data dateret fra",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    spec: dict[str, Any]

    @staticmethod
    def initial_from(spec: DataSpec) -> dict[str, Any]:
        return {
            "record_types": list(spec.record_types),
            "data_fields": list(spec.fields),
            "specialities": list(spec.specialities),
            "icpc2_chapters": list(spec.icpc2_chapters),
            "icpc2_codes": ", ".join(spec.icpc2_codes),
            "course_types": list(spec.course_types),
            "person_identifiable_worklist": spec.person_identifiable_worklist,
        }

    def clean_icpc2_codes(self) -> list[str]:
        raw = self.cleaned_data.get("icpc2_codes") or ""
        codes = list(dict.fromkeys(c.upper() for c in re.split(r"[\s,;]+", raw) if c))
        unknown = unknown_icpc2_codes(codes)
        if unknown:
            raise ValidationError(f"Ukendte ICPC-2-koder (ICPC-2-DK): {', '.join(unknown)}")
        return codes

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        order = [name for name, _ in _field_choices()]
        raw = {
            "record_types": cleaned["record_types"],
            "fields": sorted(cleaned["data_fields"], key=order.index),
            "specialities": sorted(cleaned["specialities"]),
            "icpc2_filter": {
                "chapters": sorted(cleaned.get("icpc2_chapters") or []),
                "codes": cleaned.get("icpc2_codes") or [],
            },
            "course_types": [
                t for t in icpc2.COURSE_TYPES if t in (cleaned.get("course_types") or [])
            ],
            "person_identifiable_worklist": bool(cleaned.get("person_identifiable_worklist")),
        }
        try:
            self.spec = parse_spec(raw).as_json()
        except DomainError as exc:
            raise ValidationError(exc.message_da, code=exc.code) from None
        return cleaned


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="Dokument", choices=DocumentKind.choices)
    title = forms.CharField(label="Titel", max_length=200)
    text = forms.CharField(label="Tekst", widget=forms.Textarea(attrs={"rows": 20, "cols": 90}))
    published_on = forms.DateField(
        label="Gælder fra",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_sample = forms.BooleanField(label="Eksempeltekst (ikke til produktion)", required=False)
    urgent_reason = forms.CharField(
        label="Hvorfor haster det? (kun ved kortere varsel)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 90}),
        help_text="En ny version skal varsles (se ovenfor). Gælder den før, skal du skrive "
        "hvorfor; begrundelsen gemmes i auditloggen.",
    )


class RotateForm(forms.Form):
    grace_days = forms.IntegerField(
        label="Den gamle nøgle virker i (dage)", min_value=0, max_value=90, initial=7
    )
