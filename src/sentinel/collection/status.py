"""The status check: "Tjek om opsamling af data fungerer" and "Jeg har ingen rapporter".

Computed from the data, never written by hand per clinic. The checks come in the seed guide's
order, each answering ok / waiting / action needed, with a Danish and an English explanation,
what to do, and whom to contact:

1. ``activation`` – has a systemhus activated Sentinel for the clinic?     → your systemhus
   ``vendor_approval`` – (only when there is one) a systemhus asks to serve the clinic and
   waits for the owner's answer, or was refused              → approve or refuse in Administrer
2. ``dpa``        – is the DPA version in force signed?                    → sign here / sundhed.dk
3. ``consent``    – is the consent version in force approved?             → approve here
4. ``enrolment``  – is the clinic enrolled in a project?                   → enrol under Administrer
5. ``data_flow``  – per project: is data arriving since enrolment?         → Sentinel support
6. ``report``     – per project: has the report opened, and from when does it show data?

Lines 1–4 and every date come from the participation model (``projects.participation``), the
one reading of a clinic's standing that the gate, the report tabs, the subscriptions and the
portal share; this module adds what only collection knows (when data last arrived) and says
it. The report line is never ok while collection is blocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst

from sentinel.clinics.contacts import SENTINEL_SUPPORT, Contact, systemhus
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection import approvals
from sentinel.collection.dataflow import data_is_late
from sentinel.collection.models import DataFlow
from sentinel.lib.dates import format_da, format_en
from sentinel.projects.checks import Check, State
from sentinel.projects.models import Enrolment
from sentinel.projects.opening import ReportState
from sentinel.projects.participation import Participation

__all__ = ["Check", "ProjectStatus", "State", "StatusReport", "check_status"]


@dataclass(frozen=True)
class ProjectStatus:
    code: str
    name: str
    enrolled_on: dt.date
    reports_open_on: dt.date | None
    period_from: dt.date
    last_received_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.code,
            "name": self.name,
            "enrolled_on": self.enrolled_on.isoformat(),
            "collect_from": self.enrolled_on.isoformat(),
            "reports_open_on": self.reports_open_on.isoformat() if self.reports_open_on else None,
            "report_period_from": self.period_from.isoformat(),
            "last_received_at": (
                self.last_received_at.isoformat() if self.last_received_at else None
            ),
        }


@dataclass(frozen=True)
class StatusReport:
    clinic: Clinic
    on: dt.date
    checks: list[Check]
    projects: list[ProjectStatus] = field(default_factory=list)
    vendor_menu_help_da: str = ""
    vendor_menu_help_en: str = ""
    vendor_contact: Contact = field(default_factory=lambda: systemhus(None))
    """The clinic's systemhus (name, phone, e-mail), or 'dit systemhus' when none is active."""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "ydernummer": self.clinic.ydernummer,
            "clinic": self.clinic.name,
            "checked_on": self.on.isoformat(),
            "ok": self.ok,
            "checks": [c.as_dict(language) for c in self.checks],
            "projects": [p.as_dict() for p in self.projects],
            "menu_help": self.vendor_menu_help_da if language == "da" else self.vendor_menu_help_en,
        }


