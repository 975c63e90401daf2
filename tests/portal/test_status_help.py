"""Tjek status (the checklist with marks, what to do, whom to call, the vendor's menu text) and
Kom godt i gang (the seed guide's steps against the clinic's state)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.collection.pipeline import ingest
from sentinel.collection.status import check_status
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, course, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db


def nine(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


@pytest.fixture
def vendor(db):
    return VendorFactory(menu_help_da="Sentinel ligger under Funktioner → Kvalitet.")


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(), vendor)


@pytest.fixture
def logged_in(client, provider, clinic):
    log_in(client, provider, person(clinic))


def test_status_of_a_new_clinic_says_what_to_do_and_whom_to_call(client, clinic, logged_in) -> None:
    response = client.get(f"/klinik/{clinic.ydernummer}/status/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Tjek om opsamling af data fungerer" in content
    assert "✓</span> I orden" in content  # activation: a mark and a word, not colour only
    assert "✗</span> Kræver handling" in content
    assert "Du har ikke underskrevet databehandleraftalen" in content
    assert "<strong>Kontakt:</strong> sundhed.dk support, tlf. 4422 2080" in content
    assert f'href="/klinik/{clinic.ydernummer}/databehandleraftale/"' in content
    assert f'href="/klinik/{clinic.ydernummer}/administrer/"' in content
    assert "Sentinel ligger under Funktioner → Kvalitet." in content


def test_status_is_green_once_data_arrives(client, clinic, vendor, logged_in) -> None:
    onboard(clinic)
    ingest(vendor=vendor, clinic=clinic, records=[course("E-1", timezone.localdate())])
    report = check_status(clinic)
    assert [c.state for c in report.checks if c.check != "report"] == ["ok"] * 5

    content = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()

    assert "Kræver handling" not in content
    assert "Vi modtager data til Diagnosekodning" in content
    assert "Den første rapport åbner" in content


def test_help_page_walks_the_seed_guides_steps_against_the_clinic(
    client, clinic, logged_in
) -> None:
    response = client.get(f"/klinik/{clinic.ydernummer}/kom-godt-i-gang/")

    content = response.content.decode()
    assert response.status_code == 200
    for title in (
        "Dit systemhus aktiverer Sentinel",
        "Underskriv databehandleraftalen",
        "Godkend samtykkeerklæringen (Praksis samtykke)",
        "Tilmeld dig projekter under Administrer",
        "Dit praksissystem sender data",
        "Se dine rapporter",
    ):
        assert title in content
    assert "Jeg har ingen rapporter" in content
    assert '<li class="step ok">' in content  # step 1: activated
    assert '<li class="step action_needed" aria-current="step">' in content  # 2: DPA missing
    assert "Trin 1 af 3: Underskriv databehandleraftalen" in content  # one step at a time
    assert "Før du går i gang:</span> <strong>Dit systemhus aktiverer Sentinel" in content
    assert content.count("Gå til databehandleraftalen") == 1  # one way on, not two
    assert "Sentinel ligger under Funktioner → Kvalitet." in content
    assert "8844 3131" in content


def test_menu_summarises_the_status(client, clinic, logged_in) -> None:
    content = client.get(f"/klinik/{clinic.ydernummer}/").content.decode()

    assert "punkter kræver handling" in content
    assert "Kræver din godkendelse" in content
    assert "Kræver din underskrift" in content


def test_status_names_the_systemhus_with_phone_and_email_where_it_says_whom_to_call(
    client, provider, vendor
) -> None:
    """Data stopped arriving 38 days ago: the systemhus that stopped sending is named with its
    phone and e-mail first, then Sentinel support; "Hvem kan hjælpe?" names it too."""
    past = timezone.localdate() - dt.timedelta(days=40)
    clinic = ClinicFactory()
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=nine(past))
    onboard(clinic, on=past)
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[course("E-1", past + dt.timedelta(days=1))],
        now=nine(past + dt.timedelta(days=2)),
    )
    log_in(client, provider, person(clinic))

    content = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()

    house = (
        f"{vendor.name}, tlf. {vendor.support_phone}, "
        f'<a href="mailto:{vendor.support_email}">{vendor.support_email}</a>'
    )
    assert f"<strong>Kontakt:</strong> {house}</p>" in content
    assert content.index(house) < content.index("<strong>Kontakt:</strong> Sentinel support")
    assert (
        "Sentinel er ikke aktiveret, du mangler menupunktet, eller data er holdt op med at "
        f"komme: {house}."
    ) in content
    assert "dit systemhus</" not in content


def test_without_an_active_systemhus_the_portal_says_your_systemhus_in_each_language(
    client, provider
) -> None:
    clinic = ClinicFactory()
    log_in(client, provider, person(clinic))

    danish = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()

    assert "<strong>Kontakt:</strong> dit systemhus</p>" in danish
    assert "<strong>Contact:</strong> your practice system vendor</p>" in english


def test_inside_the_practice_system_the_pages_do_not_explain_where_its_menu_is(
    client, clinic, vendor
) -> None:
    client.get(launch_path(clinic, vendor))

    for page in ("status/", "kom-godt-i-gang/", ""):
        content = client.get(f"/klinik/{clinic.ydernummer}/{page}").content.decode()
        assert "Sentinel ligger under Funktioner → Kvalitet." not in content, page
        assert "Sentinel-menuen i dit praksissystem</h2>" not in content, page


def test_the_guided_path_in_english(client, clinic, logged_in) -> None:
    client.cookies["django_language"] = "en"

    content = client.get(f"/klinik/{clinic.ydernummer}/kom-godt-i-gang/").content.decode()

    assert "Step 1 of 3: Sign the data processing agreement" in content
    assert "Before you start:</span> <strong>Your practice system vendor activates Sentinel" in (
        content
    )
    menu = client.get(f"/klinik/{clinic.ydernummer}/").content.decode()
    assert "Next step (1 of 3): Sign the data processing agreement" in menu
