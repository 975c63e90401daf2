"""The audit log in the console: filters by clinic, actor, action and time, and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.console import labels

CSV_COLUMNS = (
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "clinic_ydernummer",
    "object_type",
    "object_id",
    "details",
)
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class InputFilter(admin.SimpleListFilter):
    """A list filter with a text box (the admin's filters are lists of links)."""

    template = "console/input_filter.html"
    placeholder = ""
    input_type = "text"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def get_facet_counts(self, pk_attname: str, filtered_qs: QuerySet[Any]) -> dict[str, Any]:
        return {}

    def choices(self, changelist: Any) -> Iterator[Any]:
        others = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        yield {
            "value": self.value() or "",
            "others": others,
            "placeholder": self.placeholder,
            "input_type": self.input_type,
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }


class ClinicFilter(InputFilter):
    title = "klinik (ydernummer)"
    parameter_name = "clinic"
    placeholder = "fx 123456"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = (self.value() or "").strip()
        return queryset.filter(clinic__ydernummer=value) if value else queryset


class ActorFilter(InputFilter):
    title = "aktør (id eller navn)"
    parameter_name = "actor"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(actor_id=value) | Q(actor_name__icontains=value))


def _day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise IncorrectLookupParameters(f"{name}: {value!r} is not a date as YYYY-MM-DD") from None


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class FromFilter(InputFilter):
    title = "fra dato"
    parameter_name = "from"
    input_type = "date"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = (self.value() or "").strip()
        return queryset.filter(at__gte=_midnight(_day(value, "from"))) if value else queryset


class ToFilter(InputFilter):
    title = "til og med dato"
    parameter_name = "to"
    input_type = "date"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(at__lt=_midnight(_day(value, "to") + dt.timedelta(days=1)))


class ActionFilter(admin.SimpleListFilter):
    """Every action that occurs in the log (domain, console and later ones alike)."""

    title = "handling"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True)
        return [(a, labels.audit_action(a)) for a in actions.distinct()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset.filter(action=self.value()) if self.value() else queryset


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The audit rows as CSV lines (header first); cells are safe to open in a spreadsheet."""

    class _Line:
        def write(self, text: str) -> str:
            return text

    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    timezone.localtime(event.at).isoformat(),
                    event.actor_kind,
                    event.actor_id,
                    event.actor_name,
                    event.action,
                    event.clinic.ydernummer if event.clinic else "",
                    event.object_type,
                    event.object_id,
                    json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                )
            ]
        )
