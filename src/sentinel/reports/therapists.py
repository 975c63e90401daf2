"""The clinic's own therapists: a per-therapist breakdown of a project's report (by the
``practitioner_initials`` the practice system sent), within the clinic only, for projects
whose data specification collects them.

Per therapist: courses, structured courses, of those validly coded (coding completeness) and
the most used codes, beside the clinic as a whole. A therapist with fewer than five courses
(``MIN_CELL``) is never shown alone: such therapists and the courses without initials are
summed into one line "Øvrige"; when that line would hold fewer than five courses, the
smallest shown therapists join it until it holds five (a small line beside the clinic's
total would come back by subtraction). Only a clinic with no therapist of five courses left
shows it as "<5". The owner chooses (per clinic, audited) whether the breakdown is shown to everyone
who reaches the clinic or to the owner alone (the default): ``may_see`` is the one rule every
door asks.

Read from the clinic's own ``Episode`` rows of the report's days (the report must be open);
no patient data is shown. Every view is audited (``report.therapists_viewed``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record
from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from sentinel.lib import icpc2
from sentinel.lib.errors import DomainError
from sentinel.lib.shares import percent
from sentinel.projects.models import DataSpecification, Project
from sentinel.reports.disclosure import MIN_CELL, SUPPRESSED, count_shown
from sentinel.reports.engine import Column, Period, Table, prepare
from sentinel.reports.models import TherapistVisibility
from sentinel.reports.tables import CellValue, Text

FIELD = "practitioner_initials"
STRUCTURED_SPECIALE = "51"
TOP_CODES = 3


def collects_initials(project: Project, today: dt.date | None = None) -> bool:
    """Does any specification version of the project in force by ``today`` collect the
    therapist's initials?"""
    day = today or timezone.localdate()
    return any(
        FIELD in spec.parsed.fields
        for spec in DataSpecification.objects.filter(project=project, effective_from__lte=day)
    )


def shown_to_everyone(clinic: Clinic) -> bool:
    return TherapistVisibility.objects.filter(clinic=clinic, everyone=True).exists()


def may_see(clinic: Clinic, *, is_owner: bool) -> bool:
    """The one rule: the owner always; anyone else who reaches the clinic only when the owner
    chose to show the breakdown to everyone."""
    return is_owner or shown_to_everyone(clinic)


@transaction.atomic
def set_visibility(*, by: Actor, clinic: Clinic, everyone: bool) -> TherapistVisibility:
    """The owner's choice (the caller has checked that ``by`` is the clinic's owner)."""
    visibility, _created = TherapistVisibility.objects.update_or_create(
        clinic=clinic,
        defaults={"everyone": everyone, "set_at": timezone.now(), "set_by": by.name or by.id},
    )
    record(
        by=by,
        action=AuditEvent.Action.THERAPIST_VISIBILITY_SET,
        clinic=clinic,
        obj=visibility,
        details={"shown_to": "everyone" if everyone else "owner"},
    )
    return visibility


@dataclass
class _Group:
    courses: int = 0
    structured: int = 0
    valid: int = 0
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, speciale: str, course_type: str, code: str) -> None:
        self.courses += 1
        allowed = icpc2.COURSE_TYPES.get(course_type) if speciale == STRUCTURED_SPECIALE else None
        if allowed is not None:
            self.structured += 1
            self.valid += code in allowed
        if code:
            self.codes[code] += 1

    def merge(self, other: _Group) -> None:
        self.courses += other.courses
        self.structured += other.structured
        self.valid += other.valid
        self.codes.update(other.codes)

    def top(self) -> Text:
        """The most used codes with their share of the coded courses (ties: lower code)."""
        coded = sum(self.codes.values())
        ranked = sorted(self.codes.items(), key=lambda item: (-item[1], item[0]))[:TOP_CODES]
        english = ", ".join(f"{code} ({percent(n, coded)} %)" for code, n in ranked)
        danish = ", ".join(
            f"{code} ({str(percent(n, coded)).replace('.', ',')} %)" for code, n in ranked
        )
        return Text(danish, english)

    def row(self, label: CellValue) -> tuple[CellValue, ...]:
        if not count_shown(self.courses):
            return (label, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, "")
        return (
            label,
            self.courses,
            self.structured,
            self.valid,
            percent(self.valid, self.structured),
            self.top(),
        )


