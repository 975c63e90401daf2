"""Clinic login with OpenID Connect: authorization code flow with PKCE (mozilla-django-oidc).

Production logs in with MitID Erhverv through a broker; tests and ``sentinel demo`` log in
against a real local provider (oidc-provider-mock). Nothing here knows which: the provider is
found from ``SENTINEL_OIDC_ISSUER`` (its discovery document, read on first use and cached) or
from explicit endpoints, and the claims are read under the names in ``SENTINEL_OIDC_CLAIMS``:

- ``person_uuid`` the person's UUID (MitID Erhverv's persistent person id; default ``sub``)
- ``name``        the person's name
- ``cvr``         the CVR number the person acts for in this login
- ``may_sign``    whether the person may sign for that CVR (true/false)
- ``assurance_level`` the NSIS level of the login: low, substantial or high (a URI ending in
  one of those, as brokers send it, is read the same way; anything else counts as low)

A login gives the session an ``Identity``. It reaches the clinics whose CVR is the identity's
CVR, nothing else. The Django user behind it (``clinic-user-<uuid>``) is never staff and has no
password; the claims of each login live in the session, not in the user, because the same
person may act for another CVR next time.

Signing needs a *fresh* login: one the portal started in order to sign, asking the provider
for a new authentication (``prompt=login``, ``max_age=0`` and, if set, ``acr_values``). A
signature is accepted only within ``SENTINEL_OIDC_FRESH_SECONDS`` of that login's
``auth_time`` (or ``iat``), and only once; an ordinary login cannot sign.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sentinel.agreements.actions import Signer
from sentinel.agreements.models import AssuranceLevel
from sentinel.lib.identifiers import InvalidIdentifier, validate_cvr
from sentinel.portal.services import note_login

log = logging.getLogger(__name__)

IDENTITY_KEY = "portal_identity"
LAUNCH_KEY = "portal_launch"
REFUSAL_KEY = "portal_login_refused"
STEP_UP_KEY = "portal_step_up_state"
# Session entries that survive a login (a user who opened Sentinel from the practice system
# and then logs in to sign keeps the launch).
KEPT_ACROSS_LOGIN = (LAUNCH_KEY,)
USERNAME_PREFIX = "clinic-user-"
_DISCOVERY_TTL = 3600.0


class LoginUnavailable(Exception):
    """No provider is configured, or it cannot be reached."""


class LoginRefused(Exception):
    """The provider logged the person in, but the login cannot be used for the portal."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


_discovered: dict[str, tuple[float, ProviderConfig]] = {}
_discovery_lock = threading.Lock()


def login_configured() -> bool:
    return bool(settings.SENTINEL_OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def provider_config() -> ProviderConfig:
    """The provider's endpoints: explicit settings, else the issuer's discovery document."""
    explicit = (
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        settings.OIDC_OP_TOKEN_ENDPOINT,
        settings.OIDC_OP_USER_ENDPOINT,
        settings.OIDC_OP_JWKS_ENDPOINT,
    )
    if all(explicit):
        return ProviderConfig(settings.SENTINEL_OIDC_ISSUER, *explicit)
    issuer = settings.SENTINEL_OIDC_ISSUER
    if not issuer:
        raise LoginUnavailable("no OpenID Connect provider is configured")
    with _discovery_lock:
        cached = _discovered.get(issuer)
        if cached and time.monotonic() - cached[0] < _DISCOVERY_TTL:
            return cached[1]
    try:
        response = httpx.get(
            f"{issuer}/.well-known/openid-configuration",
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
        )
        response.raise_for_status()
        document = response.json()
        config = ProviderConfig(
            issuer=str(document["issuer"]).rstrip("/"),
            authorization_endpoint=explicit[0] or document["authorization_endpoint"],
            token_endpoint=explicit[1] or document["token_endpoint"],
            userinfo_endpoint=explicit[2] or document["userinfo_endpoint"],
            jwks_uri=explicit[3] or document["jwks_uri"],
        )
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise LoginUnavailable(f"the provider's discovery document failed: {exc}") from None
    if config.issuer != issuer:
        raise LoginUnavailable(f"the provider says its issuer is {config.issuer}, not {issuer}")
    with _discovery_lock:
        _discovered[issuer] = (time.monotonic(), config)
    return config


# --- the identity a login gives -----------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who logged in, for which CVR, with which rights, how strongly and when."""

    person_uuid: str
    name: str
    cvr: str
    may_sign: bool
    assurance_level: str
    authenticated_at: int
    logged_in_at: int

    @property
    def username(self) -> str:
        return f"{USERNAME_PREFIX}{self.person_uuid}"

    def is_fresh(self, now: float | None = None) -> bool:
        """Logged in recently enough to sign (and not yet used for a signature)."""
        moment = time.time() if now is None else now
        return 0 <= moment - self.authenticated_at <= settings.SENTINEL_OIDC_FRESH_SECONDS

    def signer(self) -> Signer:
        """This person as the agreements and approvals take them."""
        return Signer(
            person_uuid=uuid.UUID(self.person_uuid),
            name=self.name,
            cvr=self.cvr,
            assurance_level=self.assurance_level,
            may_sign=self.may_sign,
        )

    def spent(self) -> Identity:
        """The same identity after a signature: no longer fresh."""
        return Identity(**{**asdict(self), "authenticated_at": 0})

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: object) -> Identity | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


