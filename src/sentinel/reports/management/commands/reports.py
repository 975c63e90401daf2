"""``sentinel reports refresh``: rebuild the report aggregates from the collected data.

    sentinel reports refresh [--project CODE] [--benchmark-only]

Recounts every clinic's report cells from the stored episodes (``reports.aggregates.rebuild``)
and then recomputes the national and regional benchmark from those cells in full
(``refresh_benchmark(full=True)``), which also empties the change journal it covers. With
``--benchmark-only`` the clinic cells are left as they are. Progress goes to standard error,
the summary to standard output.

The background refresh of ``sentinel serve`` is incremental (it adds the journalled changes).
Run this command after clinics moved to another region (their earlier months stay in the old
one until then) and after cells changed behind the journal (edited by hand, restored from a
backup); see docs/adr/0004-incremental-benchmark.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from sentinel.core.command import SentinelCommand
from sentinel.core.database import require_migrated_database
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from sentinel.reports.models import ReportCell


class Command(SentinelCommand):
    help = "Maintain the report aggregates (clinic cells and the benchmark)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        refresh = sub.add_parser(
            "refresh",
            help="rebuild the clinic cells from the collected data, then the benchmark",
            description=(
                "Recounts the report cells of every clinic from the stored episodes and then "
                "recomputes the national and regional benchmark from them in full (the "
                "background refresh only adds the changes since the last one). Safe to run at "
                "any time; best when ingestion is quiet."
            ),
        )
        refresh.add_argument("--project", metavar="CODE", help="only this project (its code)")
        refresh.add_argument(
            "--benchmark-only",
            action="store_true",
            help="keep the clinic cells; only recompute the benchmark from them (in full)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated_database()
        self._refresh(project_code=options["project"], benchmark_only=options["benchmark_only"])

    def _refresh(self, *, project_code: str | None, benchmark_only: bool) -> None:
        project_ids = None
        if project_code is not None:
            project = Project.objects.filter(code=project_code).first()
            if project is None:
                known = ", ".join(Project.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(
                    f"no project with code {project_code!r} (known: {known or 'none'})"
                )
            project_ids = [project.pk]
        parts = []
        if not benchmark_only:
            self.stderr.write("Rebuilding the clinic cells from the collected episodes …")
            cells = aggregates.rebuild(project_ids=project_ids, progress=self.stderr.write)
            scope = ReportCell.objects.all()
            if project_ids is not None:
                scope = scope.filter(project_id__in=project_ids)
            clinics = scope.values("clinic_id").distinct().count()
            parts.append(f"rebuilt {cells} cells for {clinics} clinics")
        self.stderr.write("Refreshing the national and regional benchmark …")
        result = aggregates.refresh_benchmark(project_ids=project_ids, full=True)
        parts.append(
            f"benchmark: {result.cells} cells, {result.contributors} contributors "
            f"({result.projects} project{'s' if result.projects != 1 else ''}, "
            f"{result.seconds:.2f} s)"
        )
        self.stdout.write("; ".join(parts))
