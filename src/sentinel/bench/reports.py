"""The report benchmark behind ``sentinel bench reports`` (DESIGN.md §6).

It builds a national-scale synthetic dataset straight into the collection tables (``COPY`` on
PostgreSQL, ``executemany`` on SQLite; the pipeline is measured by ``sentinel bench ingest``),
counts the clinic cells from it with the product's ``rebuild``, and then measures:

- the full ``rebuild`` of the clinic cells from the raw episodes;
- the national and regional benchmark, in the steady state, a few times over: a day's data
  (1/365 of the dataset: new courses, and recodes of recent ones) stored as the pipeline
  stores it (rows, then ``apply_changes`` per batch, which journals the cell changes), then
  (a) the product's refresh, ``refresh_benchmark()``, which adds the journal to the benchmark;
  and after another day (b) the full recompute, ``refresh_benchmark(full=True)`` (what
  ``sentinel reports refresh`` runs); and once (b) into an empty benchmark (it writes every
  row);
- (c) DuckDB computing the same national and regional aggregate (cells and contributors) over
  the same episode rows exported to Parquet — only the aggregate query is timed — and the
  ratio of (a) to it, which DESIGN.md §6 holds to 2×;
- that the results are the same: DuckDB's cells and contributors, row for row, equal the
  benchmark right after an incremental refresh, and a full recompute after each incremental
  refresh finds nothing to write;
- p50/p95 of rendering one clinic's report tab (with its headline, completeness comparison
  and funnel plot), the first render after the refresh on its own (it reads the benchmark
  and every clinic's completeness once), and the time to make its PDF meeting pack.

The benchmark has its own vendor and clinics, set up with the real actions: ydernumre from
600001 (``sentinel bench ingest`` uses 7xxxxx, the demo 9xxxxx, the tests 8xxxxx), CVRs
starting with 0 (never a real company), spread over the five regions by population, activated,
DPA signed and consent approved, enrolled in Diagnosekodning about 17 months back (not before
its data specification). Their patients are generated: a real birth date and a serial from
0000-0999, pseudonymised and encrypted like any CPR, never copied from a person.

Clinics, their onboarding and the audit rows stay (the audit log is append-only and refers to
them; the next run reuses them). The collected data and the clinic cells are removed after the
run unless ``--keep``, and the benchmark is refreshed again without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel
from sentinel.audit.actors import Actor
from sentinel.bench.ingest import bench_cvr, bench_project
from sentinel.clinics.actions import activate, create_vendor, register_clinic
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection import rows
from sentinel.collection.models import DataFlow, DiagnosisEvent, Episode
from sentinel.collection.rows import EPISODE_STATE, EVENT_COLUMNS
from sentinel.core.runtime import settle
from sentinel.lib import icpc2, refdata
from sentinel.lib.errors import DomainError
from sentinel.lib.pseudonym import CprCipher, new_key_text, pseudonym
from sentinel.networks import actions as network_actions
from sentinel.networks.models import Membership, Network
from sentinel.projects.actions import enrol
from sentinel.projects.models import Enrolment, Project
from sentinel.reports import aggregates
from sentinel.reports.engine import Period, build_report
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
    CellChange,
    DevelopmentBenchmarkCell,
    DevelopmentCell,
    ReportCell,
)
from sentinel.reports.pages import ReportLinks, render_tab_html
from sentinel.reports.pdf import meeting_pack

Progress = Callable[[str], None]

BENCH = Actor.system("bench-reports")
LINKS = ReportLinks("/bench/rapporter/")
VENDOR_SLUG = "sentinel-bench-reports"
VENDOR_NAME = "Sentinel report bench (synthetic vendor)"
CLINIC_NAME = "Sentinel rapportbench klinik"
YDERNUMMER_FIRST = 600_001
ENROLLED_DAYS_AGO = 520
SEED = 40_000
SIGNER_NAMESPACE = uuid.UUID("5e7e1b0c-8e0c-4d1f-9b3a-00000000be75")
EVENTS_PER_EPISODE = 1.5
CHUNK_EPISODES = 20_000
DAYS_PER_DATASET = 365  # a day's new courses: the dataset / 365
RECODED_SHARE = 0.2  # recodes of recent courses per new course, in a day's data

# Clinics per region, roughly as the population (Hovedstaden the largest, Nordjylland smallest).
REGION_SHARES = {"DK-84": 32, "DK-82": 23, "DK-83": 21, "DK-85": 14, "DK-81": 10}

# Voluntary coding of other courses: the L chapter (musculoskeletal) dominates physiotherapy.
COMMON_CODES = {
    "L03": 16, "L02": 9, "L01": 7, "L92": 8, "L08": 5, "L15": 5, "L17": 3, "L18": 6, "L87": 3,
    "L96": 3, "L77": 3, "L81": 3, "L14": 4, "L13": 3, "L93": 2, "L99": 2, "L86": 3, "L90": 3,
    "L89": 2, "L83": 2, "L84": 1,
}  # fmt: skip
# The structured courses of speciale 51 (≈ 15 % of the courses) and their weights.
STRUCTURED = {
    "low_back_pain": 10,
    "knee_osteoarthritis": 8,
    "hip_osteoarthritis": 4,
    "lumbar_radiculopathy": 3,
    "cervical_radiculopathy": 2,
    "lumbar_spinal_stenosis": 2,
}
STRUCTURED_SHARE = 0.15
UNCODED_SHARE = 0.06
# Events on a coded course: 1-3, so that with the uncoded courses the mean is ≈ 1.5.
EVENT_COUNTS = ((1, 55), (2, 31), (3, 14))

GOAL_P95_MS = 50.0
PARTS = (
    ("benchmark", "benchmark (as (c))"),
    ("networks", "networks' cells"),
    ("development", "development cells"),
    ("outcomes", "outcome cells"),
)
"""The parts of the product's refresh (``BenchmarkResult.parts``), with their row labels."""
GOAL_RATIO = 1.0  # DESIGN.md §6: at most DuckDB's time on the same rows


# --- set-up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchClinic:
    clinic: Clinic
    number: int
    collect_from: dt.date


@dataclass
class Setup:
    vendor: Vendor
    project: Project
    clinics: list[BenchClinic]

    @property
    def clinic_ids(self) -> list[int]:
        return [c.clinic.pk for c in self.clinics]


