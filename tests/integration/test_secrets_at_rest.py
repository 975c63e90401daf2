"""No secret or identifier at rest where it does not belong: the real ``sentinel serve`` (gunicorn,
its access log and Django's log on one output) is sent a launch link's token, an OIDC
authorization code and state, a password typed into the console's username field and a
CPR-shaped number in a URL; afterwards neither the server's log output nor the database file
holds any of them. The server runs on a free port without ``SENTINEL_PUBLIC_URL``, so the
launch link it hands out must point at that port to open."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.cli import clean_env, sentinel_executable
from tests.cli import run_sentinel as run
from tests.factories import valid_cvr

pytestmark = pytest.mark.slow

MISTYPED_PASSWORD = "Sommer-Kodeord-2026!"
OIDC_CODE = "oidc-code-7f3a9c41d2"
OIDC_STATE = "oidc-state-b81e6620aa"
CPR_SHAPED = "0101801234"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Http:
    """A tiny HTTP client with cookies that never raises on an error status."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")


def test_the_server_log_and_the_database_hold_no_token_code_password_or_cpr(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "migrate", timeout=120).returncode == 0
    created = run(tmp_path, "vendor", "create", "Logtest Data A/S", "--slug", "logtest")
    assert created.returncode == 0, created.stderr
    credential = re.search(r"snt_[A-Za-z0-9_-]+", created.stdout)
    assert credential is not None, created.stdout
    bearer = {"Authorization": f"Bearer {credential.group(0)}"}

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [sentinel_executable(), "serve", "--port", str(port)],
            env=clean_env(tmp_path, SENTINEL_DEMO="true"),  # no SENTINEL_PUBLIC_URL
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    web = Http(base)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError):
                if web.call("GET", "/healthz")[0] == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sentinel serve did not start:\n{log_path.read_text()}")
            time.sleep(0.1)

        # A launch link: asked for over the API, opened by the practice system's browser.
        json_headers = {**bearer, "Content-Type": "application/json"}
        body = {"cvr": valid_cvr(861234), "name": "Klinik Log", "speciale": "51"}
        activated = web.call(
            "PUT", "/api/v1/clinics/861234/activation", json.dumps(body).encode(), json_headers
        )
        assert activated[0] == 200, activated
        launch = web.call(
            "POST",
            "/api/v1/clinics/861234/launch",
            json.dumps({"user_id": "u-1", "user_name": "Ida"}).encode(),
            json_headers,
        )
        assert launch[0] == 200, launch
        url = json.loads(launch[1])["url"]
        token = url.rsplit("/", 1)[-1]
        assert url.startswith(f"{base}/launch/")  # the server's own port, not a default
        with urllib.request.urlopen(url, timeout=10) as opened:  # noqa: S310 - local http
            assert opened.status == 200

        # An OIDC callback carrying an authorization code and state in its query string.
        web.call("GET", f"/login/callback/?code={OIDC_CODE}&state={OIDC_STATE}")

        # A password typed into the console login's username field.
        _status, page = web.call("GET", "/console/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert csrf is not None
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": csrf.group(1),
                "username": MISTYPED_PASSWORD,
                "password": "",
                "otp_token": "",
            }
        ).encode()
        refused = web.call(
            "POST",
            "/console/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": base},
        )
        assert refused[0] == 200

        # A CPR-shaped number in a URL path (Django logs a warning for the 404).
        assert web.call("GET", f"/api/v1/clinics/{CPR_SHAPED}/status", None, bearer)[0] == 404
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    logged = log_path.read_text()
    assert "/launch/" in logged and "/login/callback/" in logged  # the requests were logged
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("sentinel.sqlite3*"))
    for secret in (token, OIDC_CODE, OIDC_STATE, MISTYPED_PASSWORD, CPR_SHAPED):
        assert secret not in logged, secret
        assert secret.encode() not in stored, secret
