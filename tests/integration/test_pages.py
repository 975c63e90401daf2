"""The portal's pages through Django's test client: front page, health check, demo pages."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from sentinel.collection.status import check_status
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_on(settings):
    settings.DEMO = True
    return settings


@pytest.fixture
def demo_off(settings):
    settings.DEMO = False
    return settings


def test_front_page_is_danish_with_the_support_phone(client, demo_off) -> None:
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="da">' in content
    assert "Sentinel Kvalitets Data" in content
    assert "Sådan kommer du i gang" in content
    assert "8844 3131" in content
    assert "/demo/" not in content


def test_front_page_links_to_the_demo_in_demo_mode(client, demo_on) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/demo/"' in response.content.decode()


def test_front_page_refuses_post(client) -> None:
    response = client.post("/")

    assert response.status_code == 405


def test_healthz_reports_ok(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_demo_overview_is_not_found_outside_demo_mode(client, demo_off) -> None:
    ClinicFactory()

    response = client.get("/demo/")

    assert response.status_code == 404


def test_demo_status_is_not_found_outside_demo_mode(client, demo_off) -> None:
    clinic = ClinicFactory()

    response = client.get(f"/demo/klinik/{clinic.ydernummer}/status")

    assert response.status_code == 404


def test_demo_overview_lists_the_clinics_in_demo_mode(client, demo_on) -> None:
    clinics = ClinicFactory.create_batch(2)

    response = client.get("/demo/")

    assert response.status_code == 200
    content = response.content.decode()
    for clinic in clinics:
        assert f"/demo/klinik/{clinic.ydernummer}/status" in content
        assert escape(clinic.name) in content
    assert "Dit systemhus har ikke aktiveret Sentinel" in content


def test_demo_status_shows_every_check_in_danish(client, demo_on) -> None:
    clinic = ClinicFactory()
    report = check_status(clinic)

    response = client.get(f"/demo/klinik/{clinic.ydernummer}/status")

    assert response.status_code == 200
    content = response.content.decode()
    assert f"ydernummer {clinic.ydernummer}" in content
    for check in report.checks:
        assert escape(check.detail_da) in content


def test_demo_status_names_whom_to_contact_for_a_failing_check(client, demo_on) -> None:
    clinic = ClinicFactory()

    response = client.get(f"/demo/klinik/{clinic.ydernummer}/status")

    content = response.content.decode()
    assert "Dit systemhus har ikke aktiveret Sentinel" in content
    assert "Kræver handling" in content
    assert "<strong>Kontakt:</strong> dit systemhus" in content
    assert "<strong>Kontakt:</strong> sundhed.dk support, tlf. 4422 2080" in content


def test_demo_status_unknown_ydernummer_is_not_found(client, demo_on) -> None:
    response = client.get("/demo/klinik/123456/status")

    assert response.status_code == 404
