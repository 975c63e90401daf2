"""The receipts of the DPA and the consent as PDFs (WeasyPrint), read back with pypdf: the
document, its SHA-256, the signer and the moment; English after the language switch; another
clinic's receipt is 404, and a visitor who is not logged in is sent to the login."""

from __future__ import annotations

import io

import pypdf
import pytest

from sentinel.agreements.models import ConsentApproval, DpaSignature
from tests.factories import ClinicFactory
from tests.portal.conftest import activated, log_in, person
from tests.portal.test_agreements import (  # noqa: F401 - fixtures
    clinic,
    consent_url,
    current,
    dpa_url,
    vendor,
)

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_dpa_receipt_as_pdf(client, provider, clinic) -> None:  # noqa: F811
    log_in(client, provider, person(clinic, name="Karen Ejer"), dpa_url(clinic), fresh=True)
    document = current("dpa")
    client.post(dpa_url(clinic), {"version": document.version})
    signature = DpaSignature.objects.get(clinic=clinic)
    base = f"/klinik/{clinic.ydernummer}/kvittering/databehandleraftale/{signature.pk}/"
    assert f'href="{base}pdf/"' in client.get(base).content.decode()

    response = client.get(base + "pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sentinel-kvittering-databehandleraftale-v{document.version}-'
        f'{clinic.ydernummer}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = text_of(response.content)
    assert "Kvittering – Sentinel Kvalitets Data" in text
    assert "Karen Ejer" in text and clinic.ydernummer in text
    assert document.sha256 in text.replace(" ", "")
    assert str(signature.signer_uuid) in text.replace(" ", "")


def test_consent_receipt_pdf_in_english_and_not_for_another_clinic(
    client,
    provider,
    clinic,  # noqa: F811
    vendor,  # noqa: F811
) -> None:
    log_in(client, provider, person(clinic, name="Karen Ejer"), consent_url(clinic), fresh=True)
    client.post(consent_url(clinic), {"version": current("consent").version})
    approval = ConsentApproval.objects.get(clinic=clinic)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get(f"/klinik/{clinic.ydernummer}/kvittering/samtykke/{approval.pk}/pdf/")

    text = text_of(response.content)
    assert "Receipt – Sentinel Kvalitets Data" in text
    assert "SHA-256 of the document" in text
    other = activated(ClinicFactory(name="Klinik Nord"), vendor)
    assert client.get(
        f"/klinik/{other.ydernummer}/kvittering/samtykke/{approval.pk}/pdf/"
    ).status_code in (403, 404)
    client.logout()
    anonymous = client.get(f"/klinik/{clinic.ydernummer}/kvittering/samtykke/{approval.pk}/pdf/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
