"""Systemhuse under Administrer and on the DPA signing page: the owner (a login with signing
rights for the clinic's CVR) approves, refuses and ends the vendors that serve the clinic;
nobody else can, and every decision is audited."""

from __future__ import annotations

import pytest

from sentinel.agreements.models import Document
from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Activation, ActivationRequest
from sentinel.collection import approvals
from sentinel.collection.status import check_status
from tests.factories import ClinicFactory, VendorFactory, valid_cvr
from tests.portal.conftest import activated, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(db):
    return VendorFactory(name="Første System A/S")


@pytest.fixture
def clinic(first):
    clinic = activated(ClinicFactory(), first)
    onboard(clinic)
    return clinic


@pytest.fixture
def asking(clinic):
    """A second vendor asking to serve the (onboarded) clinic: pending."""
    vendor = VendorFactory(name="Andet System A/S")
    answer = approvals.request_activation(
        vendor=vendor, ydernummer=clinic.ydernummer, cvr=clinic.cvr, name="x", speciale="51"
    )
    assert not answer.activated
    return ActivationRequest.objects.get(vendor=vendor)


def admin_url(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/administrer/"


def decide_url(clinic, request) -> str:
    return f"/klinik/{clinic.ydernummer}/administrer/systemhuse/{request.pk}/"


def test_the_owner_sees_the_request_first_and_approves_it(client, provider, clinic, asking):
    log_in(client, provider, person(clinic))

    menu = client.get(f"/klinik/{clinic.ydernummer}/").content.decode()
    page = client.get(admin_url(clinic)).content.decode()
    response = client.post(decide_url(clinic, asking), {"decision": "approve"})

    assert 'data-check="vendor_approval"' in menu and "Andet System A/S" in menu
    assert "Venter på dit svar" in page and "Godkend Andet System A/S" in page
    assert response.status_code == 302
    assert Activation.objects.active().filter(clinic=clinic, vendor=asking.vendor).exists()
    event = AuditEvent.objects.get(action="vendor.approved")
    assert event.actor_kind == "clinic_user" and event.details["vendor"] == asking.vendor.slug
    assert [c.check for c in check_status(clinic).checks].count("vendor_approval") == 0


def test_a_refused_vendor_reaches_nothing_and_the_status_says_so(client, provider, clinic, asking):
    log_in(client, provider, person(clinic))

    client.post(decide_url(clinic, asking), {"decision": "refuse"})

    assert not Activation.objects.filter(vendor=asking.vendor).exists()
    asking.refresh_from_db()
    assert asking.state == "refused"
    line = next(c for c in check_status(clinic).checks if c.check == "vendor_approval")
    assert line.ok and "Andet System A/S" in line.detail_da


@pytest.mark.parametrize("how", ["employee", "launch", "other_cvr"])
def test_nobody_but_the_owner_can_decide(client, provider, clinic, asking, first, how):
    if how == "employee":
        log_in(client, provider, person(clinic, may_sign=False))
    elif how == "launch":
        client.get(launch_path(clinic, first))
    else:
        other = ClinicFactory(cvr=valid_cvr(4242))
        log_in(client, provider, person(other))

    page = client.get(admin_url(clinic))
    response = client.post(decide_url(clinic, asking), {"decision": "approve"})

    if how == "other_cvr":
        assert (page.status_code, response.status_code) == (404, 404)
    else:
        assert "Godkend Andet System A/S" not in page.content.decode()
        assert "Kun den tegningsberettigede" in page.content.decode()
    assert not Activation.objects.filter(vendor=asking.vendor).exists()
    assert not AuditEvent.objects.filter(action="vendor.approved").exists()


def test_the_owner_ends_a_vendor_and_history_is_kept(client, provider, clinic, first):
    log_in(client, provider, person(clinic))

    client.post(f"/klinik/{clinic.ydernummer}/administrer/systemhuse/{first.pk}/afslut/")

    activation = Activation.objects.get(clinic=clinic, vendor=first)
    assert activation.deactivated_at is not None
    page = client.get(admin_url(clinic)).content.decode()
    assert "Intet systemhus overfører data for klinikken." in page
    assert "Første System A/S" in page  # the history


def test_signing_the_dpa_names_the_vendors_and_refuses_the_unticked(client, provider, first):
    clinic = activated(ClinicFactory(), first)  # a new clinic: activated at once
    second = VendorFactory(name="Andet System A/S")
    approvals.request_activation(
        vendor=second, ydernummer=clinic.ydernummer, cvr=clinic.cvr, name="x", speciale="51"
    )  # no DPA, no data, but another vendor serves it: pending, not on the signing page
    dpa = f"/klinik/{clinic.ydernummer}/databehandleraftale/"
    log_in(client, provider, person(clinic), dpa, fresh=True)

    page = client.get(dpa).content.decode()
    document = Document.objects.current("dpa")
    assert document is not None
    response = client.post(dpa, {"version": document.version, "vendor_offered": [first.pk]})

    assert "Jeg godkender, at Første System A/S overfører klinikkens data" in page
    assert "Andet System A/S" not in page
    assert response.status_code == 302
    assert Activation.objects.get(clinic=clinic, vendor=first).deactivated_at is not None
    refused = AuditEvent.objects.get(action="vendor.refused")
    assert refused.details == {"vendor": first.slug, "at_signing": True}


def test_signing_with_the_vendor_ticked_confirms_it(client, provider, first):
    clinic = activated(ClinicFactory(), first)
    dpa = f"/klinik/{clinic.ydernummer}/databehandleraftale/"
    log_in(client, provider, person(clinic), dpa, fresh=True)
    document = Document.objects.current("dpa")
    assert document is not None

    client.post(
        dpa, {"version": document.version, "vendor_offered": [first.pk], "vendor": [first.pk]}
    )

    assert Activation.objects.active().filter(clinic=clinic, vendor=first).exists()
    assert AuditEvent.objects.get(action="vendor.approved").details["at_signing"] is True
