"""Beskeder pr. e-mail under Administrer: the owner (a login with signing rights for the
clinic's CVR) adds an address, which is verified by a single-use, expiring link mailed to it
through a real SMTP server, and chooses its notices; nobody else can, and every step is audited."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest

from sentinel.audit.models import AuditEvent
from sentinel.notices.models import Contact
from tests.factories import ClinicFactory, VendorFactory
from tests.mailserver import body, free_port, links
from tests.portal.conftest import activated, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db):
    clinic = activated(ClinicFactory(name="Fysio Nord"), VendorFactory())
    onboard(clinic)
    return clinic


def page(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/administrer/beskeder/"


def add(client, clinic, capture, email="kontor@fysio-nord.dk", kinds=None, language="da"):
    with capture(execute=True):
        return client.post(
            page(clinic),
            {
                "email": email,
                "kinds": kinds if kinds is not None else ["report_opened", "no_data"],
                "language": language,
            },
        )


def verify_link(mailbox, email: str) -> str:
    (message,) = mailbox.to(email)
    (link,) = [u for u in links(message) if "/beskeder/bekraeft/" in u]
    return urlsplit(link).path


def test_the_owner_adds_an_address_and_it_is_verified_by_the_mailed_link(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))

    added = add(client, clinic, django_capture_on_commit_callbacks)
    waiting = client.get(page(clinic)).content.decode()
    path = verify_link(smtp, "kontor@fysio-nord.dk")
    (message,) = smtp.messages
    token = path.rstrip("/").rsplit("/", 1)[1]
    contact = Contact.objects.get(clinic=clinic)
    stored_before = contact.verify_token_sha256
    confirm_page = client.get(path)
    still_unverified = Contact.objects.get(pk=contact.pk).verified_at is None
    confirmed = client.post(path)
    again = client.post(path)
    verified = client.get(page(clinic)).content.decode()

    assert added.status_code == 302
    assert 'data-state="unverified"' in waiting
    assert message["Subject"] == "Bekræft din e-mailadresse til Sentinel"
    assert "Fysio Nord" in body(message)
    assert stored_before == hashlib.sha256(token.encode()).hexdigest()  # stored hashed only
    assert token not in stored_before
    assert confirm_page.status_code == 200 and still_unverified  # opening the link spends nothing
    assert confirmed.status_code == 200 and "er bekræftet" in confirmed.content.decode()
    assert again.status_code == 410  # single use
    assert 'data-state="verified"' in verified
    actions = list(
        AuditEvent.objects.filter(clinic=clinic, action__startswith="notices.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["notices.contact_added", "notices.contact_verified"]


def test_a_verification_link_expires(
    client, provider, clinic, smtp, settings, django_capture_on_commit_callbacks
):
    settings.SENTINEL_NOTICE_VERIFY_HOURS = 0
    log_in(client, provider, person(clinic))
    add(client, clinic, django_capture_on_commit_callbacks)

    response = client.post(verify_link(smtp, "kontor@fysio-nord.dk"))

    assert response.status_code == 410
    assert "udløbet" in response.content.decode()
    assert Contact.objects.get(clinic=clinic).verified_at is None


def test_an_unknown_verification_link_verifies_nothing(client, clinic):
    response = client.post("/beskeder/bekraeft/not-a-token/")

    assert response.status_code == 410


def test_the_mail_is_english_when_the_owner_chose_english(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))

    add(client, clinic, django_capture_on_commit_callbacks, language="en")

    (message,) = smtp.messages
    assert message["Subject"] == "Confirm your e-mail address for Sentinel"


def test_the_owner_chooses_the_notices_of_an_address(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))
    add(client, clinic, django_capture_on_commit_callbacks, kinds=["no_data"])
    contact = Contact.objects.get(clinic=clinic)

    response = client.post(
        f"{page(clinic)}{contact.pk}/", {"kinds": ["report_opened", "new_version"]}
    )

    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact.kinds == ["report_opened", "new_version"]
    assert AuditEvent.objects.filter(action="notices.contact_changed", clinic=clinic).exists()


def test_a_bad_address_is_refused_with_nothing_stored_or_sent(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))

    response = add(client, clinic, django_capture_on_commit_callbacks, email="ikke en adresse")

    assert response.status_code == 400
    assert "gyldig e-mailadresse" in response.content.decode()
    assert not Contact.objects.exists() and not smtp.messages


def test_a_login_without_signing_rights_cannot_add_an_address(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic, may_sign=False))

    shown = client.get(page(clinic)).content.decode()
    response = add(client, clinic, django_capture_on_commit_callbacks)

    assert "Kun den tegningsberettigede" in shown and 'name="email"' not in shown
    assert response.status_code == 302
    assert not Contact.objects.exists() and not smtp.messages


def test_a_practice_system_user_cannot_add_an_address(
    client, clinic, smtp, django_capture_on_commit_callbacks
):
    vendor = clinic.activations.first().vendor
    client.get(launch_path(clinic, vendor))
    shown = client.get(page(clinic))

    response = add(client, clinic, django_capture_on_commit_callbacks)

    assert shown.status_code == 200 and 'name="email"' not in shown.content.decode()
    assert response.status_code == 302
    assert not Contact.objects.exists() and not smtp.messages


def test_another_clinics_addresses_page_is_not_found(client, provider, clinic):
    other = ClinicFactory()
    log_in(client, provider, person(clinic))

    response = client.get(page(other))

    assert response.status_code == 404


def test_the_addresses_page_is_english_too(client, provider, clinic):
    log_in(client, provider, person(clinic))
    client.post("/i18n/setlang/", {"language": "en", "next": page(clinic)})

    content = client.get(page(clinic)).content.decode()

    assert "Notices by e-mail" in content
    assert "When no data has arrived for too long" in content
    assert "Add and send link" in content


def test_adding_an_unverified_address_again_sends_a_new_link_and_the_old_one_dies(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))
    add(client, clinic, django_capture_on_commit_callbacks)
    old = verify_link(smtp, "kontor@fysio-nord.dk")
    smtp.clear()

    add(client, clinic, django_capture_on_commit_callbacks)
    new = verify_link(smtp, "kontor@fysio-nord.dk")

    assert new != old
    assert client.post(old).status_code == 410
    assert client.post(new).status_code == 200
    assert Contact.objects.filter(clinic=clinic).count() == 1


def test_a_verified_address_is_not_added_twice(
    client, provider, clinic, smtp, django_capture_on_commit_callbacks
):
    log_in(client, provider, person(clinic))
    add(client, clinic, django_capture_on_commit_callbacks)
    client.post(verify_link(smtp, "kontor@fysio-nord.dk"))
    smtp.clear()

    response = add(client, clinic, django_capture_on_commit_callbacks, email="Kontor@FYSIO-nord.dk")

    assert response.status_code == 400
    assert "allerede bekræftet" in response.content.decode()
    assert not smtp.messages


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_the_mail_server_is_down_the_owner_is_told_and_can_add_again(
    client, provider, clinic, smtp, settings
):
    """Committed for real (no test transaction), so the link's mail goes as in production:
    when the action's transaction commits, inside the request."""
    log_in(client, provider, person(clinic))
    settings.EMAIL_PORT = free_port()  # nothing listens there
    form = {"email": "kontor@fysio-nord.dk", "kinds": ["no_data"], "language": "da"}

    failed = client.post(page(clinic), form)
    told = client.get(page(clinic)).content.decode()
    settings.EMAIL_PORT = smtp.port
    again = client.post(page(clinic), form)

    assert failed.status_code == 302 and again.status_code == 302
    assert "mailen med linket kunne ikke sendes" in told
    assert client.post(verify_link(smtp, "kontor@fysio-nord.dk")).status_code == 200
