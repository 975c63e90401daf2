"""The participation model: a clinic's standing, read once, and every question the doors ask.

"Is this clinic collecting, for which project, since when, under which version, and when does
its report open?" is answered here and nowhere else. ``Participation.read`` loads a clinic's whole
history in a handful of queries — the vendors' activations, every DPA and consent version with
the clinic's signatures, its enrolment periods and the projects' specification versions — and
its methods answer for any day or moment:

- ``clinic_reason(vendor, at)`` — the gate's clinic-wide verdict for a vendor's data (the
  pipeline); ``projects_for(...)`` — which enrolled projects take a record of a given day;
- ``lines(day)`` / ``blockers(day)`` — what stands between the clinic and collection, in the
  seed's order (activation, DPA, consent, enrolment), each with what to do and whom to call
  (the status check, the portal's menu, enrolment page and report banner, the API);
- ``report(project, day)`` — when a project's report opens, what period it covers, and whether
  it is open, not yet open, blocked or left (the report tabs, the status check);
- ``subscriptions(day)`` — what the practice system should extract (the API);
- ``changes()`` — the days on which any of this changes (tests, notices).

The rules it calls have one home each: ``clinics.models.Activation``,
``agreements.services.state_from``, ``projects.models``, ``projects.opening``; the words are in
``projects.explanations``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Value
from django.utils import timezone

from sentinel.agreements.models import ConsentApproval, Document, DocumentKind, DpaSignature
from sentinel.agreements.services import SIGNATURE_MODEL, AgreementState, state_from
from sentinel.clinics.models import Activation, Clinic, Vendor
from sentinel.lib.reasons import Reason
from sentinel.lib.recordtypes import RECORD_TYPES
from sentinel.projects import explanations as words
from sentinel.projects.checks import Check
from sentinel.projects.models import DataSpecification, Enrolment, Project, in_force_on
from sentinel.projects.opening import ReportState, report_opens_on

PREREQUISITES = ("activation", "dpa", "consent")
"""The checks that must hold before anything is collected, in the seed's order."""


@dataclass(frozen=True)
class Blocker:
    """Why nothing is collected: the failing line, the gate's reason code, and since when
    (None when it never was in place)."""

    line: Check
    reason: Reason
    since: dt.date | None

    @property
    def check(self) -> str:
        return self.line.check


@dataclass(frozen=True)
class Subscription:
    """What the practice system should extract for one project."""

    project: Project
    collect_from: dt.date
    collect_until: dt.date | None
    specification: DataSpecification | None


