"""The JSON form of a clinic's report: ``GET /api/v1/clinics/{ydernummer}/reports/{project}``.

Mounted on the vendor API (``collection.api``) and authenticated the same way: a credential
reaches only clinics its vendor has activated; any other clinic answers 404. The answer is
the report the portal shows (``reports.engine.build_report``), in both languages, plus the
worklist of courses lacking a required code — for a vendor always with the practice system's
source ids, never CPR numbers, and every time written to the audit log.

Cells: counts are numbers, percentages strings with exactly two decimals (``"33.33"``), a
suppressed benchmark cell ``"<5"``, an empty cell ``null``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from sentinel.api.access import reachable_clinic
from sentinel.api.schemas import ErrorOut
from sentinel.audit.actors import Actor
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Project
from sentinel.reports.engine import Period, build_report, build_worklist

router = Router(tags=["reports"])

Cell = str | int | None


class ColumnOut(Schema):
    key: str
    label_da: str
    label_en: str
    kind: Literal["text", "count", "percent", "number"]


class TableOut(Schema):
    """`rows` in Danish; `rows_en` the same rows with their words in English (numbers and
    codes as in `rows`)."""

    key: str
    title_da: str
    title_en: str
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]]
    rows_en: list[dict[str, Cell]]
    footnote_da: str
    footnote_en: str


class SeriesOut(Schema):
    """One line or set of bars; `counts` are the courses behind each share (empty when the
    values are counts)."""

    name_da: str
    name_en: str
    values: list[Cell]
    counts: list[int | None]


class FunnelClinicOut(Schema):
    courses: int
    valid: int
    rate: str


class FunnelOut(Schema):
    """A funnel plot's figures: the national `rate` (%) over `courses`, this clinic's point,
    how many clinics are drawn and left out (fewer than 5 courses), and how many lie in each
    band of the control limits. The other clinics' points are never handed out."""

    rate: str
    courses: int
    clinics_drawn: int
    clinics_omitted: int
    clinic: FunnelClinicOut | None
    bands: dict[str, int]
    limits: str


class ChartOut(Schema):
    key: str
    kind: Literal["bar", "line", "funnel"]
    unit: Literal["count", "percent"]
    title_da: str
    title_en: str
    description_da: str
    description_en: str
    categories: list[str]
    categories_en: list[str]
    series: list[SeriesOut]
    table_key: str
    incomplete: list[str]
    funnel: FunnelOut | None


class SectionOut(Schema):
    key: str
    title_da: str
    title_en: str
    note_da: str
    note_en: str
    tables: list[TableOut]
    charts: list[ChartOut]


class PeriodOut(Schema):
    kind: Literal["since_enrolment", "last_12_months", "year", "range"]
    text: str
    query: dict[str, str]


class ContactOut(Schema):
    kind: Literal["systemhus", "sentinel", "sundhed_dk"]
    name: str
    phone: str
    email: str


class NoticeOut(Schema):
    """Why nothing is collected for the report now (the participation model's blocker), or
    that the clinic has left the project; with what to do and whom to call."""

    state: Literal["blocked", "unenrolled"]
    check: Literal["activation", "dpa", "consent", "enrolment"]
    reason: str
    since: dt.date | None
    heading_da: str
    text_da: str
    heading_en: str
    text_en: str
    action_da: str
    action_en: str
    contact: ContactOut | None


class HeadlineFigureOut(Schema):
    """One of the figures a report leads with: the clinic's value (a percentage; for
    `kind` `code` the share of the courses with `code`; for `kind` `days` a number of days
    with one decimal, e.g. the median days to the final code; for `kind` `median` the median
    of a number in its own unit with two decimals, e.g. the change in a pain score), `n` courses
    behind it, the quality network's (when the clinic is in one), the region's and the nation's
    value (null with a note when there is no comparison, `"<5"` when suppressed), the clinic's
    value in the previous period of the same length and the change (in percentage points for a
    share, in the number's unit for a median), which direction is better (`better`) and the
    target range. The
    direction and target are those in force on the last day of the report's data (`data_to`):
    set by Sentinel for a data specification version (`target_version`, in force from
    `target_from`), or the report's default (both null)."""

    key: str
    label_da: str
    label_en: str
    better: Literal["higher", "lower", "none"]
    target: list[str] | None
    kind: Literal["percent", "code", "days", "median"]
    definition_da: str
    definition_en: str
    target_version: int | None
    target_from: dt.date | None
    value: Cell
    n: int
    code: str | None
    code_title_da: str
    region: Cell
    region_name_da: str
    region_name_en: str
    region_note_da: str
    region_note_en: str
    nation: Cell
    nation_note_da: str
    nation_note_en: str
    network: Cell = Field(
        None, description="The clinic's quality network's figure; null without one."
    )
    network_name: str = Field("", description="The network's name; empty without one.")
    network_note_da: str = ""
    network_note_en: str = ""
    previous: Cell
    previous_n: int
    previous_code: str | None
    previous_period_da: str
    previous_period_en: str
    change: Cell
    direction: Literal["up", "down", "same", "none"]
    verdict: Literal["better", "worse", "same", "none"]
    in_target: bool | None
    change_da: str
    change_en: str
    better_da: str
    better_en: str


