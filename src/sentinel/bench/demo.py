"""``sentinel bench demo``: the demo's pages timed over HTTP (DESIGN.md §6: the demo overview
under 300 ms).

The demo must be built first (``sentinel demo --no-serve``, or a running ``sentinel demo`` on
the same database). The benchmark starts its own ``sentinel serve`` with ``SENTINEL_DEMO=true``
on a free port — one gunicorn process with threads, as ``sentinel demo`` serves — and asks it
for ``/demo/`` (the first page of clinics), a later page, and a demo clinic's status check,
one request at a time after a warm-up, and prints each page's p50, p95 and slowest answer.
It reads only; nothing is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.core.management.base import CommandError
from django.db import connection

from sentinel.bench import ingest
from sentinel.bench.reports import percentile
from sentinel.clinics.models import Clinic

GOAL_MS = 300.0
DEMO_CLINICS = r"^9[0-9]{5}$"  # the demo nation's ydernumre (the benchmarks use 7xxxxx)


@dataclass(frozen=True)
class PageTimes:
    path: str
    what: str
    seconds: list[float]

    def line(self) -> str:
        p50 = percentile(self.seconds, 0.5) * 1000
        p95 = percentile(self.seconds, 0.95) * 1000
        slowest = max(self.seconds) * 1000
        return (
            f"{self.what} ({self.path}): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"slowest {slowest:.1f} ms over {len(self.seconds)} requests"
        )

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 0.95) * 1000


def pages() -> list[tuple[str, str]]:
    """What a visitor of the demo opens first: the overview, a later page of it, and the
    status check of a demo clinic."""
    numbers = list(
        Clinic.objects.filter(ydernummer__regex=DEMO_CLINICS)
        .order_by("ydernummer")
        .values_list("ydernummer", flat=True)
    )
    if not numbers:
        raise CommandError(
            "no demo clinics in this database: build the demo first with 'sentinel demo --no-serve'"
        )
    return [
        ("/demo/", "the demo overview"),
        ("/demo/?side=2", "its second page of clinics"),
        (f"/demo/klinik/{numbers[0]}/status", "a demo clinic's status check"),
    ]


def time_page(client: httpx.Client, url: str, requests: int, warmup: int) -> list[float]:
    seconds = []
    for number in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}")
        if number >= warmup:
            seconds.append(elapsed)
    return seconds


def run_command(command: Any, options: dict[str, Any]) -> None:
    requests, warmup = options["requests"], options["warmup"]
    if requests < 1 or warmup < 0:
        raise CommandError("--requests must be at least 1 and --warmup at least 0")
    wanted = pages()
    connection.close()  # hold nothing open while the server reads
    logs = ingest.log_dir()
    server = ingest.Server(threads=4, log_dir=logs, environment={"SENTINEL_DEMO": "true"})
    command.stderr.write(
        f"Starting 'sentinel serve' with SENTINEL_DEMO=true (port {server.port}) …"
    )
    results: list[PageTimes] = []
    try:
        server.start(None)
        with httpx.Client(headers=ingest.request_headers(None), timeout=30) as client:
            for path, what in wanted:
                command.stderr.write(f"  {what}: {warmup} + {requests} requests …")
                seconds = time_page(client, server.url + path, requests, warmup)
                results.append(PageTimes(path, what, seconds))
    except BaseException:
        command.stderr.write(f"The server log stays in {logs}.")
        raise
    finally:
        server.stop()
    overview = results[0]
    verdict = "met" if overview.p95_ms < GOAL_MS else "NOT met"
    lines = [
        f"database: {ingest.describe_database()}",
        *(r.line() for r in results),
        f"goal: the demo overview under {GOAL_MS:.0f} ms (p95): {verdict}",
    ]
    command.stdout.write("\n".join(lines))
