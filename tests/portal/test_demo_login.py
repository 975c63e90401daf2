"""The demo's login: demo users for telling clinics, listed on the demo page, served by the
local provider as a separate process (``sentinel demo``) or in a thread (tests)."""

from __future__ import annotations

import socket
from html import escape

import httpx
import pytest
from django.utils import timezone

from sentinel.demo.nation import build_nation
from sentinel.demo.oidc import demo_users, start_provider_process
from sentinel.demo.vendor import push_year
from sentinel.reports.aggregates import refresh_benchmark
from tests.portal.conftest import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def nation(db):
    build_nation(today=timezone.localdate(), clinics_count=40)


def test_demo_users_act_for_clinics_in_telling_states(nation) -> None:
    users = demo_users()

    by_role = {u.role.split(":")[0]: u for u in users}
    employee = by_role["Ansat uden ret til at underskrive"]
    low = by_role["Login på for lavt sikringsniveau til at underskrive"]
    owner_to_sign = by_role["Har ikke underskrevet databehandleraftalen"]
    assert not employee.may_sign and low.assurance_level == "low"
    # The users showing a refusal have a clinic of their own, where no demo user can sign.
    assert employee.ydernummer == low.ydernummer != owner_to_sign.ydernummer
    assert not [
        u
        for u in users
        if u.ydernummer == employee.ydernummer and u.may_sign and u.assurance_level != "low"
    ]
    assert len({u.sub for u in users}) == len(users)
    assert demo_users() == users  # the same ids every time
    assert not any(u.name.startswith("Demo") for u in users)  # real-looking names
    owner = users[0]
    assert owner.label == f"Karen Hansen – {owner.role} · {owner.clinic_name} ({owner.ydernummer})"


def test_demo_page_lists_whom_to_log_in_as(client, settings, nation) -> None:
    settings.DEMO = True

    content = client.get("/demo/").content.decode()

    for user in demo_users():
        assert user.sub in content
        assert user.cvr in content


def test_a_demo_user_logs_in_and_reaches_only_their_clinic(client, provider, nation) -> None:
    owner = demo_users()[0]

    log_in(client, provider, owner)

    assert client.get(f"/klinik/{owner.ydernummer}/").status_code == 200
    other = next(u for u in demo_users() if u.cvr != owner.cvr)
    assert client.get(f"/klinik/{other.ydernummer}/").status_code == 404


def test_the_first_demo_user_reaches_a_clinic_with_an_open_report(client, provider, db) -> None:
    """As `sentinel demo` builds it: the nation, its year of data through the API and the
    benchmark; the demo's first login ("Alt i orden") opens a report with figures."""
    created = build_nation(today=timezone.localdate(), clinics_count=40)
    push_year(stories=created, today=timezone.localdate())
    refresh_benchmark()
    owner = demo_users()[0]
    assert owner.role.startswith("Alt i orden")

    log_in(client, provider, owner)
    reports = client.get(f"/klinik/{owner.ydernummer}/rapporter/")
    tab = client.get(reports["Location"])

    assert reports.status_code == 302
    content = tab.content.decode()
    assert tab.status_code == 200
    assert 'id="tabel-top_codes"' in content
    assert "Rapporten åbner" not in content
    assert "Arbejdsliste" in content


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_demo_provider_runs_as_its_own_process(nation) -> None:
    users = demo_users()
    port = _free_port()

    process = start_provider_process(users, port=port)
    try:
        discovery = httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration")
        assert discovery.json()["issuer"] == f"http://127.0.0.1:{port}"
        page = httpx.get(
            f"http://127.0.0.1:{port}/oauth2/authorize",
            params={
                "client_id": "sentinel",
                "response_type": "code",
                "scope": "openid profile",
                "redirect_uri": "http://127.0.0.1:8000/login/callback/",
            },
        )
        for user in users:  # offered as a one-click user, by name, what they show and clinic
            assert f'value="{user.sub}">{escape(user.label)}</button>' in page.text
            assert f">{user.sub}</button>" not in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_demo_user_logs_in_twice_around_a_signature(provider, nation) -> None:
    """The demo walked twice: every user logs in and reaches their clinic; the unsigned
    clinic's owner signs the DPA; everyone logs in again, as the same people."""
    from django.test import Client

    from sentinel.agreements.models import Document, DpaSignature

    users = demo_users()
    for _round in range(2):
        for user in users:
            client = Client()
            log_in(client, provider, user)
            assert client.get(f"/klinik/{user.ydernummer}/").status_code == 200, user.name
        signer = next(u for u in users if u.role.startswith("Har ikke underskrevet"))
        client = Client()
        dpa = f"/klinik/{signer.ydernummer}/databehandleraftale/"
        log_in(client, provider, signer, dpa, fresh=True)
        document = Document.objects.current("dpa")
        assert document is not None
        client.post(dpa, {"version": document.version})
        assert DpaSignature.objects.filter(clinic__ydernummer=signer.ydernummer).exists()
        assert demo_users() == users  # the same identities after the signature
