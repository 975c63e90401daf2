"""What a clinic should be told today, read from the rules that already know it.

- **The report of a project opened** — the status check's report line is ok (``collection.status``,
  whose dates come from the participation model). An opening more than ``RECENT_DAYS`` before
  the address was verified is not news and is not mailed.
- **Enrolled, but no data for N days** — the status check's data-flow line needs action while the
  prerequisites are in place (``SENTINEL_DATA_FLOW_THRESHOLD_DAYS``, the same threshold): its own
  words (what is wrong, whom to call first), with the systemhus's name and phone and Sentinel
  support's.
- **A new DPA or consent version needs signing** — the participation model's agreement standing is
  *outdated*: the clinic signed an earlier version, not the one in force.

Each occasion has a key that names it exactly once (the project and the day data last arrived;
the document and its version), so a notice is sent once per occasion. The texts name the clinic,
projects, dates and whom to call — never a patient, a course or a record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from sentinel.agreements.models import DocumentKind
from sentinel.agreements.services import Standing
from sentinel.clinics.contacts import SENTINEL_SUPPORT, Contact
from sentinel.clinics.models import Clinic
from sentinel.collection.status import State, check_status
from sentinel.lib.dates import format_da
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
    for kind, (name_da, name_en, url_name) in _DOCUMENT.items():
        state = standing.agreement(kind, day)
        document = state.current_document
        if state.standing is not Standing.OUTDATED or document is None:
            continue
        occasions.append(
            Occasion(
                kind=Kind.NEW_VERSION,
                key=f"{kind}:{document.version}",
                since=document.published_on,
                da=Text(
                    f"Ny version af {name_da} skal underskrives",
                    f"{_header(clinic, 'da')}Version {document.version} af {name_da} gælder "
                    f"fra {format_da(document.published_on)}. Klinikken har underskrevet en "
                    "tidligere version; indtil den nye er underskrevet, opsamles der ikke "
                    "data.\n\nLæs og underskriv: {link}\n",
                ),
                en=Text(
                    f"A new version of {name_en} needs signing",
                    f"{_header(clinic, 'en')}Version {document.version} of {name_en} is in "
                    f"force from {document.published_on}. The clinic signed an earlier version; "
                    "no data is collected until the new one is signed.\n\n"
                    "Read and sign: {link}\n",
                ),
                path=reverse(url_name, args=[yd]),
            )
        )
    return occasions
