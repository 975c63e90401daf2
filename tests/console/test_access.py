"""Who gets into the console: only active staff with a role, a password and a confirmed
second factor verified in this session. Failures are audited and lock a username out."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sentinel.audit.models import AuditEvent
from sentinel.console import staff
from sentinel.console.forms import LOGIN_REFUSED
from sentinel.console.sites import LAST_SEEN
from sentinel.lib.errors import DomainError
from tests.console.conftest import (
    ADMIN_CLI,
    PASSWORD,
    code_for,
    every_console_url,
    fresh_code,
    log_in,
    staff_rows,
    status_of,
)

pytestmark = pytest.mark.django_db
LOGIN = reverse("console:login")
ENROL = reverse("console:enrol")
QR = 'aria-label="QR-kode"'


def assert_kept_out(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302, f"{url} answered {response.status_code}"
    assert response["Location"].startswith(LOGIN) or response["Location"] == reverse(
        "console:index"
    ), f"{url} redirected to {response['Location']}"


def test_login_page_is_open_and_asks_for_password_and_code(client) -> None:
    response = client.get(LOGIN)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="password"' in content
    assert 'name="otp_token"' in content
    assert ENROL in content


def test_anonymous_visitors_reach_no_console_page(client, console_objects) -> None:
    urls = list(every_console_url(console_objects))

    assert len(urls) > 20
    for url in urls:
        assert_kept_out(client, url)


@pytest.mark.parametrize("confirmed", [True, False])
def test_staff_without_a_verified_second_factor_reach_no_console_page(
    client, make_staff, console_objects, confirmed
) -> None:
    """Logged in with the password only (no code in this session): every page is closed,
    whether the user's device is confirmed or not."""
    person = make_staff("administrator", confirmed=confirmed)
    client.force_login(person.user)

    for url in every_console_url(console_objects):
        assert_kept_out(client, url)


def test_staff_user_with_password_and_code_enters_and_the_login_is_audited(make_staff) -> None:
    person = make_staff("support")
    client = Client()

    response = log_in(client, person)

    assert response.status_code == 302
    assert client.get(reverse("console:index")).status_code == 200
    [row] = staff_rows(person, AuditEvent.Action.STAFF_LOGIN)
    assert row.actor_name == "Test Medarbejder"


@pytest.mark.parametrize(
    ("password", "code", "reason"),
    [
        ("wrong-password", None, "invalid_login"),
        (PASSWORD, "", "missing_token"),
        (PASSWORD, "000000x", "invalid_token"),
    ],
)
def test_login_is_refused_without_both_factors(make_staff, password, code, reason) -> None:
    person = make_staff("administrator")
    client = Client()

    response = client.post(
        LOGIN,
        {
            "username": person.username,
            "password": password,
            "otp_token": fresh_code(person.device) if code is None else code,
        },
    )

    assert response.status_code == 200
    assert client.get(reverse("console:index")).status_code == 302
    [row] = staff_rows(person, AuditEvent.Action.STAFF_LOGIN_FAILED)
    assert row.details == {"reason": reason}
    assert not staff_rows(person, AuditEvent.Action.STAFF_LOGIN)


def test_a_code_is_accepted_only_once(make_staff) -> None:
    person = make_staff("support")
    code = fresh_code(person.device)
    assert log_in(Client(), person, code=code).status_code == 302

    response = log_in(Client(), person, code=code)

    assert response.status_code == 200
    assert LOGIN_REFUSED in response.content.decode()


def test_login_with_an_unconfirmed_device_points_to_enrolment(make_staff) -> None:
    person = make_staff("support", confirmed=False)

    response = log_in(Client(), person, code=code_for(person.device))

    assert response.status_code == 200
    content = response.content.decode()
    assert LOGIN_REFUSED in content  # the same words as for a wrong password
    assert "Aktivér to-faktor-login" in content  # the page always points to enrolment
    assert not person.device.__class__.objects.get(pk=person.device.pk).confirmed


def test_users_who_are_not_staff_cannot_log_in_even_with_a_device(db) -> None:
    """A clinic user (not staff) or a staff flag without a role: refused like a bad password."""
    User = get_user_model()
    clinic_user = User.objects.create_user("klinikbruger", password=PASSWORD)
    no_role = User.objects.create_user("no-role", password=PASSWORD, is_staff=True)
    for user in (clinic_user, no_role):
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        client = Client()

        response = client.post(
            LOGIN, {"username": user.username, "password": PASSWORD, "otp_token": code_for(device)}
        )

        assert response.status_code == 200
        assert client.get(reverse("console:index")).status_code == 302
    reasons = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_LOGIN_FAILED).values_list(
        "details__reason", flat=True
    )
    assert sorted(reasons) == ["invalid_login", "no_role"]


