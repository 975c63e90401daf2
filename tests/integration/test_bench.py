"""``sentinel bench ingest`` end to end, small, on its own SQLite file.

Runs the console script as a subprocess with a clean environment (no ``DATABASE_URL``, no
other ``SENTINEL_*`` variables) and a temporary ``SENTINEL_VAR_DIR``, as test_cli.py does, so
it never touches the pytest database, the repository's ``var/`` or PostgreSQL. The figures
are not checked against the goals: timed tests are not how we hold ourselves to numbers.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_sentinel

pytestmark = pytest.mark.slow

TIMEOUT = 180
FIGURES = ("seconds", "episodes/s", "events/s", "raw events/s", "api/raw")


def run(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_sentinel(var_dir, *args, timeout=TIMEOUT)


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
        # Nothing of the run stays behind in the data or the report cells it moved.
        with sqlite3.connect(var_dir / "sentinel.sqlite3") as db:
            for table in ("collection_episode", "collection_diagnosisevent", "reports_reportcell"):
                assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table  # noqa: S608


def test_bench_ingest_sends_outcome_records_with_the_episodes(var_dir: Path) -> None:
    result = run(var_dir, "bench", "ingest", "--outcomes", "--episodes", "200", "--batch", "100")

    assert result.returncode == 0, result.stderr
    report = figures(result.stdout)
    sent, stored = re.fullmatch(
        r"(\d+) sent, (\d+) stored \(.*\)", report["outcome records"]
    ).groups()  # type: ignore[union-attr]
    assert int(sent) > 0 and stored == sent  # every one accepted: none refused
    assert "rejected" not in report
    assert re.search(r"^cleanup: removed \d+ outcome records, ", result.stdout, re.MULTILINE)
    with sqlite3.connect(var_dir / "sentinel.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM collection_outcomerecord").fetchone() == (0,)
        # Its own clinics (700501 on): the plain run's are never enrolled in the second project.
        enrolled = db.execute(
            "SELECT DISTINCT c.ydernummer FROM projects_enrolment e "
            "JOIN clinics_clinic c ON c.id = e.clinic_id "
            "JOIN projects_project p ON p.id = e.project_id WHERE p.code = 'forlobsresultater'"
        ).fetchall()
        assert enrolled and all(int(y) >= 700501 for (y,) in enrolled)


def test_bench_ingest_refuses_bad_arguments_in_one_line(var_dir: Path) -> None:
    result = run(var_dir, "bench", "ingest", "--batch", "0")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "sentinel bench: --batch must be at least 1, got 0"
    ]


def test_bench_ingest_fhir_door_sends_the_same_episodes_side_by_side(var_dir: Path) -> None:
    result = run(
        var_dir,
        "bench",
        "ingest",
        "--episodes",
        "200",
        "--batch",
        "100",
        "--door",
        "fhir",
        "--profile",
    )

    assert result.returncode == 0, result.stderr
    report = figures(result.stdout)
    stored_json = report["stored"].split(" episodes, ")[1].split(" ")[0]
    assert re.match(r"[\d.]+ s, \d+ diagnosis events stored, [\d,]+ events/s", report["fhir door"])
    assert report["fhir door"].split(", ")[1].startswith(f"{stored_json} diagnosis events")
    assert re.match(r"[\d.]+ % \(issue 12 goal", report["fhir/json"])
    assert "as FHIR Bundles" in result.stderr
    # --profile: one more batch through each door, each answered 200 with its hotspots.
    for door in ("json", "fhir"):
        assert f"Profiling one batch of 100 episodes through the {door} door" in result.stderr
    assert result.stderr.count("answered 200 in ") == 2, result.stderr
    assert "pipeline.ingest" in result.stderr
    assert "cleanup: removed " in result.stdout


def test_bench_demo_without_the_demo_says_how_to_build_it(var_dir: Path) -> None:
    result = run(var_dir, "bench", "demo", "--requests", "2")

    assert result.returncode == 1
    assert "build the demo first with 'sentinel demo --no-serve'" in result.stderr


def test_bench_demo_times_the_demo_pages_and_prints_p50_and_p95(tmp_path: Path) -> None:
    built = run(tmp_path, "demo", "--no-serve", "--clinics", "20")
    assert built.returncode == 0, built.stderr

    result = run(tmp_path, "bench", "demo", "--requests", "5", "--warmup", "1")

    assert result.returncode == 0, result.stderr
    report = figures(result.stdout)
    assert report["database"].startswith("SQLite")
    for page in ("the demo overview (/demo/)", "a demo clinic's status check"):
        line = next(v for k, v in report.items() if k.startswith(page))
        assert re.match(r"p50 [\d.]+ ms, p95 [\d.]+ ms, slowest [\d.]+ ms over 5 requests", line)
    assert re.match(r"the demo overview under 300 ms \(p95\): (met|NOT met)$", report["goal"])