@dataclass
class Participation:
    """Everything about one clinic's participation, read once (``read``); ``today`` is the day
    the questions default to. Signatures, activations and enrolments made after a day do not
    count for that day, so the answer for a past day is the answer that day."""

    clinic: Clinic
    today: dt.date
    activations: list[Activation]
    documents: dict[str, list[Document]]
    signatures: dict[str, list[Any]]
    enrolments: list[Enrolment]

    @classmethod
    def read(cls, clinic: Clinic, today: dt.date | None = None) -> Participation:
        """Four queries, however long the history and however many projects (the
        specifications, which only the gate and the subscriptions need, on first use)."""
        return cls.read_many([clinic], today)[clinic.pk]

    @classmethod
    def read_many(
        cls, clinics: Sequence[Clinic], today: dt.date | None = None
    ) -> dict[int, Participation]:
        """``read`` for several clinics at once, still in four queries (a page of a list that
        shows each clinic's standing), by clinic id."""
        by_pk = {c.pk: c for c in clinics}
        activations: dict[int, list[Activation]] = {pk: [] for pk in by_pk}
        for activation in (
            Activation.objects.filter(clinic_id__in=by_pk)
            .select_related("vendor")
            .order_by("activated_at", "id")
        ):
            activations[activation.clinic_id].append(activation)
        documents: dict[str, list[Document]] = {kind: [] for kind in DocumentKind.values}
        for document in Document.objects.all():
            documents.setdefault(document.kind, []).append(document)
        enrolments: dict[int, list[Enrolment]] = {pk: [] for pk in by_pk}
        for enrolment in (
            Enrolment.objects.filter(clinic_id__in=by_pk)
            .select_related("project")
            .order_by("project__name", "-enrolled_on", "-id")
        ):
            enrolments[enrolment.clinic_id].append(enrolment)
        signatures = _signatures(by_pk, documents)
        day = today or timezone.localdate()
        return {
            pk: cls(
                clinic=clinic,
                today=day,
                activations=activations[pk],
                documents=documents,
                signatures=signatures[pk],
                enrolments=enrolments[pk],
            )
            for pk, clinic in by_pk.items()
        }

    @cached_property
    def specifications(self) -> dict[int, list[DataSpecification]]:
        """Every specification version of the projects the clinic ever enrolled in."""
        project_ids = {e.project_id for e in self.enrolments}
        found: dict[int, list[DataSpecification]] = {pk: [] for pk in project_ids}
        for specification in DataSpecification.objects.filter(project_id__in=project_ids):
            found[specification.project_id].append(specification)
        return found

    # --- the parts -----------------------------------------------------------------------

    def activations_on(self, day: dt.date) -> list[Activation]:
        """The activations in force on ``day`` (any vendor), earliest first."""
        return [a for a in self.activations if a.in_force_on(day)]

    def vendor_on(self, day: dt.date) -> Vendor | None:
        """The vendor to name for the day: one in force, else the one that served last."""
        current = self.activations_on(day)
        if current:
            return current[0].vendor
        started = [a for a in self.activations if timezone.localdate(a.activated_at) <= day]
        return started[-1].vendor if started else None

    def agreement(self, kind: str, day: dt.date | None = None) -> AgreementState:
        return state_from(
            kind, self.documents.get(kind, []), self.signatures.get(kind, []), day or self.today
        )

    def first_signed(self, kind: str, day: dt.date) -> dt.date | None:
        first = self.agreement(kind, day).first_signed_at
        return timezone.localdate(first) if first else None

    def enrolments_covering(self, day: dt.date) -> list[Enrolment]:
        """The enrolment periods in force on ``day``, by project name."""
        return [e for e in self.enrolments if e.covers(day)]

    def report_enrolment(self, project: Project, day: dt.date | None = None) -> Enrolment | None:
        """The period a report of ``project`` shows on ``day``: the one in force, else the
        latest one that has started (None if the clinic never took part)."""
        on = day or self.today
        started = [e for e in self.enrolments if e.project_id == project.pk and e.enrolled_on <= on]
        current = [e for e in started if e.covers(on)]
        return max(current or started, key=lambda e: (e.enrolled_on, e.pk), default=None)

    def specification(self, project_id: int, day: dt.date) -> DataSpecification | None:
        key = (project_id, day)
        if key not in self._in_force:  # a batch asks for every record: once a day suffices
            self._in_force[key] = in_force_on(self.specifications.get(project_id, ()), day)
        return self._in_force[key]

    @cached_property
    def _in_force(self) -> dict[tuple[int, dt.date], DataSpecification | None]:
        return {}

    # --- what blocks collection -----------------------------------------------------------

    def lines(self, day: dt.date | None = None) -> list[Check]:
        """The status check's first four lines on ``day``: activation, DPA, consent, enrolment."""
        on = day or self.today
        return [
            self._activation_line(on),
            words.agreement_line(self.agreement(DocumentKind.DPA, on)),
            words.agreement_line(self.agreement(DocumentKind.CONSENT, on)),
            self._enrolment_line(on),
        ]

    def blockers(self, day: dt.date | None = None) -> list[Blocker]:
        """What stops collection on ``day``, in the seed's order (empty when nothing does)."""
        on = day or self.today
        found = []
        for line in self.lines(on):
            if line.ok:
                continue
            reason, since = self._why(line.check, on)
            found.append(Blocker(line, reason, since))
        return found

    def prerequisites_missing(self, day: dt.date | None = None) -> list[Blocker]:
        """The blockers among activation, DPA and consent (enrolment aside)."""
        return [b for b in self.blockers(day) if b.check in PREREQUISITES]

    def _why(self, check: str, day: dt.date) -> tuple[Reason, dt.date | None]:
        if check == "activation":
            ended = [a.deactivated_at for a in self.activations if a.deactivated_at is not None]
            since = timezone.localdate(max(ended)) if ended else None
            return Reason.CLINIC_NOT_ACTIVATED, since
        if check in (DocumentKind.DPA, DocumentKind.CONSENT):
            state = self.agreement(check, day)
            missing, outdated = (
                (Reason.NO_DPA, Reason.DPA_OUTDATED)
                if check == DocumentKind.DPA
                else (Reason.NO_CONSENT, Reason.CONSENT_OUTDATED)
            )
            if state.latest_signature is None or state.current_document is None:
                return missing, None
            return outdated, state.current_document.published_on
        ended_on = [e.unenrolled_on for e in self.enrolments if e.ended_by(day)]
        return Reason.NOT_ENROLLED, max(ended_on) if ended_on else None  # type: ignore[type-var]

    def _activation_line(self, day: dt.date) -> Check:
        current = self.activations_on(day)
        if current:
            since = timezone.localdate(min(a.activated_at for a in current))
            return words.activation_ok(sorted({a.vendor.name for a in current}), since)
        started = [a for a in self.activations if timezone.localdate(a.activated_at) <= day]
        if started:
            last = max(started, key=lambda a: a.deactivated_at or a.activated_at)
            return words.activation_ended(last.vendor, timezone.localdate(last.deactivated_at))
        return words.activation_missing()

    def _enrolment_line(self, day: dt.date) -> Check:
        current = self.enrolments_covering(day)
        if current:
            return words.enrolment_ok(current)
        past = [e for e in self.enrolments if e.ended_by(day)]
        last = max(past, key=lambda e: e.unenrolled_on or day, default=None)
        return words.enrolment_missing(last)

    # --- the gate -------------------------------------------------------------------------

    def clinic_reason(self, vendor: Vendor, at: dt.datetime) -> Reason | None:
        """Whether the clinic-wide conditions for collecting ``vendor``'s data hold at the
        moment ``at``: None when they do, else the first reason in the seed's order —
        ``vendor``'s activation in force, the DPA and consent versions in force signed (on the
        day of ``at``), and an enrolment at all (the record's own day is judged by
        ``projects_for``)."""
        if not any(a.vendor_id == vendor.pk and a.in_force_at(at) for a in self.activations):
            return Reason.CLINIC_NOT_ACTIVATED
        day = timezone.localdate(at)
        for blocker in self.blockers(day):
            if blocker.check in (DocumentKind.DPA, DocumentKind.CONSENT):
                return blocker.reason
        if not self.enrolments:
            return Reason.NOT_ENROLLED
        return None

    def projects_for(
        self,
        *,
        day: dt.date,
        record_type: str,
        speciale: str | None,
        codes: Sequence[str],
        course_type: str | None = None,
    ) -> list[tuple[Project, DataSpecification]] | tuple[Reason, str]:
        """The enrolled projects whose enrolment covers ``day`` and whose specification then
        takes the record (type, speciale, codes, course type: an outcome's is its course's),
        or the reason why none does with its message for the vendor."""
        enrolments = self._collecting(record_type)
        if not enrolments:
            return (
                Reason.NOT_ENROLLED,
                f"the clinic is not enrolled in a project that collects {record_type} records; "
                "see GET /subscriptions",
            )
        known = RECORD_TYPES.get(record_type)
        date_field = known.date_field if known is not None else "start_date"
        covering = [e for e in enrolments if e.covers(day)]
        if not covering:
            first = min(e.enrolled_on for e in enrolments)
            if day < first:
                return (
                    Reason.BEFORE_ENROLMENT,
                    f"{date_field} {day} is before the clinic's enrolment ({first}); "
                    "only data from the enrolment date on is collected",
                )
            return (
                Reason.AFTER_UNENROLMENT,
                f"{date_field} {day} falls after the clinic unenrolled; nothing is collected "
                "for periods outside an enrolment",
            )
        selected = []
        for enrolment in covering:
            specification = self.specification(enrolment.project_id, day)
            if specification is None:
                continue
            if specification.parsed.takes(record_type, speciale, codes, course_type):
                selected.append((enrolment.project, specification))
        if not selected:
            typed = f"course_type {json.dumps(course_type)}"  # "…" or null, as in the JSON
            what = (
                f"an {record_type} of speciale {speciale!r} with these codes and {typed}"
                if known is None or known.has_speciale
                else f"an {record_type} record of a course with {typed}"
            )
            return (
                Reason.NOT_IN_DATA_SPECIFICATION,
                f"no enrolled project's data specification covers {what}; see GET /subscriptions",
            )
        return selected

    def _collecting(self, record_type: str) -> list[Enrolment]:
        """The enrolments in projects that collect ``record_type`` (asked for every record of
        a batch: worked out once per record type and kept)."""
        known = self.__dict__.setdefault("_collecting_by_type", {})
        if record_type not in known:
            known[record_type] = [
                e for e in self.enrolments if self._collects(e.project_id, record_type)
            ]
        return known[record_type]

    def _collects(self, project_id: int, record_type: str) -> bool:
        """Whether any specification version of the project names ``record_type``."""
        return any(
            record_type in specification.parsed.record_types
            for specification in self.specifications.get(project_id, ())
        )

    # --- reports --------------------------------------------------------------------------

    def opens_on(self, project: Project, enrolled_on: dt.date, day: dt.date) -> dt.date | None:
        """When ``project``'s first report opens for an enrolment from ``enrolled_on``, with
        the signatures made by ``day`` (also for an enrolment not made yet)."""
        return report_opens_on(
            reports_open_from=project.reports_open_from,
            delay_months=project.first_report_delay_months,
            dpa_first_signed=self.first_signed(DocumentKind.DPA, day),
            consent_first_approved=self.first_signed(DocumentKind.CONSENT, day),
            enrolled_on=enrolled_on,
        )

    def report(self, project: Project, day: dt.date | None = None) -> ReportState | None:
        """The state of ``project``'s report on ``day`` (None if the clinic never took part)."""
        on = day or self.today
        enrolment = self.report_enrolment(project, on)
        if enrolment is None:
            return None
        opens = self.opens_on(project, enrolment.enrolled_on, on)
        blockers = [] if enrolment.ended_by(on) else self.blockers(on)
        reason_da, reason_en = words.opening_reason(
            project,
            opens_on=opens,
            today=on,
            in_place=max(
                d
                for d in (
                    self.first_signed(DocumentKind.DPA, on),
                    self.first_signed(DocumentKind.CONSENT, on),
                    enrolment.enrolled_on,
                )
                if d is not None
            ),
            dpa_missing=self.first_signed(DocumentKind.DPA, on) is None,
            consent_missing=self.first_signed(DocumentKind.CONSENT, on) is None,
        )
        return ReportState(
            project=project,
            enrolment=enrolment,
            today=on,
            opens_on=opens,
            blocker=blockers[0] if blockers else None,
            reason_da=reason_da,
            reason_en=reason_en,
        )

    def reports(
        self, project_codes: Iterable[str], day: dt.date | None = None
    ) -> list[ReportState]:
        """One state per project in ``project_codes`` that the clinic is or was enrolled in
        (the report tabs), by project name."""
        wanted = set(project_codes)
        seen: set[int] = set()
        states = []
        for enrolment in self.enrolments:
            project = enrolment.project
            if project.code not in wanted or project.pk in seen:
                continue
            state = self.report(project, day)
            if state is None:
                continue
            seen.add(project.pk)
            states.append(state)
        return states

    def collecting_since(self, project: Project, day: dt.date) -> dt.date | None:
        """Since when data of ``project`` can have been collected, as of ``day``: the latest of
        the activation, the first DPA signature, the first consent approval and the enrolment
        (None when one of them was never in place)."""
        enrolment = next(
            (e for e in self.enrolments_covering(day) if e.project_id == project.pk), None
        )
        current = self.activations_on(day)
        starts = (
            timezone.localdate(min(a.activated_at for a in current)) if current else None,
            self.first_signed(DocumentKind.DPA, day),
            self.first_signed(DocumentKind.CONSENT, day),
            enrolment.enrolled_on if enrolment else None,
        )
        if any(s is None for s in starts):
            return None
        return max(s for s in starts if s is not None)

    # --- what the practice system extracts ------------------------------------------------

    def subscriptions(self, day: dt.date | None = None) -> list[Subscription]:
        """Per project, the latest enrolment period that has not ended by ``day`` (also one
        starting later), with the specification in force when collection (re)starts."""
        on = day or self.today
        seen: set[int] = set()
        items = []
        for enrolment in self.enrolments:  # by project name, newest period first
            if enrolment.project_id in seen or enrolment.ended_by(on):
                continue
            seen.add(enrolment.project_id)
            items.append(
                Subscription(
                    project=enrolment.project,
                    collect_from=enrolment.enrolled_on,
                    collect_until=enrolment.unenrolled_on,
                    specification=self.specification(
                        enrolment.project_id, max(on, enrolment.enrolled_on)
                    ),
                )
            )
        return items

    # --- when anything changes ------------------------------------------------------------

    def changes(self) -> list[dt.date]:
        """Every day on which this clinic's standing can change, sorted: activations and their
        ends, versions coming into force, signatures, enrolment periods, specification
        versions. Between two such days every answer above stays the same."""
        days: set[dt.date] = set()
        for a in self.activations:
            days.add(timezone.localdate(a.activated_at))
            if a.deactivated_at is not None:
                days.add(timezone.localdate(a.deactivated_at))
        for documents in self.documents.values():
            days.update(d.published_on for d in documents)
        for rows in self.signatures.values():
            days.update(timezone.localdate(s.signed_at) for s in rows)
        for e in self.enrolments:
            days.add(e.enrolled_on)
            if e.unenrolled_on is not None:
                days.add(e.unenrolled_on)
        for specifications in self.specifications.values():
            days.update(s.effective_from for s in specifications)
        return sorted(days)


