"""Property: every door tells the clinic the same truth, and it is DESIGN.md §3's truth.

For a random back-dated history of one clinic — built with the real actions: the vendor's
activation periods, a DPA and a consent v2 in force in the past or announced for the future,
signatures (each of the version in force the day it was made, or — when that one was signed
already — of the version announced next: signing ahead), and enrolment periods (one may start
in the future) — the test asks, as of today:

- the vendor API's status check (``GET /status``), subscriptions (``GET /subscriptions``) and
  report (``GET /reports/diagnosekodning``), and its gate (``POST /submissions`` of one course
  dated on a random day);
- the portal, logged in through the real OpenID Connect provider as the clinic's owner: the
  menu's "Næste trin", the report tab (its notice) and Tjek status (a version announced but not
  signed yet: "Ny version skal underskrives senest DD.MM.YYYY", while the old signature counts);

and compares every answer with ``Oracle``, written from DESIGN.md §3 and API.md, not from the
participation model. Each example runs inside a savepoint that is rolled back, so document
versions published by one example never reach the next. Both databases.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from sentinel.agreements.actions import Signer, approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel, DocumentKind
from sentinel.clinics.actions import activate, deactivate
from sentinel.clinics.credentials import issue_credential
from sentinel.lib.dates import format_en
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from tests.api.conftest import synthetic_cpr
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory, VendorFactory, valid_cvr
from tests.portal.conftest import (  # noqa: F401 - the portal's provider fixture
    PROVIDER_WARNINGS,
    Provider,
    log_in,
    person,
    provider_issuer,
)

pytestmark = [pytest.mark.django_db, *PROVIDER_WARNINGS]

TODAY = timezone.localdate()
CVR = valid_cvr(912_345)
V1_ON = dt.date(2025, 6, 30)  # DPA and consent v1 (migrations)
THRESHOLD = 14  # SENTINEL_DATA_FLOW_THRESHOLD_DAYS in the tests' settings, checked below


def days(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months on, clamped to the month's last day (31.12 + 2 months = 28/29.02)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- histories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    activations: tuple[tuple[int, int | None], ...]  # (start, end) as offsets from today
    dpa_v2: int | None  # the day DPA v2 comes into force (may lie ahead)
    consent_v2: int | None
    dpa_signed: tuple[int, ...]  # days the clinic signed (whatever version was in force)
    consent_signed: tuple[int, ...]
    enrolments: tuple[tuple[int, int | None], ...]
    record_day: int


@st.composite
def periods(draw: st.DrawFn, low: int, high: int, *, ahead: int = 0) -> tuple:
    """A history of periods within [low, high], mostly one that is in force today: none;
    one open period (it may start up to ``ahead`` days from now); one that ended; or one that
    ended and a later one, open or ended."""
    shape = draw(st.sampled_from(["none", "open", "open", "open", "ended", "again", "again"]))
    if shape == "none":
        return ()
    if shape == "open":
        return ((draw(st.integers(low, ahead if ahead else high)), None),)
    start = draw(st.integers(low, high - 3))
    end = draw(st.integers(start + 1, high - 1))
    if shape == "ended":
        return ((start, end),)
    again = draw(st.integers(end, max(end, high - 1)))
    again_end = draw(st.none() | st.integers(again + 1, high + 20))
    return ((start, end), (again, again_end))


@st.composite
def histories(draw: st.DrawFn) -> History:
    return History(
        activations=draw(periods(-300, 0)),
        dpa_v2=draw(st.none() | st.none() | st.integers(-200, 40)),
        consent_v2=draw(st.none() | st.none() | st.integers(-200, 40)),
        dpa_signed=draw(
            st.sets(st.integers(-320, 0), min_size=0, max_size=2).map(sorted).map(tuple)
        ),
        consent_signed=draw(
            st.sets(st.integers(-320, 0), min_size=0, max_size=2).map(sorted).map(tuple)
        ),
        enrolments=draw(periods(-280, 0, ahead=20)),
        record_day=draw(st.integers(-320, 0)),
    )


# --- the oracle (DESIGN.md §3, API.md) --------------------------------------------------------


@dataclass
class Oracle:
    h: History
    project: Project
    today: dt.date = TODAY
    facts: dict[str, object] = field(default_factory=dict)

    def versions(self, v2: int | None) -> list[tuple[int, dt.date]]:
        return [(1, V1_ON)] + ([(2, days(v2))] if v2 is not None else [])

    def signed_versions(self, v2: int | None, signed: tuple[int, ...]) -> set[int]:
        """What each signature signed: the version in force that day, or, when the clinic had
        signed that one, the next version announced (DESIGN §3: versions with notice)."""
        versions = self.versions(v2)
        done: set[int] = set()
        for s in signed:
            in_force = max(v for v, d in versions if d <= days(s))
            later = [v for v, d in versions if d > days(s) and v > in_force]
            if in_force not in done:
                done.add(in_force)
            elif later:
                done.add(min(later))
        return done

    def agreement(self, v2: int | None, signed: tuple[int, ...]) -> str:
        """ok / missing / outdated on today: the version in force today must be signed."""
        versions = self.versions(v2)
        in_force = max(v for v, d in versions if d <= self.today)
        signed_versions = self.signed_versions(v2, signed)
        if not signed_versions:
            return "missing"
        return "ok" if in_force in signed_versions else "outdated"

    def sign_by(self, v2: int | None, signed: tuple[int, ...]) -> dt.date | None:
        """The day a version announced for later must be signed by, while the one in force is
        signed and the announced one is not (None otherwise)."""
        if v2 is None or days(v2) <= self.today or self.agreement(v2, signed) != "ok":
            return None
        return None if 2 in self.signed_versions(v2, signed) else days(v2)

    @property
    def activated(self) -> bool:
        return any(
            days(s) <= self.today and (e is None or days(e) > self.today)
            for s, e in self.h.activations
        )

    @property
    def dpa(self) -> str:
        return self.agreement(self.h.dpa_v2, self.h.dpa_signed)

    @property
    def consent(self) -> str:
        return self.agreement(self.h.consent_v2, self.h.consent_signed)

    def covered(self, day: dt.date) -> bool:
        return any(days(s) <= day and (e is None or day < days(e)) for s, e in self.h.enrolments)

    @property
    def enrolled(self) -> bool:
        return self.covered(self.today)

    @property
    def prerequisites(self) -> list[tuple[str, str]]:
        """The failing prerequisites in the seed's order, with the gate's reason."""
        failing = []
        if not self.activated:
            failing.append(("activation", "clinic_not_activated"))
        for kind, state in (("dpa", self.dpa), ("consent", self.consent)):
            if state != "ok":
                failing.append((kind, f"no_{kind}" if state == "missing" else f"{kind}_outdated"))
        return failing

    def gate(self) -> str:
        """The answer to a course dated ``record_day``: 'accepted' or the reason code."""
        if self.prerequisites:
            return self.prerequisites[0][1]
        if not self.h.enrolments:
            return "not_enrolled"
        day = days(self.h.record_day)
        if self.covered(day):
            return "accepted"
        first = min(days(s) for s, _ in self.h.enrolments)
        return "before_enrolment" if day < first else "after_unenrolment"

    def report_enrolment(self) -> tuple[dt.date, dt.date | None] | None:
        started = [(days(s), days(e) if e is not None else None) for s, e in self.h.enrolments]
        started = [p for p in started if p[0] <= self.today]
        current = [p for p in started if p[1] is None or self.today < p[1]]
        return max(current or started, default=None)

    def opens_on(self, enrolled_on: dt.date) -> dt.date | None:
        dpa = [days(s) for s in self.h.dpa_signed]
        consent = [days(s) for s in self.h.consent_signed]
        if not dpa or not consent:
            return None
        latest = max(min(dpa), min(consent), enrolled_on)
        return max(
            self.project.reports_open_from,
            add_months(latest, self.project.first_report_delay_months),
        )

    def report(self) -> tuple[str, dt.date | None] | None:
        """The report's state and opening day (None: the clinic never took part)."""
        enrolment = self.report_enrolment()
        if enrolment is None:
            return None
        opens = self.opens_on(enrolment[0])
        if enrolment[1] is not None and enrolment[1] <= self.today:
            return "unenrolled", opens
        if self.prerequisites:
            return "blocked", opens
        if opens is None or self.today < opens:
            return "not_yet_open", opens
        return "open", opens

    def next_step(self) -> str:
        """The menu's next step: the first failing prerequisite, else enrolment, else the
        data flow (no data has been sent when the doors are asked)."""
        if self.prerequisites:
            return self.prerequisites[0][0]
        if not self.enrolled:
            return "enrolment"
        return "data_flow"

    def subscriptions(self) -> list[tuple[str, dt.date, dt.date | None]]:
        open_ = [
            (days(s), days(e) if e is not None else None)
            for s, e in self.h.enrolments
            if e is None or days(e) > self.today
        ]
        return [(self.project.code, *max(open_))] if open_ else []