def _data_flow_check(
    vendor: Vendor | None,
    enrolment: Enrolment,
    flow: DataFlow | None,
    prerequisites_ok: bool,
    collecting_since: dt.date,
    on: dt.date,
) -> Check:
    project = enrolment.project
    threshold = settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS
    last = timezone.localdate(flow.last_received_at) if flow else None
    if not prerequisites_ok:
        return Check(
            "data_flow",
            State.ACTION_NEEDED,
            f"Der kan ikke overføres data til {project.name}, før punkterne ovenfor er i orden.",
            f"No data can be transferred for {project.name} until the checks above are ok.",
            "Ret først punkterne ovenfor.",
            "Fix the checks above first.",
            project=project.code,
            project_name=project.name,
        )
    if last is not None and not data_is_late(last, collecting_since, on):
        return Check(
            "data_flow",
            State.OK,
            f"Vi modtager data til {project.name}; senest {format_da(last)}.",
            f"Data for {project.name} is arriving; last received {format_en(last)}.",
            project=project.code,
            project_name=project.name,
        )
    if last is None and not data_is_late(None, collecting_since, on):
        expected = collecting_since + dt.timedelta(days=threshold)
        return Check(
            "data_flow",
            State.WAITING,
            f"Vi har endnu ikke modtaget data til {project.name}. Data forventes senest "
            f"{format_da(expected)}.",
            f"No data for {project.name} yet; it is expected by {format_en(expected)}.",
            "Du skal ikke gøre noget endnu.",
            "Nothing to do yet.",
            project=project.code,
            project_name=project.name,
        )
    if last is None:
        detail_da = (
            f"Du er tilmeldt {project.name}, men vi har ikke modtaget data fra dit "
            f"praksissystem siden tilmeldingen {format_da(enrolment.enrolled_on)}."
        )
        detail_en = (
            f"Enrolled in {project.name}, but no data has arrived since enrolment on "
            f"{format_en(enrolment.enrolled_on)}."
        )
    else:
        days = (on - last).days
        detail_da = (
            f"Vi har ikke modtaget data til {project.name} i {days} dage (senest "
            f"{format_da(last)})."
        )
        detail_en = f"No data for {project.name} for {days} days (last received {format_en(last)})."
    house = systemhus(vendor)
    if last is None:  # nothing ever arrived: Sentinel support finds out why, with the systemhus
        return Check(
            "data_flow",
            State.ACTION_NEEDED,
            detail_da,
            detail_en,
            "Kontakt Sentinel supporten, så finder vi ud af, hvorfor data ikke overføres. "
            f"{capfirst(house.name)} kan se, om Sentinel er sat op i dit praksissystem.",
            "Contact Sentinel support to find out why data is not being transferred; "
            f"{house.name if vendor else 'the practice system vendor'} can check that Sentinel "
            "is set up.",
            SENTINEL_SUPPORT,
            project=project.code,
            project_name=project.name,
            also=house,
        )
    return Check(  # data stopped arriving: the systemhus stopped sending, so it comes first
        "data_flow",
        State.ACTION_NEEDED,
        detail_da,
        detail_en,
        f"Kontakt {house.name}, som sender data fra dit praksissystem. Løser det ikke "
        "problemet, så kontakt Sentinel supporten.",
        f"Contact {house.name}, who sends the data from the practice system; if that does not "
        "solve it, contact Sentinel support.",
        house,
        project=project.code,
        project_name=project.name,
        also=SENTINEL_SUPPORT,
    )


def _vendor_approval_check(clinic: Clinic) -> Check | None:
    """Requests waiting for the owner, or (if none wait) the latest refusal, from
    ``collection.approvals``; None when there is neither."""
    waiting, refused = approvals.open_and_refused(clinic)
    if waiting:
        names = ", ".join(r.vendor.name for r in waiting)
        first = timezone.localdate(waiting[0].requested_at)
        return Check(
            "vendor_approval",
            State.ACTION_NEEDED,
            f"{names} har bedt om at overføre klinikkens data til Sentinel og se klinikken "
            f"(siden {format_da(first)}). Systemhuset får ingen adgang, før du godkender det.",
            f"{names} asked to transfer the clinic's data to Sentinel and to reach the clinic "
            f"(since {format_en(first)}); it reaches nothing until the owner approves.",
            "Godkend eller afvis under Administrer (kræver login med MitID Erhverv som "
            "tegningsberettiget). Kender du ikke systemhuset, så afvis.",
            "Approve or refuse under Administrer (a MitID Erhverv login with signing rights). "
            "Refuse a vendor you do not know.",
        )
    if refused is None:
        return None
    day = timezone.localdate(refused.decided_at or refused.requested_at)
    return Check(
        "vendor_approval",
        State.OK,
        f"Du afviste {refused.vendor.name} {format_da(day)}; systemhuset overfører ingen data. "
        "Skifter klinikken praksissystem, godkender du det nye systemhus under Administrer.",
        f"{refused.vendor.name} was refused on {format_en(day)} and transfers no data. A "
        "clinic that changes practice system approves the new vendor under Administrer.",
    )


