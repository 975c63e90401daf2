"""Quality networks through the portal's real HTTP and the real OpenID Connect login: the
owner answers invitations and consents to naming; the coordinator sees the network's figures
and its meeting pack, and reaches no clinic page, worklist or patient data."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sentinel.audit.models import AuditEvent
from sentinel.networks import actions
from sentinel.networks.models import Invitation, Membership
from sentinel.reports.aggregates import refresh_benchmark
from tests.factories import ClinicFactory
from tests.networks.conftest import COORDINATOR_UUID, OPERATOR, join, member_clinic
from tests.portal.conftest import PROVIDER_WARNINGS, log_in, person

pytestmark = [pytest.mark.django_db, *PROVIDER_WARNINGS]


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def networks_url(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/administrer/netvaerk/"


def test_the_owner_accepts_an_invitation_and_consents_to_naming(client, provider, network, project):
    clinic = member_clinic(project, 1)
    invitation = actions.invite(network, clinic, by=OPERATOR)
    log_in(client, provider, person(clinic, name="Karen Ejer"))

    page = client.get(networks_url(clinic)).content.decode()
    assert "Klynge Nordsjælland" in page and "Bliv medlem af Klynge Nordsjælland" in page

    response = client.post(
        networks_url(clinic),
        {"action": "accept", "invitation": invitation.pk, "named": "1"},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(network=network, clinic=clinic)
    assert membership.named_since is not None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.NETWORK_NAMING_CONSENTED, clinic=clinic
    ).exists()
    page = client.get(networks_url(clinic)).content.decode()
    assert "vises med navn i netværket" in page
    client.post(networks_url(clinic), {"action": "unname", "network": network.pk})
    membership.refresh_from_db()
    assert membership.named_since is None
    client.post(networks_url(clinic), {"action": "leave", "network": network.pk})
    membership.refresh_from_db()
    assert membership.left_at is not None


def test_someone_without_signing_rights_cannot_answer(client, provider, network, project):
    clinic = member_clinic(project, 1)
    invitation = actions.invite(network, clinic, by=OPERATOR)
    log_in(client, provider, person(clinic, may_sign=False))

    response = client.post(
        networks_url(clinic), {"action": "accept", "invitation": invitation.pk}, follow=True
    )

    assert "Kun den tegningsberettigede" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING
    assert not Membership.objects.exists()


def test_an_invitation_to_another_clinic_cannot_be_answered(client, provider, network, project):
    clinic, other = member_clinic(project, 1), member_clinic(project, 2)
    invitation = actions.invite(network, other, by=OPERATOR)
    log_in(client, provider, person(clinic))

    response = client.post(networks_url(clinic), {"action": "accept", "invitation": invitation.pk})

    assert response.status_code == 404
    assert not Membership.objects.exists()


@pytest.fixture
def network_with_members(network, project):
    clinics = [member_clinic(project, i, coded=10 + i) for i in range(5)]
    for i, clinic in enumerate(clinics):
        join(network, clinic, named=i == 0)
    refresh_benchmark()
    return clinics


def coordinator_login(client, provider) -> None:
    company = ClinicFactory.build()  # a CVR of no clinic in Sentinel
    log_in(client, provider, person(company, sub=COORDINATOR_UUID, name="Kirsten Koordinator"))


def test_the_coordinator_sees_the_aggregate_and_each_member(
    client, provider, network, network_with_members
):
    coordinator_login(client, provider)

    listing = client.get("/klinik/").content.decode()
    assert f'href="/netvaerk/{network.pk}/"' in listing
    page = client.get(f"/netvaerk/{network.pk}/").content.decode()

    assert "Netværket" in page
    assert "Netværksklinik 0" in page  # consented
    for clinic in network_with_members[1:]:
        assert clinic.name not in page  # lettered
    # Four members as letters (the row headers; the footnote names the scheme "Klinik A, B, …").
    assert len(set(re.findall(r'<th scope="row">Klinik ([A-Z])</th>', page))) == 4
    # 60 valid of 70 structured courses: 10+11+12+13+14 = 60 coded, 5 × 2 uncoded.
    assert "85,71" in page


def test_the_coordinators_meeting_pack_is_a_pdf_with_the_networks_figures(
    client, provider, network, network_with_members
):
    coordinator_login(client, provider)

    response = client.get(f"/netvaerk/{network.pk}/diagnosekodning.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Klynge Nordsjælland" in text
    assert "85,71" in text
    assert "Netværksklinik0" in re.sub(r"[\s-]", "", text)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_PACK_DOWNLOADED).exists()


def _every_portal_path(ydernummer: str, network_pk: int) -> list[str]:
    """Every portal URL pattern, filled in for a member clinic and the network."""
    values = {
        "ydernummer": ydernummer,
        "code": "diagnosekodning",
        "project": "diagnosekodning",
        "kind_slug": "databehandleraftale",
        "pk": "1",
        "vendor_id": "1",
        "table": "benchmark",
        "token": "x",
    }
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                if "i18n" in route:
                    continue
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                path = prefix + route
                for name, value in values.items():
                    path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
                found.append("/" + path)

    walk(get_resolver("sentinel.portal.urls").url_patterns, "")
    return [p.replace("/netvaerk/1/", f"/netvaerk/{network_pk}/") for p in found]


def test_the_coordinator_reaches_no_clinic_page_worklist_or_patient_data(
    client, provider, network, network_with_members
):
    coordinator_login(client, provider)
    member = network_with_members[0]
    allowed = {
        "/",
        "/healthz",
        "/klinik/",
        f"/netvaerk/{network.pk}/",
        f"/netvaerk/{network.pk}/diagnosekodning.pdf",
        "/login/fejl/",
    }
    walked = _every_portal_path(member.ydernummer, network.pk)
    assert any("arbejdsliste" in p or "/rapporter/" in p for p in walked)
    for path in walked:
        if path.startswith(("/login/", "/logout/", "/launch/", "/beskeder/")):
            continue  # the login, logout, launch and mail-link doors, no clinic data
        response = client.get(path)
        if path in allowed:
            assert response.status_code in (200, 302, 403), path
            continue
        assert response.status_code in (404, 405), (path, response.status_code)
    # The worklist export and the print view with the worklist are clinic pages too.
    for query in ("?arbejdsliste=1", "?medtag=arbejdsliste"):
        response = client.get(
            f"/klinik/{member.ydernummer}/rapporter/diagnosekodning/print/{query}"
        )
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.WORKLIST_VIEWED).exists()


def test_someone_who_is_neither_coordinator_nor_member_gets_404(
    client, provider, network, network_with_members, project
):
    outsider = member_clinic(project, 42)
    log_in(client, provider, person(outsider))

    assert client.get(f"/netvaerk/{network.pk}/").status_code == 404
    assert client.get(f"/netvaerk/{network.pk}/diagnosekodning.pdf").status_code == 404
