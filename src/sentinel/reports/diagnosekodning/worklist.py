"""Diagnosekodning's worklist: the clinic's structured courses lacking a required code
(person-identifiable, audited on every build)."""

from __future__ import annotations

import datetime as dt

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import Episode
from sentinel.lib.dates import format_da, format_en
from sentinel.lib.errors import DomainError
from sentinel.lib.pseudonym import CprCipher
from sentinel.projects.models import Project
from sentinel.reports.diagnosekodning.labels import (
    STRUCTURED_SPECIALE,
    course_type_label,
    required_codes,
)
from sentinel.reports.diagnosekodning.open_items import lacking_required_code
from sentinel.reports.engine import (
    CellValue,
    Column,
    Period,
    Prepared,
    Table,
    prepare,
)
from sentinel.reports.models import OpenItemException
from sentinel.reports.open_items import REASONS_EN
from sentinel.reports.tables import Text


def _reason(code: str | None) -> Text | None:
    if code is None:
        return None
    return Text(str(OpenItemException.Reason(code).label), REASONS_EN[code])


def _format_cpr(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


def worklist(
    clinic: Clinic,
    project: Project,
    period: Period,
    *,
    by: Actor,
    vendor: Vendor | None = None,
    today: dt.date | None = None,
    prepared: Prepared | None = None,
) -> Table:
    """The clinic's own structured courses (speciale 51, with a course type) that started in
    the report's period and whose current code is not one their type requires.

    Person-identifiable, so: only ever the given clinic's ``Episode`` rows; only while the
    report is open; and every call writes a ``report.worklist_viewed`` audit row (with the
    number of rows) in the same transaction. The patient is shown by CPR only to a clinic user
    (``by`` is a clinic user, whom the caller has checked belongs to ``clinic``), only if the
    project's data specification in force allows a person-identifiable worklist, and only for
    courses whose CPR was stored (encrypted); everyone else — a vendor, staff — sees the
    practice system's source id only. With ``vendor`` (the vendor itself, or a launch session
    it opened) only the courses that vendor sent are listed (``clinics.reach``).

    ``prepared`` (``engine.prepare`` for the same clinic, project, period and day, as the
    report's page has it) spares reading the enrolment and opening again.
    """
    if prepared is None:
        day = today or timezone.localdate()
        prepared = prepare(clinic, project, period, today=day)
    else:
        day = today or prepared.today
        prepared.check(clinic, project, period, day)
    ctx = prepared.context
    if ctx is None:
        raise DomainError(
            "report_not_open",
            "the report is not open yet; " + prepared.opening.reason_en,
            prepared.opening.reason_da,
        )
    specification = project.specification(day)
    show_cpr = (
        by.kind == AuditEvent.ActorKind.CLINIC_USER
        and specification is not None
        and specification.parsed.person_identifiable_worklist
    )
    episodes = (
        Episode.objects.filter(
            clinic=clinic,
            project=project,
            start_date__gte=ctx.data_from,
            start_date__lte=ctx.data_to,
            speciale=STRUCTURED_SPECIALE,
        )
        .filter(lacking_required_code())
        .filter(**({"vendor": vendor} if vendor is not None else {}))
        .order_by("start_date", "source_id", "id")
        .only(
            "id",
            "source_id",
            "course_type",
            "start_date",
            "current_code",
            "patient_cpr_encrypted",
            "cpr_key_id",
        )
    )
    cipher = (
        CprCipher(settings.SENTINEL_CPR_KEYS, settings.SENTINEL_CPR_KEY_ID) if show_cpr else None
    )
    rows: list[tuple[CellValue, ...]] = []
    unreadable = 0
    # The exception's reason in the same query (the first answered, when several).
    reasons = OpenItemException.objects.filter(
        clinic=clinic, project=project, episode=OuterRef("pk")
    ).order_by("recorded_at", "id")
    episodes = episodes.annotate(exception_reason=Subquery(reasons.values("reason")[:1]))
    with transaction.atomic():
        for episode in episodes:
            cells: list[CellValue] = []
            if cipher is not None:
                cpr: str | None = None
                if episode.patient_cpr_encrypted:
                    try:
                        cpr = _format_cpr(
                            cipher.decrypt(
                                bytes(episode.patient_cpr_encrypted),
                                key_id=episode.cpr_key_id,
                                clinic_id=clinic.pk,
                            )
                        )
                    except (KeyError, InvalidTag):
                        unreadable += 1
                cells.append(cpr)
            cells += [
                episode.source_id,
                course_type_label(episode.course_type),
                Text(format_da(episode.start_date), format_en(episode.start_date)),
                episode.current_code or None,
                required_codes(episode.course_type),
                _reason(getattr(episode, "exception_reason", None)),
            ]
            rows.append(tuple(cells))
        record(
            by=by,
            action=AuditEvent.Action.WORKLIST_VIEWED,
            clinic=clinic,
            details={
                "project": project.code,
                "rows": len(rows),
                "period": str(period),
                "cpr_shown": show_cpr,
                **({"vendor": vendor.slug} if vendor is not None else {}),
            },
        )
    columns = [
        Column("source_id", "Forløbs-id i praksissystemet", "Source id in the practice system"),
        Column("course_type", "Forløbstype", "Course type"),
        Column("start_date", "Startdato", "Start date"),
        Column("current_code", "Nuværende kode", "Current code"),
        Column("required", "Krævet kode", "Required code"),
        Column("exception", "Undtaget: begrundelse", "Excepted: reason"),
    ]
    if show_cpr:
        columns.insert(0, Column("cpr", "CPR-nummer", "CPR number"))
    footnote_da = (
        "Klinikkens egne strukturerede forløb (speciale 51) i perioden uden en gyldig "
        "diagnosekode. Listen er personhenførbar; hver visning logges."
    )
    footnote_en = (
        "The clinic's own structured courses (speciale 51) in the period without a valid "
        "code. Person-identifiable; every view is logged."
    )
    if unreadable:
        footnote_da += f" CPR-nummeret kan ikke vises for {unreadable} forløb."
        footnote_en += f" The CPR number cannot be shown for {unreadable} courses."
    return Table(
        key="worklist",
        title_da="Arbejdsliste: forløb der mangler en krævet diagnosekode",
        title_en="Worklist: courses lacking a required code",
        columns=tuple(columns),
        rows=tuple(rows),
        footnote_da=footnote_da,
        footnote_en=footnote_en,
    )
