"""Signing the DPA and approving the consent: a fresh login with signing rights for the CVR at
substantial or high assurance, the channel, the receipt, and new versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from django.utils import timezone

from sentinel.agreements.actions import Signer, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel, ConsentApproval, Document, DpaSignature
from sentinel.portal.oidc import IDENTITY_KEY
from sentinel.portal.receipts import TEXT_BEGINS, TEXT_ENDS
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import SYSTEM, activated, launch_path, log_in, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic(vendor):
    return activated(ClinicFactory(name="Klinik Syd"), vendor)


def dpa_url(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/databehandleraftale/"


def consent_url(clinic) -> str:
    return f"/klinik/{clinic.ydernummer}/samtykke/"


def current(kind: str) -> Document:
    document = Document.objects.current(kind)
    assert document is not None
    return document


def test_dpa_page_shows_the_document_in_force_and_that_it_needs_a_signature(
    client, provider, clinic
) -> None:
    log_in(client, provider, person(clinic))
    document = current("dpa")

    response = client.get(dpa_url(clinic))

    content = response.content.decode()
    assert response.status_code == 200
    assert document.title in content
    assert document.sha256 in content
    assert "Kræver din underskrift" in content
    assert "Log ind med MitID Erhverv for at underskrive" in content
    assert (
        f"/login/?next=%2Fklinik%2F{clinic.ydernummer}%2Fdatabehandleraftale%2F&amp;fresh=1"
        in content
    )


def test_signing_without_a_fresh_login_is_refused(client, provider, clinic, settings) -> None:
    log_in(client, provider, person(clinic))
    settings.SENTINEL_OIDC_FRESH_SECONDS = -1

    response = client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert response.status_code == 403
    assert "Log ind med MitID Erhverv lige før du underskriver" in response.content.decode()
    assert not DpaSignature.objects.exists()


def test_anonymous_post_is_sent_to_login_and_signs_nothing(client, clinic) -> None:
    response = client.post(dpa_url(clinic), {"version": "1"})

    assert response.status_code == 302
    assert not DpaSignature.objects.exists()


def test_fresh_login_with_signing_rights_signs_the_dpa_and_gives_a_receipt(
    client, provider, clinic
) -> None:
    owner = person(clinic, name="Karen Ejer", assurance_level="high")
    back = log_in(client, provider, owner, dpa_url(clinic), fresh=True)
    assert back["Location"] == dpa_url(clinic)
    page = client.get(dpa_url(clinic)).content.decode()
    assert "Du er logget ind som <strong>Karen Ejer</strong>" in page
    document = current("dpa")

    response = client.post(dpa_url(clinic), {"version": document.version})

    signature = DpaSignature.objects.get(clinic=clinic)
    assert signature.document == document
    assert signature.signer_uuid == uuid.UUID(owner.sub)
    assert signature.signer_name == "Karen Ejer"
    assert signature.signer_cvr == clinic.cvr
    assert signature.assurance_level == AssuranceLevel.HIGH
    assert signature.channel == "sentinel"
    receipt_url = f"/klinik/{clinic.ydernummer}/kvittering/databehandleraftale/{signature.pk}/"
    assert response["Location"] == receipt_url
    receipt = client.get(receipt_url).content.decode()
    assert document.sha256 in receipt
    assert "Karen Ejer" in receipt
    assert "Databehandleraftalen er underskrevet." in receipt
    # What, who and when first; the hash and the person UUID in the technical details.
    assert (
        receipt.index("Karen Ejer")
        < receipt.index("Tekniske detaljer")
        < receipt.index(document.sha256)
    )
    assert receipt.index("Tekniske detaljer") < receipt.index(owner.sub)
    assert "Næste trin (2 af 3)" in receipt  # the consent comes next
    assert f'href="/klinik/{clinic.ydernummer}/samtykke/"' in receipt


def test_receipt_download_carries_hash_signer_time_version_and_the_text(
    client, provider, clinic
) -> None:
    log_in(client, provider, person(clinic, name="Karen Ejer"), dpa_url(clinic), fresh=True)
    document = current("dpa")
    client.post(dpa_url(clinic), {"version": document.version})
    signature = DpaSignature.objects.get(clinic=clinic)

    response = client.get(
        f"/klinik/{clinic.ydernummer}/kvittering/databehandleraftale/{signature.pk}/hent/"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sentinel-kvittering-databehandleraftale-v{document.version}-'
        f'{clinic.ydernummer}.txt"'
    )
    text = response.content.decode()
    assert document.sha256 in text
    assert "Karen Ejer" in text
    assert str(signature.signer_uuid) in text
    assert timezone.localtime(signature.signed_at).isoformat() in text
    assert f"Version              {document.version}" in text or f"  {document.version}\n" in text
    body = text.split(TEXT_BEGINS + "\n", 1)[1].rsplit("\n" + TEXT_ENDS, 1)[0]
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == document.sha256


def test_a_fresh_login_signs_once(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic), dpa_url(clinic), fresh=True)
    client.post(dpa_url(clinic), {"version": current("dpa").version})

    response = client.post(consent_url(clinic), {"version": current("consent").version})

    assert response.status_code == 403
    assert not ConsentApproval.objects.exists()
    assert client.session[IDENTITY_KEY]["authenticated_at"] == 0


def test_consent_is_approved_with_its_own_fresh_login(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic), consent_url(clinic), fresh=True)
    assert "Godkend samtykkeerklæringen" in client.get(consent_url(clinic)).content.decode()

    response = client.post(consent_url(clinic), {"version": current("consent").version})

    approval = ConsentApproval.objects.get(clinic=clinic)
    assert response["Location"] == (
        f"/klinik/{clinic.ydernummer}/kvittering/samtykke/{approval.pk}/"
    )
    assert approval.document == current("consent")


def test_user_without_signing_rights_cannot_sign(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic, may_sign=False), dpa_url(clinic), fresh=True)
    page = client.get(dpa_url(clinic)).content.decode()
    assert "men kan ikke underskrive med dette login" in page
    assert "Du har ikke ret til at underskrive for CVR" in page  # why
    assert f"Kun den tegningsberettigede for klinikken (CVR {clinic.cvr})" in page  # who can
    assert "Underskriv databehandleraftalen (version" not in page  # no button to press

    response = client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert response.status_code == 403
    assert "ikke ret til at underskrive" in response.content.decode()
    assert not DpaSignature.objects.exists()


def test_login_at_low_assurance_cannot_sign(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic, assurance_level="low"), dpa_url(clinic), fresh=True)
    page = client.get(dpa_url(clinic)).content.decode()
    assert "Underskrift kræver MitID på sikringsniveau betydelig eller høj" in page  # why
    assert "Underskriv databehandleraftalen (version" not in page  # before, not after a click
    assert "Log ind igen eller som en anden" in page

    response = client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert response.status_code == 403
    assert "sikringsniveau betydelig eller høj" in response.content.decode()
    assert not DpaSignature.objects.exists()


def test_signing_from_the_practice_system_uses_the_sundhed_dk_channel(
    client, provider, clinic, vendor
) -> None:
    client.get(launch_path(clinic, vendor, "u-9", "Receptionist"))
    log_in(client, provider, person(clinic, name="Karen Ejer"), dpa_url(clinic), fresh=True)
    assert "Åbnet fra" in client.get(dpa_url(clinic)).content.decode()

    client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert DpaSignature.objects.get(clinic=clinic).channel == "sundhed_dk"


def test_launch_with_a_login_for_another_cvr_cannot_sign(client, provider, clinic, vendor):
    client.get(launch_path(clinic, vendor))
    stranger = ClinicFactory()
    log_in(client, provider, person(stranger), dpa_url(clinic), fresh=True)

    response = client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert response.status_code == 403
    assert f"klinikkens CVR er {clinic.cvr}" in response.content.decode()
    assert not DpaSignature.objects.exists()


def test_a_version_published_while_reading_is_not_signed_unseen(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic), dpa_url(clinic), fresh=True)
    read = current("dpa").version
    publish_document(
        by=SYSTEM, kind="dpa", title="DPA v2", text="Ny tekst.", published_on=timezone.localdate()
    )

    response = client.post(dpa_url(clinic), {"version": read})

    assert response.status_code == 409
    assert "ny version" in response.content.decode()
    assert not DpaSignature.objects.exists()


def test_a_new_version_shows_as_needing_your_signature(client, provider, clinic) -> None:
    old = Signer(uuid.uuid4(), "Tidligere Ejer", clinic.cvr, AssuranceLevel.HIGH, True)
    sign_dpa(
        clinic=clinic,
        signer=old,
        channel="sentinel",
        at=timezone.now() - dt.timedelta(days=30),
    )
    publish_document(
        by=SYSTEM, kind="dpa", title="DPA v2", text="Ny tekst.", published_on=timezone.localdate()
    )
    log_in(client, provider, person(clinic))

    menu = client.get(f"/klinik/{clinic.ydernummer}/").content.decode()
    page = client.get(dpa_url(clinic)).content.decode()

    assert "Ny version – kræver din underskrift" in menu
    assert "Ny version – kræver din underskrift" in page
    assert "Der opsamles ikke data, før den nye version er underskrevet" in page


def test_an_ordinary_login_however_recent_cannot_sign(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic), dpa_url(clinic))

    page = client.get(dpa_url(clinic)).content.decode()
    response = client.post(dpa_url(clinic), {"version": current("dpa").version})

    assert "Log ind med MitID Erhverv for at underskrive" in page
    assert response.status_code == 403
    assert not DpaSignature.objects.exists()


def test_receipt_is_english_after_the_language_switch(client, provider, clinic) -> None:
    log_in(client, provider, person(clinic, name="Karen Ejer"), dpa_url(clinic), fresh=True)
    client.post(dpa_url(clinic), {"version": current("dpa").version})
    signature = DpaSignature.objects.get(clinic=clinic)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    text = client.get(
        f"/klinik/{clinic.ydernummer}/kvittering/databehandleraftale/{signature.pk}/hent/"
    ).content.decode()

    assert text.startswith("Receipt – Sentinel Kvalitets Data")
    assert "SHA-256 of the document" in text
    assert "Directly with Sentinel" in text
