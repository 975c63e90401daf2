"""The portal's error pages: Danish (or English) words in the portal's layout, who is logged in,
and the way back; the vendor API keeps its JSON error body."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from sentinel.urls import server_error
from tests.factories import ClinicFactory
from tests.portal.conftest import log_in, person

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_danish_404_in_the_portal_layout(client) -> None:
    response = client.get("/klinik/999999/ingen-side/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Siden findes ikke</h1>" in html
    assert "eller du har ikke adgang til den med dit login" in html
    assert 'href="/"' in html and "Til forsiden" in html
    assert "8844 3131" in html
    assert "Not Found" not in html


def test_another_clinics_page_names_who_is_logged_in_and_links_back(client, provider) -> None:
    mine, theirs = ClinicFactory(), ClinicFactory()
    user = person(mine, name="Lise Ejer")
    log_in(client, provider, user)

    response = client.get(f"/klinik/{theirs.ydernummer}/administrer/")

    html = response.content.decode()
    assert response.status_code == 404
    assert f"Logget ind som Lise Ejer (CVR {mine.cvr})" in html
    assert 'href="/klinik/"' in html and "Til dine klinikker" in html
    assert theirs.name not in html
    assert response["Cache-Control"] == "no-store"


def test_the_error_page_is_english_when_english_is_chosen(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/ingen-side/")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_api_answers_an_unknown_path_with_its_json_error(client) -> None:
    response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_server_error_page_renders_without_a_session_or_database() -> None:
    request = RequestFactory().get("/klinik/")  # no session, no user: nothing to read

    response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Der skete en fejl hos Sentinel</h1>" in html
    assert "Intet er gemt halvt" in html
