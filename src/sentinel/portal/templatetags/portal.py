"""Template helpers for the portal: the Danish or English half of a two-language text."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone, translation

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


@register.filter
def da_date(value: object) -> str:
    """A date (or a moment, in Danish time) as 12.01.2026, in either language."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return ""
