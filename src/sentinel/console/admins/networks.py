"""Quality networks in the console: the operator creates a network, designates its
coordinators (person UUIDs) and invites clinics (by ydernummer). A clinic joins only when its
owner accepts in the portal; the page shows each invitation's answer and the members (and
whether they consented to be named inside the network). Every write is a
``networks.actions`` call with the staff user as actor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from sentinel.clinics.models import Clinic
from sentinel.console.admins.base import ConsoleModelAdmin
from sentinel.console.sites import console_site
from sentinel.console.staff import staff_actor
from sentinel.lib.errors import DomainError
from sentinel.networks import actions
from sentinel.networks.models import Network


def _lines(text: str) -> list[str]:
    return [p for p in text.replace(",", " ").split() if p]


class NetworkForm(forms.ModelForm):
    coordinators = forms.CharField(
        label="Koordinatorer (person-UUID fra MitID, én pr. linje)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    invite = forms.CharField(
        label="Inviter klinikker (ydernumre, ét pr. linje)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Klinikken bliver først medlem, når ejeren har accepteret i portalen.",
    )

    class Meta:
        model = Network
        fields = ("name",)
        labels = {"name": "Navn"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["coordinators"].initial = "\n".join(
                self.instance.coordinators.values_list("person_uuid", flat=True)
            )

    def clean_invite(self) -> list[Clinic]:
        numbers = _lines(self.cleaned_data.get("invite") or "")
        found = {c.ydernummer: c for c in Clinic.objects.filter(ydernummer__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(f"Ukendt ydernummer: {', '.join(missing)}")
        return [found[n] for n in numbers]


@admin.register(Network, site=console_site)
class NetworkAdmin(ConsoleModelAdmin):
    form = NetworkForm
    list_display = ("name", "member_count", "created_at")
    search_fields = ("name",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("name", "invitation_list", "member_list") if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "coordinators", "invite"]
        return [*fields, "invitation_list", "member_list"] if obj is not None else fields

    @admin.display(description="Medlemmer")
    def member_count(self, obj: Network) -> int:
        return obj.memberships.filter(left_at__isnull=True).count()

    @admin.display(description="Invitationer")
    def invitation_list(self, obj: Network) -> str:
        rows = obj.invitations.select_related("clinic")
        return format_html_join(
            "",
            "<p>{} ({}): {}</p>",
            ((i.clinic.name, i.clinic.ydernummer, i.get_state_display()) for i in rows),
        ) or format_html("<p>{}</p>", "Ingen")

    @admin.display(description="Medlemmer")
    def member_list(self, obj: Network) -> str:
        rows = obj.memberships.select_related("clinic").filter(left_at__isnull=True)
        return format_html_join(
            "",
            "<p>{} ({}): {}</p>",
            (
                (
                    m.clinic.name,
                    m.clinic.ydernummer,
                    "vises med navn" if m.named_since else "vises som Klinik A, B, …",
                )
                for m in rows
            ),
        ) or format_html("<p>{}</p>", "Ingen")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        by = staff_actor(request.user)
        data = form.cleaned_data
        people = _lines(data.get("coordinators") or "")
        try:
            if change:
                network = Network.objects.get(pk=obj.pk)
                actions.set_coordinators(network, people, by=by)
            else:
                network = actions.create_network(name=data["name"], coordinators=people, by=by)
                obj.pk = network.pk
                obj.created_at = network.created_at
                obj._state.adding = False
                obj._state.db = network._state.db
            for clinic in data.get("invite") or []:
                actions.invite(network, clinic, by=by)
        except DomainError as exc:
            messages.error(request, exc.message_da)
