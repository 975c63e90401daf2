"""Every outcome of the status check, computed from the data (no hand-written states)."""

from __future__ import annotations

import datetime as dt

import pytest

from sentinel.agreements.actions import approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import Channel, DocumentKind
from sentinel.clinics.actions import activate, deactivate
from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.collection.services import record_received
from sentinel.collection.status import State, check_status
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.opening import report_opens_on as reports_open_on
from tests.conftest import SYSTEM, at

START = dt.date(2026, 1, 12)


def by_check(report, name, project=None):
    return next(c for c in report.checks if c.check == name and c.project == project)


@pytest.fixture
def onboarded(clinic, vendor, signer, project):
    """Activated, DPA signed, consent approved and enrolled on START."""
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(START))
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(START))
    enrol(by=signer.actor, clinic=clinic, project=project, on=START)
    return clinic


def test_status_fresh_clinic_needs_activation_signatures_and_enrolment(clinic):
    report = check_status(clinic, on=START)

    assert [c.check for c in report.checks] == ["activation", "dpa", "consent", "enrolment"]
    assert all(c.state is State.ACTION_NEEDED for c in report.checks)
    activation = by_check(report, "activation")
    assert activation.contact.kind == "systemhus"
    assert "systemhus" in activation.action_da
    assert by_check(report, "dpa").contact == SUNDHED_DK_SUPPORT
    assert "ikke underskrevet databehandleraftalen" in by_check(report, "dpa").detail_da
    assert "Tilmeld" in by_check(report, "enrolment").action_da
    assert not report.ok


def test_status_activation_ok_names_the_vendor(clinic, vendor):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START))

    report = check_status(clinic, on=START)

    check = by_check(report, "activation")
    assert check.state is State.OK
    assert vendor.name in check.detail_da
    assert report.vendor_menu_help_da == vendor.menu_help_da


def test_status_deactivated_clinic_is_told_to_call_its_vendor(clinic, vendor):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START))
    deactivate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START + dt.timedelta(days=3)))

    check = by_check(check_status(clinic, on=START + dt.timedelta(days=4)), "activation")

    assert check.state is State.ACTION_NEEDED
    assert "deaktiverede" in check.detail_da
    assert check.contact.name == vendor.name
    assert check.contact.phone == vendor.support_phone


@pytest.mark.parametrize("kind", [DocumentKind.DPA, DocumentKind.CONSENT])
def test_status_new_document_version_makes_the_signature_outdated(onboarded, signer, kind):
    publish_document(
        by=SYSTEM, kind=kind, title="v2", text="Ny tekst", published_on=START + dt.timedelta(30)
    )

    before = by_check(check_status(onboarded, on=START + dt.timedelta(29)), kind)
    after = check_status(onboarded, on=START + dt.timedelta(30))

    assert before.state is State.OK
    check = by_check(after, kind)
    assert check.state is State.ACTION_NEEDED
    assert "ny version" in check.detail_da
    assert "version 2" in check.detail_da and "version 1" in check.detail_da
    assert check.contact == SUNDHED_DK_SUPPORT
    # Collection pauses: the data-flow check says the checks above must be fixed first.
    assert by_check(after, "data_flow", "diagnosekodning").state is State.ACTION_NEEDED

    sign = sign_dpa if kind == DocumentKind.DPA else approve_consent
    sign(clinic=onboarded, signer=signer, channel="sundhed_dk", at=at(START + dt.timedelta(31)))
    assert by_check(check_status(onboarded, on=START + dt.timedelta(31)), kind).ok


def test_status_missing_consent_is_its_own_outcome(clinic, vendor, signer):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START))
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(START))

    report = check_status(clinic, on=START)

    assert by_check(report, "dpa").ok
    consent = by_check(report, "consent")
    assert consent.state is State.ACTION_NEEDED
    assert "ikke godkendt samtykkeerklæringen" in consent.detail_da


def test_status_unenrolled_clinic_is_told_it_left(onboarded, signer, project):
    unenrol(by=signer.actor, clinic=onboarded, project=project, on=START + dt.timedelta(10))

    check = by_check(check_status(onboarded, on=START + dt.timedelta(11)), "enrolment")

    assert check.state is State.ACTION_NEEDED
    assert "frameldte dig Diagnosekodning" in check.detail_da


def test_status_waits_for_first_data_within_the_threshold(onboarded):
    check = by_check(
        check_status(onboarded, on=START + dt.timedelta(14)), "data_flow", "diagnosekodning"
    )

    assert check.state is State.WAITING
    assert "26.01.2026" in check.detail_da  # START + 14 days