# --- building a history with the real actions -------------------------------------------------


def build(h: History, vendor, project: Project):
    clinic = ClinicFactory(cvr=CVR)
    signer = Signer(uuid.uuid4(), "Ejer", CVR, AssuranceLevel.HIGH, True)
    for kind, v2 in ((DocumentKind.DPA, h.dpa_v2), (DocumentKind.CONSENT, h.consent_v2)):
        if v2 is not None:
            publish_document(
                by=SYSTEM, kind=kind, title=f"{kind} v2", text=f"v2 {uuid.uuid4()}",
                published_on=days(v2),
            )  # fmt: skip
    for offset in h.dpa_signed:
        sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(days(offset), 0))
    for offset in h.consent_signed:
        approve_consent(
            clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(days(offset), 0)
        )
    for start, end in h.activations:
        activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(days(start), 0))
        if end is not None:
            deactivate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(days(end), 0))
    for start, end in h.enrolments:
        enrol(by=SYSTEM, clinic=clinic, project=project, on=days(start))
        if end is not None:
            unenrol(by=SYSTEM, clinic=clinic, project=project, on=days(end))
    return clinic


_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def course(day: dt.date) -> dict:
    return {
        "type": "episode",
        # Letters only: a run of ten digits could read as a CPR, which the API refuses as a
        # course id (422) whatever the gate says.
        "source_id": f"E-{uuid.uuid4().hex[:12].translate(_LETTERS)}",
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": "low_back_pain",
        "start_date": day.isoformat(),
        "diagnoses": [{"code": "L03", "recorded_at": f"{day.isoformat()}T09:00:00+01:00"}],
    }


