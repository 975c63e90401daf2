"""The portal's audit rows: logins and logouts (``portal.login``, ``portal.logout``), and every
worklist shown or downloaded in the portal, audited as the clinic user who saw it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.collection.pipeline import ingest
from sentinel.lib.dates import add_months
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, course, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db

WORKLIST_VIEWED = "report.worklist_viewed"


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(), vendor)


def _rows(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_login_is_audited_as_the_person_for_their_cvr(client, provider, clinic) -> None:
    user = person(clinic, name="Karen Ejer", assurance_level="high")

    log_in(client, provider, user)

    [row] = _rows("portal.login")
    assert row.actor_kind == AuditEvent.ActorKind.CLINIC_USER
    assert row.actor_id == user.sub
    assert row.actor_name == "Karen Ejer"
    assert row.details == {
        "cvr": clinic.cvr,
        "assurance_level": "high",
        "may_sign": True,
        "to_sign": False,
    }


def test_a_login_to_sign_is_audited_as_such(client, provider, clinic) -> None:
    user = person(clinic)

    log_in(client, provider, user, f"/klinik/{clinic.ydernummer}/databehandleraftale/", fresh=True)

    [row] = _rows("portal.login")
    assert row.details["to_sign"] is True


def test_a_refused_login_writes_no_login_row(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic, sub="not-a-uuid"))

    assert _rows("portal.login") == []


def test_logout_is_audited_as_the_person_who_was_logged_in(client, provider, clinic) -> None:
    user = person(clinic)
    log_in(client, provider, user)

    response = client.post("/logout/")

    assert response.status_code == 302
    [row] = _rows("portal.logout")
    assert row.actor_id == user.sub
    assert row.details == {"cvr": clinic.cvr}
    assert client.get(f"/klinik/{clinic.ydernummer}/").status_code == 302  # logged out


def test_logout_of_a_launch_session_is_audited_as_the_practice_system_user(
    client, clinic, vendor
) -> None:
    client.get(launch_path(clinic, vendor, user_id="u-9", name="Ida"))

    client.post("/logout/")

    [row] = _rows("portal.logout")
    assert row.actor_kind == AuditEvent.ActorKind.CLINIC_USER
    assert row.actor_id == f"{vendor.slug}:u-9"
    assert row.clinic_id == clinic.pk
    assert row.details == {"launch_vendor": vendor.slug}


def test_logout_without_a_session_writes_nothing(client) -> None:
    response = client.post("/logout/")

    assert response.status_code == 302
    assert _rows("portal.logout") == []


def test_logout_needs_a_post(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic))

    assert client.get("/logout/").status_code == 405
    assert _rows("portal.logout") == []


# --- worklists: audited as the clinic user who saw them ---------------------------------------


@pytest.fixture
def open_report(clinic, vendor):
    start = add_months(timezone.localdate(), -4)
    onboard(clinic, on=start)
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[course("MANGLER-1", start + dt.timedelta(days=3), "L03")],
    )
    return clinic


def _worklist_urls(clinic) -> list[str]:
    base = f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/"
    return [base, f"{base}print/?arbejdsliste=med", f"{base}csv/worklist/"]


def test_every_worklist_in_the_portal_is_audited_as_the_logged_in_person(
    client, provider, open_report
) -> None:
    user = person(open_report, name="Karen Ejer")
    log_in(client, provider, user)

    for url in _worklist_urls(open_report):
        before = len(_rows(WORKLIST_VIEWED))
        response = client.get(url)
        assert response.status_code == 200, url
        assert "MANGLER-1" in response.content.decode("utf-8-sig"), url
        rows = _rows(WORKLIST_VIEWED)
        assert len(rows) == before + 1, url
        assert rows[-1].actor_kind == AuditEvent.ActorKind.CLINIC_USER
        assert rows[-1].actor_id == user.sub
        assert rows[-1].actor_name == "Karen Ejer"
        assert rows[-1].clinic_id == open_report.pk
    printed = _rows("report.worklist_printed")
    assert [(r.actor_id, r.clinic_id, r.details["rows"]) for r in printed] == [
        (user.sub, open_report.pk, 1)
    ]


def test_every_worklist_in_a_launch_session_is_audited_as_the_practice_system_user(
    client, vendor, open_report
) -> None:
    client.get(launch_path(open_report, vendor, user_id="u-3", name="Ida"))

    for url in _worklist_urls(open_report):
        assert client.get(url).status_code == 200, url

    rows = _rows(WORKLIST_VIEWED)
    assert len(rows) == 3
    assert {(r.actor_kind, r.actor_id) for r in rows} == {
        (AuditEvent.ActorKind.CLINIC_USER, f"{vendor.slug}:u-3")
    }


def test_a_report_without_the_worklist_csv_writes_no_worklist_row(
    client, provider, open_report
) -> None:
    log_in(client, provider, person(open_report))

    base = f"/klinik/{open_report.ydernummer}/rapporter/diagnosekodning/"
    assert client.get(f"{base}csv/top_codes/").status_code == 200

    assert _rows(WORKLIST_VIEWED) == []
