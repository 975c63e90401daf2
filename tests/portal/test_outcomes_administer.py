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
