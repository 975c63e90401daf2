"""Running the real ``sentinel`` console script in a subprocess, as a user would, against a var
directory of its own (the embedded SQLite database there) and with no Sentinel or Django settings
inherited from the test run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