def _municipalities_by_region() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code, municipality in sorted(refdata.municipalities().items()):
        if municipality.region_code:
            found.setdefault(municipality.region_code, []).append(code)
    return found


def regions_for(count: int) -> list[str]:
    """The region of each of ``count`` clinics: every region at least once, then by share."""
    regions = list(REGION_SHARES)
    total = sum(REGION_SHARES.values())
    chosen = regions[: min(count, len(regions))]
    credit = Counter(chosen)
    while len(chosen) < count:
        # The region furthest below its share of the clinics so far (deterministic).
        n = len(chosen) + 1
        region = max(regions, key=lambda r: REGION_SHARES[r] * n / total - credit[r])
        chosen.append(region)
        credit[region] += 1
    return chosen


def _vendor() -> Vendor:
    vendor = Vendor.objects.filter(slug=VENDOR_SLUG).first()
    if vendor is not None:
        return vendor
    return create_vendor(
        by=BENCH,
        slug=VENDOR_SLUG,
        name=VENDOR_NAME,
        menu_help_da="Syntetisk systemhus til rapportbenchmark; ingen rigtige klinikker.",
        menu_help_en="Synthetic vendor for the report benchmark; no real clinics.",
    )


def _clinic(
    number: int, region: str, vendor: Vendor, project: Project, enrol_on: dt.date
) -> Clinic:
    ydernummer = str(YDERNUMMER_FIRST + number - 1)
    cvr = bench_cvr(50_000 + number)
    clinic = Clinic.objects.filter(ydernummer=ydernummer).first()
    if clinic is None:
        municipalities = _municipalities_by_region()[region]
        clinic = register_clinic(
            by=BENCH,
            ydernummer=ydernummer,
            cvr=cvr,
            name=f"{CLINIC_NAME} {number}",
            speciale="51",
            municipality_code=municipalities[number % len(municipalities)],
        )
    elif clinic.cvr != cvr or not clinic.name.startswith(CLINIC_NAME):
        raise CommandError(
            f"ydernummer {ydernummer} belongs to {clinic.name!r}, not to the report benchmark; "
            "refusing to touch it"
        )
    if Enrolment.objects.filter(clinic=clinic, project=project).exists():
        return clinic  # onboarded by an earlier run
    moment = timezone.make_aware(dt.datetime.combine(enrol_on, dt.time(9)))
    activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=moment)
    signer = Signer(
        person_uuid=uuid.uuid5(SIGNER_NAMESPACE, ydernummer),
        name=f"Rapportbench klinikejer {number}",
        cvr=cvr,
        assurance_level=AssuranceLevel.HIGH,
        may_sign=True,
    )
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=moment)
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=moment)
    enrol(by=signer.actor, clinic=clinic, project=project, on=enrol_on)
    return clinic


def set_up(clinic_count: int, today: dt.date, progress: Progress) -> Setup:
    """The bench vendor and ``clinic_count`` onboarded clinics over the five regions."""
    project, first_spec, enrol_on = bench_project(today, enrolled_days_ago=ENROLLED_DAYS_AGO)
    regions = regions_for(clinic_count)
    clinics: list[BenchClinic] = []
    started = time.perf_counter()
    try:
        with transaction.atomic():
            vendor = _vendor()
            for number, region in enumerate(regions, start=1):
                clinic = _clinic(number, region, vendor, project, enrol_on)
                enrolment = Enrolment.objects.filter(clinic=clinic, project=project).earliest(
                    "enrolled_on"
                )
                collect_from = max(enrolment.enrolled_on, first_spec)
                clinics.append(BenchClinic(clinic, number, collect_from))
                if number % 250 == 0 or number == clinic_count:
                    progress(
                        f"  {number}/{clinic_count} clinics, {time.perf_counter() - started:.1f} s"
                    )
        with transaction.atomic():
            networks = _networks([c.clinic for c in clinics])
        progress(f"  {networks} quality networks of up to {NETWORK_SIZE} clinics")
    except DomainError as exc:
        raise CommandError(f"setting up the bench clinics failed: {exc}") from None
    return Setup(vendor, project, clinics)


NETWORK_SIZE = 29
"""Clinics per quality network (a GP cluster averages 29 GPs): every bench clinic is in one."""


def _networks(clinics: Sequence[Clinic]) -> int:
    """Put the clinics in quality networks of ``NETWORK_SIZE`` (invited and accepted with the
    real actions; a rerun reuses the networks and memberships). Returns how many."""
    by = Actor.system("bench")
    count = 0
    for start in range(0, len(clinics), NETWORK_SIZE):
        count += 1
        name = f"Bench-klynge {count}"
        network = Network.objects.filter(name=name).first() or network_actions.create_network(
            name=name, by=by
        )
        for clinic in clinics[start : start + NETWORK_SIZE]:
            if Membership.objects.filter(clinic=clinic, left_at__isnull=True).exists():
                continue
            invitation = network_actions.invite(network, clinic, by=by)
            network_actions.accept(invitation, by=Actor.clinic_user(uuid.uuid4(), "Bench-ejer"))
    return count


# --- the synthetic dataset --------------------------------------------------------------


EPISODE_COLUMNS = ("id", "clinic_id", "project_id", "vendor_id", *EPISODE_STATE)


@dataclass
class Dataset:
    episodes: int = 0
    events: int = 0
    uncoded: int = 0
    structured: int = 0
    seconds: float = 0.0
    first_month: dt.date | None = None
    per_clinic_day: float = 0.0  # new courses per clinic in a day's data (dataset / 365)
    by_region: Counter[str] = field(default_factory=Counter)  # clinics


