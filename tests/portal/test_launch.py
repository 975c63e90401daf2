"""Opening Sentinel from the practice system: a single-use, short-lived launch link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.clinics.launch import LaunchLink
from sentinel.portal.oidc import IDENTITY_KEY, LAUNCH_KEY
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, launch_path, log_in, person

pytestmark = pytest.mark.django_db

MENU = ("Administrer", "Praksis samtykke", "Underskriv ny databehandleraftale")


@pytest.fixture
def vendor(db):
    return VendorFactory(name="Fysiodata Test A/S")


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(name="Klinik Nord"), vendor)


def test_launch_shows_the_menu_with_the_seeds_three_entries(client, clinic, vendor) -> None:
    response = client.get(launch_path(clinic, vendor, "u-7", "Ida Hansen"))

    assert response.status_code == 200
    content = response.content.decode()
    for entry in MENU:
        assert entry in content
    assert "Klinik Nord" in content
    assert "Åbnet fra Fysiodata Test A/S for Ida Hansen" in content
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_launch_logs_the_user_in_for_that_clinic(client, clinic, vendor) -> None:
    client.get(launch_path(clinic, vendor, "u-7", "Ida Hansen"))

    launch = client.session[LAUNCH_KEY]
    assert launch["clinic_id"] == clinic.pk
    assert launch["user_id"] == "u-7"
    assert client.get(f"/klinik/{clinic.ydernummer}/administrer/").status_code == 200
    assert client.get(f"/klinik/{clinic.ydernummer}/status/").status_code == 200


def test_launch_link_works_only_once(client, clinic, vendor) -> None:
    path = launch_path(clinic, vendor)
    client.get(path)

    other = type(client)()
    again = other.get(path)

    assert again.status_code == 410
    assert "allerede brugt" in again.content.decode()
    assert LAUNCH_KEY not in other.session
    assert AuditEvent.objects.filter(action="launch.used").count() == 1


def test_reloading_the_launch_page_in_the_same_session_shows_the_menu(client, clinic, vendor):
    path = launch_path(clinic, vendor)
    client.get(path)

    again = client.get(path)

    assert again.status_code == 302
    assert again["Location"] == f"/klinik/{clinic.ydernummer}/"


def test_expired_launch_link_is_refused(client, clinic, vendor) -> None:
    path = launch_path(clinic, vendor)
    LaunchLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.get(path)

    assert response.status_code == 410
    assert "udløbet" in response.content.decode()
    assert client.get(f"/klinik/{clinic.ydernummer}/").status_code == 302


def test_unknown_launch_token_is_not_found(client) -> None:
    response = client.get("/launch/not-a-token")

    assert response.status_code == 404
    assert "findes ikke" in response.content.decode()


def test_launch_starts_a_new_session_dropping_an_earlier_login(
    client, provider, clinic, vendor
) -> None:
    other_clinic = ClinicFactory()
    log_in(client, provider, person(other_clinic))
    before = client.session.session_key

    client.get(launch_path(clinic, vendor))

    assert client.session.session_key != before
    assert IDENTITY_KEY not in client.session
    assert client.get(f"/klinik/{other_clinic.ydernummer}/").status_code == 404


def test_launch_session_ends_after_the_maximum_age(client, clinic, vendor, settings) -> None:
    client.get(launch_path(clinic, vendor))
    settings.SENTINEL_PORTAL_MAX_SESSION_SECONDS = -1

    response = client.get(f"/klinik/{clinic.ydernummer}/")

    assert response.status_code == 302
    assert LAUNCH_KEY not in client.session


def test_launch_menu_fits_a_narrow_window(client, clinic, vendor) -> None:
    content = client.get(launch_path(clinic, vendor)).content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in content
