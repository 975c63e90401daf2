"""The console speaks one language: Danish names for apps, models, fields and codes
(``console.labels``), whatever the portal's language cookie says; Django's own words in
English only when ``SENTINEL_CONSOLE_LANGUAGE=en``."""

from __future__ import annotations

import html
import re

import pytest
from django.apps import apps

from sentinel.audit.models import AuditEvent
from sentinel.console import labels
from tests.console.conftest import every_console_url

ENGLISH = (
    "Agreements",
    "Documents",
    "Vendors",
    "Audit events",
    "audit event",
    "Is published",
    "Published on",
    "Is sample",
    "Region code",
    "Actor kind",
    "Summary da",
    "Select ",
    "Clinics",
    "Projects",
    "Change ",
    "View ",
)
SKIPPED = ("logout", "jsi18n", "autocomplete", "export.csv")


def visible_text(content: bytes) -> str:
    text = content.decode()
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<svg.*?</svg>", "", text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_every_audit_action_has_words() -> None:
    missing = [a for a in AuditEvent.Action.values if a not in labels.AUDIT_ACTIONS]
    assert missing == []


def test_every_model_an_audit_row_can_name_has_words() -> None:
    """An audit row's object is any of Sentinel's models (or a staff user): each is named in
    Danish, never by its ``app.model`` code."""
    ours = [
        m._meta.label_lower
        for m in apps.get_models()
        if m.__module__.startswith("sentinel.") or m._meta.label_lower == "auth.user"
    ]
    assert [label for label in ours if labels.object_type(label) == label] == []


@pytest.mark.parametrize("cookie", ["da", "en"])
def test_every_console_page_is_danish_whatever_the_portal_language(
    administrator, console_objects, collecting_clinic, settings, cookie
) -> None:
    client, _person = administrator
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    pages = 0
    for url in every_console_url(console_objects):
        if any(part in url for part in SKIPPED):
            continue
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
            continue
        if response.status_code != 200:
            continue
        text = visible_text(response.content)
        found = [word for word in ENGLISH if word in text]
        assert found == [], f"{url}: {found}"
        pages += 1
    assert pages > 20
    support_page = visible_text(
        client.get(f"/console/clinics/clinic/{collecting_clinic.pk}/change/").content
    )
    assert "Data modtages – Diagnosekodning" in support_page  # the check's name, as the CLI's
    assert "Log ud" in support_page


def test_the_console_language_setting_gives_djangos_english_and_keeps_the_names(
    administrator, console_objects, settings
) -> None:
    client, _person = administrator
    settings.SENTINEL_CONSOLE_LANGUAGE = "en"

    text = visible_text(client.get("/console/clinics/vendor/").content)

    assert "Log out" in text
    assert "Systemhuse" in text
    assert "Vendors" not in text
