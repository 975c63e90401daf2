"""What retention does, said where the clinic decides: the unenrol confirmation and Administrer
state the day the data is deleted after unenrolment and the project's retention, and the day
they state is the day ``sentinel retention run`` first deletes it (``sharing.retention``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.collection.pipeline import ingest
from sentinel.lib.dates import format_en
from sentinel.projects.models import Project
from sentinel.sharing import retention
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import course, log_in, onboard, person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def clinic(db):
    Project.objects.filter(code="diagnosekodning").update(
        unenrolment_grace_days=10, retention_months=36
    )
    vendor = VendorFactory()
    clinic = ClinicFactory()
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.now() - dt.timedelta(days=40),
    )
    onboard(clinic, on=TODAY - dt.timedelta(days=30))
    outcome = ingest(
        vendor=vendor, clinic=clinic, records=[course("f-1", TODAY - dt.timedelta(days=20))]
    )
    assert outcome.accepted == 1
    return clinic


def da(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def test_unenrolment_states_the_day_retention_deletes_the_data(client, provider, clinic):
    log_in(client, provider, person(clinic))
    url = f"/klinik/{clinic.ydernummer}/administrer/diagnosekodning/frameld/"
    deleted = TODAY + dt.timedelta(days=11)

    before = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()
    confirm = client.get(url).content.decode()
    client.post(url)
    after = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()
    kept = retention.plan(on=deleted - dt.timedelta(days=1), projects=["diagnosekodning"])
    gone = retention.plan(on=deleted, projects=["diagnosekodning"])

    assert "Opbevaringstid: 36 måneder" in before
    assert "gemmes klinikkens data i 10 dage" in before
    assert f"gemmes i 10 dage efter frameldingen og <strong>slettes {da(deleted)}</strong>" in (
        confirm
    )
    assert "Projektets opbevaringstid er 36 måneder" in confirm
    assert f"slettes {da(deleted)}, medmindre du tilmelder dig igen" in after  # the message
    assert f"data, der er modtaget, slettes {da(deleted)}" in after  # the project's section
    assert "Opbevaringstid: 36 måneder" in after
    assert kept[0].unenrolled_clinics == 0
    assert gone[0].unenrolled_clinics == 1 and gone[0].unenrolled_episodes == 1


def test_the_retention_texts_are_english_too(client, provider, clinic):
    log_in(client, provider, person(clinic))
    client.post("/i18n/setlang/", {"language": "en", "next": "/klinik/"})

    url = f"/klinik/{clinic.ydernummer}/administrer/diagnosekodning/frameld/"
    confirm = client.get(url).content.decode()
    manage = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()

    deleted = format_en(TODAY + dt.timedelta(days=11))
    assert f"kept for 10 days after leaving and <strong>deleted on {deleted}</strong>" in confirm
    assert "Retention: 36 months." in manage