def _report_check(state: ReportState) -> Check:
    project = state.project
    enrolled_on = state.enrolment.enrolled_on
    period_da = f"Rapporten viser data fra din tilmelding {format_da(enrolled_on)}."
    period_en = f"The report shows data from enrolment on {format_en(enrolled_on)}."
    if state.blocker is not None:
        since = state.blocker.since
        since_da = f" siden {format_da(since)}" if since else ""
        since_en = f" since {format_en(since)}" if since else ""
        opened_da = "er åben" if state.is_open else "er ikke åben endnu"
        opened_en = "is open" if state.is_open else "is not open yet"
        return Check(
            "report",
            State.ACTION_NEEDED,
            f"Rapporten for {project.name} {opened_da}, men der er ikke opsamlet data"
            f"{since_da}: {state.blocker.line.detail_da} {period_da}",
            f"The {project.name} report {opened_en}, but no data has been collected{since_en}: "
            f"{state.blocker.line.detail_en} {period_en}",
            state.blocker.line.action_da,
            state.blocker.line.action_en,
            state.blocker.line.contact,
            project=project.code,
            project_name=project.name,
        )
    if state.opens_on is None:
        return Check(
            "report",
            State.ACTION_NEEDED,
            f"{state.reason_da} {period_da}",
            f"{state.reason_en} {period_en}",
            "Underskriv databehandleraftalen og godkend samtykkeerklæringen (se ovenfor).",
            "Sign the data processing agreement and approve the consent (see above).",
            project=project.code,
            project_name=project.name,
        )
    if not state.is_open:
        return Check(
            "report",
            State.WAITING,
            f"Din første rapport for {project.name} åbner {format_da(state.opens_on)}. {period_da}",
            f"The first {project.name} report opens on {format_en(state.opens_on)}. {period_en}",
            "Du skal ikke gøre noget; der skal samles data nok til en rapport.",
            "Nothing to do; enough data must be collected for a report first.",
            project=project.code,
            project_name=project.name,
        )
    return Check(
        "report",
        State.OK,
        f"Rapporten for {project.name} er åben (fanebladet '{project.name}'). {period_da}",
        f"The {project.name} report is open. {period_en}",
        project=project.code,
        project_name=project.name,
    )


def check_status(
    clinic: Clinic, on: dt.date | None = None, *, standing: Participation | None = None
) -> StatusReport:
    """Run every check for ``clinic`` as of ``on`` (today by default). ``standing`` may be
    passed when the caller has read it already."""
    day = on or timezone.localdate()
    standing = standing or Participation.read(clinic, day)
    checks = standing.lines(day)
    asking = _vendor_approval_check(clinic)
    if asking is not None:
        checks.insert(1, asking)
    prerequisites_ok = not standing.prerequisites_missing(day)
    enrolments = standing.enrolments_covering(day)
    flows = {
        f.project_id: f
        for f in DataFlow.objects.filter(
            clinic=clinic, project_id__in=[e.project_id for e in enrolments]
        )
    }
    vendor = standing.vendor_on(day)
    projects: list[ProjectStatus] = []
    for enrolment in enrolments:
        project = enrolment.project
        flow = flows.get(project.pk)
        state = standing.report(project, day)
        assert state is not None  # noqa: S101 - the clinic is enrolled in it on ``day``
        since = standing.collecting_since(project, day) or enrolment.enrolled_on
        checks.append(_data_flow_check(vendor, enrolment, flow, prerequisites_ok, since, day))
        checks.append(_report_check(state))
        projects.append(
            ProjectStatus(
                code=project.code,
                name=project.name,
                enrolled_on=enrolment.enrolled_on,
                reports_open_on=state.opens_on,
                period_from=state.period_from,
                last_received_at=flow.last_received_at if flow else None,
            )
        )
    return StatusReport(
        clinic=clinic,
        on=day,
        checks=checks,
        projects=projects,
        vendor_menu_help_da=vendor.menu_help_da if vendor else "",
        vendor_menu_help_en=vendor.menu_help_en if vendor else "",
        vendor_contact=systemhus(vendor),
    )
