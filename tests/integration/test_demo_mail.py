"""``sentinel demo`` runs a real SMTP server and says where the mail goes: the owner of a demo
clinic adds an address in the served portal, the verification mail lands as a file in the
printed directory, and ``sentinel notices send`` (pointed at the printed port) delivers the
notices that are due to the verified address."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.cli import _healthy, clean_env, free_port, run_sentinel, sentinel_executable


def _mails(maildir: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(maildir.iterdir(), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def _csrf(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


class Demo:
    def __init__(self, var_dir: Path, base: str, smtp_port: int, log_path: Path) -> None:
        self.var_dir, self.base, self.smtp_port, self.log_path = var_dir, base, smtp_port, log_path

    @property
    def output(self) -> str:
        return self.log_path.read_text()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    built = run_sentinel(tmp_path, "demo", "--no-serve", "--clinics", "20", timeout=300)
    assert built.returncode == 0, built.stderr
    port, smtp_port = free_port(), free_port()
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [sentinel_executable(), "demo", "--port", str(port), "--clinics", "20"],
            env=clean_env(
                tmp_path,
                SENTINEL_DEMO_SMTP_PORT=str(smtp_port),
                SENTINEL_DEMO_OIDC_PORT=str(free_port()),
            ),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _healthy(base) or "Log in as one of" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sentinel demo did not come up:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Demo(tmp_path, base, smtp_port, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_demo_delivers_its_mail_to_its_own_server_and_says_where(demo: Demo) -> None:
    maildir = demo.var_dir / "demo-mail" / "new"
    owner = re.search(
        r"^  (\S+)  .*\((9\d{5})\): Ny version af databehandleraftalen", demo.output, re.MULTILINE
    )
    assert owner, demo.output
    sub, ydernummer = owner.groups()
    page = f"{demo.base}/klinik/{ydernummer}/administrer/beskeder/"

    with httpx.Client(timeout=20) as client:
        authorize = client.get(f"{demo.base}/login/", params={"next": page}).headers["location"]
        callback = httpx.post(authorize, data={"sub": sub}, timeout=20).headers["location"]
        assert client.get(callback).status_code == 302
        added = client.post(
            page,
            data={
                "csrfmiddlewaretoken": _csrf(client, page),
                "email": "kontor@demo-klinik.dk",
                "kinds": ["report_opened", "no_data", "new_version"],
                "language": "da",
            },
        )
        (verification,) = _mails(maildir)
        (link,) = re.findall(r"https?://\S+/beskeder/bekraeft/\S+", _text(verification))
        verify_url = f"{demo.base}{urlsplit(link).path}"
        verified = client.post(verify_url, data={"csrfmiddlewaretoken": _csrf(client, verify_url)})
    # The demo's worker runs the notices job when it is queued (as the console's "Kør nu").
    queued = run_sentinel(demo.var_dir, "jobs", "run", "notices")
    assert queued.returncode == 0, queued.stderr
    deadline = time.monotonic() + 120  # only keeps a broken run from hanging
    while len(_mails(maildir)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    mail_page = httpx.get(f"{demo.base}/demo/post/", timeout=20)

    assert f"a local SMTP server (aiosmtpd) runs on 127.0.0.1:{demo.smtp_port}" in demo.output
    assert str(maildir) in demo.output
    assert re.search(rf"SENTINEL_SMTP_PORT={demo.smtp_port} \S*sentinel notices send", demo.output)
    assert "Background jobs: `sentinel worker` runs beside the server" in demo.output
    assert added.status_code == 302
    assert verification["To"] == "kontor@demo-klinik.dk"
    assert verified.status_code == 200 and "er bekræftet" in verified.text
    notices = _mails(maildir)[1:]
    subjects = [m["Subject"] for m in notices]
    assert "Ny version af databehandleraftalen skal underskrives" in subjects
    links = re.findall(r"https?://\S+", "".join(_text(m) for m in notices))
    assert links and all(link.startswith(demo.base) for link in links)
    # The demo's page of sent mails shows them all, the verification first sent.
    assert mail_page.status_code == 200
    assert "Ny version af databehandleraftalen skal underskrives" in mail_page.text
    assert "Bekræft din e-mailadresse til Sentinel" in mail_page.text