class CourseMaker:
    """Synthetic courses (episode row + its diagnosis events), deterministic for a seed."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.today = today
        self.tz = timezone.get_default_timezone()
        self.codes, self.code_weights = list(COMMON_CODES), list(COMMON_CODES.values())
        others = sorted(c for c in icpc2.codes() if not c.startswith("L"))
        self.others = others
        self.structured, self.structured_weights = list(STRUCTURED), list(STRUCTURED.values())
        self.event_counts = [n for n, _ in EVENT_COUNTS]
        self.event_weights = [w for _, w in EVENT_COUNTS]
        self.cipher = CprCipher(settings.SENTINEL_CPR_KEYS, settings.SENTINEL_CPR_KEY_ID)
        self.pseudonym_key = settings.SENTINEL_PSEUDONYM_KEY

    def _code(self) -> str:
        if self.rng.random() < 0.8:
            return self.rng.choices(self.codes, self.code_weights)[0]
        return self.rng.choice(self.others)

    def _cpr(self) -> str:
        """A real birth date (1935-1999) and a serial from the bench range 0000-0999."""
        born = dt.date(1935, 1, 1) + dt.timedelta(days=self.rng.randrange(23_741))
        return f"{born:%d%m%y}0{self.rng.randrange(1000):03d}"

    def course(
        self, *, pk: int, clinic_id: int, source_id: str, collect_from: dt.date, common: tuple
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        rng = self.rng
        span = (self.today - collect_from).days
        start = collect_from + dt.timedelta(days=rng.randint(0, span))
        course_type = ""
        if rng.random() < STRUCTURED_SHARE:
            course_type = rng.choices(self.structured, self.structured_weights)[0]
        codes: list[str] = []
        if rng.random() >= UNCODED_SHARE:
            wanted = rng.choices(self.event_counts, self.event_weights)[0]
            if course_type and rng.random() < 0.93:
                required = sorted(icpc2.COURSE_TYPES[course_type])
                codes = [self._code() for _ in range(wanted - 1)]
                codes.append(rng.choice(required))  # the latest code is the required one
            else:
                codes = [self._code() for _ in range(wanted)]
        last_day = min(start + dt.timedelta(days=60), self.today)
        days = sorted(
            start + dt.timedelta(days=rng.randint(0, (last_day - start).days)) for _ in codes
        )
        moments = [
            dt.datetime.combine(day, dt.time(8 + i, rng.randrange(60)), tzinfo=self.tz)
            for i, day in enumerate(days)
        ]
        cpr = self._cpr()
        blob, key_id = self.cipher.encrypt(cpr, clinic_id=clinic_id)
        end = days[-1] if codes and rng.random() < 0.5 else None
        received = moments[-1] if moments else dt.datetime.combine(start, dt.time(17), self.tz)
        episode = (
            pk,
            clinic_id,
            *common,
            source_id,
            1,
            1,
            pseudonym(self.pseudonym_key, cpr),
            blob,
            key_id,
            "51",
            course_type,
            start,
            end,
            "",
            None,
            codes[-1] if codes else "",
            received,
            received,
        )
        events = [
            (clinic_id, pk, code, moment, "clinician", "")
            for code, moment in zip(codes, moments, strict=True)
        ]
        return episode, events


def episodes_per_clinic(total: int, clinics: int, rng: random.Random) -> list[int]:
    """``total`` episodes over ``clinics``: clinics differ in size (×0.3 to ×1.7)."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(clinics)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % clinics] += 1
    return counts


def remove_data(clinic_ids: Sequence[int]) -> dict[str, int]:
    """Delete what the bench clinics collected, their clinic cells and journal rows (the
    benchmark then needs a full recompute)."""
    removed: dict[str, int] = {}
    if not clinic_ids:
        return removed
    marks = ", ".join(["%s"] * len(clinic_ids))
    where, params = f"clinic_id IN ({marks})", list(clinic_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        for label, model in (
            ("diagnosis events", DiagnosisEvent),
            ("episodes", Episode),
            ("data flows", DataFlow),
            ("clinic cells", ReportCell),
            ("journal rows", CellChange),
        ):
            cursor.execute(
                f"DELETE FROM {_q(model._meta.db_table)} WHERE {where}",  # noqa: S608
                params,
            )
            removed[label] = cursor.rowcount
    return removed


def generate(setup: Setup, *, events: int, today: dt.date, progress: Progress) -> Dataset:
    """Write ≈ ``events`` diagnosis events on ≈ events / 1.5 episodes for the bench clinics,
    in chunks of ``CHUNK_EPISODES`` (one transaction each), straight into the tables."""
    remove_data(setup.clinic_ids)  # a fresh dataset every run
    maker = CourseMaker(SEED, today)
    total = max(len(setup.clinics), round(events / EVENTS_PER_EPISODE))
    counts = episodes_per_clinic(total, len(setup.clinics), maker.rng)
    common = (setup.project.pk, setup.vendor.pk)
    data = Dataset()
    started = time.perf_counter()
    episode_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    ids: Iterator[int] = iter(())

    def flush() -> None:
        with transaction.atomic():
            rows.insert_rows(Episode, EPISODE_COLUMNS, episode_rows)
            rows.insert_rows(DiagnosisEvent, EVENT_COLUMNS, event_rows)
        episode_rows.clear()
        event_rows.clear()
        progress(
            f"  {data.episodes}/{total} episodes, {data.events} diagnosis events, "
            f"{time.perf_counter() - started:.1f} s"
        )

    remaining = total
    for bench_clinic, count in zip(setup.clinics, counts, strict=True):
        clinic = bench_clinic.clinic
        data.by_region[clinic.region_code] += 1
        for i in range(count):
            if not episode_rows and not event_rows:
                with transaction.atomic():
                    ids = iter(rows.reserve_ids(Episode, min(CHUNK_EPISODES, remaining)))
            episode, course_events = maker.course(
                pk=next(ids),
                clinic_id=clinic.pk,
                source_id=f"RB{bench_clinic.number:04d}-{i:07d}",
                collect_from=bench_clinic.collect_from,
                common=common,
            )
            episode_rows.append(episode)
            event_rows.extend(course_events)
            remaining -= 1
            data.episodes += 1
            data.events += len(course_events)
            data.uncoded += not course_events
            data.structured += bool(episode[11])
            month = episode[12].replace(day=1)
            data.first_month = min(data.first_month or month, month)
            if len(episode_rows) >= CHUNK_EPISODES:
                flush()
    if episode_rows:
        flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Episode, DiagnosisEvent):
                cursor.execute(f"ANALYZE {_q(model._meta.db_table)}")
    data.seconds = time.perf_counter() - started
    data.per_clinic_day = total / DAYS_PER_DATASET / len(setup.clinics)
    return data


@dataclass(frozen=True)
class Day:
    """What a day's data brought: new courses, recoded courses, and the months they touched."""

    new: int
    recoded: int
    months: frozenset[dt.date]


