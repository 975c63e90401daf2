"""``sentinel bench …``: the numbers DESIGN.md §6 holds us to, measured on this machine.

    sentinel bench ingest [--episodes N] [--batch N] [--clients N] [--workers N]
                          [--door json|fhir] [--keep]
    sentinel bench reports [--clinics N] [--events N] [--renders N] [--database-url URL] [--keep]
    sentinel bench demo [--requests N] [--warmup N]

run on whatever database the settings point at (the embedded SQLite file, or PostgreSQL with
``DATABASE_URL``; ``bench reports --database-url`` picks another). Progress goes to standard
error, the report to standard output. ``bench reports`` lives in ``sentinel.bench.reports``,
``bench demo`` in ``sentinel.bench.demo``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import shutil
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from sentinel.bench import ingest as bench
from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database

GOAL_EVENTS_PER_SECOND = 20_000
GOAL_SHARE_OF_RAW = 30.0
MAX_BATCH = 5000  # the API's limit (SubmissionIn.records)


def _positive(name: str, value: int, upper: int | None = None) -> None:
    if value < 1:
        raise CommandError(f"--{name} must be at least 1, got {value}")
    if upper is not None and value > upper:
        raise CommandError(f"--{name} must be at most {upper}, got {value}")


class Command(SentinelCommand):
    help = "Measure Sentinel against the numbers in DESIGN.md §6."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
        ingest = sub.add_parser(
            "ingest",
            help="episodes through the HTTP API vs. a raw bulk load of the same rows",
            description=(
                "Sets up its own vendor and clinics (ydernumre 7xxxxx), sends synthetic "
                "episodes in batches to a 'sentinel serve' subprocess, bulk-loads the same rows "
                "raw into scratch tables, reports both and removes the collected data again."
            ),
        )
        ingest.add_argument(
            "--episodes", type=int, default=20_000, help="episodes to send (default %(default)s)"
        )
        ingest.add_argument(
            "--batch", type=int, default=1000, help="episodes per request (default %(default)s)"
        )
        ingest.add_argument(
            "--clients", type=int, default=2, help="concurrent HTTP clients (default %(default)s)"
        )
        ingest.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "server processes: 'sentinel serve' subprocesses (one gunicorn worker each, "
                "one thread per client it serves; client k talks to process k mod N); "
                "default 1 on SQLite, as it is served; one per CPU core (at most --clients) "
                "on PostgreSQL, as in production"
            ),
        )
        ingest.add_argument(
            "--door",
            choices=("json", "fhir"),
            default="json",
            help=(
                "json (default): the JSON door; fhir: also the same episodes as FHIR batch "
                "Bundles to /fhir, side by side in the same run, with the FHIR/JSON ratio"
            ),
        )
        ingest.add_argument(
            "--outcomes",
            action="store_true",
            help=(
                "also send outcome records in the JSON batches (the clinics are enrolled in "
                "Forløbsresultater too): an NPRS score at the start of each structured course "
                "and at the end of most ended ones; the raw load covers episodes and events only"
            ),
        )
        ingest.add_argument(
            "--keep", action="store_true", help="keep the collected data and scratch tables"
        )
        ingest.add_argument(
            "--profile",
            action="store_true",
            help=(
                "afterwards, profile one more batch in-process (cProfile) and print hotspots; "
                "with --door fhir, one through each door"
            ),
        )
        reports = sub.add_parser(
            "reports",
            help="report tab latency and the benchmark refresh vs. DuckDB at national scale",
            description=(
                "Sets up its own vendor and clinics (ydernumre from 600001) over the five "
                "regions, writes a synthetic dataset straight into the tables, rebuilds the "
                "clinic cells, then times the benchmark refresh against DuckDB over the same "
                "rows in Parquet and the rendering of one clinic's report tab."
            ),
        )
        reports.add_argument(
            "--clinics", type=int, default=1500, help="clinics (default %(default)s)"
        )
        reports.add_argument(
            "--events",
            type=int,
            default=3_000_000,
            help="diagnosis events, ≈ 1.5 per episode (default %(default)s)",
        )
        reports.add_argument(
            "--renders",
            type=int,
            default=200,
            help="timed renders of the tab (default %(default)s)",
        )
        reports.add_argument(
            "--repeat",
            type=int,
            default=3,
            help="timed runs of the refresh and of DuckDB; the median counts (default %(default)s)",
        )
        reports.add_argument(
            "--database-url",
            help=(
                "run against this database instead (e.g. postgres://…/scratch); it is migrated "
                "first, and fresh bench-only keys are used unless SENTINEL_* keys are set"
            ),
        )
        reports.add_argument(
            "--keep", action="store_true", help="keep the generated data and its clinic cells"
        )

        demo = sub.add_parser(
            "demo",
            help="the demo's pages over HTTP: the overview (goal under 300 ms), p50/p95",
            description=(
                "Times /demo/, its second page and a demo clinic's status check, served by its "
                "own 'sentinel serve' with SENTINEL_DEMO=true, on the demo's database (build it "
                "first with 'sentinel demo --no-serve'). Reads only."
            ),
        )
        demo.add_argument(
            "--requests", type=int, default=50, help="timed requests a page (default %(default)s)"
        )
        demo.add_argument(
            "--warmup", type=int, default=5, help="untimed requests first (default %(default)s)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("database_url"):
            from sentinel.bench.reports import run_elsewhere

            run_elsewhere(self, options)  # a subprocess on that database
            return
        require_migrated_database()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per request
        getattr(self, f"_{options['benchmark']}")(options)

    def _note(self, text: str) -> None:
        self.stderr.write(text)

    # --- demo (sentinel.bench.demo) ------------------------------------------------------

    def _demo(self, options: dict[str, Any]) -> None:
        from sentinel.bench.demo import run_command

        run_command(self, options)

    # --- reports (sentinel.bench.reports) -------------------------------------------------

    def _reports(self, options: dict[str, Any]) -> None:
        from sentinel.bench.reports import run_command

        run_command(self, options)

    # --- ingest -------------------------------------------------------------------------

    def _ingest(self, options: dict[str, Any]) -> None:
        episodes, batch, clients = options["episodes"], options["batch"], options["clients"]
        _positive("episodes", episodes)
        _positive("batch", batch, MAX_BATCH)
        _positive("clients", clients, 64)
        workers = options["workers"] or bench.default_workers(clients)
        _positive("workers", workers, clients)

        today = timezone.localdate()
        run = bench.run_id()
        prefix = f"BENCH-{run}-"
        database = bench.describe_database()
        clinic_count = bench.clinic_count_for(clients)
        self._note(f"Database: {database}")
        self._note(f"Setting up the bench vendor and {clinic_count} clinics (7xxxxx) …")
        setup = bench.set_up(clinic_count, today, outcomes=options["outcomes"])
        report: list[str] = []
        try:
            report = self._run_ingest(
                setup=setup,
                today=today,
                prefix=prefix,
                episodes=episodes,
                batch=batch,
                clients=clients,
                workers=workers,
                database=database,
                profile=options["profile"],
                door=options["door"],
                outcomes=options["outcomes"],
            )
        finally:
            report += self._finish(setup, keep=options["keep"])
        self.stdout.write("\n".join(report))

    def _run_ingest(
        self,
        *,
        setup: bench.Setup,
        today: dt.date,
        prefix: str,
        episodes: int,
        batch: int,
        clients: int,
        workers: int,
        database: str,
        profile: bool,
        door: str = "json",
        outcomes: bool = False,
    ) -> list[str]:
        self._note(f"Generating {episodes} synthetic episodes …")
        batches = bench.make_batches(
            episodes=episodes,
            batch_size=batch,
            clients=clients,
            clinics=setup.clinics,
            prefix=prefix,
            today=today,
            outcomes=outcomes,
        )
        submitted = sum(b.diagnoses for b in batches)
        outcome_records = sum(b.outcomes for b in batches)
        megabytes = sum(len(b.body) for b in batches) / 1e6
        self._note(
            f"  {len(batches)} batches, {submitted} diagnoses"
            + (f", {outcome_records} outcome records" if outcomes else "")
            + f", {megabytes:.1f} MB of JSON"
        )

        connection.close()  # hold nothing open while the servers write
        threads = math.ceil(clients / workers)
        logs = bench.log_dir()
        servers = [bench.Server(threads=threads, log_dir=logs) for _ in range(workers)]
        ports = ", ".join(str(s.port) for s in servers)
        self._note(
            f"Starting {workers} × 'sentinel serve --threads {threads}' (port {ports}; "
            f"logs in {logs}) …"
        )
        try:
            for server in servers:
                server.start(setup.token)
            self._note(f"Sending with {clients} clients …")
            api = bench.send_batches(
                urls=[s.url for s in servers],
                token=setup.token,
                batches=batches,
                clients=clients,
                progress=self._note,
            )
            fhir = None
            if door == "fhir":
                fhir_batches = bench.make_batches(
                    episodes=episodes,
                    batch_size=batch,
                    clients=clients,
                    clinics=setup.clinics,
                    prefix=f"{prefix[:-1]}F-",
                    today=today,
                    door="fhir",
                )
                megabytes = sum(len(b.body) for b in fhir_batches) / 1e6
                self._note(f"Sending the same episodes as FHIR Bundles ({megabytes:.1f} MB) …")
                fhir = bench.send_batches(
                    urls=[s.url for s in servers],
                    token=setup.token,
                    batches=fhir_batches,
                    clients=clients,
                    progress=self._note,
                )
        except BaseException:
            self._note(f"The server logs stay in {logs}.")
            raise
        finally:
            for server in servers:
                server.stop()
        shutil.rmtree(logs, ignore_errors=True)

        stored_episodes, stored_events = bench.count_events(setup.clinic_ids, prefix)
        if stored_events == 0:
            reasons = ", ".join(f"{r} {n}" for r, n in api.rejected.most_common()) or "none"
            raise CommandError(f"the API stored no diagnosis events (rejections: {reasons})")

        self._note("Reading the stored rows back for the raw load …")
        rows, events = bench.stored_rows(setup.clinic_ids, prefix)
        self._note(f"Raw load of {len(rows)} episodes with their events …")
        raw = bench.raw_load(rows, events, batch_size=batch)

        api_events = stored_events / api.seconds
        raw_events = raw.events / raw.seconds
        share = 100 * api_events / raw_events
        latencies = sorted(api.latencies)
        p50 = latencies[len(latencies) // 2]
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        lines = [
            "",
            "sentinel bench ingest",
            f"database: {database}",
            f"episodes: {episodes} ({submitted} diagnoses submitted)",
            f"batch: {batch}",
            f"clients: {clients}",
            f"server: {workers} × sentinel serve (1 gunicorn worker, {threads} thread"
            f"{'s' if threads > 1 else ''} each)",
            f"seconds: {api.seconds:.2f} (first request to last response)",
            f"request latency: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
            f"stored: {stored_episodes} episodes, {stored_events} diagnosis events "
            f"(counted in the database)",
            f"episodes/s: {stored_episodes / api.seconds:,.0f}",
            f"events/s: {api_events:,.0f}",
            f"raw: {raw.method}, {raw.seconds:.2f} s",
            f"raw events/s: {raw_events:,.0f}",
            f"api/raw: {share:.1f} %",
            self._goal(api_events, share),
        ]
        if api.rejected:
            lines.append(
                "rejected: " + ", ".join(f"{r} {n}" for r, n in api.rejected.most_common())
            )
        if outcomes:
            stored_outcomes = bench.count_outcomes(setup.clinic_ids, prefix)
            lines.insert(
                lines.index(f"api/raw: {share:.1f} %"),
                f"outcome records: {outcome_records} sent, {stored_outcomes} stored "
                "(the API stored them too; the raw load has episodes and events only)",
            )
        if fhir is not None:
            _, fhir_stored = bench.count_events(setup.clinic_ids, f"{prefix[:-1]}F-")
            fhir_events = fhir_stored / fhir.seconds
            ratio = 100 * fhir_events / api_events
            lines += [
                f"fhir door: {fhir.seconds:.2f} s, {fhir_stored} diagnosis events stored, "
                f"{fhir_events:,.0f} events/s",
                f"fhir/json: {ratio:.1f} % (issue 12 goal ≥ 50 %: "
                f"{'met' if ratio >= 50 else 'NOT met'})",
            ]
        if profile:
            self._profile(setup, today, prefix, batch, door="json")
            if fhir is not None:
                self._profile(setup, today, prefix, batch, door="fhir")
        return lines

    def _goal(self, events_per_second: float, share: float) -> str:
        goal = (
            f"goal (DESIGN.md §6, PostgreSQL on 2 cores): ≥ {GOAL_EVENTS_PER_SECOND:,} "
            f"diagnosis events/s and ≥ {GOAL_SHARE_OF_RAW:.0f} % of raw"
        )
        if connection.vendor != "postgresql":
            return f"{goal}; not applicable on SQLite"
        verdicts = [
            f"events/s {'met' if events_per_second >= GOAL_EVENTS_PER_SECOND else 'NOT met'}",
            f"share of raw {'met' if share >= GOAL_SHARE_OF_RAW else 'NOT met'}",
        ]
        return f"{goal}: {', '.join(verdicts)}"

    def _profile(
        self, setup: bench.Setup, today: dt.date, prefix: str, batch: int, *, door: str
    ) -> None:
        target = setup.clinics[0]
        (extra,) = bench.make_batches(
            episodes=batch,
            batch_size=batch,
            clients=1,
            clinics=[target],
            prefix=f"{prefix}P{'F' if door == 'fhir' else ''}-",
            today=today,
            door=door,
        )
        self._note(
            f"Profiling one batch of {batch} episodes through the {door} door in-process "
            "(cProfile) …"
        )
        status, seconds, text = bench.profile_batch(batch=extra, token=setup.token)
        self._note(f"  answered {status} in {seconds:.2f} s (profiler overhead included)")
        self._note(text)

    def _finish(self, setup: bench.Setup, *, keep: bool) -> list[str]:
        bench.revoke(setup)  # the token was never shown; nobody needs it after the run
        clinics = f"{setup.clinics[0].clinic.ydernummer}-{setup.clinics[-1].clinic.ydernummer}"
        if keep:
            return [
                f"cleanup: skipped (--keep): the data collected for clinics {clinics} and the "
                f"tables {bench.SCRATCH_EPISODE}, {bench.SCRATCH_EVENT} stay; the run's "
                "credential is revoked",
            ]
        removed = bench.clean_up(setup)
        summary = ", ".join(f"{n} {label}" for label, n in removed.items())
        return [
            f"cleanup: removed {summary}, their report cells and the scratch tables; revoked "
            "the run's credential",
            f"cleanup: kept the bench vendor, its clinics ({clinics}), their onboarding and the "
            "audit rows (the audit log is append-only)",
        ]
