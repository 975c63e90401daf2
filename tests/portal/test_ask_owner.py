"""A login that may not sign asks the owner: a link to the signing page, mailed to the clinic's
confirmed notice addresses that take notices of a document to sign (the real SMTP server), once
a day per address; without such an address the page says so and offers nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.notices.models import Contact, Notice
from tests.factories import ClinicFactory, VendorFactory
from tests.mailserver import body, links
from tests.portal.conftest import activated, log_in, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db):
    return activated(ClinicFactory(name="Fysio Spørgeby"), VendorFactory())


def contact(clinic, email: str, *, kinds=("new_version",), verified=True, language="da"):
    return Contact.objects.create(
        clinic=clinic,
        email=email,
        kinds=list(kinds),
        language=language,
        verified_at=timezone.now() if verified else None,
    )


def dpa(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/databehandleraftale/"


def test_an_employee_mails_the_owner_a_link_to_sign_once_a_day(
    client, provider, clinic, smtp
) -> None:
    contact(clinic, "ejer@fysio-spoergeby.dk")
    contact(clinic, "kontor@fysio-spoergeby.dk", language="en")
    contact(clinic, "rapporter@fysio-spoergeby.dk", kinds=("report_opened",))
    contact(clinic, "ny@fysio-spoergeby.dk", verified=False)
    log_in(client, provider, person(clinic, name="Sofie Ansat", may_sign=False))

    offered = client.get(dpa(clinic)).content.decode()
    asked = client.post(f"{dpa(clinic)}bed-ejeren/", follow=True)
    again = client.post(f"{dpa(clinic)}bed-ejeren/", follow=True)

    assert "Send ejeren et link til at underskrive" in offered
    assert "Vi har sendt et link til klinikkens e-mailadresser til beskeder (2 adresser)." in (
        asked.content.decode()
    )
    assert sorted(m["To"] for m in smtp.messages) == [
        "ejer@fysio-spoergeby.dk",
        "kontor@fysio-spoergeby.dk",
    ]
    (danish,) = smtp.to("ejer@fysio-spoergeby.dk")
    assert danish["Subject"] == "Databehandleraftalen venter på din underskrift"
    assert "Sofie Ansat har bedt om, at databehandleraftalen (version" in body(danish)
    assert "for Fysio Spørgeby bliver underskrevet" in body(danish)
    assert any(u.endswith(dpa(clinic)) for u in links(danish))
    (english,) = smtp.to("kontor@fysio-spoergeby.dk")
    assert english["Subject"] == "The data processing agreement awaits your signature"
    assert "Ejeren har allerede fået en e-mail om det i dag." in again.content.decode()
    assert len(smtp.messages) == 2  # nothing more the second time
    assert Notice.objects.filter(clinic=clinic).count() == 2
    rows = AuditEvent.objects.filter(clinic=clinic, action=AuditEvent.Action.NOTICE_SENT)
    assert rows.count() == 2 and {r.actor_kind for r in rows} == {"clinic_user"}


def test_without_a_confirmed_address_nothing_is_offered_or_sent(
    client, provider, clinic, smtp
) -> None:
    contact(clinic, "ny@fysio-spoergeby.dk", verified=False)
    log_in(client, provider, person(clinic, may_sign=False))

    page = client.get(dpa(clinic)).content.decode()
    asked = client.post(f"{dpa(clinic)}bed-ejeren/", follow=True)

    assert "Send ejeren et link" not in page
    assert "Klinikken har ingen bekræftet e-mailadresse til beskeder om underskrifter" in page
    assert "Klinikken har ingen bekræftet e-mailadresse" in asked.content.decode()
    assert smtp.messages == []


def test_a_login_that_may_sign_asks_no_one(client, provider, clinic, smtp) -> None:
    contact(clinic, "ejer@fysio-spoergeby.dk")
    log_in(client, provider, person(clinic))

    response = client.post(f"{dpa(clinic)}bed-ejeren/")

    assert response.status_code == 302 and response["Location"] == dpa(clinic)
    assert smtp.messages == []
    assert not Notice.objects.exists()
