"""Forms of a project's data-sharing pages: retention, recipients and exports."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from sentinel.projects.models import Project, Recipient
from sentinel.sharing.exports import KINDS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RetentionForm(forms.Form):
    retention_months = forms.IntegerField(
        label="Opbevaringstid (måneder fra forløbets startdato)", min_value=1, max_value=600
    )
    unenrolment_grace_days = forms.IntegerField(
        label="Frist efter framelding (dage), før klinikkens data slettes",
        min_value=0,
        max_value=3650,
    )


class RecipientForm(forms.Form):
    code = forms.SlugField(
        label="Kode",
        max_length=50,
        help_text="Fast maskinnavn, fx ekm-netvaerk. Kan ikke ændres senere (modtagerens "
        "pseudonymer afledes af den).",
    )
    name = forms.CharField(label="Navn", max_length=200)
    description_da = forms.CharField(
        label="Beskrivelse", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )
    record_level = forms.BooleanField(
        label="Må modtage pseudonymiserede data på postniveau (kun hvis projektbeskrivelsen "
        "siger det)",
        required=False,
    )

    def __init__(self, *args: Any, editing: Recipient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Koden ændres aldrig."


class ExportForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label="Modtager", queryset=Recipient.objects.none(), to_field_name="code"
    )
    kind = forms.ChoiceField(
        label="Slags", choices=list(KINDS.items()), widget=forms.RadioSelect, initial="aggregated"
    )
    start = forms.DateField(label="Fra (forløbets startdato)", widget=_DATE)
    end = forms.DateField(label="Til og med", widget=_DATE)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recipient = cast(forms.ModelChoiceField, self.fields["recipient"])
        recipient.queryset = project.recipients.order_by("name")

    @staticmethod
    def initial_for(today: dt.date | None = None) -> dict[str, Any]:
        day = today or timezone.localdate()
        return {"kind": "aggregated", "start": dt.date(day.year - 1, 1, 1), "end": day}
