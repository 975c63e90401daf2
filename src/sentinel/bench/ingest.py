"""The ingestion benchmark behind ``sentinel bench ingest`` (DESIGN.md §6).

It measures the real thing: episodes sent as JSON batches over HTTP to the vendor API of a
``sentinel serve`` subprocess, through the whole pipeline into whatever database the settings
point at. In the same run, the very rows the API stored are read back and bulk-loaded raw into
scratch tables of the same shape (``COPY`` on PostgreSQL, ``executemany`` on SQLite), which is
the ceiling the API is compared with.

Everything the benchmark needs is set up with the real actions, on its own clinics:

- vendor ``sentinel-bench`` with a fresh credential per run (revoked when the run ends);
- clinics with ydernumre 7xxxxx (the demo uses 9xxxxx), CVRs starting with 0 (never a real
  company), activated, DPA signed, consent approved, enrolled in Diagnosekodning a year ago
  (and in Forløbsresultater with ``--outcomes``, which adds outcome records to the batches:
  an NPRS score at the start of each structured course and, for most ended ones, at its end).

Patients are generated: a real birth date (1935-1999) and a serial from 0000-0999, with a
fixed seed — never copied from a person, and pseudonymised/encrypted by the server like any
other CPR.
Clinics, their onboarding and the audit rows stay (the append-only audit log refers to them);
the collected data, submissions, data flows and scratch tables are removed afterwards.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import itertools
import json
import math
import os
import pstats
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.api.fhir import records_to_bundle
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate, create_vendor, register_clinic
from sentinel.clinics.credentials import issue_credential, revoke_credential
from sentinel.clinics.models import Clinic, Vendor, VendorCredential
from sentinel.collection.models import (
    DataFlow,
    DiagnosisEvent,
    Episode,
    OutcomeRecord,
    Submission,
)
from sentinel.lib import icpc2
from sentinel.lib.errors import DomainError
from sentinel.lib.identifiers import cvr_check_digit
from sentinel.projects.actions import enrol
from sentinel.projects.models import DataSpecification, Enrolment, Project
from sentinel.reports import aggregates

BENCH = Actor.system("bench")
VENDOR_SLUG = "sentinel-bench"
VENDOR_NAME = "Sentinel bench (synthetic vendor)"
CLINIC_NAME = "Sentinel bench klinik"
YDERNUMMER_FIRST = 700_001  # 7xxxxx: the benchmark's own range (the demo uses 9xxxxx)
MUNICIPALITIES = ("0101", "0751", "0461", "0851", "0265")
ENROLLED_DAYS_AGO = 365
OUTCOME_PROJECT = "forlobsresultater"
OUTCOME_CLINICS_FROM = 501
"""The clinics of ``--outcomes`` runs (700501 on): enrolled in Forløbsresultater, which also
takes the structured episodes, so the plain run's clinics (700001 on) never are."""
SEED = 20_000
SIGNER_NAMESPACE = uuid.UUID("5e7e1b0c-8e0c-4d1f-9b3a-0000000be7c4")

SCRATCH_EPISODE = "bench_scratch_episode"
SCRATCH_EVENT = "bench_scratch_diagnosisevent"

# The L chapter (musculoskeletal) dominates physiotherapy; the rest is a sprinkle of others.
COMMON_L = {
    "L03": 15,
    "L86": 8,
    "L90": 8,
    "L02": 8,
    "L01": 6,
    "L83": 6,
    "L89": 6,
    "L92": 5,
    "L84": 4,
    "L93": 3,
    "L87": 3,
    "L96": 2,
}
COURSE_TYPES = list(icpc2.COURSE_TYPES)


# --- set-up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchClinic:
    clinic: Clinic
    collect_from: dt.date


@dataclass
class Setup:
    vendor: Vendor
    credential: VendorCredential
    token: str
    clinics: list[BenchClinic]

    @property
    def clinic_ids(self) -> list[int]:
        return [c.clinic.pk for c in self.clinics]