_TRUE = {"true", "1", "yes", "ja"}
_LEVELS = {
    "low": AssuranceLevel.LOW,
    "lav": AssuranceLevel.LOW,
    "substantial": AssuranceLevel.SUBSTANTIAL,
    "betydelig": AssuranceLevel.SUBSTANTIAL,
    "high": AssuranceLevel.HIGH,
    "høj": AssuranceLevel.HIGH,
}


def assurance_level(value: object) -> str:
    """The NSIS level in a claim: ``substantial``, ``Substantial`` or a URI ending in it."""
    text = str(value or "").strip().rstrip("/")
    last = text.replace(":", "/").rsplit("/", 1)[-1].lower()
    return _LEVELS.get(last, AssuranceLevel.LOW)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def identity_from_claims(claims: dict[str, Any], now: float | None = None) -> Identity:
    """Read the portal's identity from the login's claims, or refuse the login."""
    names = settings.SENTINEL_OIDC_CLAIMS
    moment = int(time.time() if now is None else now)
    try:
        person = str(uuid.UUID(str(claims.get(names["person_uuid"], ""))))
    except ValueError:
        raise LoginRefused("no_person_uuid") from None
    raw_cvr = claims.get(names["cvr"])
    if raw_cvr in (None, ""):
        raise LoginRefused("no_cvr")
    try:
        cvr = validate_cvr(str(raw_cvr))
    except InvalidIdentifier:
        raise LoginRefused("invalid_cvr") from None
    name = str(claims.get(names["name"]) or "").strip()
    if not name:
        name = " ".join(
            str(claims.get(k) or "").strip() for k in ("given_name", "family_name")
        ).strip()
    authenticated = claims.get("auth_time") or claims.get("iat") or moment
    return Identity(
        person_uuid=person,
        name=name,
        cvr=cvr,
        may_sign=_flag(claims.get(names["may_sign"])),
        assurance_level=assurance_level(claims.get(names["assurance_level"])),
        authenticated_at=int(authenticated),
        logged_in_at=moment,
    )


def _refuse(request: HttpRequest, code: str) -> None:
    request.session[REFUSAL_KEY] = code


# --- mozilla-django-oidc, with the provider resolved per request -----------------------------


