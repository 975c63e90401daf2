"""Login through a real OpenID Connect provider: authorization code + PKCE, claims, refusals."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.contrib.auth import get_user_model

from sentinel.portal.oidc import IDENTITY_KEY
from tests.factories import ClinicFactory
from tests.portal.conftest import log_in, path_of, person, query_of, start_login

pytestmark = pytest.mark.django_db


def test_login_sends_an_authorization_code_request_with_pkce(client, provider) -> None:
    authorize = start_login(client)

    query = query_of(authorize)
    assert authorize.startswith(f"{provider.issuer}/oauth2/authorize?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "sentinel"
    assert query["scope"] == "openid profile"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://testserver/login/callback/"
    state = client.session["oidc_states"][query["state"]]
    verifier = state["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert query["nonce"] == state["nonce"]
    assert "prompt" not in query


def test_login_end_to_end_reaches_the_clinic_of_the_users_cvr(client, provider) -> None:
    clinic = ClinicFactory()
    user = person(clinic, name="Karen Klinikejer")

    response = log_in(client, provider, user)

    assert response.status_code == 302
    assert response["Location"] == "/klinik/"
    identity = client.session[IDENTITY_KEY]
    assert identity["person_uuid"] == user.sub
    assert identity["cvr"] == clinic.cvr
    assert identity["may_sign"] is True
    assert identity["assurance_level"] == "substantial"
    page = client.get("/klinik/", follow=True)
    assert page.redirect_chain[-1][0] == f"/klinik/{clinic.ydernummer}/"
    content = page.content.decode()
    assert "Logget ind som Karen Klinikejer" in content
    for entry in ("Administrer", "Praksis samtykke", "Underskriv ny databehandleraftale"):
        assert entry in content


def test_login_creates_a_user_that_is_not_staff_and_has_no_password(client, provider) -> None:
    clinic = ClinicFactory()
    user = person(clinic)

    log_in(client, provider, user)

    account = get_user_model().objects.get(username=f"clinic-user-{user.sub}")
    assert not account.is_staff
    assert not account.is_superuser
    assert not account.has_usable_password()


def test_login_lists_every_clinic_of_the_cvr(client, provider) -> None:
    first = ClinicFactory(name="Klinik Øst")
    second = ClinicFactory(name="Klinik Vest", cvr=first.cvr)
    ClinicFactory(name="Anden virksomheds klinik")

    log_in(client, provider, person(first))
    page = client.get("/klinik/")

    content = page.content.decode()
    assert page.status_code == 200
    assert "Klinik Øst" in content
    assert "Klinik Vest" in content
    assert "Anden virksomheds klinik" not in content
    assert second.ydernummer in content


def test_login_goes_back_to_the_page_asked_for(client, provider) -> None:
    clinic = ClinicFactory()

    response = log_in(client, provider, person(clinic), f"/klinik/{clinic.ydernummer}/status/")

    assert response["Location"] == f"/klinik/{clinic.ydernummer}/status/"


def test_login_never_goes_back_to_another_host(client, provider) -> None:
    clinic = ClinicFactory()

    response = log_in(client, provider, person(clinic), "https://evil.example/phish")

    assert response["Location"] == "/klinik/"


def test_login_without_a_cvr_claim_is_refused_with_a_reason(client, provider) -> None:
    clinic = ClinicFactory()
    user = person(clinic, cvr="")

    response = log_in(client, provider, user)

    assert response["Location"] == "/login/fejl/"
    assert IDENTITY_KEY not in client.session
    page = client.get("/login/fejl/")
    assert page.status_code == 403
    assert "ikke knyttet til et CVR-nummer" in page.content.decode()


def test_login_with_an_invalid_cvr_is_refused(client, provider) -> None:
    clinic = ClinicFactory()

    response = log_in(client, provider, person(clinic, cvr="12345678"))

    assert response["Location"] == "/login/fejl/"
    assert "ikke er gyldigt" in client.get("/login/fejl/").content.decode()


def test_login_with_a_subject_that_is_not_a_uuid_is_refused(client, provider) -> None:
    clinic = ClinicFactory()

    response = log_in(client, provider, person(clinic, sub="not-a-uuid"))

    assert response["Location"] == "/login/fejl/"
    assert "person-id" in client.get("/login/fejl/").content.decode()


def test_login_denied_at_the_provider_leaves_the_user_logged_out(client, provider) -> None:
    authorize = start_login(client)

    callback = provider.deny(authorize)
    response = client.get(path_of(callback))

    assert response["Location"] == "/login/fejl/"
    assert "afbrudt" in client.get("/login/fejl/").content.decode()
    assert client.get("/klinik/")["Location"].startswith("/login/")


def test_callback_with_a_forged_code_is_refused(client, provider) -> None:
    authorize = start_login(client)
    state = query_of(authorize)["state"]

    response = client.get("/login/callback/", {"code": "forged", "state": state})

    assert response["Location"] == "/login/fejl/"
    assert IDENTITY_KEY not in client.session


def test_callback_with_an_unknown_state_is_a_bad_request(client, provider) -> None:
    start_login(client)

    response = client.get("/login/callback/", {"code": "x", "state": "not-ours"})

    assert response.status_code == 400


def test_fresh_login_asks_the_provider_to_authenticate_again(client, provider, settings) -> None:
    settings.SENTINEL_OIDC_SIGNING_ACR_VALUES = (
        "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    )

    query = query_of(start_login(client, "/klinik/", fresh=True))

    assert query["prompt"] == "login"
    assert query["max_age"] == "0"
    assert query["acr_values"] == settings.SENTINEL_OIDC_SIGNING_ACR_VALUES


def test_login_page_says_so_when_no_provider_is_configured(client, settings) -> None:
    settings.SENTINEL_OIDC_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""

    response = client.get("/login/")

    assert response.status_code == 503
    assert "Login er ikke tilgængeligt" in response.content.decode()


def test_login_page_says_so_when_the_provider_does_not_answer(client, settings) -> None:
    settings.SENTINEL_OIDC_ISSUER = "http://127.0.0.1:9"

    response = client.get("/login/")

    assert response.status_code == 503


def test_logout_ends_the_portal_session(client, provider) -> None:
    clinic = ClinicFactory()
    log_in(client, provider, person(clinic))

    response = client.post("/logout/")

    assert response["Location"] == "/"
    assert client.get(f"/klinik/{clinic.ydernummer}/")["Location"].startswith("/login/")


def test_logout_refuses_get(client) -> None:
    assert client.get("/logout/").status_code == 405
