"""The Diagnosekodning report: how a clinic codes its courses (forløb) with ICPC-2.

Read from the aggregate tables only (``ReportCell`` for the clinic, ``BenchmarkCell`` and
``BenchmarkContributor`` for region and nation), over the months the engine hands over. The
sections, in order:

- ``diagnoses`` — the clinic's ten most used current codes (code, Danish title, courses,
  share %) with "Øvrige" for the rest, and the same by ICPC-2 chapter. Shares are taken over
  the *coded* courses and add up to exactly 100.00 (largest remainder, ``lib.shares``). Courses
  without a code are shown on their own line, "Uden kode", outside the shares. Ties in the
  ranking go to the lower code (alphabetically), so the table is stable.
- ``completeness`` — coding completeness for the mandatory structured courses of speciale 51
  (``icpc2.COURSE_TYPES``): a course counts as validly coded when its current code is one of
  its type's codes. Per course type and per month.
- ``trend`` — per month: courses, coded courses, share coded.
- ``completeness_compared`` (``completeness``) — coding completeness per course type and in
  total beside the region's and the nation's, and the funnel plot of every clinic's
  completeness against its number of structured courses, with its numbers in two tables.
- ``benchmark`` — the clinic's top-code shares beside its region's and the nation's, same
  months. A scope's shares are over all its coded courses (the clinic's top codes, then
  "Øvrige"), by largest remainder, shown as the disclosure rule allows (``disclosure``: small
  cells and their complement as "<5"; a scope with too few contributing clinics in those
  months gets no comparison at all, with a note saying why).

The headline (``headline``) leads the tab: coding completeness of the structured courses,
the share of courses with a code and the most used code, each with n, region and nation and
the change since the previous period of the same length (``INDICATORS`` say which direction is
better and the target: the defaults, until the operator sets others per specification version,
``reports.targets``).

The worklist (``worklist``) is separate: it is person-identifiable, reads the clinic's own
``Episode`` rows and writes an audit row every time it is built.

One folder, one module per part: ``labels`` (words and code helpers), ``sections`` (the
clinic's own sections), ``benchmark``, ``headline``, ``worklist``; this module is the
definition.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import QuerySet

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Vendor
from sentinel.collection.models import Episode
from sentinel.lib import icpc2
from sentinel.lib.dates import add_months
from sentinel.reports import development
from sentinel.reports.diagnosekodning.benchmark import benchmark_section, read_scopes
from sentinel.reports.diagnosekodning.completeness import completeness_compared, read_funnel
from sentinel.reports.diagnosekodning.exceptions import exceptions_section
from sentinel.reports.diagnosekodning.headline import (
    INDICATORS,
    development_figures,
    headline,
)
from sentinel.reports.diagnosekodning.labels import PROJECT_CODE, STRUCTURED_SPECIALE, Cell
from sentinel.reports.diagnosekodning.open_items import open_items
from sentinel.reports.diagnosekodning.sections import (
    chapters,
    completeness,
    top_codes_table,
    trend,
)
from sentinel.reports.diagnosekodning.worklist import worklist
from sentinel.reports.engine import (
    Figure,
    Prepared,
    ReportContext,
    ReportDefinition,
    Section,
    Table,
    register,
)
from sentinel.reports.models import BenchmarkState, ReportCell
from sentinel.reports.open_items import OpenItem

__all__ = ["PROJECT_CODE", "STRUCTURED_SPECIALE", "DiagnosekodningReport", "worklist"]


@register(PROJECT_CODE)
class DiagnosekodningReport(ReportDefinition):
    """Issue 4 §2: top diagnoses, chapters, completeness, trend and benchmark."""

    indicators = INDICATORS

    def sections(self, ctx: ReportContext) -> list[Section]:
        return self.contents(ctx)[0]

    def contents(self, ctx: ReportContext) -> tuple[list[Section], tuple[Figure, ...]]:
        """The sections and the headline from one read of the clinic's cells: the report's
        months and the same number of months just before (the previous period)."""
        count = len(ctx.months)
        previous_months = tuple(add_months(ctx.first_month, i - count) for i in range(count))
        read = [
            Cell(*row)
            for row in ReportCell.objects.filter(
                clinic=ctx.clinic,
                project=ctx.project,
                month__gte=previous_months[0],
                month__lte=ctx.last_month,
            ).values_list("month", "speciale", "course_type", "code", "episodes")
        ]
        cells = [c for c in read if c.month >= ctx.first_month]
        previous_cells = [c for c in read if c.month < ctx.first_month]
        coded: dict[str, int] = defaultdict(int)
        uncoded = 0
        for c in cells:
            if c.code:
                coded[c.code] += c.episodes
            else:
                uncoded += c.episodes
        top_table, top_codes = top_codes_table(coded, uncoded)
        diagnoses = Section(
            key="diagnoses",
            title_da="Mest brugte diagnoser",
            title_en="Most used diagnoses",
            tables=(top_table, chapters(coded)),
            note_da=(f"{uncoded} forløb i perioden har ingen diagnosekode." if uncoded else ""),
            note_en=(f"{uncoded} courses in the period have no code." if uncoded else ""),
        )
        compared = read_scopes(ctx, ctx.benchmark_refreshed_at)
        benchmark = benchmark_section(
            ctx, coded, top_codes, ctx.benchmark_refreshed_at, compared=compared
        )
        by_type: dict[str, tuple[int, int]] = {}
        for c in cells:
            allowed = icpc2.COURSE_TYPES.get(c.course_type)
            if c.speciale == STRUCTURED_SPECIALE and allowed is not None:
                n, valid = by_type.get(c.course_type, (0, 0))
                by_type[c.course_type] = (
                    n + c.episodes,
                    valid + (c.episodes if c.code in allowed else 0),
                )
        sections = [
            diagnoses,
            completeness(cells, ctx.months, ctx.incomplete_month),
            trend(cells, ctx.months, ctx.incomplete_month),
            benchmark,
            completeness_compared(ctx, by_type, compared, read_funnel(ctx)),
            exceptions_section(ctx),
        ]
        mine = development.read_clinic(
            ctx.clinic.pk, ctx.project.pk, previous_months[0], ctx.last_month
        )
        developed = development_figures(
            mine.get(ctx.months),
            mine.get(previous_months),
            development.read_scopes(
                ctx.project.pk, ctx.clinic.region_code, ctx.months, ctx.benchmark_refreshed_at
            ),
            compared,
            previous_months,
            network=(
                development.read_network(
                    ctx.project.pk, ctx.network.id, ctx.months, ctx.benchmark_refreshed_at
                )
                if ctx.network is not None
                else None
            ),
        )
        return sections, headline(
            cells, previous_cells, previous_months, compared, benchmark, developed
        )

    def courses(self, sections: list[Section]) -> int | None:
        """The courses of the period: the total of the monthly trend."""
        total = next(s for s in sections if s.key == "trend").table("trend").rows[-1][1]
        return total if isinstance(total, int) else None

    def open_items(self, episodes: QuerySet[Episode], *, today: dt.date) -> list[OpenItem]:
        return open_items(episodes, today=today)

    def worklist(self, prepared: Prepared, *, by: Actor, vendor: Vendor | None) -> Table:
        return worklist(
            prepared.clinic,
            prepared.project,
            prepared.period,
            by=by,
            vendor=vendor,
            today=prepared.today,
            prepared=prepared,
        )

    def worklist_note_da(self, table: Table) -> str:
        return (
            f"{len(table.rows)} forløb mangler en krævet diagnosekode."
            if table.rows
            else "Alle strukturerede forløb i perioden har en gyldig diagnosekode."
        )

    def worklist_note_en(self, table: Table) -> str:
        return (
            f"{len(table.rows)} courses lack a required code."
            if table.rows
            else "Every structured course in the period has a valid code."
        )

    def benchmark_refreshed_at(self, ctx: ReportContext) -> dt.datetime | None:
        return (
            BenchmarkState.objects.filter(project=ctx.project)
            .values_list("refreshed_at", flat=True)
            .first()
        )
