"""Fixtures for the clinic portal: a real OpenID Connect provider (oidc-provider-mock) in a
thread, people who log in at it, and a helper that walks the login through the provider."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.signals import setting_changed
from django.test import Client
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.clinics.launch import create_launch_link
from sentinel.clinics.models import Clinic, Vendor
from sentinel.demo.oidc import DemoUser, provider_in_thread
from sentinel.projects.actions import enrol
from sentinel.projects.models import Project


@dataclass
class Provider:
    issuer: str

    def add(self, user: DemoUser) -> DemoUser:
        """Register ``user`` at the provider (its claims as the portal's settings name them)."""
        response = httpx.put(f"{self.issuer}/users/{user.sub}", json=user.claims(), timeout=10)
        assert response.status_code == 204, response.text
        return user

    def authorize(self, url: str, sub: str) -> str:
        """Log ``sub`` in at the provider's authorization page; the redirect back to Sentinel."""
        response = httpx.post(url, data={"sub": sub}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def deny(self, url: str) -> str:
        response = httpx.post(url, data={"action": "deny"}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]


# authlib (inside the provider) warns about its own deprecations while serving requests; the
# provider's thread shares the test's warning filters, which turn warnings into errors.
PROVIDER_WARNINGS = (
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:oidc_provider_mock"),
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/portal/" in item.nodeid or "tests/browser/" in item.nodeid:
            for mark in PROVIDER_WARNINGS:
                item.add_marker(mark)


CATALOGUES = [
    Path(__file__).resolve().parents[2] / f"src/sentinel/{app}/locale/en/LC_MESSAGES"
    for app in ("portal", "reports")
]
CATALOGUE = CATALOGUES[0]


def compile_catalogue() -> None:
    """Compile the English catalogues (.po → .mo) of the portal and the reports when missing
    or stale, as `make setup` does (the .mo files are generated, never committed)."""
    compiled = False
    for catalogue in CATALOGUES:
        po, mo = catalogue / "django.po", catalogue / "django.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        msgfmt = shutil.which("msgfmt")
        assert msgfmt, "msgfmt is missing: apt-get install gettext (make setup does this)"
        subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True)  # noqa: S603
        compiled = True
    if compiled:
        # An earlier test may have loaded the stale catalogue into Django's per-process cache:
        # drop it, as Django does itself when LOCALE_PATHS changes in a test.
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=None, enter=True)


@pytest.fixture(scope="session", autouse=True)
def english_catalogue() -> None:
    compile_catalogue()


@pytest.fixture(scope="session")
def provider_issuer() -> Iterator[str]:
    with provider_in_thread([]) as issuer:
        yield issuer


@pytest.fixture
def provider(settings, provider_issuer) -> Provider:
    settings.SENTINEL_OIDC_ISSUER = provider_issuer
    # oidc-provider-mock accepts any client secret but insists on one.
    settings.OIDC_RP_CLIENT_SECRET = "tests-only-client-secret"
    return Provider(provider_issuer)


def person(clinic: Clinic, **overrides: object) -> DemoUser:
    """Someone acting for ``clinic``'s CVR: may sign, substantial assurance, unless overridden."""
    user = DemoUser(
        sub=str(uuid.uuid4()),
        name="Test Klinikejer",
        cvr=clinic.cvr,
        may_sign=True,
        assurance_level="substantial",
    )
    return replace(user, **overrides)  # type: ignore[arg-type]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start_login(client: Client, next_path: str = "/klinik/", *, fresh: bool = False) -> str:
    """Ask the portal to log in; the provider's authorization URL it redirects to."""
    query = {"next": next_path}
    if fresh:
        query["fresh"] = "1"
    response = client.get("/login/", query)
    assert response.status_code == 302, response.content
    return response["Location"]


def log_in(
    client: Client,
    provider: Provider,
    user: DemoUser,
    next_path: str = "/klinik/",
    *,
    fresh: bool = False,
):
    """The whole login: portal → provider (``user`` logs in) → portal callback."""
    authorize = start_login(client, next_path, fresh=fresh)
    callback = provider.authorize(authorize, provider.add(user).sub)
    return client.get(path_of(callback))


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


SYSTEM = Actor.system("tests")


def activated(clinic: Clinic, vendor: Vendor) -> Clinic:
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic)
    return clinic


def onboard(clinic: Clinic, *, on: dt.date | None = None) -> None:
    """DPA signed, consent approved and enrolled in Diagnosekodning on ``on`` (today)."""
    day = on or timezone.localdate()
    signer = Signer(uuid.uuid4(), "Tidligere Ejer", clinic.cvr, AssuranceLevel.HIGH, True)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at)
    approve_consent(clinic=clinic, signer=signer, channel="sentinel", at=at)
    enrol(
        by=signer.actor,
        clinic=clinic,
        project=Project.objects.get(code="diagnosekodning"),
        on=day,
    )


def launch_path(clinic: Clinic, vendor: Vendor, user_id: str = "u-1", name: str = "Ida") -> str:
    url, _expires = create_launch_link(
        vendor=vendor, clinic=clinic, user_id=user_id, user_name=name
    )
    return urlsplit(url).path


def course(source_id: str, day: dt.date, code: str = "L90", **overrides: object) -> dict:
    """A course (forløb) record as a practice system sends it (synthetic CPR)."""
    from tests.api.conftest import synthetic_cpr

    record: dict = {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": "knee_osteoarthritis",
        "start_date": day.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": code, "recorded_at": f"{day.isoformat()}T09:30:00+01:00"}],
    }
    record.update(overrides)
    return record
