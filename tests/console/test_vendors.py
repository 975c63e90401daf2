"""Vendors in the console: creation, credentials shown once, and each clinic's data flow; the
support page per clinic with its status check exactly as the clinic sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate
from sentinel.clinics.credentials import authenticate, issue_credential
from sentinel.clinics.models import Vendor, VendorCredential
from sentinel.collection.pipeline import ingest
from sentinel.collection.status import check_status
from tests.api.conftest import episode
from tests.console.conftest import ADMIN_CLI, at, staff_rows
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db


def overview(vendor: Vendor) -> str:
    return reverse("console:clinics_vendor_change", args=[vendor.pk])


def test_an_administrator_creates_a_vendor_audited(administrator) -> None:
    client, person = administrator

    response = client.post(
        reverse("console:clinics_vendor_add"),
        {
            "slug": "fysiodata",
            "name": "Fysiodata A/S",
            "menu_help_da": "Under Funktioner › Sentinel",
            "menu_help_en": "",
            "support_phone": "7011 2233",
            "support_email": "support@fysiodata.example",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    vendor = Vendor.objects.get(slug="fysiodata")
    [row] = staff_rows(person, AuditEvent.Action.VENDOR_CREATED)
    assert row.object_id == str(vendor.pk)
    assert client.get(overview(vendor)).status_code == 200


def test_a_credential_is_shown_once_and_never_again(administrator, vendor) -> None:
    client, person = administrator
    issue = reverse("console:clinics_vendor_issue", args=[vendor.pk])
    assert "vises én gang" in client.get(issue).content.decode()

    response = client.post(issue)

    assert response.status_code == 200
    token = response.context["token"]
    assert token.startswith("snt_")
    assert token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    credential = authenticate(token)
    assert credential is not None and credential.vendor == vendor
    [row] = staff_rows(person, AuditEvent.Action.CREDENTIAL_ISSUED)
    assert row.details == {"vendor": vendor.slug, "prefix": credential.prefix}
    # Never again: not on the vendor's page, nor in the audit log, the admin's own log or
    # the session.
    secret = token.split("_", 2)[2]  # snt_<prefix>_<secret>; the secret may hold "_"
    page = client.get(overview(vendor)).content.decode()
    assert credential.prefix in page
    assert secret not in page
    for event in AuditEvent.objects.all():
        assert secret not in str(event.details)
    for entry in LogEntry.objects.all():
        assert secret not in entry.change_message
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded())
    assert secret not in VendorCredential.objects.get(pk=credential.pk).secret_sha256


def test_rotating_a_credential_gives_a_new_one_and_ends_the_old(administrator, vendor) -> None:
    client, person = administrator
    old, old_token = issue_credential(by=ADMIN_CLI, vendor=vendor)
    rotate = reverse("console:clinics_vendor_rotate", args=[vendor.pk, old.prefix])

    response = client.post(rotate, {"grace_days": "0"})

    new_token = response.context["token"]
    assert authenticate(new_token) is not None
    assert authenticate(old_token) is None  # no grace period
    [row] = staff_rows(person, AuditEvent.Action.CREDENTIAL_ROTATED)
    assert row.details["replaces"] == old.prefix


def test_a_negative_grace_period_is_refused(administrator, vendor) -> None:
    client, _person = administrator
    old, _token = issue_credential(by=ADMIN_CLI, vendor=vendor)
    rotate = reverse("console:clinics_vendor_rotate", args=[vendor.pk, old.prefix])

    response = client.post(rotate, {"grace_days": "-1"})

    assert response.status_code == 200
    assert "token" not in response.context
    assert vendor.credentials.count() == 1


def test_revoking_a_credential_ends_it_now(administrator, vendor) -> None:
    client, person = administrator
    credential, token = issue_credential(by=ADMIN_CLI, vendor=vendor)
    revoke = reverse("console:clinics_vendor_revoke", args=[vendor.pk, credential.prefix])

    assert client.get(revoke).status_code == 200  # the confirmation page
    assert authenticate(token) is not None
    response = client.post(revoke)

    assert response.status_code == 302
    assert authenticate(token) is None
    assert staff_rows(person, AuditEvent.Action.CREDENTIAL_REVOKED)
    refused = client.post(
        reverse("console:clinics_vendor_rotate", args=[vendor.pk, credential.prefix]),
        {"grace_days": "1"},
        follow=True,
    )
    assert "En tilbagekaldt API-nøgle kan ikke udskiftes." in refused.content.decode()


def test_credentials_of_another_vendor_are_not_found(administrator, vendor) -> None:
    client, _person = administrator
    other = Vendor.objects.create(slug="other", name="Andet Systemhus")
    credential, token = issue_credential(by=ADMIN_CLI, vendor=other)

    response = client.post(
        reverse("console:clinics_vendor_revoke", args=[vendor.pk, credential.prefix])
    )

    assert response.status_code == 404
    assert authenticate(token) is not None


def test_the_vendor_page_shows_each_clinic_and_its_data_flow(
    support, vendor, collecting_clinic
) -> None:
    client, _person = support
    today = timezone.localdate()
    ingest(
        vendor=vendor,
        clinic=collecting_clinic,
        records=[
            episode("ok", start_date=(today - dt.timedelta(days=3)).isoformat()),
            episode("early", start_date=(today - dt.timedelta(days=100)).isoformat()),
            episode("bad-cpr", patient_cpr="3213991234"),
        ],
        now=at(today, 8),
    )
    ClinicFactory()  # another vendor's clinic is not listed

    response = client.get(overview(vendor))

    assert response.status_code == 200
    [flow] = response.context["clinics"]
    assert flow.clinic == collecting_clinic
    assert flow.last_received_at == at(today, 8)
    assert dict(flow.rejections.total) == {"before_enrolment": 1, "invalid_cpr": 1}
    assert flow.rejections.weeks[-1] == today - dt.timedelta(days=today.weekday())
    content = response.content.decode()
    assert collecting_clinic.ydernummer in content
    assert "Forløbet ligger før tilmeldingen" in content  # the most frequent reason, in words
    assert "before_enrolment" not in content
    assert "Udsted en ny API-nøgle" not in content  # support changes nothing


def test_the_vendor_page_leads_with_clinics_needing_attention_and_pages_the_rest(
    support, vendor, collecting_clinic
) -> None:
    """30 clinics: the one without data for 20 days and the one activated 60 days ago that
    never sent anything come first (threshold 14 days); the rest follow, 25 to a page."""
    client, _person = support
    today = timezone.localdate()
    ingest(
        vendor=vendor,
        clinic=collecting_clinic,
        records=[episode("old", start_date=(today - dt.timedelta(days=25)).isoformat())],
        now=at(today - dt.timedelta(days=20), 8),
    )
    silent = ClinicFactory(ydernummer="899999")
    activate(by=ADMIN_CLI, vendor=vendor, clinic=silent, at=at(today - dt.timedelta(days=60)))
    for _ in range(28):  # activated today: nothing expected yet
        activate(by=ADMIN_CLI, vendor=vendor, clinic=ClinicFactory())

    first = client.get(overview(vendor))

    rows = first.context["page"].object_list
    assert len(rows) == 25
    assert {rows[0]["flow"].clinic, rows[1]["flow"].clinic} == {collecting_clinic, silent}
    assert [r for r in rows[2:] if r["attention"]] == []
    content = first.content.decode()
    assert "2 klinikker kræver opmærksomhed" in content
    assert "ingen data i over 14 dage" in content
    assert "aldrig modtaget data" in content
    assert "Side 1 af 2 (30 klinikker)" in content
    assert 'href="?side=2" rel="next"' in content
    second = client.get(overview(vendor), {"side": 2})
    assert len(second.context["page"].object_list) == 5
    only = client.get(overview(vendor), {"vis": "opmaerksomhed"})
    assert [r["flow"].clinic for r in only.context["page"].object_list] == [
        r["flow"].clinic for r in rows[:2]
    ]


def test_the_support_page_shows_the_status_check_as_the_clinic_sees_it(
    support, collecting_clinic
) -> None:
    client, person = support

    response = client.get(reverse("console:clinics_clinic_change", args=[collecting_clinic.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    report = check_status(collecting_clinic)
    for check in report.checks:
        assert escape(check.detail_da) in content
        if not check.ok and check.action_da:
            assert escape(check.action_da) in content
    assert "Der er ikke modtaget data fra klinikken." in content
    [row] = staff_rows(person, AuditEvent.Action.STATUS_CHECKED)
    assert row.clinic == collecting_clinic
    assert row.details["needs_action"] == [c.check for c in report.checks if not c.ok]


def test_the_support_page_of_a_clinic_with_nothing_in_place(support, clinic) -> None:
    client, _person = support

    response = client.get(reverse("console:clinics_clinic_change", args=[clinic.pk]))

    content = response.content.decode()
    assert "Dit systemhus har ikke aktiveret Sentinel i dit praksissystem." in content
    assert "✗ Kræver handling" in content


def test_clinics_are_found_by_ydernummer(support, clinic) -> None:
    client, _person = support
    ClinicFactory()

    response = client.get(reverse("console:clinics_clinic_changelist"), {"q": clinic.ydernummer})

    assert list(response.context["cl"].result_list) == [clinic]


def test_clinics_cannot_be_added_changed_or_deleted(administrator, clinic) -> None:
    client, _person = administrator

    assert client.get(reverse("console:clinics_clinic_add")).status_code == 403
    assert client.post(
        reverse("console:clinics_clinic_change", args=[clinic.pk]), {"name": "x"}
    ).status_code in (403, 405)
    assert (
        client.post(
            reverse("console:clinics_clinic_delete", args=[clinic.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_support_page_shows_vendor_requests_and_a_wrong_cvr(support, clinic) -> None:
    from sentinel.collection import approvals
    from tests.factories import VendorFactory, valid_cvr

    first, stranger = VendorFactory(name="Første A/S"), VendorFactory(name="Fremmed ApS")
    approvals.request_activation(
        vendor=first, ydernummer=clinic.ydernummer, cvr=clinic.cvr, name="x", speciale="51"
    )
    approvals.request_activation(
        vendor=stranger, ydernummer=clinic.ydernummer, cvr=valid_cvr(31), name="x", speciale="51"
    )
    client, _person = support

    content = client.get(reverse("console:clinics_clinic_change", args=[clinic.pk])).content
    text = content.decode()

    assert "Fremmed ApS: bad om adgang" in text
    assert "venter på godkendelse" in text
    assert "(sendte et andet CVR-nummer end klinikkens)" in text