def test_a_superuser_without_a_role_cannot_enter(client, db) -> None:
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)

    client.post(LOGIN, {"username": "root", "password": PASSWORD, "otp_token": code_for(device)})

    assert client.get(reverse("console:index")).status_code == 302


@pytest.mark.parametrize(
    ("username", "code"),
    [("klinikbruger", "username_taken"), ("clinic-user-1234", "invalid_username")],
)
def test_clinic_users_are_never_turned_into_staff(db, username, code) -> None:
    get_user_model().objects.create_user("klinikbruger", password=PASSWORD)

    with pytest.raises(DomainError) as refusal:
        staff.create_staff(by=ADMIN_CLI, username=username, password=PASSWORD, role="support")

    assert refusal.value.code == code
    assert not get_user_model().objects.filter(is_staff=True).exists()


# --- enrolment ---------------------------------------------------------------------------


def test_enrolment_shows_the_qr_code_after_the_password_and_confirms_the_first_code(
    make_staff, settings
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    person = make_staff("project_manager", confirmed=False)
    client = Client()

    assert QR not in client.get(ENROL).content.decode()
    step_two = client.post(
        ENROL, {"step": "password", "username": person.username, "password": PASSWORD}
    )
    content = step_two.content.decode()
    assert step_two.status_code == 200
    assert '<svg role="img" aria-label="QR-kode"' in content
    assert 'name="otp_token"' in content

    wrong = client.post(ENROL, {"step": "confirm", "otp_token": "123"})
    assert "Koden er forkert" in wrong.content.decode()
    done = client.post(ENROL, {"step": "confirm", "otp_token": code_for(person.device)})

    assert done.status_code == 302
    assert done["Location"] == reverse("console:index")
    assert client.get(reverse("console:index")).status_code == 200
    person.device.refresh_from_db()
    assert person.device.confirmed
    assert staff_rows(person, AuditEvent.Action.STAFF_DEVICE_CONFIRMED)
    assert staff_rows(person, AuditEvent.Action.STAFF_LOGIN)
    # Confirmed: the QR code is never shown again.
    again = Client().post(
        ENROL, {"step": "password", "username": person.username, "password": PASSWORD}
    )
    assert QR not in again.content.decode()
    assert "allerede bekræftet" in again.content.decode()


def test_enrolment_needs_the_password(make_staff) -> None:
    person = make_staff("support", confirmed=False)
    client = Client()

    response = client.post(
        ENROL, {"step": "password", "username": person.username, "password": "guess"}
    )
    confirm = client.post(ENROL, {"step": "confirm", "otp_token": code_for(person.device)})

    assert QR not in response.content.decode()
    assert QR not in confirm.content.decode()
    person.device.refresh_from_db()
    assert not person.device.confirmed
    assert client.get(reverse("console:index")).status_code == 302
    assert staff_rows(person, AuditEvent.Action.STAFF_LOGIN_FAILED)


def test_enrolment_without_a_device_says_to_ask_an_administrator(make_staff) -> None:
    person = make_staff("support", confirmed=False)
    TOTPDevice.objects.filter(user=person.user).delete()

    response = Client().post(
        ENROL, {"step": "password", "username": person.username, "password": PASSWORD}
    )

    assert "sentinel staff reset-device" in response.content.decode()


# --- lockout, idle timeout, logout -------------------------------------------------------


def test_repeated_failures_lock_the_username_out_and_are_audited(make_staff, settings) -> None:
    settings.SENTINEL_CONSOLE_MAX_FAILURES = 3
    person = make_staff("administrator")
    client = Client()
    for _ in range(3):
        client.post(LOGIN, {"username": person.username, "password": "nope", "otp_token": "1"})

    response = log_in(client, person)

    assert response.status_code == 200
    assert "For mange mislykkede forsøg" in response.content.decode()
    assert client.get(reverse("console:index")).status_code == 302
    assert len(staff_rows(person, AuditEvent.Action.STAFF_LOGIN_FAILED)) == 3
    assert len(staff_rows(person, AuditEvent.Action.STAFF_LOCKED_OUT)) == 1
    assert len(staff_rows(person, AuditEvent.Action.STAFF_LOGIN_WHILE_LOCKED)) == 1
    later = timezone.now() + dt.timedelta(seconds=settings.SENTINEL_CONSOLE_LOCKOUT_SECONDS + 1)
    assert staff.is_locked_out(person.username)
    assert not staff.is_locked_out(person.username, later)


def test_an_administrator_can_lift_a_lockout(make_staff, settings) -> None:
    settings.SENTINEL_CONSOLE_MAX_FAILURES = 2
    person = make_staff("support")
    for _ in range(2):
        Client().post(LOGIN, {"username": person.username, "password": "nope"})
    assert staff.is_locked_out(person.username)

    staff.unlock(by=ADMIN_CLI, user=person.user)

    assert not staff.is_locked_out(person.username)
    assert log_in(Client(), person).status_code == 302


def test_unknown_usernames_are_audited_and_locked_out_too(db, settings) -> None:
    settings.SENTINEL_CONSOLE_MAX_FAILURES = 2
    for _ in range(2):
        Client().post(LOGIN, {"username": "mallory", "password": "x", "otp_token": "1"})

    assert staff.is_locked_out("mallory")
    locked = AuditEvent.objects.get(actor_kind="staff", action=AuditEvent.Action.STAFF_LOCKED_OUT)
    assert locked.actor_id.startswith("unknown:")
    assert not AuditEvent.objects.filter(actor_id="mallory").exists()


def test_a_password_typed_as_username_is_never_stored(make_staff) -> None:
    person = make_staff("support")
    typed = "Hemmeligt-Kodeord-7"

    Client().post(LOGIN, {"username": typed, "password": "", "otp_token": ""})

    stored = " ".join(f"{e.actor_id} {e.actor_name} {e.details}" for e in AuditEvent.objects.all())
    assert typed not in stored
    assert person.username  # the staff user exists; their name is not involved


def test_a_right_password_with_a_wrong_code_reads_as_a_wrong_password(make_staff) -> None:
    person = make_staff("support")

    wrong_password = Client().post(
        LOGIN, {"username": person.username, "password": "nope", "otp_token": "000000"}
    )
    wrong_code = Client().post(
        LOGIN, {"username": person.username, "password": PASSWORD, "otp_token": "000000"}
    )
    no_code = Client().post(LOGIN, {"username": person.username, "password": PASSWORD})
    no_code_wrong_password = Client().post(LOGIN, {"username": person.username, "password": "x"})

    def text(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert wrong_password.status_code == wrong_code.status_code == no_code.status_code == 200
    assert text(wrong_password) == text(wrong_code)
    assert text(no_code) == text(no_code_wrong_password)


def test_an_idle_session_ends_and_is_audited(administrator, settings) -> None:
    client, person = administrator
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SENTINEL_CONSOLE_IDLE_SECONDS - 1
    session.save()

    response = client.get(reverse("console:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert staff_rows(person, AuditEvent.Action.STAFF_SESSION_EXPIRED)
    assert client.get(reverse("console:index")).status_code == 302


def test_an_active_session_stays_open(administrator) -> None:
    client, _person = administrator

    for _ in range(3):
        assert client.get(reverse("console:index")).status_code == 200


def test_logout_is_audited_and_closes_the_console(administrator) -> None:
    client, person = administrator

    response = client.post(reverse("console:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert staff_rows(person, AuditEvent.Action.STAFF_LOGOUT)
    assert client.get(reverse("console:index")).status_code == 302


def test_a_deactivated_staff_user_is_out_at_once(administrator) -> None:
    client, person = administrator

    staff.deactivate(by=ADMIN_CLI, user=person.user)

    assert client.get(reverse("console:index")).status_code == 302


def test_an_administrator_opens_every_console_page(administrator, console_objects) -> None:
    """The positive control of the tests above: the same pages do open for a verified
    administrator (403/405 only where nobody may, e.g. deleting, or POST-only pages)."""
    client, _person = administrator
    answers = {}

    for url in every_console_url(console_objects):
        answers[url] = status_of(client, url)

    assert set(answers.values()) <= {200, 403, 405}, answers
    assert sum(1 for status in answers.values() if status == 200) > 20
    assert answers[reverse("console:index")] == 200
    assert answers[reverse("console:logout")] == 405


def test_an_unknown_console_page_is_a_404_in_the_consoles_own_look(support) -> None:
    client, _person = support

    response = client.get("/console/clinics/ingen-side/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Siden findes ikke</h1>" in html
    assert "Siden findes ikke i konsollen." in html
    assert 'href="/console/"' in html and "Til konsollens forside" in html
    assert "console/console.css" in html  # the console's stylesheet, not the portal's
    assert "sentinel/site.css" not in html
    assert response["Cache-Control"] == "no-store"


def test_a_console_form_without_its_csrf_token_gets_the_consoles_403(make_staff) -> None:
    person = make_staff("support")
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/console/login/", {"username": person.username, "password": "x", "otp_token": ""}
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Du har ikke adgang</h1>" in html
    assert "Genindlæs siden, og prøv igen." in html
    assert "console/console.css" in html
