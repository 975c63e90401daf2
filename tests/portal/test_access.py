"""No clinic ever sees another clinic's pages: every clinic URL of clinic B answers 404 to a user
of clinic A (another CVR), whether they logged in or came from the practice system."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from sentinel.agreements.models import ConsentApproval, DpaSignature
from sentinel.portal.urls import clinic_patterns
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import activated, launch_path, log_in, onboard, person

pytestmark = pytest.mark.django_db


def _kwargs(pattern: URLPattern, clinic, dpa) -> dict[str, object]:
    values: dict[str, object] = {
        "ydernummer": clinic.ydernummer,
        "kind_slug": "databehandleraftale",
        "pk": dpa.pk,
        "code": "diagnosekodning",
        "project": "diagnosekodning",
        "table": "worklist",
    }
    return {name: values[name] for name in pattern.pattern.converters} | {
        "ydernummer": clinic.ydernummer
    }


def every_clinic_url(clinic) -> list[str]:
    """Every page of ``clinic``: one URL per clinic pattern (receipts of both kinds)."""
    dpa = DpaSignature.objects.get(clinic=clinic)
    consent = ConsentApproval.objects.get(clinic=clinic)
    urls = []
    for pattern in clinic_patterns:
        kwargs = _kwargs(pattern, clinic, dpa)
        urls.append(reverse(f"portal:{pattern.name}", kwargs=kwargs))
        if "kind_slug" in kwargs:
            kwargs = kwargs | {"kind_slug": "samtykke", "pk": consent.pk}
            urls.append(reverse(f"portal:{pattern.name}", kwargs=kwargs))
    return urls


@pytest.fixture
def two_clinics(vendor):
    mine = activated(ClinicFactory(), vendor)
    theirs = activated(ClinicFactory(), vendor)
    onboard(mine)
    onboard(theirs)
    return mine, theirs


def test_the_url_list_covers_every_clinic_pattern(two_clinics) -> None:
    _mine, theirs = two_clinics

    urls = every_clinic_url(theirs)

    assert len(urls) == len(clinic_patterns) + 2
    assert all(f"/klinik/{theirs.ydernummer}/" in u for u in urls)


def test_logged_in_user_reaches_their_own_clinic(client, provider, two_clinics) -> None:
    mine, _theirs = two_clinics
    log_in(client, provider, person(mine))

    for url in every_clinic_url(mine):
        response = client.get(url)
        assert response.status_code in {200, 302, 404}, url
        if "/rapporter/" not in url and "/frameld/" not in url:
            assert response.status_code in {200, 302}, (url, response.status_code)


def test_logged_in_user_of_another_cvr_gets_404_on_every_url(client, provider, two_clinics) -> None:
    mine, theirs = two_clinics
    log_in(client, provider, person(mine))

    for url in every_clinic_url(theirs):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in {404, 405}, url


def test_receipts_of_another_clinic_are_not_found_under_your_own_clinic(
    client, provider, two_clinics
) -> None:
    mine, theirs = two_clinics
    log_in(client, provider, person(mine))
    theirs_dpa = DpaSignature.objects.get(clinic=theirs)
    theirs_consent = ConsentApproval.objects.get(clinic=theirs)

    for kind, pk in (("databehandleraftale", theirs_dpa.pk), ("samtykke", theirs_consent.pk)):
        for name in ("receipt", "receipt_download"):
            url = reverse(f"portal:{name}", args=[mine.ydernummer, kind, pk])
            assert client.get(url).status_code == 404, url


def test_launch_session_reaches_only_the_launched_clinic(client, two_clinics, vendor) -> None:
    mine, theirs = two_clinics
    assert client.get(launch_path(mine, vendor)).status_code == 200

    assert client.get(f"/klinik/{mine.ydernummer}/").status_code == 200
    for url in every_clinic_url(theirs):
        assert client.get(url).status_code == 404, url


def test_launch_session_does_not_reach_other_clinics_of_the_same_cvr(client, vendor) -> None:
    launched = activated(ClinicFactory(), vendor)
    sibling = activated(ClinicFactory(cvr=launched.cvr), vendor)
    client.get(launch_path(launched, vendor))

    assert client.get(f"/klinik/{sibling.ydernummer}/").status_code == 404


def test_unknown_clinic_looks_the_same_as_another_cvrs_clinic(
    client, provider, two_clinics
) -> None:
    mine, theirs = two_clinics
    log_in(client, provider, person(mine))

    unknown = client.get("/klinik/999999/")
    other = client.get(f"/klinik/{theirs.ydernummer}/")

    assert unknown.status_code == other.status_code == 404


def test_anonymous_visitor_is_sent_to_login_for_any_clinic_url(client, two_clinics) -> None:
    _mine, theirs = two_clinics

    for url in every_clinic_url(theirs):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_staff_login_to_the_console_does_not_open_the_portal(client, two_clinics) -> None:
    from django.contrib.auth import get_user_model

    mine, _theirs = two_clinics
    staff = get_user_model().objects.create_user(
        "operator", password="x-very-long-secret", is_staff=True
    )
    client.force_login(staff)

    response = client.get(f"/klinik/{mine.ydernummer}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_clinic_pages_are_not_cached(client, provider, two_clinics) -> None:
    mine, _theirs = two_clinics
    log_in(client, provider, person(mine))

    response = client.get(f"/klinik/{mine.ydernummer}/administrer/")

    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def vendor(db):
    return VendorFactory()