def _signatures(
    clinics: dict[int, Clinic], documents: dict[str, list[Document]]
) -> dict[int, dict[str, list[Any]]]:
    """The clinics' DPA signatures and consent approvals in one query (a union of the two
    tables), each with its document from ``documents``, by clinic id."""
    columns = [f.attname for f in DpaSignature._meta.concrete_fields]  # the same in both
    dpa = (
        DpaSignature.objects.filter(clinic_id__in=clinics)
        .order_by()
        .annotate(kind=Value(DocumentKind.DPA))
    )
    consent = (
        ConsentApproval.objects.filter(clinic_id__in=clinics)
        .order_by()
        .annotate(kind=Value(DocumentKind.CONSENT))
    )
    by_pk = {d.pk: d for rows in documents.values() for d in rows}
    found: dict[int, dict[str, list[Any]]] = {
        pk: {kind: [] for kind in SIGNATURE_MODEL} for pk in clinics
    }
    rows = dpa.values_list(*columns, "kind").union(consent.values_list(*columns, "kind"))
    for *values, kind in rows:
        signature = SIGNATURE_MODEL[kind](**dict(zip(columns, values, strict=True)))
        signature.clinic = clinics[signature.clinic_id]
        signature.document = by_pk[signature.document_id]
        found[signature.clinic_id][kind].append(signature)
    for per_clinic in found.values():
        for signatures in per_clinic.values():
            signatures.sort(key=lambda s: (s.signed_at, s.pk))
    return found
