"""Template filters that show the console's codes as words (``console.labels``)."""

from __future__ import annotations

from django import template

from sentinel.console import labels
from sentinel.sharing.exports import KINDS

register = template.Library()


@register.filter
def reason(code: str) -> str:
    return labels.reason(code)


@register.filter
def standing(value: str) -> str:
    return labels.standing(value)


@register.filter
def document_kind(code: str) -> str:
    return labels.document_kind(code)


@register.filter
def export_kind(code: str) -> str:
    return KINDS.get(code, code)
