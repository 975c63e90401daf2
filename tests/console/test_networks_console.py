"""Quality networks in the console: the operator creates a network with its coordinator and
invites clinics (audited as the staff user); support may look but not create; an unknown
ydernummer is refused with nothing stored."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from sentinel.audit.models import AuditEvent
from sentinel.networks.models import Invitation, Membership, Network
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db

ADD = reverse("console:networks_network_add")
COORDINATOR = str(uuid.UUID(int=7))


def test_the_operator_creates_a_network_and_invites_clinics(project_manager) -> None:
    client, person = project_manager
    a, b = ClinicFactory(), ClinicFactory()

    response = client.post(
        ADD,
        {
            "name": "Klynge Fyn",
            "coordinators": COORDINATOR,
            "invite": f"{a.ydernummer}\n{b.ydernummer}",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    network = Network.objects.get(name="Klynge Fyn")
    assert list(network.coordinators.values_list("person_uuid", flat=True)) == [COORDINATOR]
    assert sorted(i.clinic_id for i in Invitation.objects.filter(network=network)) == sorted(
        [a.pk, b.pk]
    )
    assert not Membership.objects.exists()  # only the owner's acceptance makes a member
    invited = AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_INVITED)
    assert {e.actor_id for e in invited} == {person.username}
    page = client.get(
        reverse("console:networks_network_change", args=[network.pk])
    ).content.decode()
    assert "Afventer klinikkens svar" in page


def test_an_unknown_ydernummer_is_refused_and_nothing_stored(project_manager) -> None:
    client, _person = project_manager

    response = client.post(ADD, {"name": "Klynge Fyn", "coordinators": "", "invite": "999999"})

    assert response.status_code == 200
    assert "Ukendt ydernummer: 999999" in response.content.decode()
    assert not Network.objects.exists()


def test_support_cannot_create_a_network(support) -> None:
    client, _person = support

    response = client.post(ADD, {"name": "Klynge Fyn", "coordinators": "", "invite": ""})

    assert response.status_code == 403
    assert not Network.objects.exists()
