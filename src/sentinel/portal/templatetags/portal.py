"""Template helpers for the portal: the Danish or English half of a two-language text."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone, translation

from sentinel.lib.dates import format_day

register = template.Library()


def english() -> bool:
    return (translation.get_language() or "da").startswith("en")


@register.filter
def pick(obj: object, name: str) -> str:
    """``{{ check|pick:"detail" }}``: ``detail_en`` in English (when set), else ``detail_da``."""
    if english():
        value = getattr(obj, f"{name}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, f"{name}_da", "") or "")


def _local(value: object) -> object:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def day(value: object) -> str:
    """A date (or a moment, in Danish time) in the page's language: ``12.01.2026`` or
    ``12 Jan 2026`` (``lib.dates.format_day``, as the reports write dates)."""
    value = _local(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_day(value, english=english())
    return ""


@register.filter
def moment(value: object) -> str:
    """A moment in Danish time in the page's language: ``12.01.2026 kl. 14.05`` or
    ``12 Jan 2026 at 14:05``."""
    value = _local(value)
    if not isinstance(value, dt.datetime):
        return day(value)
    if english():
        return f"{format_day(value.date(), english=True)} at {value:%H:%M}"
    return f"{format_day(value.date())} kl. {value:%H.%M}"