def add_day(setup: Setup, *, day: int, per_clinic: float, today: dt.date) -> Day:
    """One day's data, as the pipeline stores it: new courses (starting in the last two weeks)
    for the bench clinics, and a new latest code on some courses of the last 60 days; the
    rows, then ``apply_changes`` per course in the same transaction — every course its own
    batch, so the journal gets one row per cell change (the most a day can bring)."""
    maker = CourseMaker(SEED + day, today)
    common = (setup.project.pk, setup.vendor.pk)
    since = today - dt.timedelta(days=13)
    episode_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    batches: list[tuple[int, Counter[aggregates.CellKey]]] = []
    whole, part = int(per_clinic), per_clinic - int(per_clinic)
    wanted = [whole + (maker.rng.random() < part) for _ in setup.clinics]
    moment = timezone.now()
    with transaction.atomic():
        ids = iter(rows.reserve_ids(Episode, sum(wanted)))
        for bench_clinic, count in zip(setup.clinics, wanted, strict=True):
            pk = bench_clinic.clinic.pk
            for i in range(count):
                episode, course_events = maker.course(
                    pk=next(ids),
                    clinic_id=pk,
                    source_id=f"RB{bench_clinic.number:04d}-D{day:03d}-{i:05d}",
                    collect_from=max(since, bench_clinic.collect_from),
                    common=common,
                )
                episode_rows.append(episode)
                event_rows.extend(course_events)
                key = aggregates.cell_key(episode[12], episode[10], episode[11], episode[16])
                batches.append((pk, Counter({key: 1})))
        recoded = _recodes(setup, maker, round(RECODED_SHARE * len(episode_rows)), today)
        for episode_id, clinic_id, old, new_code in recoded:
            event_rows.append((clinic_id, episode_id, new_code, moment, "clinician", ""))
            new = (*old[:3], new_code)
            batches.append((clinic_id, aggregates.net_changes(added=[new], removed=[old])))
        rows.insert_rows(Episode, EPISODE_COLUMNS, episode_rows)
        rows.insert_rows(DiagnosisEvent, EVENT_COLUMNS, event_rows)
        Episode.objects.bulk_update(
            [
                Episode(pk=episode_id, current_code=new_code, updated_at=moment)
                for episode_id, _clinic, _old, new_code in recoded
            ],
            ["current_code", "updated_at"],
            batch_size=500,
        )
        for clinic_id, deltas in batches:
            aggregates.apply_changes(
                clinic_id=clinic_id, project_id=setup.project.pk, changes=deltas
            )
    months = frozenset(key[0] for _clinic, deltas in batches for key in deltas)
    return Day(new=len(episode_rows), recoded=len(recoded), months=months)


def _recodes(
    setup: Setup, maker: CourseMaker, count: int, today: dt.date
) -> list[tuple[int, int, aggregates.CellKey, str]]:
    """``count`` bench courses of the last 60 days with a new latest code: (episode id,
    clinic id, old cell, new code)."""
    recent = list(
        Episode.objects.filter(
            vendor=setup.vendor,
            project=setup.project,
            start_date__gte=today - dt.timedelta(days=60),
        ).values_list("pk", flat=True)
    )
    chosen = maker.rng.sample(recent, min(count, len(recent)))
    found = []
    for pk, clinic_id, start, speciale, course_type, code in Episode.objects.filter(
        pk__in=chosen
    ).values_list("pk", "clinic_id", "start_date", "speciale", "course_type", "current_code"):
        new_code = code
        while new_code == code:
            new_code = maker.rng.choice(list(COMMON_CODES))
        found.append(
            (pk, clinic_id, aggregates.cell_key(start, speciale, course_type, code), new_code)
        )
    return found


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- the product's refresh and rebuild --------------------------------------------------


def analyze_cells() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_q(ReportCell._meta.db_table)}")


def timed_rebuild(progress: Progress) -> tuple[int, float]:
    started = time.perf_counter()
    cells = aggregates.rebuild(progress=progress)
    seconds = time.perf_counter() - started
    analyze_cells()
    return cells, seconds