class _Rollback(Exception):
    pass


@pytest.fixture
def owner(settings, provider_issuer):  # noqa: F811 - the portal's provider fixture
    """A portal client logged in (real OIDC provider) as the owner of every clinic of ``CVR``."""
    settings.SENTINEL_OIDC_ISSUER = provider_issuer
    settings.OIDC_RP_CLIENT_SECRET = "tests-only-client-secret"
    holder = ClinicFactory(cvr=CVR)
    client = Client()
    response = log_in(client, Provider(provider_issuer), person(holder))
    assert response.status_code == 302, response.content
    return client


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(h=histories())
def test_every_door_agrees_with_the_oracle(h: History, owner, settings, project) -> None:
    assert settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS == THRESHOLD
    note(repr(h))
    vendor = VendorFactory()
    _credential, token = issue_credential(by=SYSTEM, vendor=vendor)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    try:
        with transaction.atomic():
            clinic = build(h, vendor, project)
            oracle = Oracle(h, project)
            report = oracle.report()
            event(f"gate: {oracle.gate()}")
            event(f"report: {report[0] if report else 'none'}")
            event(f"next step: {oracle.next_step()}")
            _check_doors(api, owner, clinic, oracle, reached=oracle.activated)
            raise _Rollback
    except _Rollback:
        pass


