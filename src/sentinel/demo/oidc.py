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
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from sentinel.clinics.models import Clinic

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

    @property
    def label(self) -> str:
        """How the provider's login page offers the user: name, what they show, clinic."""
        where = f" · {self.clinic_name} ({self.ydernummer})" if self.ydernummer else ""
        what = f" – {self.role}" if self.role else ""
        return f"{self.name}{what}{where}"


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


# The demo's fixed identities: (story the clinic was built with, which clinic of that story
# (1 = the first), role, name, may sign, assurance level, what the user shows). Each points at
# the n-th clinic built with that story (recomputed from the nation's seed), so a user keeps
# their clinic after signing, enrolling or re-running ``sentinel demo``. The two users who show
# a refusal sit at a clinic of their own where no demo user can sign, so it always has a DPA
# waiting for them, however often the demo is walked.
DEMO_IDENTITIES = [
    ("ok", 1, "owner", "Karen Hansen", True, "high", "Alt i orden: rapporter, arbejdsliste"),
    (
        "no_dpa",
        1,
        "owner",
        "Mette Nielsen",
        True,
        "substantial",
        "Har ikke underskrevet databehandleraftalen: underskriv, godkend samtykket, tilmeld",
    ),
    (
        "no_dpa",
        2,
        "employee",
        "Sofie Jensen",
        False,
        "substantial",
        "Ansat uden ret til at underskrive: ser hvorfor, og hvem der kan",
    ),
    (
        "no_dpa",
        2,
        "low",
        "Jens Mikkelsen",
        True,
        "low",
        "Login på for lavt sikringsniveau til at underskrive",
    ),
    (
        "dpa_outdated",
        1,
        "owner",
        "Lars Poulsen",
        True,
        "substantial",
        "Ny version af databehandleraftalen skal underskrives",
    ),
    (
        "not_enrolled",
        1,
        "owner",
        "Anne Christensen",
        True,
        "substantial",
        "Klar til at tilmelde sig Diagnosekodning",
    ),
]


def demo_users() -> list[DemoUser]:
    """The demo's users (``DEMO_IDENTITIES``): the same people at the same clinics however the
    clinics' state has changed since the nation was built."""
    from sentinel.demo.nation import stories_by_ydernummer  # the nation imports this module

    numbers = sorted(
        Clinic.objects.filter(ydernummer__regex=r"^9[0-9]{5}$").values_list("ydernummer", flat=True)
    )
    stories = stories_by_ydernummer(len(numbers))
    built: dict[str, list[str]] = {}
    for ydernummer in numbers:
        built.setdefault(stories.get(ydernummer, ""), []).append(ydernummer)
    chosen: dict[int, str] = {}  # identity → its clinic's ydernummer
    for index, (story, nth, *_rest) in enumerate(DEMO_IDENTITIES):
        found = built.get(story)
        if found:  # a small nation may hold fewer clinics of a story: then its last one
            chosen[index] = found[min(nth, len(found)) - 1]
    clinics = Clinic.objects.in_bulk(list(chosen.values()), field_name="ydernummer")
    users: list[DemoUser] = []
    for index, (_story, _nth, role, name, may_sign, level, description) in enumerate(
        DEMO_IDENTITIES
    ):
        if index in chosen:
            users.append(
                demo_user(
                    clinics[chosen[index]],
                    role,
                    name=name,
                    may_sign=may_sign,
                    assurance_level=level,
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
    """Start oidc-provider-mock as its own process with ``users`` (``demo.provider``, which
    names them on the login page); returns once it answers."""
    command = [sys.executable, "-m", "sentinel.demo.provider", "--host", host, "--port", str(port)]
    for user in users:
        command += ["--user", json.dumps(_user_json(user))]
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


def _user_json(user: DemoUser) -> dict[str, Any]:
    return {"sub": user.sub, "claims": user.claims(), "label": user.label}


@contextlib.contextmanager
def provider_in_thread(users: Sequence[DemoUser]) -> Iterator[str]:
    """Run the provider in a thread for the duration; yields its issuer URL."""
    from werkzeug.serving import make_server

    from sentinel.demo.provider import provider_app

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on localhost
    app = provider_app([_user_json(u) for u in users])
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
