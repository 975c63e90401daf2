"""Administrer: the projects with exactly what they collect and share, enrolment and
unenrolment with a confirmation, and the overview of the data exchanged with Sentinel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.collection.pipeline import ingest
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Enrolment, Project
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, course, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(), vendor)


@pytest.fixture
def logged_in(client, provider, clinic):
    user = person(clinic, name="Karen Ejer")
    log_in(client, provider, user)
    return user


def admin_url(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/administrer/"


def today_da() -> str:
    return timezone.localdate().strftime("%d.%m.%Y")


def test_administer_lists_published_projects_with_data_and_recipients(
    client, clinic, logged_in
) -> None:
    Project.objects.create(
        code="hemmelig",
        name="Upubliceret projekt",
        summary_da="x",
        description_da="x",
        reports_open_from=timezone.localdate(),
    )

    content = client.get(admin_url(clinic)).content.decode()

    assert "Diagnosekodning" in content
    assert "Upubliceret projekt" not in content
    assert "ICPC-2-diagnosekoder med tidspunkt for registrering" in content
    assert "Patientens CPR-nummer (gemmes kun pseudonymiseret eller krypteret)" in content
    assert "Alle ICPC-2-koder" in content
    assert "51 almen fysioterapi, 57 ridefysioterapi" in content
    assert "Danske Fysioterapeuters kvalitetsarbejde" in content
    assert f"/klinik/{clinic.ydernummer}/administrer/diagnosekodning/tilmeld/" in content
    assert "Ikke tilmeldt" in content


def test_enrol_confirmation_says_from_when_collection_starts(client, clinic, logged_in) -> None:
    response = client.get(f"{admin_url(clinic)}diagnosekodning/tilmeld/")

    content = response.content.decode()
    assert response.status_code == 200
    assert f"fra i dag, <strong>{today_da()}</strong>" in content
    assert f"forløb fra og med {today_da()}" in content
    assert "Der opsamles først data, når disse punkter er i orden" in content
    assert "Du har ikke underskrevet databehandleraftalen" in content
    assert not Enrolment.objects.exists()


def test_enrolment_confirmed_enrols_from_today(client, clinic, logged_in) -> None:
    response = client.post(f"{admin_url(clinic)}diagnosekodning/tilmeld/")

    enrolment = Enrolment.objects.get(clinic=clinic)
    assert enrolment.enrolled_on == timezone.localdate()
    assert response["Location"] == admin_url(clinic)
    page = client.get(admin_url(clinic)).content.decode()
    assert f"Du er tilmeldt Diagnosekodning fra {today_da()}." in page
    assert f"Tilmeldt fra {today_da()}" in page
    event = AuditEvent.objects.get(action="enrolment.enrolled")
    assert event.actor_id == logged_in.sub
    assert event.actor_name == "Karen Ejer"


def test_enrolling_twice_says_you_are_enrolled(client, clinic, logged_in) -> None:
    client.post(f"{admin_url(clinic)}diagnosekodning/tilmeld/")

    response = client.post(f"{admin_url(clinic)}diagnosekodning/tilmeld/")

    assert response.status_code == 409
    assert "allerede tilmeldt" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_enrolling_in_an_unpublished_project_is_not_found(client, clinic, logged_in) -> None:
    Project.objects.create(
        code="hemmelig",
        name="Upubliceret",
        summary_da="x",
        description_da="x",
        reports_open_from=timezone.localdate(),
    )

    assert client.post(f"{admin_url(clinic)}hemmelig/tilmeld/").status_code == 404
    assert not Enrolment.objects.exists()


def test_enrol_confirmation_tells_when_the_first_report_opens(client, clinic, logged_in) -> None:
    onboard(clinic)
    Enrolment.objects.all().delete()

    content = client.get(f"{admin_url(clinic)}diagnosekodning/tilmeld/").content.decode()

    assert "Din første rapport åbner tidligst" in content
    assert "Der opsamles først data" not in content


def test_unenrol_confirmation_says_collection_stops_today(client, clinic, logged_in) -> None:
    onboard(clinic)

    page = client.get(f"{admin_url(clinic)}diagnosekodning/frameld/")
    response = client.post(f"{admin_url(clinic)}diagnosekodning/frameld/")

    content = page.content.decode()
    assert f"Frameldingen gælder fra i dag, <strong>{today_da()}</strong>" in content
    assert "slettes ikke" not in content
    assert "gemmes i 90 dage efter frameldingen" in content
    assert response["Location"] == admin_url(clinic)
    assert Enrolment.objects.get(clinic=clinic).unenrolled_on == timezone.localdate()
    assert (
        f"Der opsamles ikke data fra {today_da()}" in client.get(admin_url(clinic)).content.decode()
    )


def test_unenrol_page_of_a_project_you_are_not_in_is_not_found(client, clinic, logged_in):
    assert client.get(f"{admin_url(clinic)}diagnosekodning/frameld/").status_code == 404
    response = client.post(f"{admin_url(clinic)}diagnosekodning/frameld/")
    assert response.status_code == 409
    assert "ikke tilmeldt" in response.content.decode()


def test_enrolment_from_the_practice_system_names_its_user(client, clinic, vendor) -> None:
    client.get(launch_path(clinic, vendor, "u-42", "Ida Receptionist"))

    client.post(f"{admin_url(clinic)}diagnosekodning/tilmeld/")

    event = AuditEvent.objects.get(action="enrolment.enrolled")
    assert event.actor_id == f"{vendor.slug}:u-42"
    assert event.actor_name == "Ida Receptionist"


def test_exchange_overview_shows_received_last_arrival_and_refusals(
    client, clinic, vendor, logged_in
) -> None:
    onboard(clinic)
    today = timezone.localdate()
    outcome = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[
            course("E-1", today),
            course("E-2", today),
            course("E-3", today, code="Q99"),
        ],
    )
    assert outcome.accepted == 2

    content = client.get(admin_url(clinic)).content.decode()

    assert "Data udvekslet med Sentinel" in content
    assert "Vi modtager data til Diagnosekodning" in content
    month = today.strftime("%m.%Y")
    assert f'<th scope="row">{month}</th><td>2</td><td>3</td><td>2</td><td>1</td>' in content
    assert '<th scope="row">Ukendt ICPC-2-kode</th><td>1</td>' in content


def test_exchange_overview_says_when_nothing_has_arrived(client, clinic, logged_in) -> None:
    content = client.get(admin_url(clinic)).content.decode()

    assert "Sentinel har endnu ikke modtaget data fra dit praksissystem." in content


# --- what changed between data specification versions ------------------------------------------


def _publish_v2(*, effective_from, **changes):
    project = Project.objects.get(code="diagnosekodning")
    current = project.specifications.order_by("-version").first()
    spec = current.parsed.as_json() | changes
    return publish_specification(
        by=Actor.system("tests"), project=project, spec=spec, effective_from=effective_from
    )


def test_enrolled_clinic_is_told_what_a_new_specification_version_changed(
    client, clinic, logged_in
) -> None:
    onboard(clinic, on=timezone.localdate() - dt.timedelta(days=30))
    v1 = Project.objects.get(code="diagnosekodning").specification().parsed
    effective = timezone.localdate() - dt.timedelta(days=3)
    _publish_v2(
        effective_from=effective,
        fields=[*v1.fields, "practitioner_initials"],
        specialities=["51"],
        icpc2_filter={"chapters": ["L"], "codes": []},
    )

    content = client.get(admin_url(clinic)).content.decode()

    assert "Ændringer i, hvilke data der opsamles" in content
    assert f"Version 2 har gældet fra {effective:%d.%m.%Y}:" in content
    assert "Opsamles nu også: Behandlerens initialer" in content
    assert "Ikke længere forløb under speciale 57 ridefysioterapi" in content
    assert "Nye ICPC-2-kapitler: L" in content
    assert "Der opsamles nu kun de valgte ICPC-2-koder." in content


def test_an_announced_version_is_shown_before_it_takes_effect(client, clinic, logged_in) -> None:
    onboard(clinic)
    effective = timezone.localdate() + dt.timedelta(days=14)
    _publish_v2(effective_from=effective, person_identifiable_worklist=False)

    content = client.get(admin_url(clinic)).content.decode()

    assert f"Version 2 gælder fra {effective:%d.%m.%Y}:" in content
    assert "Arbejdslisten udgår; CPR-nummeret gemmes ikke længere krypteret." in content


def test_changes_are_in_english_too(client, clinic, logged_in) -> None:
    onboard(clinic, on=timezone.localdate() - dt.timedelta(days=30))
    v1 = Project.objects.get(code="diagnosekodning").specification().parsed
    _publish_v2(effective_from=timezone.localdate(), fields=[*v1.fields, "practitioner_initials"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    content = client.get(admin_url(clinic)).content.decode()

    assert "Changes to which data is collected" in content
    assert "Now also collected: The practitioner&#x27;s initials" in content


def test_versions_before_the_enrolment_and_clinics_not_enrolled_show_no_changes(
    client, clinic, logged_in
) -> None:
    v1 = Project.objects.get(code="diagnosekodning").specification().parsed
    _publish_v2(
        effective_from=timezone.localdate() - dt.timedelta(days=10),
        fields=[*v1.fields, "practitioner_initials"],
    )

    not_enrolled = client.get(admin_url(clinic)).content.decode()
    onboard(clinic)  # enrolled today, after version 2 took effect
    enrolled_after = client.get(admin_url(clinic)).content.decode()

    assert "Ændringer i, hvilke data der opsamles" not in not_enrolled
    assert "Ændringer i, hvilke data der opsamles" not in enrolled_after
    assert "Behandlerens initialer" in enrolled_after  # what is collected today