def refresh_into_empty(project: Project) -> aggregates.BenchmarkResult:
    """The full recompute when the benchmark is empty (it writes every cell): the worst case.

    Afterwards every report table is analysed, as autovacuum would after such a write on a
    server that runs it (a server with it off, as a test machine may be, would otherwise plan
    the steady state's statements on the statistics of empty tables)."""
    BenchmarkCell.objects.filter(project=project).delete()
    BenchmarkContributor.objects.filter(project=project).delete()
    result = aggregates.refresh_benchmark(full=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in apps.get_app_config("reports").get_models():
                cursor.execute(f"ANALYZE {_q(model._meta.db_table)}")
    return result


@dataclass
class SteadyState:
    """Refreshes after a day's data: (a) the product's incremental one, (b) the full
    recompute; and whether a full recompute after each incremental refresh found nothing."""

    incremental: list[aggregates.BenchmarkResult] = field(default_factory=list)
    full: list[aggregates.BenchmarkResult] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    consistent: bool = True  # a full recompute after an incremental refresh wrote nothing

    @property
    def episodes(self) -> int:
        return sum(day.new for day in self.days)

    @property
    def recoded(self) -> int:
        return sum(day.recoded for day in self.days)

    def check(self) -> None:
        """A full recompute now must find nothing to write, and leave the coding
        development's cells and sums as the incremental refreshes kept them."""
        kept = development_rows()
        self.consistent &= aggregates.refresh_benchmark(full=True).written == 0
        self.consistent &= development_rows() == kept


def development_rows() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The coding development's clinic cells and region and nation sums, every column but
    the id."""
    key = ("project_id", "month", "symptom_first", "refined", "days", "courses")
    return (
        set(DevelopmentCell.objects.values_list("clinic_id", *key)),
        set(DevelopmentBenchmarkCell.objects.values_list("scope", *key)),
    )


def refreshes_after_days(
    setup: Setup, *, repeat: int, per_clinic: float, today: dt.date
) -> SteadyState:
    """The steady state, ``repeat`` times: a day's data, then the full recompute (timed); a
    day's data, then the product's incremental refresh (timed). Each incremental refresh but
    the last is checked by a full recompute at once; the last after DuckDB has compared."""
    state = SteadyState()
    for day in range(1, repeat + 1):
        state.days.append(add_day(setup, day=2 * day - 1, per_clinic=per_clinic, today=today))
        state.full.append(aggregates.refresh_benchmark(full=True))
        state.days.append(add_day(setup, day=2 * day, per_clinic=per_clinic, today=today))
        result = aggregates.refresh_benchmark()
        if result.recomputed:
            raise CommandError(f"the refresh after a day's data was not incremental: {result}")
        state.incremental.append(result)
        if day < repeat:
            state.check()
    return state


# --- DuckDB over Parquet ----------------------------------------------------------------


@dataclass
class DuckResult:
    seconds: list[float]
    cells: int
    contributors: int
    episodes_by_scope: dict[str, int]
    export_seconds: float
    parquet_bytes: int
    threads: int
    cell_rows: set[tuple[Any, ...]] = field(default_factory=set)  # as benchmark_rows()
    contributor_rows: set[tuple[Any, ...]] = field(default_factory=set)


EXPORT_EPISODES = (
    "SELECT clinic_id, project_id, start_date, speciale, course_type, current_code FROM {table}"
)
# Our own file names in a fresh temporary folder; "" where the database has an empty string.
TO_PARQUET_EPISODES = """
COPY (SELECT clinic_id, project_id, start_date, coalesce(speciale, '') AS speciale,
             coalesce(course_type, '') AS course_type, coalesce(current_code, '') AS current_code
      FROM read_csv('{csv}', header = true, columns = {{
        'clinic_id': 'BIGINT', 'project_id': 'BIGINT', 'start_date': 'DATE',
        'speciale': 'VARCHAR', 'course_type': 'VARCHAR', 'current_code': 'VARCHAR'}}))
TO '{parquet}' (FORMAT parquet)
"""
TO_PARQUET_CLINICS = """
COPY (SELECT id, coalesce(region_code, '') AS region_code
      FROM read_csv('{csv}', header = true, columns = {{'id': 'BIGINT', 'region_code': 'VARCHAR'}}))
TO '{parquet}' (FORMAT parquet)
"""
DUCK_CELLS = """
CREATE OR REPLACE TEMP TABLE bench_cells AS
SELECT e.project_id,
       CASE WHEN GROUPING(c.region_code) = 1 THEN '{nation}' ELSE c.region_code END AS scope,
       date_trunc('month', e.start_date) AS month, e.speciale, e.course_type,
       e.current_code AS code, count(*) AS episodes
FROM read_parquet('{episodes}') e JOIN read_parquet('{clinics}') c ON c.id = e.clinic_id
GROUP BY GROUPING SETS (
  (e.project_id, date_trunc('month', e.start_date), e.speciale, e.course_type, e.current_code),
  (e.project_id, c.region_code, date_trunc('month', e.start_date), e.speciale, e.course_type,
   e.current_code))
HAVING GROUPING(c.region_code) = 1 OR c.region_code <> ''
"""
DUCK_CONTRIBUTORS = """
CREATE OR REPLACE TEMP TABLE bench_contributors AS
SELECT DISTINCT e.project_id, date_trunc('month', e.start_date) AS month, c.region_code,
       e.clinic_id
FROM read_parquet('{episodes}') e JOIN read_parquet('{clinics}') c ON c.id = e.clinic_id
"""


def _export_csv(query: str, path: Path) -> None:
    """Write the rows of ``query`` to ``path`` as CSV with a header (streamed)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, path.open("wb") as out:
            raw = cursor.cursor
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(block)
        return
    with connection.cursor() as cursor, path.open("w", newline="") as out:
        cursor.execute(query)
        writer = csv.writer(out)
        writer.writerow([column[0] for column in cursor.description])
        while batch := cursor.fetchmany(50_000):
            writer.writerows(batch)


def duckdb_aggregate(workdir: Path, repeat: int) -> DuckResult:
    """Export every episode (the columns the aggregate reads) and the clinics' regions to
    Parquet, then time DuckDB computing the national and regional cells and contributors."""
    import duckdb

    started = time.perf_counter()
    episodes_csv, clinics_csv = workdir / "episodes.csv", workdir / "clinics.csv"
    episodes_parquet, clinics_parquet = workdir / "episodes.parquet", workdir / "clinics.parquet"
    _export_csv(EXPORT_EPISODES.format(table=_q(Episode._meta.db_table)), episodes_csv)
    clinics_query = f"SELECT id, region_code FROM {_q(Clinic._meta.db_table)}"  # noqa: S608
    _export_csv(clinics_query, clinics_csv)
    duck = duckdb.connect()
    try:
        duck.execute(TO_PARQUET_EPISODES.format(csv=episodes_csv, parquet=episodes_parquet))
        duck.execute(TO_PARQUET_CLINICS.format(csv=clinics_csv, parquet=clinics_parquet))
        export_seconds = time.perf_counter() - started
        names = {"episodes": episodes_parquet, "clinics": clinics_parquet, "nation": NATION}
        cells_sql, contributors_sql = DUCK_CELLS.format(**names), DUCK_CONTRIBUTORS.format(**names)
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            duck.execute(cells_sql)
            duck.execute(contributors_sql)
            seconds.append(time.perf_counter() - started)
        cells = _one(duck.execute("SELECT count(*) FROM bench_cells").fetchone())
        contributors = _one(duck.execute("SELECT count(*) FROM bench_contributors").fetchone())
        by_scope = dict(
            duck.execute("SELECT scope, sum(episodes) FROM bench_cells GROUP BY scope").fetchall()
        )
        threads = _one(duck.execute("SELECT current_setting('threads')").fetchone())
        cell_rows = {
            (int(p), str(scope), _day(month), *keys, int(n))
            for p, scope, month, *keys, n in duck.execute("SELECT * FROM bench_cells").fetchall()
        }
        contributor_rows = {
            (int(p), _day(month), str(region), int(clinic))
            for p, month, region, clinic in duck.execute(
                "SELECT * FROM bench_contributors"
            ).fetchall()
        }
    finally:
        duck.close()
    return DuckResult(
        seconds=seconds,
        cells=cells,
        contributors=contributors,
        episodes_by_scope={str(k): int(v) for k, v in by_scope.items()},
        export_seconds=export_seconds,
        parquet_bytes=episodes_parquet.stat().st_size + clinics_parquet.stat().st_size,
        threads=int(threads),
        cell_rows=cell_rows,
        contributor_rows=contributor_rows,
    )


def _day(value: Any) -> dt.date:
    """DuckDB's month as a date (``date_trunc`` may answer with a timestamp)."""
    return value.date() if isinstance(value, dt.datetime) else value


def benchmark_rows() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Sentinel's benchmark cells (project, scope, month, speciale, course type, code,
    episodes) and contributors (project, month, region, clinic), to compare with DuckDB's."""
    cells = set(
        BenchmarkCell.objects.values_list(
            "project_id", "scope", "month", "speciale", "course_type", "code", "episodes"
        )
    )
    contributors = set(
        BenchmarkContributor.objects.values_list("project_id", "month", "region_code", "clinic_id")
    )
    return cells, contributors