def bench_cvr(number: int) -> str:
    """A valid CVR starting with 0 (no real company has one), fixed per clinic number."""
    for k in itertools.count(number * 10):
        first7 = f"0{k % 1_000_000:06d}"
        digit = cvr_check_digit(first7)
        if digit is not None:
            return f"{first7}{digit}"
    raise AssertionError("unreachable")  # pragma: no cover


def _vendor() -> Vendor:
    vendor = Vendor.objects.filter(slug=VENDOR_SLUG).first()
    if vendor is not None:
        return vendor
    return create_vendor(
        by=BENCH,
        slug=VENDOR_SLUG,
        name=VENDOR_NAME,
        menu_help_da="Syntetisk systemhus til belastningstest; ingen rigtige klinikker.",
        menu_help_en="Synthetic vendor for load testing; no real clinics.",
    )


def _clinic(
    number: int, vendor: Vendor, projects: Sequence[Project], enrol_on: dt.date
) -> BenchClinic:
    ydernummer = str(YDERNUMMER_FIRST + number - 1)
    cvr = bench_cvr(number)
    clinic = Clinic.objects.filter(ydernummer=ydernummer).first()
    if clinic is None:
        clinic = register_clinic(
            by=BENCH,
            ydernummer=ydernummer,
            cvr=cvr,
            name=f"{CLINIC_NAME} {number}",
            speciale="51",
            municipality_code=MUNICIPALITIES[(number - 1) % len(MUNICIPALITIES)],
        )
    elif clinic.cvr != cvr or not clinic.name.startswith(CLINIC_NAME):
        raise CommandError(
            f"ydernummer {ydernummer} belongs to {clinic.name!r}, not to the benchmark; "
            "refusing to touch it"
        )
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic)
    signer = Signer(
        person_uuid=uuid.uuid5(SIGNER_NAMESPACE, ydernummer),
        name=f"Bench klinikejer {number}",
        cvr=cvr,
        assurance_level=AssuranceLevel.HIGH,
        may_sign=True,
    )
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL)
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL)
    enrolled_on = enrol_on
    for project in projects:  # the first is Diagnosekodning, which the data starts from
        enrolment = Enrolment.objects.open().filter(clinic=clinic, project=project).first()
        if enrolment is None:
            enrolment = enrol(by=signer.actor, clinic=clinic, project=project, on=enrol_on)
        enrolled_on = max(enrolled_on, enrolment.enrolled_on)
    return BenchClinic(clinic, enrolled_on)


def bench_project(today: dt.date, *, enrolled_days_ago: int) -> tuple[Project, dt.date, dt.date]:
    """Diagnosekodning, the day its first data specification took effect, and the day bench
    clinics enrol on: ``enrolled_days_ago`` days ago, but not before that specification
    (refused when it is missing or not yet in force)."""
    project = Project.objects.filter(code="diagnosekodning").first()
    if project is None:
        raise CommandError("the Diagnosekodning project is missing; run 'sentinel migrate'")
    first_spec = DataSpecification.objects.filter(project=project).aggregate(
        day=Min("effective_from")
    )["day"]
    if first_spec is None or first_spec > today:
        raise CommandError("Diagnosekodning has no data specification in force")
    return project, first_spec, max(today - dt.timedelta(days=enrolled_days_ago), first_spec)


def set_up(clinic_count: int, today: dt.date, *, outcomes: bool = False) -> Setup:
    """The bench vendor, a fresh credential and ``clinic_count`` onboarded clinics (enrolled in
    Forløbsresultater too with ``outcomes``)."""
    project, first_spec, enrol_on = bench_project(today, enrolled_days_ago=ENROLLED_DAYS_AGO)
    projects = [project]
    first = OUTCOME_CLINICS_FROM if outcomes else 1  # never enrol the plain run's clinics
    if outcomes:
        outcome_project = Project.objects.filter(code=OUTCOME_PROJECT).first()
        if outcome_project is None:
            raise CommandError("the Forløbsresultater project is missing; run 'sentinel migrate'")
        projects.append(outcome_project)
    try:
        with transaction.atomic():
            vendor = _vendor()
            credential, token = issue_credential(by=BENCH, vendor=vendor)
            clinics = [
                _clinic(number, vendor, projects, enrol_on)
                for number in range(first, first + clinic_count)
            ]
    except DomainError as exc:
        raise CommandError(f"setting up the bench clinics failed: {exc}") from None
    clinics = [
        BenchClinic(c.clinic, max(c.collect_from, first_spec, today - dt.timedelta(days=720)))
        for c in clinics
    ]
    return Setup(vendor, credential, token, clinics)


