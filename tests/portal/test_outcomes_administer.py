"""The portal's plain-language list for Forløbsresultater (Administrer): what is collected,
in the clinic's words, with the age band said to come from the CPR, which is not kept; and a
refused outcome record shown by its reason."""

from __future__ import annotations

import pytest

from sentinel.collection.pipeline import ingest
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import NOW, episode, measurement
from tests.outcomes.helpers import onboard as onboard_in
from tests.portal.conftest import log_in, person

pytestmark = pytest.mark.django_db


def test_administer_says_what_forlobsresultater_collects_and_that_no_cpr_is_kept(
    client, provider
) -> None:
    vendor = VendorFactory()
    clinic = ClinicFactory()
    onboard_in(clinic, vendor, "forlobsresultater")
    log_in(client, provider, person(clinic, name="Karen Ejer"))

    content = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()

    assert "Forløbsresultater" in content
    for words in (
        "Hvilket spørgeskema eller hvilken test (fx NPRS, PSFS)",
        "Hvem der svarede: patienten, fysioterapeuten eller en pårørende",
        "Patientens aldersgruppe (fx 60-69 år), beregnet ud fra CPR-nummeret ved modtagelsen; "
        "hverken CPR-nummer eller fødselsdato gemmes",
    ):
        assert words in content
    section = content[content.index("Forløbsresultater") :]
    assert "Patientens CPR-nummer (gemmes kun" not in section.split("Diagnosekodning")[0]


def test_a_refused_measurement_is_shown_with_its_reason(client, provider) -> None:
    vendor = VendorFactory()
    clinic = ClinicFactory()
    onboard_in(clinic, vendor, "forlobsresultater")
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[episode(), measurement(instrument="eq5d")],
        now=NOW,
    )
    log_in(client, provider, person(clinic, name="Karen Ejer"))

    content = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()

    assert "Ukendt spørgeskema eller test (kun frit tilgængelige måleredskaber)" in content


def test_administer_says_only_the_structured_courses_are_collected(client, provider) -> None:
    """Version 2 of Forløbsresultater (from 2026-12-07) names the structured courses: the list
    says so, and the clinic enrolled before it is told what changed; Diagnosekodning, which
    takes every course, has no such line."""
    clinic = ClinicFactory()
    onboard_in(clinic, VendorFactory(), "forlobsresultater", "diagnosekodning")
    log_in(client, provider, person(clinic, name="Karen Ejer"))

    content = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()

    section = content[content.index("Forløbsresultater") :].split("Diagnosekodning")[0]
    assert (
        "Kun disse strukturerede forløb og målinger i dem (andre forløb opsamles ikke): "
        "Cervikal nerverodspåvirkning, Lumbal nerverodspåvirkning, Lumbal spinalstenose, "
        "Hofteartrose, Knæartrose, Primære lændesmerter" in section
    )
    assert "Version 2 har gældet fra" in section
    assert (
        "Der opsamles nu kun de valgte strukturerede forløb og målinger i dem; andre forløb "
        "opsamles ikke." in section
    )
    assert "Kun de strukturerede forløb opsamles: andre forløb under speciale 51" in section
    assert content.count("data-course-types") == 1


def test_administer_says_the_course_type_limit_in_english(client, provider) -> None:
    clinic = ClinicFactory()
    onboard_in(clinic, VendorFactory(), "forlobsresultater")
    log_in(client, provider, person(clinic, name="Karen Ejer"))
    client.cookies["django_language"] = "en"

    content = client.get(f"/klinik/{clinic.ydernummer}/administrer/").content.decode()

    assert (
        "Only these structured courses and measurements in them (other courses are not "
        "collected): Cervical nerve root affection, Lumbar nerve root affection, Lumbar spinal "
        "stenosis, Hip osteoarthritis, Knee osteoarthritis, Primary low back pain" in content
    )
    assert "Only the chosen structured courses and measurements in them are collected now" in (
        content
    )
    assert "Only the structured courses are collected: other speciale 51 courses" in content


def test_the_enrolment_page_says_only_the_structured_courses_are_collected(
    client, provider
) -> None:
    clinic = ClinicFactory()
    onboard_in(clinic, VendorFactory())  # signed, enrolled in nothing yet
    log_in(client, provider, person(clinic, name="Karen Ejer"))

    page = client.get(f"/klinik/{clinic.ydernummer}/administrer/forlobsresultater/tilmeld/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Kun disse strukturerede forløb og målinger i dem (andre forløb opsamles ikke):" in (
        content
    )
    assert "Knæartrose" in content
    other = client.get(f"/klinik/{clinic.ydernummer}/administrer/diagnosekodning/tilmeld/")
    assert "data-course-types" not in other.content.decode()