def same_as_duckdb(duck: DuckResult) -> bool:
    """Whether Sentinel's benchmark equals DuckDB's aggregate, row for row."""
    cells, contributors = benchmark_rows()
    return (
        cells == duck.cell_rows
        and contributors == duck.contributor_rows
        and duck.episodes_by_scope == sentinel_episodes_by_scope()
    )


def _one(row: tuple[Any, ...] | None) -> Any:
    assert row is not None  # noqa: S101 - an aggregate always returns a row
    return row[0]


def sentinel_episodes_by_scope() -> dict[str, int]:
    return {
        row["scope"]: int(row["n"])
        for row in BenchmarkCell.objects.values("scope").annotate(n=Sum("episodes"))
    }


def work_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="sentinel-bench-reports-")


# --- rendering one clinic's tab ---------------------------------------------------------


def typical_clinic(setup: Setup) -> tuple[Clinic, int]:
    """The bench clinic with the median number of episodes in the largest region, and that
    number."""
    region = max(REGION_SHARES, key=lambda r: REGION_SHARES[r])
    sizes = {
        row["clinic_id"]: int(row["n"])
        for row in ReportCell.objects.filter(
            clinic_id__in=setup.clinic_ids, clinic__region_code=region
        )
        .values("clinic_id")
        .annotate(n=Sum("episodes"))
    }
    if not sizes:
        return setup.clinics[0].clinic, 0
    ranked = sorted(sizes, key=lambda pk: (sizes[pk], pk))
    chosen = ranked[len(ranked) // 2]
    return Clinic.objects.get(pk=chosen), sizes[chosen]


def tab_renderer(clinic: Clinic, project: Project, today: dt.date) -> tuple[str, Callable[[], Any]]:
    """What renders one clinic's report tab: the page's HTML with the worklist."""
    period = Period.since_enrolment()
    return (
        "sentinel.reports.pages.render_tab_html (the tab's HTML, with the worklist; "
        "each view audited; the process settled as the server's is, core.runtime)",
        lambda: render_tab_html(
            clinic, project, period, worklist_by=BENCH, today=today, links=LINKS
        ),
    )


def time_pdf(clinic: Clinic, project: Project, today: dt.date, count: int = 3) -> list[float]:
    """Seconds to build the report and make its PDF meeting pack, ``count`` times."""
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        meeting_pack(build_report(clinic, project, Period.since_enrolment(), today), clinic)
        seconds.append(time.perf_counter() - started)
    return seconds


def time_once(render: Callable[[], Any]) -> float:
    started = time.perf_counter()
    render()
    return time.perf_counter() - started


def time_renders(render: Callable[[], Any], count: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        render()
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        render()
        seconds.append(time.perf_counter() - started)
    return seconds


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- the run ----------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    clinics: int
    dataset: Dataset
    cells: int
    rebuild_seconds: float
    refresh_empty: aggregates.BenchmarkResult
    steady: SteadyState
    duck: DuckResult
    agree: bool  # DuckDB's aggregate equals the benchmark after an incremental refresh
    renderer: str
    render_clinic: str
    render_seconds: list[float]
    cold_seconds: float = 0.0
    pdf_seconds: list[float] = field(default_factory=list)

    @property
    def refresh_seconds(self) -> float:
        """(a) the product's refresh after a day's data: incremental."""
        return median([r.seconds for r in self.steady.incremental])

    def refresh_part(self, name: str) -> float:
        """One part of (a), ``reports.benchmark.BenchmarkResult.parts``."""
        return median([r.part(name) for r in self.steady.incremental])

    @property
    def full_seconds(self) -> float:
        """(b) the full recompute after a day's data."""
        return median([r.seconds for r in self.steady.full])

    @property
    def duck_seconds(self) -> float:
        """(c) DuckDB over Parquet."""
        return median(self.duck.seconds)

    def _to_duck(self, seconds: float) -> float:
        return seconds / self.duck_seconds if self.duck_seconds else math.inf

    @property
    def ratio(self) -> float:
        """The goal's ratio: the refresh's benchmark part, the aggregate (c) also computes."""
        return self._to_duck(self.refresh_part("benchmark"))

    @property
    def ratio_whole(self) -> float:
        return self._to_duck(self.refresh_seconds)

    @property
    def ratio_full(self) -> float:
        return self._to_duck(self.full_seconds)

    @property
    def ratio_empty(self) -> float:
        return self._to_duck(self.refresh_empty.seconds)

    @property
    def p50_ms(self) -> float:
        return 1000 * percentile(self.render_seconds, 0.50)

    @property
    def p95_ms(self) -> float:
        return 1000 * percentile(self.render_seconds, 0.95)


def measure(
    *, clinics: int, events: int, renders: int, repeat: int, today: dt.date, progress: Progress
) -> tuple[Setup, Figures]:
    """Set up, generate, and take every figure; the data stays (see ``clean_up``)."""
    from sentinel.bench.ingest import describe_database

    database = describe_database()
    progress(f"Database: {database}")
    progress(
        f"Setting up the report bench vendor and {clinics} clinics (from {YDERNUMMER_FIRST}) …"
    )
    setup = set_up(clinics, today, progress)
    progress(f"Generating ≈ {events} diagnosis events on the bench clinics …")
    dataset = generate(setup, events=events, today=today, progress=progress)
    progress("Rebuilding the clinic cells from the raw episodes (timed) …")
    cells, rebuild_seconds = timed_rebuild(progress)
    progress("Recomputing the national and regional benchmark into an empty one (timed) …")
    refresh_empty = refresh_into_empty(setup.project)
    progress(
        f"{repeat} × a day's data then the full recompute (timed), a day's data then the "
        "product's incremental refresh (timed) …"
    )
    steady = refreshes_after_days(
        setup, repeat=repeat, per_clinic=dataset.per_clinic_day, today=today
    )
    with work_dir() as folder:
        progress("Exporting the episodes to Parquet; DuckDB computes the same aggregate (timed) …")
        duck = duckdb_aggregate(Path(folder), repeat)
    agree = same_as_duckdb(duck)  # the benchmark as the last incremental refresh left it
    steady.check()
    clinic, size = typical_clinic(setup)
    renderer, render = tab_renderer(clinic, setup.project, today)
    progress(f"Rendering the report tab of clinic {clinic.ydernummer} {renders} × (timed) …")
    settle()  # as the server's worker does after loading the application (core.runtime)
    cold_seconds = time_once(render)  # the first render after the refresh
    render_seconds = time_renders(render, renders)
    progress("Making the tab's PDF meeting pack 3 × (timed) …")
    pdf_seconds = time_pdf(clinic, setup.project, today)
    return setup, Figures(
        database=database,
        clinics=len(setup.clinics),
        dataset=dataset,
        cells=cells,
        rebuild_seconds=rebuild_seconds,
        refresh_empty=refresh_empty,
        steady=steady,
        duck=duck,
        agree=agree,
        renderer=renderer,
        render_clinic=f"{clinic.ydernummer} ({clinic.region_code}, {size} episodes)",
        render_seconds=render_seconds,
        cold_seconds=cold_seconds,
        pdf_seconds=pdf_seconds,
    )


def clean_up(setup: Setup, *, keep: bool) -> list[str]:
    clinics = f"{setup.clinics[0].clinic.ydernummer}-{setup.clinics[-1].clinic.ydernummer}"
    if keep:
        return [
            f"cleanup: skipped (--keep): the data and clinic cells of clinics {clinics} stay, "
            "and the benchmark includes them"
        ]
    removed = remove_data(setup.clinic_ids)
    aggregates.refresh_benchmark(full=True)  # the cells went without the journal
    summary = ", ".join(f"{n} {label}" for label, n in removed.items())
    return [
        f"cleanup: removed {summary}; recomputed the benchmark without them",
        f"cleanup: kept the bench vendor, its clinics ({clinics}), their onboarding and the "
        "audit rows (the audit log is append-only)",
    ]


def report(figures: Figures) -> list[str]:
    """The figures as a readable table, with the goals of DESIGN.md §6."""
    data, steady = figures.dataset, figures.steady
    regions = ", ".join(f"{r} {n}" for r, n in sorted(data.by_region.items()))
    months = f"{data.first_month:%Y-%m} on" if data.first_month else "none"
    duck, empty = figures.duck, figures.refresh_empty
    last = steady.incremental[-1]
    load = "COPY" if figures.database.startswith("PostgreSQL") else "executemany"
    goal_ratio = f"≤ {GOAL_RATIO:g} ×"

    def ratio(value: float, goal: bool = False) -> tuple[str, str, str, str]:
        if goal:
            return ("  ratio to DuckDB", f"{value:.1f} ×", goal_ratio, _met(value <= GOAL_RATIO))
        return ("  ratio to DuckDB", f"{value:.1f} ×", "", "(no goal)")

    rows_ = [
        ("rebuild clinic cells from raw", f"{figures.rebuild_seconds:.2f} s", "", ""),
        ("(c) same aggregate in DuckDB", f"{figures.duck_seconds:.3f} s", "", ""),
        ("(a) product refresh after a day's data", f"{figures.refresh_seconds:.3f} s", "", ""),
        ratio(figures.ratio_whole),
        (f"(a) part {PARTS[0][1]}", f"{figures.refresh_part(PARTS[0][0]):.3f} s", "", ""),
        ratio(figures.ratio, goal=True),
        *(
            (f"(a) part {label}", f"{figures.refresh_part(name):.3f} s", "", "")
            for name, label in PARTS[1:]
        ),
        ("(b) full recompute after a day's data", f"{figures.full_seconds:.3f} s", "", ""),
        ratio(figures.ratio_full),
        ("full recompute into an empty benchmark", f"{empty.seconds:.3f} s", "", ""),
        ratio(figures.ratio_empty),
        ("report tab p50", f"{figures.p50_ms:.1f} ms", "", ""),
        (
            "report tab p95",
            f"{figures.p95_ms:.1f} ms",
            f"< {GOAL_P95_MS:g} ms",
            _met(figures.p95_ms < GOAL_P95_MS),
        ),
        ("report tab, first render after refresh", f"{1000 * figures.cold_seconds:.1f} ms", "", ""),
        (
            "PDF meeting pack (median of 3)",
            f"{median(figures.pdf_seconds):.2f} s" if figures.pdf_seconds else "–",
            "",
            "(no goal)",
        ),
    ]
    width = max(len(r[0]) for r in rows_)
    table = [
        f"{'figure':{width}}  {'measured':>10}  {'goal':8}  verdict",
        f"{'-' * width}  {'-' * 10}  {'-' * 8}  -------",
        *(f"{n:{width}}  {m:>10}  {g:8}  {v}".rstrip() for n, m, g, v in rows_),
    ]

    def runs(results: list[aggregates.BenchmarkResult]) -> str:
        return ", ".join(f"{r.seconds:.3f}" for r in results)

    def parts(result: aggregates.BenchmarkResult) -> str:
        return " + ".join(f"{result.part(name):.3f}" for name, _label in PARTS)

    changes = ", ".join(str(r.changes) for r in steady.incremental)
    return [
        "",
        "sentinel bench reports",
        f"database: {figures.database}",
        f"clinics: {figures.clinics} ({regions})",
        f"episodes: {data.episodes} ({data.structured} structured, {data.uncoded} uncoded; "
        f"start months {months}), then {len(steady.days)} days of data: {steady.episodes} "
        f"new courses and {steady.recoded} recoded (a day = 1/{DAYS_PER_DATASET} of the "
        "dataset, every course its own batch)",
        f"diagnosis events: {data.events} ({data.events / max(data.episodes, 1):.2f} per episode)",
        f"load: {data.seconds:.1f} s ({load}; not a goal)",
        f"clinic cells: {figures.cells}",
        f"benchmark: {last.cells} cells, {last.contributors} contributors; into an empty one "
        f"{empty.written} rows written",
        f"(a) incremental refreshes: {changes} journal rows consumed, "
        f"{', '.join(str(r.written) for r in steady.incremental)} rows written, in "
        f"{runs(steady.incremental)} s (median counts); in parts "
        f"({' + '.join(name for name, _label in PARTS)}): "
        f"{'; '.join(parts(r) for r in steady.incremental)} s",
        f"(b) full recomputes: {', '.join(str(r.written) for r in steady.full)} rows written, "
        f"in {runs(steady.full)} s (median counts)",
        f"(c) duckdb: {duck.cells} cells, {duck.contributors} contributors, {duck.threads} "
        f"threads, Parquet {duck.parquet_bytes / 1e6:.1f} MB written in "
        f"{duck.export_seconds:.1f} s (runs: {', '.join(f'{s:.3f}' for s in duck.seconds)} s; "
        "median counts)",
        f"same result: {'yes' if figures.agree else 'NO'} (DuckDB's cells and contributors "
        "equal the benchmark after the incremental refresh, row for row); "
        f"incremental refreshes left nothing for a full recompute: "
        f"{'yes' if steady.consistent else 'NO'} (the benchmark, the networks' cells, the coding "
        "development's cells and sums)",
        f"report tab: {figures.renderer}; clinic {figures.render_clinic}; "
        f"{len(figures.render_seconds)} renders",
        "",
        *table,
        "",
        "(a) refresh_benchmark(): what 'sentinel serve' runs in the background. It consumes the "
        "day's change journal and adds it to the national and regional cells, and re-decides "
        "the contributors of the clinic-months it names (its benchmark part: the aggregate "
        "(c) computes); then it brings the quality networks' cells, the coding development's "
        "cells and the outcome cells up to date (parts DuckDB does not compute).",
        "(b) refresh_benchmark(full=True): what 'sentinel reports refresh' runs. It recomputes "
        "the whole aggregate from the clinic cells and writes only the differences.",
        "(c) DuckDB computing the same national and regional cells and contributors from the "
        "raw episode rows in Parquet (only the query is timed).",
        "goals: DESIGN.md §6, at national scale (1,500 clinics, 3 million diagnosis events); "
        "the benchmark refresh goal (at most DuckDB's time on the same rows) is judged on (a)'s "
        "benchmark part against (c); the whole of (a) is shown beside it.",
    ]


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


# --- the command (``sentinel bench reports``) -------------------------------------------


def _check(name: str, value: int, lower: int, upper: int) -> None:
    if not lower <= value <= upper:
        raise CommandError(f"--{name} must be between {lower} and {upper}, got {value}")


def run_command(command: Any, options: dict[str, Any]) -> None:
    """``sentinel bench reports`` on the configured database: progress on the command's
    standard error, the report on its standard output."""
    clinics, events = options["clinics"], options["events"]
    renders, repeat = options["renders"], options["repeat"]
    _check("clinics", clinics, 1, 99_999)  # ydernumre 600001-699999
    _check("events", events, clinics, 100_000_000)
    _check("renders", renders, 1, 100_000)
    _check("repeat", repeat, 1, 100)
    today = timezone.localdate()
    setup, lines = None, []
    try:
        setup, figures = measure(
            clinics=clinics,
            events=events,
            renders=renders,
            repeat=repeat,
            today=today,
            progress=command.stderr.write,
        )
        lines = report(figures)
    finally:
        if setup is None:
            setup = _setup_if_any(clinics, today)
        if setup is not None:
            lines += clean_up(setup, keep=options["keep"])
    command.stdout.write("\n".join(lines))


def _setup_if_any(clinics: int, today: dt.date) -> Setup | None:
    """The bench clinics that exist (to clean up after a failed run), or None."""
    project = Project.objects.filter(code="diagnosekodning").first()
    vendor = Vendor.objects.filter(slug=VENDOR_SLUG).first()
    numbers = [str(YDERNUMMER_FIRST + i) for i in range(clinics)]
    found = list(
        Clinic.objects.filter(ydernummer__in=numbers, name__startswith=CLINIC_NAME).order_by(
            "ydernummer"
        )
    )
    if project is None or vendor is None or not found:
        return None
    return Setup(
        vendor,
        project,
        [BenchClinic(c, int(c.ydernummer) - YDERNUMMER_FIRST + 1, today) for c in found],
    )


def run_elsewhere(command: Any, options: dict[str, Any]) -> None:
    """``sentinel bench reports --database-url URL``: migrate that database and run the
    benchmark there in a subprocess, with this process's settings otherwise. Keys it needs
    and does not have are generated for the run (bench data only)."""
    if options.get("benchmark") != "reports":
        raise CommandError("--database-url is only for 'bench reports'")
    env = dict(os.environ)
    env["DATABASE_URL"] = options["database_url"]
    env["SENTINEL_VAR_DIR"] = str(settings.VAR_DIR)
    env["DJANGO_SETTINGS_MODULE"] = "sentinel.settings"
    env.setdefault("SENTINEL_SECRET_KEY", new_key_text())
    env.setdefault("SENTINEL_PSEUDONYM_KEY", new_key_text())
    if not env.get("SENTINEL_CPR_KEYS"):
        env["SENTINEL_CPR_KEYS"] = f"bench:{new_key_text()}"
        env.pop("SENTINEL_CPR_KEY_ID", None)
    cli = [sys.executable, "-m", "sentinel.cli"]
    command.stderr.write("Migrating the bench database …")
    migrate = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [*cli, "migrate", "--no-input"], env=env, capture_output=True, text=True, check=False
    )
    if migrate.returncode != 0:
        last = (migrate.stderr.strip().splitlines() or ["no output"])[-1]
        raise CommandError(f"migrating the bench database failed: {last}")
    arguments = [
        *cli,
        "bench",
        "reports",
        f"--clinics={options['clinics']}",
        f"--events={options['events']}",
        f"--renders={options['renders']}",
        f"--repeat={options['repeat']}",
        *(["--keep"] if options["keep"] else []),
    ]
    # Progress streams straight to this process's standard error; the report is passed on.
    run = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        arguments, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    if run.stdout:
        command.stdout.write(run.stdout.rstrip("\n"))
    if run.returncode != 0:
        raise CommandError("the benchmark run on that database failed", returncode=run.returncode)