def breakdown(
    clinic: Clinic, project: Project, period: Period, *, by: Actor, today: dt.date | None = None
) -> Table:
    """The per-therapist table of ``project``'s report for ``clinic`` over ``period``.

    Refused (``DomainError``): ``initials_not_collected`` when the project's specification
    does not collect the initials; ``report_not_open`` before the report opens. The caller
    has checked ``may_see``; the view is audited as ``by``'s."""
    day = today or timezone.localdate()
    if not collects_initials(project, day):
        raise DomainError(
            "initials_not_collected",
            "the project's data specification does not collect the therapist's initials",
            "Projektets dataspecifikation indsamler ikke behandlerens initialer.",
        )
    prepared = prepare(clinic, project, period, today=day)
    ctx = prepared.context
    if ctx is None:
        raise DomainError(
            "report_not_open",
            "the report is not open yet; " + prepared.opening.reason_en,
            prepared.opening.reason_da,
        )
    groups: dict[str, _Group] = {}
    clinic_total = _Group()
    for initials, speciale, course_type, code in Episode.objects.filter(
        clinic=clinic,
        project=project,
        start_date__gte=ctx.data_from,
        start_date__lte=ctx.data_to,
    ).values_list(FIELD, "speciale", "course_type", "current_code"):
        key = initials.strip().upper()
        groups.setdefault(key, _Group()).add(speciale, course_type, code)
        clinic_total.add(speciale, course_type, code)
    # The clinic's own total is never suppressed: it is the clinic's own figure.
    whole = clinic_total
    rows: list[tuple[CellValue, ...]] = [
        (
            Text("Hele klinikken", "The whole clinic"),
            whole.courses,
            whole.structured,
            whole.valid,
            percent(whole.valid, whole.structured),
            whole.top(),
        )
    ]
    shown = {k: g for k, g in groups.items() if k and count_shown(g.courses)}
    others = _Group()
    for initials, group in groups.items():
        if initials not in shown:
            others.merge(group)
    # Never a line under five beside the clinic's total (it would come back by subtraction):
    # the smallest shown therapists join the others until they reach five.
    while others.courses and not count_shown(others.courses) and shown:
        smallest = min(shown, key=lambda k: (shown[k].courses, k))
        others.merge(shown.pop(smallest))
    rows += [shown[initials].row(initials) for initials in sorted(shown)]
    if others.courses:
        rows.append(
            others.row(
                Text(
                    f"Øvrige (behandlere med under {MIN_CELL} forløb, forløb uden initialer)",
                    f"Others (therapists with fewer than {MIN_CELL} courses, no initials)",
                )
            )
        )
    with transaction.atomic():
        record(
            by=by,
            action=AuditEvent.Action.THERAPISTS_VIEWED,
            clinic=clinic,
            details={"project": project.code, "period": str(period), "rows": len(rows)},
        )
    return Table(
        key="therapists",
        title_da="Behandlere: forløb, kodningsgrad og mest brugte koder",
        title_en="Therapists: courses, coding completeness and most used codes",
        columns=(
            Column("therapist", "Behandler (initialer)", "Therapist (initials)"),
            Column("courses", "Forløb", "Courses", "count"),
            Column("structured", "Strukturerede forløb", "Structured courses", "count"),
            Column("valid", "Med gyldig kode", "With a valid code", "count"),
            Column("share", "Kodningsgrad (%)", "Coding completeness (%)", "percent"),
            Column(
                "top_codes",
                "Mest brugte koder (andel af forløb med kode)",
                "Most used codes (share of coded courses)",
            ),
        ),
        rows=tuple(rows),
        footnote_da=(
            "Forløb, der startede i perioden, efter de initialer praksissystemet sendte. "
            f"Behandlere med under {MIN_CELL} forløb vises kun samlet under Øvrige, som altid "
            f"har mindst {MIN_CELL} forløb. Kun klinikkens egne data."
        ),
        footnote_en=(
            "Courses that started in the period, by the initials the practice system sent. "
            f"Therapists with fewer than {MIN_CELL} courses are shown together only, under "
            f"Others, which always holds at least {MIN_CELL} courses. The clinic's own data only."
        ),
    )