class ReportOut(Schema):
    """A clinic's report for one project. Before it opens, ``is_open`` is false, ``opens_on``
    says when (null while the DPA or consent is missing), ``closed_reason_*`` says why, and
    ``sections`` and ``worklist`` are empty."""

    project: str
    project_name: str
    ydernummer: str
    clinic: str
    period: PeriodOut
    data_from: dt.date | None
    data_to: dt.date | None
    data_range_da: str
    data_range_en: str
    is_open: bool
    opens_on: dt.date | None
    closed_reason_da: str
    closed_reason_en: str
    generated_on: dt.date | None
    enrolled_on: dt.date | None
    benchmark_refreshed_at: dt.datetime | None
    state: Literal["open", "not_yet_open", "blocked", "unenrolled"]
    notice: NoticeOut | None
    courses: int | None
    sections: list[SectionOut]
    headline: list[HeadlineFigureOut]
    worklist: TableOut | None


_NOT_FOUND_CODES = {"not_enrolled", "no_report"}


def _refusal(exc: DomainError) -> HttpResponse:
    status = 404 if exc.code in _NOT_FOUND_CODES else 422
    fields = [{"field": "period", "message": exc.message_en}] if status == 422 else []
    body = {"error": {"code": exc.code, "message": exc.message_en, "fields": fields}}
    return JsonResponse(body, status=status)


@router.get(
    "/clinics/{ydernummer}/reports/{project}",
    response={200: ReportOut, 404: ErrorOut, 422: ErrorOut},
    summary="A clinic's report for a project (the portal's report tab as JSON)",
    description=(
        "The period is chosen with query parameters: `period=since_enrolment` (the default), "
        "`period=last_12_months`, `period=year&year=YYYY` or "
        "`period=range&from=YYYY-MM&to=YYYY-MM` (whole months). The data covers the days "
        "`data_from`–`data_to`: never before the enrolment or after today. A clinic that was "
        "never enrolled in the project, or a project without a report, is 404; a bad or empty "
        "period is 422 naming `period`. The worklist lists the clinic's structured courses "
        "without a required code by the practice system's source id (never CPR); every "
        "answer that includes it is audited. `worklist=false` leaves it out."
    ),
)
def clinic_report(
    request: HttpRequest,
    response: HttpResponse,
    ydernummer: str,
    project: str,
    period: str | None = None,
    year: str | None = None,
    from_month: str | None = Query(None, alias="from"),
    to_month: str | None = Query(None, alias="to"),
    worklist: bool = True,
) -> Any:
    vendor = request.auth  # type: ignore[attr-defined]
    clinic = reachable_clinic(vendor, ydernummer)
    response["Cache-Control"] = "no-store"  # the worklist is person-identifiable
    found = Project.objects.filter(code=project).first()
    if found is None:
        raise HttpError(404, f"no project {project[:50]!r}")
    today = timezone.localdate()
    query = {"period": period, "year": year, "from": from_month, "to": to_month}
    try:
        chosen = Period.parse_exact({k: v for k, v in query.items() if v is not None})
        report = build_report(clinic, found, chosen, today)
        listing = (
            build_worklist(
                clinic, found, chosen, by=Actor.vendor(vendor), vendor=vendor, today=today
            )
            if worklist and report.is_open
            else None
        )
    except DomainError as exc:
        return _refusal(exc)
    payload = report.as_dict()
    payload["worklist"] = listing.as_dict() if listing is not None else None
    return payload
