"""The local OpenID Connect provider for ``sentinel demo`` and the tests.

It is the real ``oidc-provider-mock`` (PyPI, extra ``demo``): a standards-following provider
with discovery, JWKS, signed ID tokens and userinfo. The portal logs in against it exactly as
it logs in against MitID Erhverv's broker; there is no fake login view in the product. Its
users are *demo users*: made-up people acting for the CVR of a demo clinic, with or without
signing rights, at an assurance level, their claims named as the portal's settings say.

``sentinel demo`` runs the provider as a separate process (``start_provider_process``); tests
run it in a thread (``provider_in_thread``). The provider does not check PKCE itself; the
portal sends the challenge and the verifier all the same (MitID Erhverv's broker checks them).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db.models import Q

from sentinel.agreements.models import ConsentApproval, Document, DocumentKind, DpaSignature
from sentinel.clinics.models import Clinic
from sentinel.collection.status import check_status
from sentinel.projects.models import Enrolment

NAMESPACE = uuid.UUID("6f1c7f0e-2a53-4b8e-9d0c-5e3a1b7c9d24")
LOA_URI = "https://data.gov.dk/concept/core/nsis/loa/{}"


@dataclass(frozen=True)
class DemoUser:
    sub: str
    name: str
    cvr: str
    may_sign: bool
    assurance_level: str  # low | substantial | high
    ydernummer: str = ""
    clinic_name: str = ""
    role: str = ""

    def claims(self) -> dict[str, Any]:
        """The user's claims under the names the portal reads (``SENTINEL_OIDC_CLAIMS``)."""
        names = settings.SENTINEL_OIDC_CLAIMS
        claims: dict[str, Any] = {
            names["name"]: self.name,
            names["cvr"]: self.cvr,
            names["may_sign"]: self.may_sign,
            names["assurance_level"]: LOA_URI.format(self.assurance_level.capitalize()),
        }
        if names["person_uuid"] != "sub":
            claims[names["person_uuid"]] = self.sub
        return claims

    def provider_user(self) -> Any:
        return _provider_module().User(sub=self.sub, claims=self.claims())


def _provider_module() -> Any:
    """oidc_provider_mock, imported without the deprecation warnings of the authlib modules it
    imports (authlib's own import turns its warnings on; not ours to fix)."""
    with warnings.catch_warnings():
        import authlib.deprecate  # noqa: F401 - sets authlib's filter, which the next line beats

        warnings.simplefilter("ignore", DeprecationWarning)
        import oidc_provider_mock

    return oidc_provider_mock


def demo_user(
    clinic: Clinic,
    role: str,
    *,
    name: str,
    may_sign: bool = True,
    assurance_level: str = "substantial",
    description: str = "",
) -> DemoUser:
    """A made-up person acting for ``clinic``'s CVR; the same clinic and role give the same id."""
    return DemoUser(
        sub=str(uuid.uuid5(NAMESPACE, f"{clinic.ydernummer}:{role}")),
        name=name,
        cvr=clinic.cvr,
        may_sign=may_sign,
        assurance_level=assurance_level,
        ydernummer=clinic.ydernummer,
        clinic_name=clinic.name,
        role=description,
    )


def _first(queryset: Any) -> Clinic | None:
    clinic: Clinic | None = queryset.order_by("ydernummer").first()
    return clinic


def demo_users() -> list[DemoUser]:
    """The demo's users: owners of clinics in telling states, and, at a clinic where all is in
    order, an employee without signing rights and a login at too low an assurance level."""
    users: list[DemoUser] = []
    current_dpa = Document.objects.current(DocumentKind.DPA)
    current_consent = Document.objects.current(DocumentKind.CONSENT)
    dpa_signed = DpaSignature.objects.values("clinic_id")
    current_signed = DpaSignature.objects.filter(document=current_dpa).values("clinic_id")
    consent_current = ConsentApproval.objects.filter(document=current_consent).values("clinic_id")
    clinics = Clinic.objects.filter(activations__deactivated_at__isnull=True).distinct()

    onboarded = list(
        clinics.filter(
            Q(pk__in=current_signed)
            & Q(pk__in=consent_current)
            & Q(enrolments__unenrolled_on__isnull=True)
        ).order_by("ydernummer")[:40]
    )
    ok = next((c for c in onboarded if check_status(c).ok), None)
    chosen = ok or (onboarded[0] if onboarded else None)
    if chosen is not None:
        headline = "Alt i orden" if ok else "Fuldt tilmeldt"
        users += [
            demo_user(
                chosen,
                "owner",
                name="Demo Klinikejer Hansen",
                assurance_level="high",
                description=f"{headline}: rapporter, arbejdsliste, dataudveksling",
            ),
            demo_user(
                chosen,
                "employee",
                name="Demo Sekretær Jensen",
                may_sign=False,
                description="Ansat uden ret til at underskrive",
            ),
            demo_user(
                chosen,
                "low",
                name="Demo Klinikejer Hansen (lavt niveau)",
                assurance_level="low",
                description="Login på for lavt sikringsniveau til at underskrive",
            ),
        ]
    stories = [
        (clinics.exclude(pk__in=dpa_signed), "Har ikke underskrevet databehandleraftalen"),
        (
            clinics.filter(pk__in=dpa_signed).exclude(pk__in=current_signed),
            "Ny version af databehandleraftalen kræver underskrift",
        ),
        (
            clinics.filter(Q(pk__in=current_signed) & Q(pk__in=consent_current)).exclude(
                pk__in=Enrolment.objects.values("clinic_id")
            ),
            "Klar til at tilmelde sig Diagnosekodning",
        ),
    ]
    for number, (queryset, description) in enumerate(stories, start=1):
        clinic = _first(queryset)
        if clinic is not None:
            users.append(
                demo_user(
                    clinic,
                    "owner",
                    name=f"Demo Klinikejer {number}",
                    description=description,
                )
            )
    return users


# --- running the provider ---------------------------------------------------------------------


def _discovery_ok(issuer: str) -> bool:
    try:
        return httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).is_success
    except httpx.HTTPError:
        return False


def start_provider_process(
    users: Sequence[DemoUser], *, port: int, host: str = "127.0.0.1", wait: float = 20.0
) -> subprocess.Popen[bytes]:
    """Start oidc-provider-mock as its own process with ``users``; returns once it answers."""
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", host, "--port", str(port)]
    for user in users:
        command += ["--user-claims", json.dumps({"sub": user.sub, **user.claims()})]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    issuer = f"http://{host}:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OpenID Connect provider stopped (exit {process.returncode})")
        if _discovery_ok(issuer):
            return process
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the OpenID Connect provider did not answer on {issuer}")


@contextlib.contextmanager
def provider_in_thread(users: Sequence[DemoUser]) -> Iterator[str]:
    """Run the provider in a thread for the duration; yields its issuer URL."""
    run_server_in_thread = _provider_module().run_server_in_thread

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on localhost
    with run_server_in_thread(user_claims=[u.provider_user() for u in users]) as server:
        yield f"http://localhost:{server.server_port}"
