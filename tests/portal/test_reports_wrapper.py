"""The Rapporter tab slot: the reports app's tab rendered behind the portal's login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from sentinel.lib.dates import add_months
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, log_in, onboard, person

pytestmark = pytest.mark.django_db


def _reports_ready() -> bool:
    try:
        from sentinel.reports.pages import render_tab_html  # noqa: F401

        get_template("reports/tab.html")
    except (ImportError, TemplateDoesNotExist):
        return False
    return True


@pytest.fixture
def clinic(db):
    vendor = VendorFactory()
    return activated(ClinicFactory(), vendor)


def test_reports_without_enrolment_say_why_there_are_none(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic))

    response = client.get(f"/klinik/{clinic.ydernummer}/rapporter/")

    assert response.status_code == 200
    assert "Der er ingen rapporter endnu" in response.content.decode()


def test_report_tab_of_a_project_without_enrolment_is_not_found(client, provider, clinic):
    log_in(client, provider, person(clinic))

    response = client.get(f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/")

    assert response.status_code == 404


def test_reports_lead_to_the_first_project_tab(client, provider, clinic) -> None:
    onboard(clinic, on=add_months(timezone.localdate(), -4))
    log_in(client, provider, person(clinic))

    response = client.get(f"/klinik/{clinic.ydernummer}/rapporter/")

    assert response.status_code == 302
    assert response["Location"] == f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/"


@pytest.mark.skipif(not _reports_ready(), reason="the reports app's tab is not there yet")
def test_report_tab_renders_inside_the_portal(client, provider, clinic) -> None:
    onboard(clinic, on=add_months(timezone.localdate(), -4) - dt.timedelta(days=1))
    log_in(client, provider, person(clinic))

    response = client.get(f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Diagnosekodning" in content
    assert f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/print/" in content


@pytest.mark.skipif(not _reports_ready(), reason="the reports app's tab is not there yet")
def test_print_view_and_worklist_csv_are_behind_the_login(client, provider, clinic) -> None:
    onboard(clinic, on=add_months(timezone.localdate(), -4) - dt.timedelta(days=1))
    user = person(clinic, name="Karen Ejer")
    log_in(client, provider, user)
    base = f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/"

    printed = client.get(f"{base}print/")
    worklist = client.get(f"{base}csv/worklist/")

    assert printed.status_code == 200
    assert worklist.status_code == 200
    assert worklist["Content-Disposition"].startswith("attachment")
    client.post("/logout/")
    assert client.get(f"{base}csv/worklist/").status_code == 302
