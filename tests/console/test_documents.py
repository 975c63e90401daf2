"""DPA and consent versions in the console: publishing (administrators only) and how many
clinics signed or approved each version."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Document, DocumentKind
from sentinel.agreements.services import Standing, agreement_state
from sentinel.audit.models import AuditEvent
from tests.console.conftest import staff_rows
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db
PUBLISH = reverse("console:agreements_document_publish")
LIST = reverse("console:agreements_document_changelist")


def _sign(clinic, *, dpa: bool = True, consent: bool = True) -> None:
    signer = Signer(uuid.uuid4(), "Klinikejer", clinic.cvr, AssuranceLevel.SUBSTANTIAL, True)
    if dpa:
        sign_dpa(clinic=clinic, signer=signer, channel="sentinel")
    if consent:
        approve_consent(clinic=clinic, signer=signer, channel="sundhed_dk")


def test_the_list_shows_how_many_clinics_signed_each_version(administrator) -> None:
    client, _person = administrator
    clinics = ClinicFactory.create_batch(3)
    for index, clinic in enumerate(clinics):
        _sign(clinic, consent=index == 0)

    response = client.get(LIST)

    assert response.status_code == 200
    rows = {str(d): d for d in response.context["cl"].result_list}
    dpa_v1 = rows["Databehandleraftale v1"]
    consent_v1 = rows["Praksis samtykke v1"]
    assert dpa_v1.signature_count == 3
    assert consent_v1.signature_count == 1
    assert dpa_v1.pk == dpa_v1.current_pk
    assert "Offentliggør ny version" in response.content.decode()


def test_publishing_shows_who_must_sign_by_when_then_publishes_with_notice(
    administrator, django_capture_on_commit_callbacks
) -> None:
    """The effective date at least SENTINEL_VERSION_NOTICE_DAYS ahead: first what it means,
    then, confirmed, the version — the old signature counts until that day, the notices are
    queued."""
    client, person = administrator
    signed = ClinicFactory.create_batch(2)
    for clinic in signed:
        _sign(clinic)
    ClinicFactory()  # never signed: nothing to sign again
    effective = timezone.localdate() + dt.timedelta(days=30)
    data = {
        "kind": DocumentKind.DPA,
        "title": "Databehandleraftale 2027",
        "text": "Ny aftaletekst.",
        "published_on": effective.isoformat(),
    }

    preview = client.post(PUBLISH, data)

    text = preview.content.decode()
    assert preview.status_code == 200
    assert "2 klinikker" in text
    assert f"version 2 senest <strong>{effective:%d.%m.%Y}</strong>" in text
    assert not Document.objects.filter(kind=DocumentKind.DPA, version=2).exists()
    assert not staff_rows(person, AuditEvent.Action.DOCUMENT_PUBLISHED)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PUBLISH, {**data, "confirm": "yes"})

    assert response.status_code == 302
    new = Document.objects.get(kind=DocumentKind.DPA, version=2)
    assert new.published_on == effective
    [row] = staff_rows(person, AuditEvent.Action.DOCUMENT_PUBLISHED)
    assert row.details["version"] == 2 and "urgent_reason" not in row.details
    assert [q.task["func"] for q in OrmQ.objects.all()] == ["sentinel.jobs.tasks.send_notices"]
    clinic = signed[0]
    assert agreement_state(clinic, DocumentKind.DPA).standing is Standing.CURRENT
    assert agreement_state(clinic, DocumentKind.DPA).sign_by == effective
    assert agreement_state(clinic, DocumentKind.DPA, effective).standing is Standing.OUTDATED


def test_a_shorter_notice_needs_an_urgent_reason_which_is_audited(administrator) -> None:
    client, person = administrator
    clinic = ClinicFactory()
    _sign(clinic)
    today = timezone.localdate()
    data = {
        "kind": DocumentKind.DPA,
        "title": "Databehandleraftale 2027",
        "text": "Ny aftaletekst.",
        "published_on": today.isoformat(),
        "confirm": "yes",
    }

    refused = client.post(PUBLISH, data)

    assert refused.status_code == 200
    assert "skal varsles mindst 30 dage" in refused.content.decode()
    assert not Document.objects.filter(kind=DocumentKind.DPA, version=2).exists()

    response = client.post(PUBLISH, {**data, "urgent_reason": "Datatilsynets påbud"})

    assert response.status_code == 302
    [row] = staff_rows(person, AuditEvent.Action.DOCUMENT_PUBLISHED)
    assert row.details["urgent_reason"] == "Datatilsynets påbud"
    assert agreement_state(clinic, DocumentKind.DPA).standing is Standing.OUTDATED
    listing = client.get(LIST).context["cl"].result_list
    counts = {str(d): d.signature_count for d in listing}
    assert counts["Databehandleraftale v2"] == 0
    assert counts["Databehandleraftale v1"] == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"published_on": "2020-01-01"}, "gælder fra i dag"),
        ({"text": ""}, "Dette felt er påkrævet"),
        ({"kind": "contract"}, "contract"),
    ],
)
def test_invalid_document_versions_are_refused(administrator, overrides, message) -> None:
    client, person = administrator
    data = {
        "kind": DocumentKind.CONSENT,
        "title": "Samtykke",
        "text": "Tekst.",
        "published_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        **overrides,
    }

    response = client.post(PUBLISH, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Document.objects.filter(version=2).count() == 0
    assert not staff_rows(person, AuditEvent.Action.DOCUMENT_PUBLISHED)


def test_the_same_text_again_is_not_a_new_version(administrator) -> None:
    client, _person = administrator
    current = Document.objects.current(DocumentKind.DPA)

    response = client.post(
        PUBLISH,
        {
            "kind": DocumentKind.DPA,
            "title": current.title,
            "text": current.text,
            "published_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )

    assert "er den samme som version 1" in response.content.decode()


def test_published_documents_cannot_be_changed_or_deleted(administrator) -> None:
    client, _person = administrator
    document = Document.objects.current(DocumentKind.DPA)
    change = reverse("console:agreements_document_change", args=[document.pk])

    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"title": "Ændret", "text": "x"}).status_code == 403
    delete = reverse("console:agreements_document_delete", args=[document.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    document.refresh_from_db()
    assert document.title != "Ændret"