def test_status_enrolled_but_no_data_arriving_calls_sentinel_support(onboarded):
    check = by_check(
        check_status(onboarded, on=START + dt.timedelta(15)), "data_flow", "diagnosekodning"
    )

    assert check.state is State.ACTION_NEEDED
    assert check.contact == SENTINEL_SUPPORT
    assert check.contact.phone == "8844 3131"
    assert "ikke modtaget data" in check.detail_da


def test_status_data_that_stopped_arriving_is_flagged(onboarded, project, settings):
    settings.SENTINEL_DATA_FLOW_THRESHOLD_DAYS = 7
    record_received(clinic=onboarded, project=project, at=at(START + dt.timedelta(2)), count=5)

    ok = by_check(
        check_status(onboarded, on=START + dt.timedelta(9)), "data_flow", "diagnosekodning"
    )
    stopped = by_check(
        check_status(onboarded, on=START + dt.timedelta(10)), "data_flow", "diagnosekodning"
    )

    assert ok.state is State.OK
    assert stopped.state is State.ACTION_NEEDED
    assert "i 8 dage" in stopped.detail_da
    # The systemhus stopped sending: it is named first, with its phone; Sentinel support second.
    vendor = onboarded.activations.get().vendor
    assert stopped.contact is not None and stopped.contact.kind == "systemhus"
    assert (stopped.contact.name, stopped.contact.phone) == (vendor.name, vendor.support_phone)
    assert stopped.also == SENTINEL_SUPPORT
    assert vendor.name in stopped.action_da


def test_status_report_opens_two_months_after_everything_is_in_place(onboarded, project):
    record_received(clinic=onboarded, project=project, at=at(dt.date(2026, 3, 11)), count=1)

    day_before = check_status(onboarded, on=dt.date(2026, 3, 11))
    opening_day = check_status(onboarded, on=dt.date(2026, 3, 12))

    waiting = by_check(day_before, "report", "diagnosekodning")
    assert waiting.state is State.WAITING
    assert "12.03.2026" in waiting.detail_da
    assert "data fra din tilmelding 12.01.2026" in waiting.detail_da
    assert day_before.projects[0].reports_open_on == dt.date(2026, 3, 12)
    assert by_check(opening_day, "report", "diagnosekodning").state is State.OK
    assert opening_day.ok


def test_status_report_clock_starts_at_the_latest_prerequisite(clinic, vendor, signer, project):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(START))
    enrol(by=signer.actor, clinic=clinic, project=project, on=START)
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(dt.date(2026, 2, 1)))

    no_consent = check_status(clinic, on=dt.date(2026, 2, 1))
    assert by_check(no_consent, "report", "diagnosekodning").state is State.ACTION_NEEDED
    assert no_consent.projects[0].reports_open_on is None

    approve_consent(
        clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(dt.date(2026, 3, 31))
    )
    report = check_status(clinic, on=dt.date(2026, 4, 1))
    assert report.projects[0].reports_open_on == dt.date(2026, 5, 31)
    assert report.projects[0].period_from == START


def test_reports_open_on_never_before_the_project_opens():
    opens = reports_open_on(
        reports_open_from=dt.date(2025, 11, 1),
        delay_months=2,
        dpa_first_signed=dt.date(2025, 7, 1),
        consent_first_approved=dt.date(2025, 7, 1),
        enrolled_on=dt.date(2025, 7, 2),
    )
    assert opens == dt.date(2025, 11, 1)


def test_status_as_dict_is_the_api_shape(onboarded):
    payload = check_status(onboarded, on=START).as_dict("en")

    assert payload["ydernummer"] == onboarded.ydernummer
    for check in payload["checks"]:
        assert set(check) >= {"check", "ok", "detail", "action", "contact"}
    assert payload["projects"][0]["reports_open_on"] == "2026-03-12"
    assert payload["projects"][0]["collect_from"] == "2026-01-12"


def test_status_on_a_past_day_answers_as_of_that_day(onboarded, vendor, signer, project):
    later = START + dt.timedelta(days=40)
    unenrol(by=signer.actor, clinic=onboarded, project=project, on=later)
    deactivate(by=SYSTEM, vendor=vendor, clinic=onboarded, at=at(later))

    past = check_status(onboarded, on=START + dt.timedelta(days=20))
    now = check_status(onboarded, on=later)

    assert by_check(past, "activation").ok
    assert by_check(past, "enrolment").ok
    assert past.projects[0].enrolled_on == START
    assert by_check(now, "activation").state is State.ACTION_NEEDED
    assert "frameldte" in by_check(now, "enrolment").detail_da
    assert not check_status(onboarded, on=START - dt.timedelta(days=1)).projects
