"""Concurrent writers over real HTTP: several clients send overlapping batches for one clinic
(the same courses, rising versions, replays, in any order). No batch fails, the highest
version of every course wins, and the report cells equal a recount afterwards."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.reports import aggregates
from sentinel.reports.models import ReportCell
from tests.api.conftest import episode, synthetic_cpr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COURSES = 30
VERSIONS = 6
CODES = ["L03", "L86", "L84", "L89", "L90", "L83"]


def _version(source: str, cpr: str, version: int) -> dict:
    """Version n of a course: n diagnoses (history only grows), the current code moves."""
    diagnoses = [
        {"code": CODES[n], "recorded_at": f"2026-02-{2 + n:02d}T09:30:00+01:00"}
        for n in range(version)
    ]
    return episode(source, version=version, patient_cpr=cpr, diagnoses=diagnoses)


def _cells() -> dict[tuple, int]:
    return {
        (c.clinic_id, c.project_id, c.month, c.speciale, c.course_type, c.code): c.episodes
        for c in ReportCell.objects.all()
    }


def test_four_clients_with_overlapping_batches_never_fail_and_the_highest_version_wins(
    make_vendor_client, api, ready_clinic
):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The test database is shared-cache in-memory SQLite, where a second writer fails at
        # once ("table is locked") instead of waiting; the product's file database (WAL,
        # BEGIN IMMEDIATE, 20 s busy timeout) serialises writers as PostgreSQL's lock does.
        pytest.skip("concurrent writers need a file or PostgreSQL database, not shared memory")
    cprs = {f"E-{i}": synthetic_cpr() for i in range(COURSES)}
    rng = random.Random(11)
    # Every (course, version) once, plus replays, dealt to 4 clients in shuffled batches.
    items = [(s, v) for s in cprs for v in range(1, VERSIONS + 1)]
    items += rng.sample(items, k=len(items) // 4)
    rng.shuffle(items)
    clients = [api] + [make_vendor_client(api.vendor, api.token) for _ in range(3)]
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send(client, chunk) -> None:
        for start in range(0, len(chunk), 15):
            batch = [_version(s, cprs[s], v) for s, v in chunk[start : start + 15]]
            response = client.submit(ready_clinic.ydernummer, batch)
            with lock:
                answers.append((response.status_code, response.json()))

    threads = [
        threading.Thread(target=send, args=(client, items[n::4]))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [200] * len(answers)
    reasons = Counter(r["reason"] for _, body in answers for r in body["rejected"])
    assert set(reasons) <= {"stale_version"}
    stored = dict(Episode.objects.values_list("source_id", "version"))
    assert stored == dict.fromkeys(cprs, VERSIONS)
    assert DiagnosisEvent.objects.count() == COURSES * VERSIONS
    assert set(Episode.objects.values_list("current_code", flat=True)) == {CODES[VERSIONS - 1]}
    incremental = _cells()
    aggregates.rebuild(clinic_ids=[ready_clinic.pk])
    assert _cells() == incremental


def test_a_slow_lower_version_overtaken_by_a_higher_one_is_stale(api, ready_clinic):
    cpr = synthetic_cpr()
    # The higher version arrives first (the quick batch); the slower, older one after it.
    assert api.submit(ready_clinic.ydernummer, [_version("E-1", cpr, 3)]).json()["accepted"] == 1

    response = api.submit(ready_clinic.ydernummer, [_version("E-1", cpr, 2)])

    assert [r["reason"] for r in response.json()["rejected"]] == ["stale_version"]
    assert Episode.objects.get().version == 3