class ClinicLoginBackend(OIDCAuthenticationBackend):
    """Authenticates the portal's OpenID Connect callback; nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The base class reads the endpoints here; they are resolved per login instead, so
        # sessions keep working (get_user) while the provider is away.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.provider: ProviderConfig | None = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or request.path != reverse("portal:oidc_callback"):
            return None
        if "code" not in request.GET or "state" not in request.GET:
            return None
        try:
            self.provider = provider_config()
            self.OIDC_OP_TOKEN_ENDPOINT = self.provider.token_endpoint
            self.OIDC_OP_USER_ENDPOINT = self.provider.userinfo_endpoint
            self.OIDC_OP_JWKS_ENDPOINT = self.provider.jwks_uri
            return super().authenticate(request, **kwargs)
        except LoginRefused as refusal:
            log.info("portal login refused: %s", refusal.code)
            _refuse(request, refusal.code)
        except (LoginUnavailable, requests.RequestException, jwt.PyJWTError) as exc:
            log.warning("portal login failed at the provider: %s", exc)
            _refuse(request, "provider_error")
        except SuspiciousOperation as exc:
            log.warning("portal login token refused: %s", exc)
            _refuse(request, "invalid_token")
        return None

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A public client (no secret configured) proves itself with PKCE alone."""
        if not payload.get("client_secret"):
            payload = {k: v for k, v in payload.items() if k != "client_secret"}
        token: dict[str, Any] = super().get_token(payload)
        return token

    def retrieve_matching_jwk(self, token: str) -> Any:
        """The provider's key for ``token``: the one its ``kid`` names, or, for a token without
        a ``kid``, the provider's only key for the algorithm."""
        response = requests.get(
            self.OIDC_OP_JWKS_ENDPOINT,
            verify=settings.OIDC_VERIFY_SSL,
            timeout=settings.OIDC_TIMEOUT,
        )
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        keys = [
            k
            for k in response.json().get("keys", [])
            if k.get("alg", header.get("alg")) == header.get("alg") and k.get("use", "sig") == "sig"
        ]
        if "kid" in header:
            keys = [k for k in keys if k.get("kid") == header["kid"]]
        if len(keys) != 1:
            raise SuspiciousOperation("no single signing key of the provider matches the token")
        return jwt.PyJWK(keys[0])

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The signature, expiry and nonce (base class), then the issuer and audience."""
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        issuer = self.provider.issuer if self.provider else ""
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("the ID token's issuer is not the configured provider")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if "aud" in payload and self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("the ID token is not meant for this client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") not in (None, payload.get("sub")):
            raise LoginRefused("invalid_token")
        identity = identity_from_claims({**userinfo, **payload})
        user, created = self.UserModel.objects.get_or_create(
            username=identity.username, defaults={"is_staff": False, "is_superuser": False}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if user.is_staff or user.is_superuser or not user.is_active:
            raise LoginRefused("not_a_clinic_user")
        user.portal_identity = identity  # type: ignore[attr-defined]  # read by CallbackView
        return user


class LoginView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider. ``?fresh=1`` asks for a new authentication (to
    sign); ``?next=`` is where to come back to (same host only)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_config().authorization_endpoint
        except LoginUnavailable as exc:
            log.warning("portal login unavailable: %s", exc)
            return render(request, "portal/login_unavailable.html", status=503)
        response: HttpResponse = super().get(request)
        response["Cache-Control"] = "no-store"
        if request.GET.get("fresh") == "1":
            state = parse_qs(urlsplit(response["Location"]).query).get("state", [""])[0]
            request.session[STEP_UP_KEY] = state
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        params = {"ui_locales": "en" if _english() else "da"}
        if request.GET.get("fresh") == "1":
            params.update({"prompt": "login", "max_age": "0"})
            if settings.SENTINEL_OIDC_SIGNING_ACR_VALUES:
                params["acr_values"] = settings.SENTINEL_OIDC_SIGNING_ACR_VALUES
        return params


def _english() -> bool:
    return (translation.get_language() or "da").startswith("en")


class CallbackView(OIDCAuthenticationCallbackView):
    """Comes back from the provider: logs the user in and keeps the login's identity."""

    user: Any
    step_up = False

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("error"):
            # Cancelled or refused at the provider: forget the state, keep the session as it
            # was (a practice-system launch stays open), and say what happened.
            states = request.session.get("oidc_states", {})
            states.pop(request.GET.get("state", ""), None)
            request.session["oidc_states"] = states
            _refuse(request, "cancelled")
            return self.login_failure()
        self.step_up = bool(request.GET.get("state")) and request.GET.get(
            "state"
        ) == request.session.pop(STEP_UP_KEY, None)
        response: HttpResponse = super().get(request)
        return response

    def login_success(self) -> HttpResponse:
        """Log the user in (keeping a practice-system launch), keep the login's identity in
        the session and audit the login (``portal.login``)."""
        request = self.request
        session = request.session
        next_url = session.get("oidc_login_next") or reverse("portal:clinics")
        kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
        if not request.user.is_authenticated or request.user != self.user:
            auth.login(request, self.user, backend=f"{__name__}.ClinicLoginBackend")
        session.update(kept)
        identity: Identity = self.user.portal_identity
        # Only a login asked for to sign (prompt=login) may sign; any other is spent at once.
        session[IDENTITY_KEY] = (identity if self.step_up else identity.spent()).as_session()
        session.pop(REFUSAL_KEY, None)
        note_login(identity=identity, to_sign=self.step_up)
        return HttpResponseRedirect(next_url)

    def login_failure(self) -> HttpResponse:
        return HttpResponseRedirect(reverse("portal:login_failed"))
