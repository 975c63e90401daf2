"""Running the real ``sentinel`` console script in a subprocess, as a user would, against a var
directory of its own (the embedded SQLite database there) and with no Sentinel or Django settings
inherited from the test run."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def sentinel_executable() -> str:
    beside_python = Path(sys.executable).with_name("sentinel")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("sentinel")
    if found is None:
        pytest.skip("the 'sentinel' console script is not installed")
    return found


def clean_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any Sentinel or Django settings, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SENTINEL_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["SENTINEL_VAR_DIR"] = str(var_dir)
    env.update(extra)
    return env


def run_sentinel(
    var_dir: Path, *args: str, timeout: float = 60, stdin: str | None = None, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [sentinel_executable(), *args],
        input=stdin,
        env=clean_env(var_dir, **extra_env),
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base: str) -> bool:
    with (
        contextlib.suppress(OSError),
        urllib.request.urlopen(f"{base}/healthz", timeout=2) as response,  # noqa: S310
    ):
        return bool(response.status == 200)
    return False


@contextlib.contextmanager
def serving(
    var_dir: Path, log_path: Path, *, ready: Callable[[str], bool] = _healthy, **extra_env: str
) -> Iterator[str]:
    """``sentinel serve`` on a free port with its whole output in ``log_path``; yields the base
    URL once ``ready`` says so (``/healthz`` answers 200), and stops the server afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [sentinel_executable(), "serve", "--port", str(port)],
            env=clean_env(var_dir, **extra_env),
            cwd=var_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while not ready(base):
            if server.poll() is not None:
                pytest.fail(f"sentinel serve exited early:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"sentinel serve was not up after 20 s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