# --- synthetic episodes -----------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    number: int
    client: int
    ydernummer: str
    body: bytes
    episodes: int
    diagnoses: int
    door: str = "json"  # or "fhir": the same records as a FHIR batch Bundle to /fhir
    outcomes: int = 0  # outcome records among the batch's records

    @property
    def path(self) -> str:
        return "/fhir" if self.door == "fhir" else f"/clinics/{self.ydernummer}/submissions"

    @property
    def content_type(self) -> str:
        return "application/fhir+json" if self.door == "fhir" else "application/json"


class EpisodeMaker:
    """Synthetic episodes in the API's record shape, deterministic for a seed."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.today = today
        codes = icpc2.codes()
        l_codes = sorted(c for c in codes if c.startswith("L"))
        other = sorted(c for c in codes if not c.startswith("L"))
        # 55 % the common L codes (weighted), 25 % any L code, 20 % any other chapter.
        self.pools: list[tuple[float, list[str], list[int] | None]] = [
            (0.55, list(COMMON_L), list(COMMON_L.values())),
            (0.25, l_codes, None),
            (0.20, other, None),
        ]
        self.tz = timezone.get_default_timezone()

    def code(self) -> str:
        roll = self.rng.random()
        for share, pool, weights in self.pools:
            if roll < share:
                return self.rng.choices(pool, weights)[0] if weights else self.rng.choice(pool)
            roll -= share
        return self.rng.choice(self.pools[-1][1])

    def cpr(self) -> str:
        """A real birth date (1935-1999) and a serial from the bench range 0000-0999.

        A 7th digit of 0 means the 1900s (lib/cpr.py), so the birth years stay in them."""
        first, last = dt.date(1935, 1, 1), dt.date(1999, 12, 31)
        born = first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))
        return f"{born:%d%m%y}0{self.rng.randrange(1000):03d}"

    def moment(self, day: dt.date) -> str:
        at = dt.datetime.combine(day, dt.time(self.rng.randint(8, 16), self.rng.randrange(60)))
        return at.replace(tzinfo=self.tz).isoformat()

    def episode(self, source_id: str, collect_from: dt.date) -> dict[str, Any]:
        rng = self.rng
        span = max((self.today - collect_from).days, 0)
        start = collect_from + dt.timedelta(days=rng.randint(0, span))
        course_type = rng.choice(COURSE_TYPES) if rng.random() < 0.4 else None
        wanted = rng.choices((1, 2, 3, 4, 5), (10, 20, 40, 20, 10))[0]
        codes: list[str] = []
        if course_type:
            codes.append(sorted(icpc2.COURSE_TYPES[course_type])[0])
        while len(codes) < wanted:
            code = self.code()
            if code not in codes:
                codes.append(code)
        last_day = min(start + dt.timedelta(days=90), self.today)
        days = sorted(
            start + dt.timedelta(days=rng.randint(0, (last_day - start).days)) for _ in codes
        )
        days[0] = start
        end = None
        if rng.random() < 0.5 and last_day > days[-1]:
            end = days[-1] + dt.timedelta(days=rng.randint(0, (last_day - days[-1]).days))
        return {
            "type": "episode",
            "source_id": source_id,
            "version": 1,
            "patient_cpr": self.cpr(),
            "speciale": "51",
            "course_type": course_type,
            "start_date": start.isoformat(),
            "end_date": end.isoformat() if end else None,
            "diagnoses": [
                {"code": code, "recorded_at": self.moment(day)}
                for code, day in zip(codes, days, strict=True)
            ],
        }

    def outcomes(self, course: dict[str, Any]) -> list[dict[str, Any]]:
        """Outcome records of a structured course: an NPRS score (0-10) at its start, answered
        by the patient nine times in ten, and for four in five ended courses one at its end
        (a little lower, mostly)."""
        if not course["course_type"]:
            return []
        rng = self.rng
        baseline = rng.randint(3, 9)
        measured = [("baseline", course["start_date"], baseline)]
        if course["end_date"] and rng.random() < 0.8:
            end = max(0, min(10, baseline - rng.choice((-1, 0, 1, 2, 2, 3, 4))))
            measured.append(("end_of_course", course["end_date"], end))
        return [
            {
                "type": "outcome",
                "source_id": f"{course['source_id']}-{timepoint[0].upper()}",
                "version": 1,
                "episode_source_id": course["source_id"],
                "patient_cpr": course["patient_cpr"],
                "instrument": "nprs",
                "timepoint": timepoint,
                "date": day,
                "answered_by": "patient" if rng.random() < 0.9 else "therapist",
                "score": score,
            }
            for timepoint, day, score in measured
        ]


def make_batches(
    *,
    episodes: int,
    batch_size: int,
    clients: int,
    clinics: Sequence[BenchClinic],
    prefix: str,
    today: dt.date,
    door: str = "json",
    outcomes: bool = False,
) -> list[Batch]:
    """The run's request bodies, JSON-encoded up front so the clients only send bytes: the
    JSON door's ``{"records": …}``, or (``door="fhir"``) the same records as a FHIR batch
    Bundle (``api.fhir.records_to_bundle``, the profile's mapping).

    Batch ``b`` goes to clinic ``b % len(clinics)`` and client ``b % clients``; the clinic count
    is a multiple of the client count, so two clients never write to the same clinic at once.
    """
    maker = EpisodeMaker(SEED, today)
    batches = []
    for number, start in enumerate(range(0, episodes, batch_size)):
        target = clinics[number % len(clinics)]
        records = [
            maker.episode(f"{prefix}{i:07d}", target.collect_from)
            for i in range(start, min(start + batch_size, episodes))
        ]
        courses = [r for r in records if r["type"] == "episode"]
        if outcomes:
            records += [m for course in courses for m in maker.outcomes(course)]
        payload = (
            records_to_bundle(target.clinic.ydernummer, records)
            if door == "fhir"
            else {"records": records}
        )
        body = json.dumps(payload, separators=(",", ":")).encode()
        batches.append(
            Batch(
                number=number,
                client=number % clients,
                ydernummer=target.clinic.ydernummer,
                body=body,
                episodes=len(courses),
                diagnoses=sum(len(r["diagnoses"]) for r in courses),
                door=door,
                outcomes=len(records) - len(courses),
            )
        )
    return batches


# --- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request_headers(token: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if settings.SECURE_HTTPS:
        # As the TLS-terminating proxy in front of gunicorn would say (SECURE_PROXY_SSL_HEADER).
        headers["X-Forwarded-Proto"] = "https"
    return headers


def server_environment() -> dict[str, str]:
    """This process's environment, so the server uses the same database and keys."""
    env = dict(os.environ)
    env["SENTINEL_VAR_DIR"] = str(settings.VAR_DIR)
    env.setdefault("DJANGO_SETTINGS_MODULE", "sentinel.settings")
    hosts = list(settings.ALLOWED_HOSTS)
    if "127.0.0.1" not in hosts and "*" not in hosts:
        env["SENTINEL_ALLOWED_HOSTS"] = ",".join([*hosts, "127.0.0.1"])
    # Measure ingestion alone: no background benchmark refresh in the bench's servers.
    env["SENTINEL_BENCHMARK_REFRESH_SECONDS"] = "0"
    return env


class Server:
    """``sentinel serve`` as a subprocess on a free local port."""

    def __init__(
        self, *, threads: int, log_dir: Path, environment: dict[str, str] | None = None
    ) -> None:
        self.threads = threads
        self.environment = environment or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _last_log_line(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln]
        except OSError:
            return "no log"
        return lines[-1][:300] if lines else "no output"

    def start(self, token: str | None, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers: ``GET /api/v1/projects`` with the
        vendor ``token``, or ``GET /healthz`` without one."""
        command = [
            sys.executable,
            "-m",
            "sentinel.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--threads",
            str(self.threads),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                command,
                env=server_environment() | self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        headers = request_headers(token)
        probe = "/api/v1/projects" if token else "/healthz"
        while True:
            if self.process.poll() is not None:
                raise CommandError(f"the server exited early: {self._last_log_line()}")
            try:
                response = httpx.get(f"{self.url}{probe}", headers=headers, timeout=10)
            except httpx.TransportError:
                response = None
            if response is not None:
                if response.status_code == 200:
                    return
                raise CommandError(
                    f"the server answered {response.status_code} to GET {probe}: "
                    f"{response.text[:200]}"
                )
            if time.monotonic() > deadline:
                raise CommandError(f"the server was not up after {timeout:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# --- the clients ------------------------------------------------------------------------


@dataclass
class ApiResult:
    seconds: float = 0.0
    batches: int = 0
    episodes: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


def send_batches(
    *,
    urls: Sequence[str],
    token: str,
    batches: Sequence[Batch],
    clients: int,
    progress: Callable[[str], None],
) -> ApiResult:
    """POST every batch with ``clients`` concurrent HTTP clients, client ``k`` talking to
    server ``urls[k % len(urls)]``; time first request → last response. Any answer but 200
    stops the run."""
    result = ApiResult()
    lock = threading.Lock()
    failure: list[str] = []
    stop = threading.Event()
    started: list[float] = []
    finished = [0.0] * clients
    last_note = [0.0]
    total_episodes = sum(b.episodes for b in batches)
    headers = request_headers(token)
    barrier = threading.Barrier(clients, action=lambda: started.append(time.perf_counter()))

    def note() -> None:
        now = time.perf_counter()
        if result.batches == len(batches) or now - last_note[0] >= 1.0:
            last_note[0] = now
            progress(
                f"  {result.batches}/{len(batches)} batches, {result.episodes}/{total_episodes} "
                f"episodes, {now - started[0]:.1f} s"
            )

    def client(index: int) -> None:
        mine = [b for b in batches if b.client == index]
        url = f"{urls[index % len(urls)]}/api/v1"
        with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
            try:
                if mine:  # warm up this client's connection and a server thread
                    http.get(f"/clinics/{mine[0].ydernummer}/subscriptions").raise_for_status()
            except httpx.HTTPError as exc:
                failure.append(f"client {index} could not start: {type(exc).__name__}: {exc}")
                barrier.abort()
                return
            try:
                barrier.wait(timeout=120)
            except threading.BrokenBarrierError:
                return
            for batch in mine:
                if stop.is_set():
                    return
                sent = time.perf_counter()
                try:
                    response = http.post(
                        batch.path,
                        content=batch.body,
                        headers={"Content-Type": batch.content_type},
                    )
                except httpx.HTTPError as exc:
                    failure.append(f"batch {batch.number}: {type(exc).__name__}: {exc}")
                    stop.set()
                    return
                done = time.perf_counter()
                finished[index] = done
                if response.status_code != 200:
                    failure.append(
                        f"batch {batch.number} answered {response.status_code}: "
                        f"{response.text[:200]}"
                    )
                    stop.set()
                    return
                accepted, reasons = _answered(batch, response.json())
                with lock:
                    result.batches += 1
                    result.episodes += batch.episodes
                    result.accepted += accepted
                    result.rejected.update(reasons)
                    result.latencies.append(done - sent)
                    note()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failure:
        raise CommandError(f"the API run failed: {failure[0]}")
    if not started:
        raise CommandError("the clients did not get started (timed out waiting for each other)")
    result.seconds = max(finished) - started[0]
    return result


def _answered(batch: Batch, answer: dict[str, Any]) -> tuple[int, list[str]]:
    """Accepted records and the rejections' reasons, from either door's answer."""
    if batch.door != "fhir":
        return answer["accepted"], [r["reason"] for r in answer["rejected"]]
    # A rejected course's reason is said once, on the entry that holds the failing element.
    reasons = [
        coding["code"]
        for entry in answer.get("entry", [])
        if not entry["response"]["status"].startswith("2")
        for issue in entry["response"]["outcome"]["issue"]
        for coding in issue.get("details", {}).get("coding", ())
    ]
    return batch.episodes - len(reasons), reasons


# --- the raw bulk load ------------------------------------------------------------------


@dataclass
class RawResult:
    method: str
    seconds: float
    episodes: int
    events: int


def _columns(model: type[Episode] | type[DiagnosisEvent]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def stored_rows(
    clinic_ids: Sequence[int], prefix: str
) -> tuple[list[tuple[Any, ...]], dict[Any, list[tuple[Any, ...]]]]:
    """The episode rows of this run and their diagnosis-event rows, as the database has them."""
    episode_table, event_table = Episode._meta.db_table, DiagnosisEvent._meta.db_table
    marks = ", ".join(["%s"] * len(clinic_ids))
    where = f"clinic_id IN ({marks}) AND source_id LIKE %s"
    params: list[int | str] = [*clinic_ids, f"{prefix}%"]
    episode_cols, event_cols = _columns(Episode), _columns(DiagnosisEvent)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(map(_q, episode_cols))} FROM {_q(episode_table)} "  # noqa: S608
            f"WHERE {where} ORDER BY id",
            params,
        )
        episodes = list(cursor.fetchall())
        cursor.execute(
            f"SELECT {', '.join(map(_q, event_cols))} FROM {_q(event_table)} "  # noqa: S608
            f"WHERE episode_id IN (SELECT id FROM {_q(episode_table)} WHERE {where}) "
            "ORDER BY episode_id, id",
            params,
        )
        events: dict[Any, list[tuple[Any, ...]]] = {}
        at = event_cols.index("episode_id")
        for row in cursor.fetchall():
            events.setdefault(row[at], []).append(row)
    return episodes, events


def drop_scratch_tables() -> None:
    with connection.cursor() as cursor:
        for table in (SCRATCH_EVENT, SCRATCH_EPISODE):
            cursor.execute(f"DROP TABLE IF EXISTS {_q(table)}")


_REFERENCES = re.compile(
    # a column's REFERENCES clause, or a table's FOREIGN KEY constraint (over several columns)
    r'(,\s*CONSTRAINT\s+"[^"]+"\s+FOREIGN\s+KEY\s*\([^)]*\))?'
    r'\s+REFERENCES\s+"[^"]+"\s*\([^)]*\)(\s+DEFERRABLE\s+INITIALLY\s+DEFERRED)?',
    re.I,
)


def _create_scratch_tables() -> None:
    """Scratch tables of the same shape: columns, defaults, NOT NULL and CHECK constraints, the
    primary key, unique constraints and indexes — but no foreign keys. On PostgreSQL that is
    exactly ``LIKE … INCLUDING ALL``; on SQLite the same is rebuilt from ``sqlite_master``."""
    drop_scratch_tables()
    pairs = (
        (Episode._meta.db_table, SCRATCH_EPISODE),
        (DiagnosisEvent._meta.db_table, SCRATCH_EVENT),
    )
    with connection.cursor() as cursor:
        for source, scratch in pairs:
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {_q(scratch)} (LIKE {_q(source)} INCLUDING ALL)")
                continue
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY type = 'index'",
                [source],
            )
            for kind, name, sql in cursor.fetchall():
                sql = _REFERENCES.sub("", sql).replace(f'"{source}"', f'"{scratch}"')
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"{scratch}_{name}"', 1)
                cursor.execute(sql)


def raw_load(
    episodes: list[tuple[Any, ...]],
    events: dict[Any, list[tuple[Any, ...]]],
    *,
    batch_size: int,
) -> RawResult:
    """Load the rows into the scratch tables in batches of ``batch_size`` episodes (with their
    events), one transaction per batch as the API does; time every batch end to end."""
    _create_scratch_tables()
    episode_cols, event_cols = _columns(Episode), _columns(DiagnosisEvent)
    chunks = [episodes[i : i + batch_size] for i in range(0, len(episodes), batch_size)]
    postgres = connection.vendor == "postgresql"
    total_events = 0
    started = time.perf_counter()
    for chunk in chunks:
        chunk_events = [row for episode in chunk for row in events.get(episode[0], ())]
        total_events += len(chunk_events)
        with transaction.atomic(), connection.cursor() as cursor:
            for table, cols, rows in (
                (SCRATCH_EPISODE, episode_cols, chunk),
                (SCRATCH_EVENT, event_cols, chunk_events),
            ):
                names = ", ".join(map(_q, cols))
                if postgres:
                    with cursor.copy(f"COPY {_q(table)} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(cols))
                    cursor.executemany(
                        f"INSERT INTO {_q(table)} ({names}) VALUES ({marks})",  # noqa: S608
                        rows,
                    )
    seconds = time.perf_counter() - started
    method = (
        "COPY into tables LIKE … INCLUDING ALL"
        if postgres
        else "executemany into tables of the same shape"
    )
    return RawResult(method, seconds, len(episodes), total_events)


# --- bookkeeping ------------------------------------------------------------------------


def count_outcomes(clinic_ids: Sequence[int], prefix: str) -> int:
    """The outcome records stored for the run's courses."""
    return OutcomeRecord.objects.filter(
        clinic_id__in=clinic_ids, source_id__startswith=prefix
    ).count()


def count_events(clinic_ids: Sequence[int], prefix: str) -> tuple[int, int]:
    """Episodes and diagnosis events stored for this run, counted in the database."""
    episodes = Episode.objects.filter(clinic_id__in=clinic_ids, source_id__startswith=prefix)
    events = DiagnosisEvent.objects.filter(
        clinic_id__in=clinic_ids, episode__source_id__startswith=prefix
    )
    return episodes.count(), events.count()


def revoke(setup: Setup) -> None:
    """End the run's credential (its token lived only in this process)."""
    revoke_credential(by=BENCH, credential=setup.credential)


def clean_up(setup: Setup) -> dict[str, int]:
    """Remove what the bench clinics collected (from every run), their report cells (the
    change journalled for the benchmark, as for any deletion) and the scratch tables.

    Clinics, the vendor, activations, signatures, enrolments and audit rows stay: the audit
    log is append-only and refers to them, and the next run reuses them."""
    removed: dict[str, int] = {}
    ids = setup.clinic_ids
    marks = ", ".join(["%s"] * len(ids))
    with transaction.atomic(), connection.cursor() as cursor:
        for label, model in (
            ("outcome records", OutcomeRecord),
            ("diagnosis events", DiagnosisEvent),
            ("episodes", Episode),
            ("submissions", Submission),
            ("data flows", DataFlow),
        ):
            cursor.execute(
                f"DELETE FROM {_q(model._meta.db_table)} WHERE clinic_id IN ({marks})",  # noqa: S608
                ids,
            )
            removed[label] = cursor.rowcount
        # Episodes deleted outside the pipeline: their report cells go too (DEVELOPERS.md).
        aggregates.rebuild(clinic_ids=ids)
    drop_scratch_tables()
    return removed


def describe_database() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"SQLite ({db['NAME']})"
    connection.ensure_connection()
    version = connection.connection.info.server_version  # e.g. 150020
    major, minor = divmod(version, 10000)
    where = f"{db.get('NAME')} on {db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
    return f"PostgreSQL {major}.{minor} ({where})"


# --- profiling --------------------------------------------------------------------------


def profile_batch(*, batch: Batch, token: str, top: int = 25) -> tuple[int, float, str]:
    """POST one batch in this process through Django's full request stack under cProfile, to
    the batch's own door (the JSON submissions or ``/fhir``).

    Returns the status, the seconds and a text report of the hotspots (own time)."""
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(headers={"authorization": f"Bearer {token}"})
    profiler = cProfile.Profile()
    statements = _StatementTimes()
    with override_settings(ALLOWED_HOSTS=["testserver"]), connection.execute_wrapper(statements):
        started = time.perf_counter()
        profiler.enable()
        response = client.post(
            f"/api/v1{batch.path}",
            data=batch.body,
            content_type=batch.content_type,
            secure=True,
        )
        profiler.disable()
        seconds = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    out.write(
        "cumulative time of selected functions (seconds; groups overlap):\n"
        + "\n".join(f"  {line}" for line in _groups(stats))
        + "\n"
        + statements.report()
    )
    return response.status_code, seconds, out.getvalue()


class _StatementTimes:
    """A Django ``execute_wrapper`` that times every statement the batch sends (COPY included
    where it goes through a cursor), so the profile says where the database time goes."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"\s+", " ", sql)[:110]
            self.times.setdefault(shape, []).append(time.perf_counter() - started)

    def report(self, top: int = 12) -> str:
        total = sum(sum(times) for times in self.times.values())
        count = sum(len(times) for times in self.times.values())
        ranked = sorted(self.times.items(), key=lambda item: -sum(item[1]))[:top]
        lines = [f"statements: {count} in {total:.3f} s (slowest shapes first):"]
        lines += [f"  {sum(t):7.3f} s {len(t):4d}× {shape}" for shape, t in ranked]
        return "\n".join(lines) + "\n"


def _groups(stats: pstats.Stats) -> Iterator[str]:
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    wanted = {
        "pipeline.ingest": ("pipeline.py", "ingest"),
        "validation.validate_record": ("validation.py", "validate_record"),
        "pipeline._Gate.load": ("pipeline.py", "load"),
        "pipeline._Writer.preload": ("pipeline.py", "preload"),
        "pipeline._Writer.check": ("pipeline.py", "check"),
        "pipeline._Writer.put": ("pipeline.py", "put"),
        "pipeline._Writer.write": ("pipeline.py", "write"),
        "lib.pseudonym.pseudonym": ("pseudonym.py", "pseudonym"),
        "lib.pseudonym.CprCipher.encrypt": ("pseudonym.py", "encrypt"),
        "QuerySet.bulk_create": ("query.py", "bulk_create"),
        "rows.reserve_ids": ("rows.py", "reserve_ids"),
        "rows.insert_rows (COPY / executemany)": ("rows.py", "insert_rows"),
        "reports.aggregates.apply_changes": ("aggregates.py", "apply_changes"),
        "pipeline._Writer._move_report_cells": ("pipeline.py", "_move_report_cells"),
        "collection.services.record_received": ("services.py", "record_received"),
        "pydantic model_dump (api.py)": ("main.py", "model_dump"),
        "ninja: parse + validate the body": ("operation.py", "_get_values"),
        "json.loads": ("__init__.py", "loads"),
    }
    for label, (filename, function) in wanted.items():
        seconds = sum(
            value[3]
            for (file, _line, name), value in raw.items()
            if file == filename and name == function
        )
        if seconds:
            yield f"{label:38s} {seconds:7.3f}"


def default_workers(clients: int) -> int:
    """Server processes, as Sentinel is served: on SQLite one (``sentinel serve`` is one
    gunicorn process with threads, for the single writer); on PostgreSQL one per CPU core, as
    in production (the pipeline is CPU-bound Python, and the threads of one process share one
    core through the GIL). Never more than there are clients."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(clients, os.cpu_count() or 1))


def clinic_count_for(clients: int) -> int:
    """At least four clinics, and a multiple of the clients (one writer per clinic at a time)."""
    return clients * math.ceil(4 / clients)


def run_id() -> str:
    return f"{timezone.now():%Y%m%d%H%M%S}-{random.getrandbits(16):04x}"


def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="sentinel-bench-"))
