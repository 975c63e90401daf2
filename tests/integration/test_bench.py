"""``sentinel bench ingest`` end to end, small, on its own SQLite file.

Runs the console script as a subprocess with a clean environment (no ``DATABASE_URL``, no
other ``SENTINEL_*`` variables) and a temporary ``SENTINEL_VAR_DIR``, as test_cli.py does, so
it never touches the pytest database, the repository's ``var/`` or PostgreSQL. The figures
are not checked against the goals: timed tests are not how we hold ourselves to numbers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TIMEOUT = 180
FIGURES = ("seconds", "episodes/s", "events/s", "raw events/s", "api/raw")


def _sentinel() -> str:
    beside_python = Path(sys.executable).with_name("sentinel")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("sentinel")
    if found is None:
        pytest.skip("the 'sentinel' console script is not installed")
    return found


def run(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SENTINEL_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["SENTINEL_VAR_DIR"] = str(var_dir)
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [_sentinel(), *args],
        env=env,
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sentinel-bench")
    migrate = run(path, "migrate")
    assert migrate.returncode == 0, migrate.stderr
    return path


def figures(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        name, sep, value = line.partition(": ")
        if sep:
            found[name] = value
    return found


def test_bench_ingest_reports_the_figures_and_cleans_up(var_dir: Path) -> None:
    for _ in range(2):  # the second run reuses the bench vendor and clinics
        result = run(var_dir, "bench", "ingest", "--episodes", "200", "--batch", "100")
        assert result.returncode == 0, result.stderr
        report = figures(result.stdout)
        assert report["database"].startswith("SQLite")
        assert report["episodes"].startswith("200 ")
        assert (report["batch"], report["clients"]) == ("100", "2")
        assert report["stored"].startswith("200 episodes, ")
        for name in FIGURES:
            assert re.match(r"[\d,]+(\.\d+)? ", report[name] + " "), (name, report[name])
        assert "not applicable on SQLite" in result.stdout
        assert "cleanup: removed " in result.stdout
        assert "audit log is append-only" in result.stdout
        assert "2/2 batches" in result.stderr  # progress per client batch on standard error


def test_bench_ingest_refuses_bad_arguments_in_one_line(var_dir: Path) -> None:
    result = run(var_dir, "bench", "ingest", "--batch", "0")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "sentinel bench: --batch must be at least 1, got 0"
    ]
