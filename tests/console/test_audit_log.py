"""The audit log in the console: filtered by clinic, actor, action and time; exported as CSV
(the export itself audited); never added to, changed or deleted through the console."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from tests.console.conftest import staff_rows
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db
LIST = reverse("console:audit_auditevent_changelist")
EXPORT = reverse("console:audit_auditevent_export")


@pytest.fixture
def log():
    """A few rows of two clinics and two actors; one row's details look like a formula."""
    a, b = ClinicFactory(), ClinicFactory()
    ole = Actor.clinic_user("00000000-0000-4000-8000-00000000000a", "Ole Olsen")
    vendor = Actor.system("importer")
    rows = {
        "a_signed": record(by=ole, action="dpa.signed", clinic=a, details={"version": 1}),
        "a_enrolled": record(by=ole, action="enrolment.enrolled", clinic=a),
        "b_signed": record(
            by=vendor, action="dpa.signed", clinic=b, details={"note": "=HYPERLINK(1)"}
        ),
    }
    return a, b, rows


def listed(response) -> set[int]:
    return {event.pk for event in response.context["cl"].result_list}


def test_the_log_is_filtered_by_clinic_actor_action_and_time(support, log) -> None:
    client, _person = support
    a, b, rows = log

    by_clinic = client.get(LIST, {"clinic": a.ydernummer})
    by_actor = client.get(LIST, {"actor": "ole"})
    by_action = client.get(LIST, {"action": "dpa.signed"})
    both = client.get(LIST, {"clinic": b.ydernummer, "action": "dpa.signed"})
    today = timezone.localdate()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    in_time = client.get(LIST, {"from": today.isoformat(), "to": today.isoformat()})
    later = client.get(LIST, {"from": tomorrow})

    assert listed(by_clinic) == {rows["a_signed"].pk, rows["a_enrolled"].pk}
    assert listed(by_actor) == {rows["a_signed"].pk, rows["a_enrolled"].pk}
    assert listed(by_action) == {rows["a_signed"].pk, rows["b_signed"].pk}
    assert listed(both) == {rows["b_signed"].pk}
    assert {r.pk for r in rows.values()} <= listed(in_time)
    assert listed(later) == set()
    assert 'value="' + a.ydernummer + '"' in by_clinic.content.decode()


def test_a_bad_date_filter_is_an_error_not_a_crash(support, log) -> None:
    client, _person = support

    response = client.get(LIST, {"from": "yesterday"})

    assert response.status_code == 302
    assert "e=1" in response["Location"]


def test_the_export_has_the_filtered_rows_and_is_audited(administrator, log) -> None:
    client, person = administrator
    a, b, _rows = log

    response = client.get(EXPORT, {"action": "dpa.signed"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {line["clinic_ydernummer"] for line in lines} == {a.ydernummer, b.ydernummer}
    assert all(line["action"] == "dpa.signed" for line in lines)
    formula = next(line for line in lines if "HYPERLINK" in line["details"])
    assert not formula["details"].startswith("=")
    assert next(line for line in lines if line["actor_name"] == "Ole Olsen")["details"] == (
        '{"version": 1}'
    )
    [export] = staff_rows(person, AuditEvent.Action.AUDIT_LOG_EXPORTED)
    assert export.details == {"filter": {"action": "dpa.signed"}, "rows": 2}


def test_the_export_link_keeps_the_current_filter(administrator, log) -> None:
    client, _person = administrator
    a, _b, _rows = log

    response = client.get(LIST, {"clinic": a.ydernummer})

    assert f'href="{EXPORT}?clinic={a.ydernummer}"' in response.content.decode()


def test_support_and_project_managers_cannot_export(support, project_manager, log) -> None:
    for client, person in (support, project_manager):
        assert client.get(EXPORT).status_code == 403
        assert "Eksportér CSV" not in client.get(LIST).content.decode()
        assert not staff_rows(person, AuditEvent.Action.AUDIT_LOG_EXPORTED)


@pytest.mark.parametrize("role", ["support", "project_manager", "administrator"])
def test_nobody_adds_changes_or_deletes_audit_rows(console_client, log, role) -> None:
    client, _person = console_client(role)
    _a, _b, rows = log
    row = rows["a_signed"]
    change = reverse("console:audit_auditevent_change", args=[row.pk])

    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"action": "x", "actor_id": "x"}).status_code == 403
    assert client.get(reverse("console:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("console:audit_auditevent_add"), {"action": "x"}).status_code == 403
    delete = reverse("console:audit_auditevent_delete", args=[row.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(LIST, {"action": "delete_selected", "_selected_action": [row.pk]})
    assert bulk.status_code in (200, 302)
    stored = AuditEvent.objects.get(pk=row.pk)
    assert (stored.action, stored.actor_id, stored.details) == (
        "dpa.signed",
        row.actor_id,
        row.details,
    )
    assert 'name="_save"' not in client.get(change).content.decode()


def test_every_action_is_shown_in_words_with_its_code(support, log) -> None:
    """Actions show in words with the code as written (``record`` takes only the names of
    ``AuditEvent.Action``, each of which has words: tests/console/test_labels.py)."""
    client, _person = support
    record(by=Actor.system("tests"), action="export.created")

    content = client.get(LIST).content.decode()

    assert '<td class="field-action_code">Dataudtræk lavet (export.created)</td>' in content
    assert '<td class="field-action_code">Logget ind i konsollen (staff.login)</td>' in content
