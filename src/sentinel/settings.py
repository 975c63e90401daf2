"""Sentinel's one settings module, read from the environment.

Secure by default: DEBUG is off unless asked for, and there is no built-in secret key. With
the embedded SQLite database (no ``DATABASE_URL``; local use and the demo) a random key is
generated once into ``var/secret_key``; anywhere else ``SENTINEL_SECRET_KEY`` must be set.
See ``.env.example`` for every variable.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sentinel.lib.pseudonym import decode_key, new_key_text

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SENTINEL_VAR_DIR", Path.cwd() / "var")).resolve()

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable; anything but true/false/1/0/yes/no/on/off is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
EMBEDDED = not DATABASE_URL
SQLITE_PATH = VAR_DIR / "sentinel.sqlite3"

DEBUG = env_bool("SENTINEL_DEBUG", False)
DEMO = env_bool("SENTINEL_DEMO", False)


def _embedded_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SENTINEL_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SENTINEL_SECRET_KEY is not set (required when DATABASE_URL is set)"
        )
    SECRET_KEY = _embedded_secret_key()

ALLOWED_HOSTS = env_list(
    "SENTINEL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if EMBEDDED else []
)

INSTALLED_APPS = [
    # First, so that its admin/base_site.html (the console's styles on every page) is found
    # before Django's own.
    "sentinel.console",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "sentinel.core",
    "sentinel.audit",
    "sentinel.clinics",
    "sentinel.agreements",
    "sentinel.projects",
    "sentinel.collection",
    "sentinel.networks",
    "sentinel.reports",
    "sentinel.sharing",
    "sentinel.notices",
    "sentinel.jobs",
    "django_q",
    "sentinel.portal",
    "sentinel.cli",
    "sentinel.bench",
    "sentinel.demo",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sentinel.api.fhir_http.FhirErrorMiddleware",  # errors under /api/v1/fhir as FHIR
    "sentinel.api.protocol.BodyLimitMiddleware",
    "sentinel.portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sentinel.portal.middleware.DanishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sentinel.urls"
WSGI_APPLICATION = "sentinel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sentinel.core.context_processors.sentinel",
            ],
        },
    },
]

if EMBEDDED:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
else:
    try:
        DATABASES = {"default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not usable: {exc}") from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served from the apps by whitenoise; set SENTINEL_STATIC_ROOT to collect them.
STATIC_ROOT = os.environ.get("SENTINEL_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security: cookies, headers and HTTPS. Plain HTTP is only allowed on the embedded setup.
SECURE_HTTPS = env_bool("SENTINEL_HTTPS", not EMBEDDED)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
CSRF_FAILURE_VIEW = "sentinel.urls.csrf_failure"  # the door's own 403 page, not Django's
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SENTINEL_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SENTINEL_SESSION_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "sentinel.core.logging.RedactFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SENTINEL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}


# Patient identity keys (see lib/pseudonym.py). With the embedded database they are generated
# once into var/keys.json; otherwise they must be given:
#   SENTINEL_PSEUDONYM_KEY   32 bytes, urlsafe base64 (HMAC-SHA256 pseudonyms; never rotated
#                            casually: a new key breaks linking of old and new records)
#   SENTINEL_CPR_KEYS        "id:base64,id2:base64" AES-256-GCM keys for encrypted CPR
#   SENTINEL_CPR_KEY_ID      the id that encrypts new data (default: the last in the list)
def _embedded_keys() -> dict[str, str]:
    path = VAR_DIR / "keys.json"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        keys = {"pseudonym": new_key_text(), "cpr": f"k1:{new_key_text()}"}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(keys, fh)
    return json.loads(path.read_text())


_keys_text = {
    "pseudonym": os.environ.get("SENTINEL_PSEUDONYM_KEY", "").strip(),
    "cpr": os.environ.get("SENTINEL_CPR_KEYS", "").strip(),
}
if not all(_keys_text.values()):
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SENTINEL_PSEUDONYM_KEY and SENTINEL_CPR_KEYS are required when DATABASE_URL is set"
        )
    _keys_text = _embedded_keys()
try:
    SENTINEL_PSEUDONYM_KEY = decode_key(_keys_text["pseudonym"], name="SENTINEL_PSEUDONYM_KEY")
    SENTINEL_CPR_KEYS = {
        kid.strip(): decode_key(text.strip(), name=f"SENTINEL_CPR_KEYS[{kid.strip()}]")
        for kid, _, text in (item.partition(":") for item in _keys_text["cpr"].split(","))
    }
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
SENTINEL_CPR_KEY_ID = (
    os.environ.get("SENTINEL_CPR_KEY_ID", "").strip() or list(SENTINEL_CPR_KEYS)[-1]
)
if SENTINEL_CPR_KEY_ID not in SENTINEL_CPR_KEYS:
    raise ImproperlyConfigured(
        f"SENTINEL_CPR_KEY_ID {SENTINEL_CPR_KEY_ID!r} is not in SENTINEL_CPR_KEYS"
    )

# Domain settings.
SENTINEL_DATA_FLOW_THRESHOLD_DAYS = env_int("SENTINEL_DATA_FLOW_THRESHOLD_DAYS", 14)
# Days of notice a new DPA/consent version needs (its effective date at least this far ahead)
# unless the operator states why it is urgent (audited).
SENTINEL_VERSION_NOTICE_DAYS = env_int("SENTINEL_VERSION_NOTICE_DAYS", 30)
# Least seconds between two background refreshes of a project's national/regional benchmark
# by `sentinel worker` (only when clinic data changed); 0 turns the background refresh off.
SENTINEL_BENCHMARK_REFRESH_SECONDS = env_int("SENTINEL_BENCHMARK_REFRESH_SECONDS", 600)

# The job runner (`sentinel worker`, django-q2 on the database; docs/adr/0011-job-runner.md).
# Daily jobs run at these local times (HH:MM).
SENTINEL_NOTICES_AT = os.environ.get("SENTINEL_NOTICES_AT", "07:00").strip()
SENTINEL_RETENTION_AT = os.environ.get("SENTINEL_RETENTION_AT", "03:00").strip()
# A job running longer than this is stopped (and counts as failed); a job not finished this many
# seconds plus a minute after it was taken (its worker died) is handed out again.
SENTINEL_JOB_TIMEOUT_SECONDS = env_int("SENTINEL_JOB_TIMEOUT_SECONDS", 3600)
SENTINEL_JOB_RETRY_SECONDS = env_int(
    "SENTINEL_JOB_RETRY_SECONDS", SENTINEL_JOB_TIMEOUT_SECONDS + 60
)
# How many times a job is tried before it stays failed (visible in the console either way).
SENTINEL_JOB_MAX_ATTEMPTS = env_int("SENTINEL_JOB_MAX_ATTEMPTS", 5)
if not 0 < SENTINEL_JOB_TIMEOUT_SECONDS < SENTINEL_JOB_RETRY_SECONDS:
    raise ImproperlyConfigured(
        "SENTINEL_JOB_RETRY_SECONDS must be greater than SENTINEL_JOB_TIMEOUT_SECONDS (> 0), "
        "or a job still running would be handed out twice"
    )
if SENTINEL_JOB_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("SENTINEL_JOB_MAX_ATTEMPTS must be at least 1")
Q_CLUSTER = {
    "name": "sentinel",
    "orm": "default",  # the queue is a table of Sentinel's own database
    "workers": env_int("SENTINEL_WORKER_PROCESSES", 1),
    "queue_limit": 1,  # take one job at a time: a job waits in the table, not in memory
    "bulk": 1,
    "timeout": SENTINEL_JOB_TIMEOUT_SECONDS,
    "retry": SENTINEL_JOB_RETRY_SECONDS,
    "max_attempts": SENTINEL_JOB_MAX_ATTEMPTS,
    "ack_failures": False,  # a failed job stays queued and is tried again after the retry time
    "catch_up": False,  # a worker that was down runs a missed daily job once, not once per day
    "save_limit": 1000,
    "poll": 1,
    "label": "Baggrundsjob",
}
# Where Sentinel is reached from outside (launch links, mails). Unset: the request's own scheme
# and host (``sentinel serve --port 9000`` hands out links to port 9000).
SENTINEL_PUBLIC_URL = os.environ.get("SENTINEL_PUBLIC_URL", "").rstrip("/")
# Mail (notices to clinics): Django's SMTP backend, to the server named here (localhost:25 when
# unset). Only the embedded set-up without a host prints mail to standard output instead (local
# use); the tests run a real server.
SENTINEL_SMTP_HOST = os.environ.get("SENTINEL_SMTP_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if EMBEDDED and not SENTINEL_SMTP_HOST
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = SENTINEL_SMTP_HOST or "localhost"
EMAIL_PORT = env_int("SENTINEL_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("SENTINEL_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SENTINEL_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SENTINEL_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("SENTINEL_SMTP_SSL", False)
EMAIL_TIMEOUT = env_int("SENTINEL_SMTP_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("SENTINEL_MAIL_FROM", "Sentinel <noreply@sentinel-data.dk>")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("SENTINEL_SMTP_STARTTLS and SENTINEL_SMTP_SSL exclude each other")
# Hours a notice contact's verification link stays valid (default 48).
SENTINEL_NOTICE_VERIFY_HOURS = env_int("SENTINEL_NOTICE_VERIFY_HOURS", 48)
# Where the operator's data-sharing exports are written (one directory per export, with a
# manifest.json); keep it on encrypted storage readable by the operator only.
SENTINEL_EXPORT_DIR = Path(os.environ.get("SENTINEL_EXPORT_DIR") or VAR_DIR / "exports").resolve()

# The clinic portal's login: OpenID Connect, authorization code + PKCE (mozilla-django-oidc).
# Production is MitID Erhverv through a broker. Give the issuer (its discovery document is read
# on first use) or the four endpoints. The demo runs a local provider (oidc-provider-mock) on
# SENTINEL_DEMO_OIDC_PORT. README "The clinic portal" documents the claims.
SENTINEL_DEMO_OIDC_PORT = env_int("SENTINEL_DEMO_OIDC_PORT", 9400)
# The demo's local SMTP server (aiosmtpd), used unless SENTINEL_SMTP_HOST names another server;
# its mails are kept as files in var/demo-mail (a Maildir).
SENTINEL_DEMO_SMTP_PORT = env_int("SENTINEL_DEMO_SMTP_PORT", 9425)
SENTINEL_OIDC_ISSUER = os.environ.get("SENTINEL_OIDC_ISSUER", "").strip().rstrip("/")
if DEMO and not SENTINEL_OIDC_ISSUER:
    SENTINEL_OIDC_ISSUER = f"http://127.0.0.1:{SENTINEL_DEMO_OIDC_PORT}"
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("SENTINEL_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("SENTINEL_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("SENTINEL_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("SENTINEL_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = os.environ.get("SENTINEL_OIDC_CLIENT_ID", "sentinel")
OIDC_RP_CLIENT_SECRET = os.environ.get("SENTINEL_OIDC_CLIENT_SECRET", "")
if DEMO and not OIDC_RP_CLIENT_SECRET:
    OIDC_RP_CLIENT_SECRET = "sentinel-demo"  # noqa: S105 - the demo's provider takes any
OIDC_RP_SIGN_ALGO = os.environ.get("SENTINEL_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("SENTINEL_OIDC_SCOPES", "openid profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("SENTINEL_OIDC_TIMEOUT_SECONDS", 10)
OIDC_VERIFY_SSL = env_bool("SENTINEL_OIDC_VERIFY_SSL", True)
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc_callback"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:clinics"
LOGIN_REDIRECT_URL_FAILURE = "portal:login_failed"
LOGOUT_REDIRECT_URL = "portal:front"
# Claim names (defaults fit the local provider; a MitID Erhverv broker names them its own way).
SENTINEL_OIDC_CLAIMS = {
    "person_uuid": os.environ.get("SENTINEL_OIDC_CLAIM_PERSON_UUID", "sub"),
    "name": os.environ.get("SENTINEL_OIDC_CLAIM_NAME", "name"),
    "cvr": os.environ.get("SENTINEL_OIDC_CLAIM_CVR", "cvr"),
    "may_sign": os.environ.get("SENTINEL_OIDC_CLAIM_MAY_SIGN", "may_sign"),
    "assurance_level": os.environ.get("SENTINEL_OIDC_CLAIM_ASSURANCE_LEVEL", "acr"),
}
# Asked for when a user logs in to sign (acr_values), e.g. the broker's NSIS "substantial" URI.
SENTINEL_OIDC_SIGNING_ACR_VALUES = os.environ.get("SENTINEL_OIDC_SIGNING_ACR_VALUES", "")
# A signature needs a login at most this old (a fresh login, prompt=login).
SENTINEL_OIDC_FRESH_SECONDS = env_int("SENTINEL_OIDC_FRESH_SECONDS", 5 * 60)
# A portal session ends this long after login or launch, however active (idle: SESSION_COOKIE_AGE).
SENTINEL_PORTAL_MAX_SESSION_SECONDS = env_int("SENTINEL_PORTAL_MAX_SESSION_SECONDS", 8 * 3600)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sentinel.portal.oidc.ClinicLoginBackend",
]
SESSION_SAVE_EVERY_REQUEST = True  # the session timeout counts from the last request
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
# Paths whose pages bring their own scripts (the API's interactive docs); everything else gets
# the strict Content-Security-Policy of sentinel.portal.middleware.
SENTINEL_CSP_EXEMPT_PATHS = env_list("SENTINEL_CSP_EXEMPT_PATHS", ["/api/v1/docs"])

# The operator console (/console/, staff only, password + TOTP; see console/__init__.py).
SENTINEL_CONSOLE_IDLE_SECONDS = env_int("SENTINEL_CONSOLE_IDLE_SECONDS", 30 * 60)
SENTINEL_CONSOLE_MAX_FAILURES = env_int("SENTINEL_CONSOLE_MAX_FAILURES", 5)
SENTINEL_CONSOLE_LOCKOUT_SECONDS = env_int("SENTINEL_CONSOLE_LOCKOUT_SECONDS", 15 * 60)
# The console's language: da (everything Danish) or en (Django's own words in English).
SENTINEL_CONSOLE_LANGUAGE = env_choice("SENTINEL_CONSOLE_LANGUAGE", "da", ("da", "en"))
OTP_TOTP_ISSUER = "Sentinel"