def _check_doors(api: Client, owner: Client, clinic, oracle: Oracle, *, reached: bool) -> None:
    base = f"/api/v1/clinics/{clinic.ydernummer}"
    expected_report = oracle.report()

    # The portal: the menu's next step and the report tab's notice.
    menu = owner.get(f"/klinik/{clinic.ydernummer}/")
    assert menu.status_code == 200
    step = re.search(r'data-check="([a-z_]*)"', menu.content.decode())
    assert step is not None and step.group(1) == oracle.next_step()
    tab = owner.get(f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/")
    if expected_report is None:
        assert tab.status_code == 404
    else:
        assert tab.status_code == 200
        noticed = 'class="report-notice"' in tab.content.decode()
        assert noticed == (expected_report[0] in ("blocked", "unenrolled"))

    # A version announced for later: the old signature counts (the lines are ok), and Tjek
    # status and the API's status say by when the new one must be signed.
    deadlines = {
        "dpa": oracle.sign_by(oracle.h.dpa_v2, oracle.h.dpa_signed),
        "consent": oracle.sign_by(oracle.h.consent_v2, oracle.h.consent_signed),
    }
    page = owner.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()
    for kind, verb in (("dpa", "underskrives"), ("consent", "godkendes")):
        deadline = deadlines[kind]
        assert (f"Ny version skal {verb} senest" in page) == (deadline is not None)
        if deadline is not None:
            event(f"{kind}: new version to sign")
            assert f"Ny version skal {verb} senest {deadline:%d.%m.%Y}" in page

    if not reached:  # a vendor without an activation in force reaches nothing of it
        assert api.get(f"{base}/status").status_code == 404
        assert api.get(f"{base}/subscriptions").status_code == 404
        return

    # The vendor API: status, subscriptions, report.
    status = api.get(f"{base}/status").json()
    lines = {c["check"]: c for c in status["checks"] if c["project"] is None}
    assert lines["activation"]["ok"] == oracle.activated
    assert lines["dpa"]["ok"] == (oracle.dpa == "ok")
    assert lines["consent"]["ok"] == (oracle.consent == "ok")
    for kind, verb in (("dpa", "signed"), ("consent", "approved")):
        deadline = deadlines[kind]
        said = f"A new version must be {verb} by {format_en(deadline)}" in lines[kind]["detail"]
        assert said == (deadline is not None), lines[kind]["detail"]
    assert lines["enrolment"]["ok"] == oracle.enrolled
    report_lines = [c for c in status["checks"] if c["check"] == "report"]
    if oracle.enrolled:
        assert expected_report is not None
        assert [c["ok"] for c in report_lines] == [expected_report[0] == "open"]
        assert status["reports_open_on"][oracle.project.code] == (
            expected_report[1].isoformat() if expected_report[1] else None
        )
    else:
        assert report_lines == []

    subscriptions = api.get(f"{base}/subscriptions").json()
    prerequisites = oracle.prerequisites
    assert subscriptions["blocked_by"] == (prerequisites[0][1] if prerequisites else None)
    assert [
        (s["project"], dt.date.fromisoformat(s["collect_from"]), s["collect_until"])
        for s in subscriptions["subscriptions"]
    ] == [
        (code, start, end.isoformat() if end else None)
        for code, start, end in oracle.subscriptions()
    ]
    assert subscriptions["collecting"] == (
        not prerequisites and bool(oracle.h.enrolments) and bool(oracle.subscriptions())
    )

    report = api.get(f"{base}/reports/diagnosekodning", {"worklist": "false"})
    if expected_report is None:
        assert report.status_code == 404
    else:
        body = report.json()
        assert (body["state"], body["opens_on"]) == (
            expected_report[0],
            expected_report[1].isoformat() if expected_report[1] else None,
        )
        assert body["is_open"] == (
            expected_report[1] is not None and oracle.today >= expected_report[1]
        )
        assert (body["notice"] is not None) == (expected_report[0] in ("blocked", "unenrolled"))

    # The gate, last (a stored course would change the data flow the lines above read).
    answer = api.post(
        f"{base}/submissions",
        {"records": [course(days(oracle.h.record_day))]},
        content_type="application/json",
    ).json()
    got = "accepted" if answer["accepted"] else answer["rejected"][0]["reason"]
    assert got == oracle.gate()


# --- a version announced with notice: one worked example through every door -----------------


def test_the_old_signature_counts_until_the_new_version_takes_effect(
    owner, project, settings, smtp, django_capture_on_commit_callbacks
) -> None:
    from sentinel.agreements.actions import publish_document_version
    from sentinel.lib.reasons import Reason
    from sentinel.notices.models import Contact
    from sentinel.notices.sending import send_due
    from sentinel.projects.participation import Participation

    settings.SENTINEL_VERSION_NOTICE_DAYS = 30
    vendor = VendorFactory()
    _credential, token = issue_credential(by=SYSTEM, vendor=vendor)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    clinic = build(
        History(((-100, None),), None, None, (-90,), (-90,), ((-80, None),), 0), vendor, project
    )
    Contact.objects.create(
        clinic=clinic, email="ejer@klinik.dk", kinds=["new_version"], verified_at=timezone.now()
    )
    effective = days(30)
    publish_document_version(
        by=SYSTEM, kind=DocumentKind.DPA, title="DPA v2", text="Ny tekst", published_on=effective
    )
    base = f"/api/v1/clinics/{clinic.ydernummer}"

    # Until the day: collected as before; every door says by when to sign.
    standing = Participation.read(clinic)
    assert standing.clinic_reason(vendor, at(days(29), 23)) is None
    assert standing.clinic_reason(vendor, at(effective, 0)) == Reason.DPA_OUTDATED
    accepted = api.post(
        f"{base}/submissions", {"records": [course(TODAY)]}, content_type="application/json"
    ).json()
    assert accepted["accepted"] == 1
    (dpa,) = [c for c in api.get(f"{base}/status").json()["checks"] if c["check"] == "dpa"]
    assert dpa["ok"] and f"A new version must be signed by {format_en(effective)}" in dpa["detail"]
    deadline = f"{effective:%d.%m.%Y}"
    page = owner.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()
    assert f"Ny version skal underskrives senest {deadline}" in page
    menu = owner.get(f"/klinik/{clinic.ydernummer}/").content.decode()
    assert f"Ny version skal underskrives senest {deadline}" in menu
    sign_page = owner.get(f"/klinik/{clinic.ydernummer}/databehandleraftale/").content.decode()
    assert f"Ny version skal underskrives senest {deadline}." in sign_page
    assert f"Version 2, gældende fra {deadline}" in sign_page  # the page offers the new one

    # The clinic is told once, with the date.
    send_due()
    send_due()
    (mail,) = smtp.messages
    assert mail["Subject"] == "Ny version af databehandleraftalen skal underskrives"
    assert f"Ny version skal underskrives senest {deadline}" in mail.get_body().get_content()

    # Signed ahead: the new version counts from its day, and nobody is told again.
    signer = Signer(uuid.uuid4(), "Ejer", CVR, AssuranceLevel.HIGH, True)
    signature = sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL)
    assert signature.document.version == 2
    standing = Participation.read(clinic)
    assert standing.clinic_reason(vendor, at(effective, 0)) is None
    (dpa,) = [c for c in api.get(f"{base}/status").json()["checks"] if c["check"] == "dpa"]
    assert dpa["ok"] and "A new version" not in dpa["detail"]
    page = owner.get(f"/klinik/{clinic.ydernummer}/status/").content.decode()
    assert "Ny version skal" not in page
