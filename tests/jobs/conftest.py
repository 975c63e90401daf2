"""The worker as it runs in production: ``sentinel worker`` in processes of its own, against a
database the test can also reach — a fresh SQLite file under a temporary var directory, or, on
the PostgreSQL run, the test database itself (flushed afterwards) — and a real SMTP server
whose answers the test scripts (refuse, hold, accept)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from tests.cli import clean_env, run_sentinel, sentinel_executable
from tests.mailserver import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ScriptedSmtp:
    """A real SMTP server that answers each message as ``script`` says, in order:
    ``"refuse"`` (451, try later), ``"hold"`` (wait until ``release``, then 451: by then the
    sender is gone) — and accepts every message after the script."""

    host: str
    port: int
    script: list[str]
    attempts: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    delivered: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        answer = self.script.pop(0) if self.script else "accept"
        if answer == "refuse":
            return "451 4.3.0 Try again later"
        if answer == "hold":
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.delivered.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def scripted_smtp() -> Iterator[Callable[[list[str]], ScriptedSmtp]]:
    controllers: list[Controller] = []

    def start(script: list[str]) -> ScriptedSmtp:
        server = ScriptedSmtp("127.0.0.1", free_port(), list(script))
        controller = Controller(server, hostname=server.host, port=server.port)
        controller.start()
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@dataclass
class Deployment:
    """Sentinel's commands against one database, as an operator runs them."""

    var_dir: Path
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = run_sentinel(self.var_dir, *args, timeout=timeout, **self.env)
        return result

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def shell(self, code: str) -> str:
        return self.ok("manage", "shell", "-c", code)

    def start_worker(self, log_name: str) -> subprocess.Popen[bytes]:
        with (self.var_dir / log_name).open("wb") as log:
            worker = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
                [sentinel_executable(), "worker"],
                env=clean_env(self.var_dir, **self.env),
                cwd=self.var_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as one, like a crash
            )
        self.workers.append(worker)
        return worker

    def log(self, name: str) -> str:
        return (self.var_dir / name).read_text(errors="replace")

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)


def wait_for(what: str, condition: Callable[[], bool], *, limit: float = 120) -> None:
    """Wait until ``condition`` holds; ``limit`` only keeps a broken run from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for: {what}")
        time.sleep(0.1)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """A migrated database for subprocesses: on PostgreSQL the test database (the test is
    marked ``django_db(transaction=True, serialized_rollback=True)``: committed writes, flushed
    after the test and the migrations' rows put back), on
    SQLite a file of its own."""
    env = {
        "PYTHONPATH": str(REPO),  # the arranging scripts use tests.factories
        "SENTINEL_JOB_TIMEOUT_SECONDS": "4",
        "SENTINEL_JOB_RETRY_SECONDS": "5",
    }
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["DATABASE_URL"] = f"postgres://{user}@{where}/{db['NAME']}"
        for key in ("SENTINEL_SECRET_KEY", "SENTINEL_PSEUDONYM_KEY", "SENTINEL_CPR_KEYS"):
            env[key] = os.environ[key]
    place = Deployment(tmp_path, env)
    if connection.vendor != "postgresql":
        place.ok("migrate")
    try:
        yield place
    finally:
        place.stop_all()
