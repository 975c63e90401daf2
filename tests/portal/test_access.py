"""No clinic ever sees another clinic's pages: every clinic URL of clinic B — its pages,
receipts, report tabs, print views, CSV files and worklist — answers 404 to a user of clinic A
(another CVR), whether they logged in or came from the practice system, exactly as an unknown
clinic does; the demo's report pages and the vendor API do not open to a portal session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from sentinel.agreements.models import ConsentApproval, DpaSignature
from sentinel.lib.dates import add_months
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
        "vendor_id": clinic.activations.first().vendor_id,
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

    receipts = sum("kind_slug" in p.pattern.converters for p in clinic_patterns)
    assert len(urls) == len(clinic_patterns) + receipts  # the receipts of both kinds
    assert all(f"/klinik/{theirs.ydernummer}/" in u for u in urls)


def test_logged_in_user_reaches_their_own_clinic(client, provider, two_clinics) -> None:
    mine, _theirs = two_clinics
    log_in(client, provider, person(mine))

    for url in every_clinic_url(mine):
        response = client.get(url)
        assert response.status_code in {200, 302, 404, 405}, url  # 405: the POST-only ones
        post_only = (
            "/systemhuse/" in url
            or re.search(r"/beskeder/\d+/$", url)
            or url.endswith("/bed-ejeren/")
        )
        if "/rapporter/" not in url and "/frameld/" not in url and not post_only:
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


# --- open reports: the tab, its print view and every CSV, worklist included -------------------


@pytest.fixture
def two_open_reports(vendor):
    """Two clinics of different CVRs, onboarded four months ago, with courses of their own
    (one on each clinic's worklist), so every report URL of both answers with data."""
    from sentinel.collection.pipeline import ingest
    from tests.portal.conftest import course

    start = add_months(timezone.localdate(), -4)
    clinics = []
    for name in ("MIN", "DERES"):
        clinic = activated(ClinicFactory(), vendor)
        onboard(clinic, on=start)
        day = start + dt.timedelta(days=5)
        outcome = ingest(
            vendor=vendor,
            clinic=clinic,
            records=[
                course(f"{name}-1", day, "L90"),
                course(f"{name}-2", day, "L03", course_type="low_back_pain"),
                course(f"{name}-MANGLER", day, "L03"),  # knee course without L90: worklist
            ],
        )
        assert outcome.accepted == 3
        clinics.append(clinic)
    return clinics[0], clinics[1]


def _report_urls(client, clinic) -> list[str]:
    """The tab, the print view and every CSV link the tab offers (as the page shows them)."""
    base = f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/"
    tab = client.get(base)
    assert tab.status_code == 200
    csv_links = sorted(set(re.findall(r'href="([^"]*/csv/[^"]*)"', tab.content.decode())))
    return [f"/klinik/{clinic.ydernummer}/rapporter/", base, f"{base}print/", *csv_links]


def test_a_user_reaches_every_report_url_of_their_own_clinic(
    client, provider, two_open_reports
) -> None:
    mine, _theirs = two_open_reports
    log_in(client, provider, person(mine))

    urls = _report_urls(client, mine)

    assert any(u.endswith("/csv/worklist/") for u in urls)
    assert any(u.endswith("/csv/top_codes/") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 302}, (url, response.status_code)
        assert "DERES-" not in response.content.decode("utf-8-sig"), url
    worklist = client.get(f"/klinik/{mine.ydernummer}/rapporter/diagnosekodning/csv/worklist/")
    assert "MIN-MANGLER" in worklist.content.decode("utf-8-sig")


def test_no_report_url_of_another_clinic_answers_a_logged_in_user(
    client, provider, two_open_reports
) -> None:
    mine, theirs = two_open_reports
    log_in(client, provider, person(mine))
    own_urls = _report_urls(client, mine)

    for url in own_urls:
        other = url.replace(f"/klinik/{mine.ydernummer}/", f"/klinik/{theirs.ydernummer}/")
        response = client.get(other)
        assert response.status_code == 404, other
        assert "DERES-" not in response.content.decode(), other


def test_no_report_url_of_another_clinic_answers_a_launch_session(
    client, vendor, two_open_reports
) -> None:
    mine, theirs = two_open_reports
    client.get(launch_path(mine, vendor))
    own_urls = _report_urls(client, mine)

    for url in own_urls:
        other = url.replace(f"/klinik/{mine.ydernummer}/", f"/klinik/{theirs.ydernummer}/")
        assert client.get(other).status_code == 404, other


def test_another_clinics_data_is_not_reachable_through_the_demo_or_the_api(
    client, provider, two_open_reports
) -> None:
    """The demo's report pages exist only in demo mode, and the API answers vendors' tokens,
    never a portal session."""
    mine, theirs = two_open_reports
    log_in(client, provider, person(mine))

    for url in (
        f"/demo/klinik/{theirs.ydernummer}/rapporter/",
        f"/demo/klinik/{theirs.ydernummer}/rapporter/diagnosekodning/",
        f"/demo/klinik/{theirs.ydernummer}/rapporter/diagnosekodning/print/",
        f"/demo/klinik/{theirs.ydernummer}/rapporter/diagnosekodning/csv/worklist/",
        f"/demo/klinik/{theirs.ydernummer}/status",
        "/demo/",
    ):
        assert client.get(url).status_code == 404, url
    api = client.get(f"/api/v1/clinics/{theirs.ydernummer}/reports/diagnosekodning")
    assert api.status_code == 401


def test_report_urls_take_no_writes(client, provider, two_open_reports) -> None:
    mine, _theirs = two_open_reports
    log_in(client, provider, person(mine))

    for url in _report_urls(client, mine):
        assert client.post(url).status_code == 405, url
