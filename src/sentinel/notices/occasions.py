"""What a clinic should be told today, read from the rules that already know it.

- **The report of a project opened** — the status check's report line is ok (``collection.status``,
  whose dates come from the participation model). An opening more than ``RECENT_DAYS`` before
  the address was verified is not news and is not mailed.
- **Enrolled, but no data for N days** — the status check's data-flow line needs action while the
  prerequisites are in place (``SENTINEL_DATA_FLOW_THRESHOLD_DAYS``, the same threshold): its own
  words (what is wrong, whom to call first), with the systemhus's name and phone and Sentinel
  support's.
- **What a project collects changes** — a new data specification version of a project the clinic
  is enrolled in: what is added and removed (``lib.specdiff``) and from which day.
- **A vendor asks to serve the clinic**, and **the quarterly digest** (``notices.periodic``).
- **A new DPA or consent version needs signing** — the participation model's agreement standing:
  a version published with notice that the clinic has not signed (``sign_by``: sign by the day
  it takes effect), or *outdated* (the clinic signed an earlier version, not the one in force).

Each occasion has a key that names it exactly once (the project and the day data last arrived;
the document and its version), so a notice is sent once per occasion. The texts name the clinic,
projects, dates and whom to call — never a patient, a course or a record.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import AgreementState, Standing
from sentinel.clinics.contacts import SENTINEL_SUPPORT, Contact
from sentinel.clinics.models import Clinic
from sentinel.collection.status import State, check_status
from sentinel.lib.dates import format_da, format_en
from sentinel.lib.specdiff import Change, diff_specs
from sentinel.notices import periodic
from sentinel.notices.models import Contact as NoticeContact
from sentinel.notices.models import Kind
from sentinel.projects.participation import Participation

RECENT_DAYS = 30
"""A report that opened this many days before the address was verified is still news."""

_DOCUMENT = {
    DocumentKind.DPA: ("databehandleraftalen", "the data processing agreement", "portal:dpa"),
    DocumentKind.CONSENT: ("praksis samtykke", "the practice consent", "portal:consent"),
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


@dataclass(frozen=True)
class Occasion:
    kind: str
    key: str
    since: dt.date
    da: Text
    en: Text
    path: str
    """Where in the portal the clinic reads more (a path; the mail makes it absolute)."""

    def text(self, language: str) -> Text:
        return self.en if language == "en" else self.da

    def is_news_for(self, contact: NoticeContact) -> bool:
        if self.kind != Kind.REPORT_OPENED or contact.verified_at is None:
            return True
        verified = timezone.localdate(contact.verified_at)
        return self.since >= verified - dt.timedelta(days=RECENT_DAYS)


def _call(contact: Contact | None, language: str) -> str:
    if contact is None:
        return ""
    parts = [contact.name]
    if contact.phone:
        parts.append(f"tlf. {contact.phone}" if language == "da" else f"phone {contact.phone}")
    if contact.email:
        parts.append(contact.email)
    return ", ".join(parts)


def _header(clinic: Clinic, language: str) -> str:
    if language == "en":
        return f"To {clinic.name} (ydernummer {clinic.ydernummer}),\n\n"
    return f"Til {clinic.name} (ydernummer {clinic.ydernummer})\n\n"


def due(clinic: Clinic, on: dt.date | None = None) -> list[Occasion]:
    """Every occasion to tell ``clinic`` about on ``on`` (today by default)."""
    day = on or timezone.localdate()
    standing = Participation.read(clinic, day)
    report = check_status(clinic, day, standing=standing)
    yd = clinic.ydernummer
    occasions: list[Occasion] = []
    opens = {p.code: p.reports_open_on for p in report.projects}
    for check in report.checks:
        if check.check == "report" and check.ok and check.project and opens.get(check.project):
            opened = opens[check.project]
            assert opened is not None  # noqa: S101 - filtered above
            name = check.project_name
            occasions.append(
                Occasion(
                    kind=Kind.REPORT_OPENED,
                    key=f"{check.project}:{opened.isoformat()}",
                    since=opened,
                    da=Text(
                        f"Rapporten for {name} er åben",
                        f"{_header(clinic, 'da')}Klinikkens rapport for {name} åbnede "
                        f"{format_da(opened)}. Den sammenligner klinikken med regionen og hele "
                        "landet.\n\nSe rapporten: {link}\n",
                    ),
                    en=Text(
                        f"The {name} report is open",
                        f"{_header(clinic, 'en')}The clinic's {name} report opened on "
                        f"{opened}. It compares the clinic with its region and the country.\n\n"
                        "Read the report: {link}\n",
                    ),
                    path=reverse("portal:report_tab", args=[yd, check.project]),
                )
            )
        if (
            check.check == "data_flow"
            and check.state is State.ACTION_NEEDED
            and check.contact is not None  # the prerequisites are in place: data should flow
            and check.project
        ):
            house = next(
                (c for c in (check.contact, check.also) if c and c.kind == "systemhus"), None
            )
            status = next(p for p in report.projects if p.code == check.project)
            last = (
                timezone.localdate(status.last_received_at).isoformat()
                if status.last_received_at
                else "never"
            )
            support_da = _call(SENTINEL_SUPPORT, "da")
            support_en = _call(SENTINEL_SUPPORT, "en")
            occasions.append(
                Occasion(
                    kind=Kind.NO_DATA,
                    key=f"{check.project}:{status.enrolled_on.isoformat()}:{last}",
                    since=day,
                    da=Text(
                        f"Sentinel modtager ikke data til {check.project_name}",
                        f"{_header(clinic, 'da')}{check.detail_da}\n\n{check.action_da}\n\n"
                        f"Jeres systemhus: {_call(house, 'da')}\n{support_da}\n\n"
                        "Se status for klinikken: {link}\n",
                    ),
                    en=Text(
                        f"Sentinel receives no data for {check.project_name}",
                        f"{_header(clinic, 'en')}{check.detail_en}\n\n{check.action_en}\n\n"
                        f"Practice system vendor: {_call(house, 'en')}\n{support_en}\n\n"
                        "The clinic's status: {link}\n",
                    ),
                    path=reverse("portal:status", args=[yd]),
                )
            )
    occasions += _specification_changes(clinic, standing, day)
    open_projects = [
        e.project
        for e in standing.enrolments_covering(day)
        if any(c.check == "report" and c.ok and c.project == e.project.code for c in report.checks)
    ]
    for found in periodic.vendor_requests(clinic, lambda lang: _header(clinic, lang)) + (
        periodic.digests(clinic, day, open_projects, lambda lang: _header(clinic, lang))
    ):
        occasions.append(_from_parts(found))
    for kind, (name_da, name_en, url_name) in _DOCUMENT.items():
        state = standing.agreement(kind, day)
        occasion = _new_version(clinic, state, name_da, name_en, reverse(url_name, args=[yd]))
        if occasion is not None:
            occasions.append(occasion)
    return occasions


def _new_version(
    clinic: Clinic, state: AgreementState, name_da: str, name_en: str, path: str
) -> Occasion | None:
    """A version of the DPA or consent the clinic must sign: one published with notice that it
    has not signed yet (``sign_by``), or one in force that it has not signed while it signed an
    earlier one. One occasion per version, whichever of the two it is when first told."""
    document = state.upcoming if state.sign_by is not None else state.current_document
    if document is None:
        return None
    if state.sign_by is not None:
        old = state.current_document.version if state.current_document else "?"
        deadline_da, deadline_en = format_da(state.sign_by), format_en(state.sign_by)
        da = (
            f"Version {document.version} af {name_da} gælder fra {deadline_da}. Ny version skal "
            f"underskrives senest {deadline_da}; indtil da gælder klinikkens underskrift af "
            f"version {old}, og der opsamles data som hidtil. Er den ikke underskrevet den dag, "
            "stopper opsamlingen."
        )
        en = (
            f"Version {document.version} of {name_en} is in force from {deadline_en}. The new "
            f"version must be signed by {deadline_en}; until then the clinic's signature of "
            f"version {old} counts and data is collected as before. If it is not signed by that "
            "day, collection stops."
        )
    elif state.standing is Standing.OUTDATED:
        da = (
            f"Version {document.version} af {name_da} gælder fra "
            f"{format_da(document.published_on)}. Klinikken har underskrevet en tidligere "
            "version; indtil den nye er underskrevet, opsamles der ikke data."
        )
        en = (
            f"Version {document.version} of {name_en} is in force from "
            f"{format_en(document.published_on)}. The clinic signed an earlier version; no "
            "data is collected until the new one is signed."
        )
    else:
        return None
    return Occasion(
        kind=Kind.NEW_VERSION,
        key=f"{state.kind}:{document.version}",
        since=document.published_on,
        da=Text(
            f"Ny version af {name_da} skal underskrives",
            f"{_header(clinic, 'da')}{da}\n\nLæs og underskriv: {{link}}\n",
        ),
        en=Text(
            f"A new version of {name_en} needs signing",
            f"{_header(clinic, 'en')}{en}\n\nRead and sign: {{link}}\n",
        ),
        path=path,
    )


def _from_parts(parts: dict[str, Any]) -> Occasion:
    return Occasion(
        kind=parts["kind"],
        key=parts["key"],
        since=parts["since"],
        da=Text(*parts["da"]),
        en=Text(*parts["en"]),
        path=parts["path"],
    )


def _change_lines(changes: list[Change]) -> list[str]:
    lines = []
    for change in changes:
        if change.added or change.removed:
            parts = []
            if change.added:
                parts.append(f"+ {', '.join(change.added)}")
            if change.removed:
                parts.append(f"- {', '.join(change.removed)}")
            lines.append(f"  {change.label}: {'; '.join(parts)}")
        else:
            lines.append(f"  {change.label}: {change.before} -> {change.after}")
    return lines


def _specification_changes(clinic: Clinic, standing: Participation, day: dt.date) -> list[Occasion]:
    """A project the clinic is enrolled in publishes a new data specification version (it
    narrows or widens what is collected): what changes and from which day, for a version that
    has not been in force for more than ``RECENT_DAYS``."""
    found = []
    for enrolment in standing.enrolments_covering(day):
        project = enrolment.project
        versions = sorted(standing.specifications.get(project.pk, []), key=lambda s: s.version)
        for before, spec in itertools.pairwise(versions):
            if spec.effective_from < day - dt.timedelta(days=RECENT_DAYS):
                continue
            if spec.effective_from <= enrolment.enrolled_on:
                continue  # in force before the clinic enrolled: not a change for it
            lines = "\n".join(_change_lines(diff_specs(before.parsed, spec.parsed)))
            start_da, start_en = format_da(spec.effective_from), format_en(spec.effective_from)
            found.append(
                Occasion(
                    kind=Kind.SPEC_CHANGED,
                    key=f"spec:{project.code}:{spec.version}",
                    since=spec.effective_from,
                    da=Text(
                        f"{project.name}: hvad der indsamles, ændres fra {start_da}",
                        f"{_header(clinic, 'da')}Fra {start_da} gælder version {spec.version} "
                        f"af dataspecifikationen for {project.name}, som klinikken er tilmeldt. "
                        f"Det ændrer sig (+ tilføjet, - fjernet):\n{lines}\n\nKlinikkens "
                        "praksissystem henter den nye specifikation selv; I skal ikke gøre "
                        "noget.\n\nSe projektet: {link}\n",
                    ),
                    en=Text(
                        f"{project.name}: what is collected changes from {start_en}",
                        f"{_header(clinic, 'en')}From {start_en}, version {spec.version} of "
                        f"the data specification of {project.name}, in which the clinic is "
                        f"enrolled, applies. What changes (+ added, - removed; Danish terms):"
                        f"\n{lines}\n\nThe practice system fetches the new specification "
                        "itself; there is nothing for you to do.\n\nThe project: {link}\n",
                    ),
                    path=reverse("portal:administer", args=[clinic.ydernummer]),
                )
            )
    return found
