"""The synthetic nation: all regions, valid made-up identifiers, idempotent, every outcome."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.utils import timezone

from sentinel.agreements.models import ConsentApproval, DpaSignature
from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Activation, Clinic, RegionCode, Vendor
from sentinel.collection.models import DataFlow
from sentinel.collection.status import Check, check_status
from sentinel.demo.nation import build_nation
from sentinel.demo.vendor import push_year
from sentinel.lib.identifiers import validate_cvr, validate_ydernummer
from sentinel.projects.models import Enrolment

TODAY = timezone.localdate()  # the API stamps arrivals with the real time
CLINICS = 60
COUNTED_MODELS = (
    Clinic,
    Vendor,
    Activation,
    DpaSignature,
    ConsentApproval,
    Enrolment,
    DataFlow,
    AuditEvent,
)

# Every outcome of the status check, with the variants the detail text tells apart.
EXPECTED_OUTCOMES = {
    ("activation", "ok", ""),
    ("activation", "action_needed", "never activated"),
    ("activation", "action_needed", "deactivated"),
    ("dpa", "ok", ""),
    ("dpa", "action_needed", "missing"),
    ("dpa", "action_needed", "outdated"),
    ("consent", "ok", ""),
    ("consent", "action_needed", "missing"),
    ("consent", "action_needed", "outdated"),
    ("enrolment", "ok", ""),
    ("enrolment", "action_needed", "never enrolled"),
    ("enrolment", "action_needed", "left"),
    ("data_flow", "ok", ""),
    ("data_flow", "waiting", ""),
    ("data_flow", "action_needed", "no data since enrolment"),
    ("data_flow", "action_needed", "stopped"),
    ("data_flow", "action_needed", "blocked"),
    ("report", "ok", ""),
    ("report", "waiting", ""),
    ("report", "action_needed", ""),
}


def _variant(check: Check) -> str:
    text = check.detail_en
    if check.ok or check.state.value == "waiting":
        return ""
    if check.check == "activation":
        return "deactivated" if "deactivated Sentinel" in text else "never activated"
    if check.check in {"dpa", "consent"}:
        if "have not signed" in text or "have not approved" in text:
            return "missing"
        if "new version" in text:
            return "outdated"
    if check.check == "enrolment":
        if "not enrolled in any project" in text and " left " not in text:
            return "never enrolled"
        if " left " in text:
            return "left"
    if check.check == "data_flow":
        if "no data has arrived" in text:
            return "no data since enrolment"
        if re.search(r"No data for .+ for \d+ days", text):
            return "stopped"
        if "until the checks above are ok" in text:
            return "blocked"
    if check.check == "report":
        return ""
    return f"unknown: {text}"


def _outcome(check: Check) -> tuple[str, str, str]:
    return (str(check.check), check.state.value, _variant(check))


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


@pytest.fixture
def nation(db) -> dict[str, str]:
    """The demo nation, with its year of data sent through the vendor API."""
    created = build_nation(clinics_count=CLINICS, today=TODAY)
    push_year(stories=created, today=TODAY)
    return created


def test_build_nation_creates_clinics_in_every_region(nation) -> None:
    clinics = list(Clinic.objects.all())

    assert len(nation) == CLINICS
    assert len(clinics) == CLINICS
    assert {c.region_code for c in clinics} == {code.value for code in RegionCode}
    assert {"DK-81", "DK-82", "DK-83", "DK-84", "DK-85"} <= {c.region_code for c in clinics}


def test_build_nation_creates_three_vendors(nation) -> None:
    assert set(Vendor.objects.values_list("slug", flat=True)) == {
        "fysiodata",
        "praksisplus",
        "kliniksystem",
    }


def test_build_nation_identifiers_are_valid_and_made_up(nation) -> None:
    clinics = list(Clinic.objects.all())

    for clinic in clinics:
        assert validate_cvr(clinic.cvr) == clinic.cvr
        assert clinic.cvr.startswith("0")
        assert validate_ydernummer(clinic.ydernummer) == clinic.ydernummer
        assert clinic.ydernummer.startswith("9")
    assert len({c.cvr for c in clinics}) == CLINICS


def test_build_nation_second_run_adds_nothing(nation) -> None:
    before = _counts()

    again = build_nation(clinics_count=CLINICS, today=TODAY)

    assert again == {}
    assert _counts() == before


def test_build_nation_covers_every_status_outcome(nation) -> None:
    reports = [check_status(clinic, on=TODAY) for clinic in Clinic.objects.all()]

    outcomes = {_outcome(check) for report in reports for check in report.checks}
    pairs = {(check, state) for check, state, _ in outcomes}

    assert {
        ("activation", "ok"),
        ("activation", "action_needed"),
        ("dpa", "ok"),
        ("dpa", "action_needed"),
        ("consent", "ok"),
        ("consent", "action_needed"),
        ("enrolment", "ok"),
        ("enrolment", "action_needed"),
        ("data_flow", "ok"),
        ("data_flow", "waiting"),
        ("data_flow", "action_needed"),
        ("report", "ok"),
        ("report", "waiting"),
    } <= pairs
    assert outcomes >= EXPECTED_OUTCOMES, sorted(EXPECTED_OUTCOMES - outcomes)
    assert not [o for o in outcomes if o[2].startswith("unknown")]
    assert any(report.ok for report in reports)


def test_demo_vendor_sends_data_that_arrives_and_every_rejection_reason(nation) -> None:
    from sentinel.collection.models import DiagnosisEvent, Episode, Submission
    from sentinel.lib.reasons import Reason

    reasons: Counter[str] = Counter()
    for submission in Submission.objects.all():
        reasons.update(submission.rejected_by_reason)

    # A vendor whose activation ended reaches the clinic no more (404, ``clinics.reach``), so
    # ``clinic_not_activated`` is never a rejection; it stays the status check's reason.
    # invalid_text only reaches the pipeline from the FHIR door: the JSON door's schema refuses
    # such a body whole (422), and the demo vendor speaks JSON; so does
    # course_entered_in_error (EpisodeOfCare.status).
    unreachable = {
        Reason.CLINIC_NOT_ACTIVATED.value,
        Reason.INVALID_TEXT.value,
        Reason.COURSE_ENTERED_IN_ERROR.value,
    }
    assert set(reasons) == {r.value for r in Reason} - unreachable
    assert Episode.objects.count() > 1000
    l_chapter = DiagnosisEvent.objects.filter(code__startswith="L").count()
    assert l_chapter / DiagnosisEvent.objects.count() > 0.7
    assert not Episode.objects.filter(practitioner_initials__gt="").exists()  # minimised


def test_the_demo_console_user_enters_with_the_printed_password_and_key(
    client, db, settings
) -> None:
    """What `sentinel demo` prints is enough to enter the console: the password, then the
    authenticator key confirmed at /console/enrol/; after that the key is not shown again."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    from sentinel.demo.console_user import PASSWORD, USERNAME, ensure_console_user
    from sentinel.lib.errors import DomainError

    with pytest.raises(DomainError):  # never outside the demo
        ensure_console_user()
    settings.DEMO = True
    printed = ensure_console_user()
    key = b32decode(printed.secret.replace(" ", ""))
    code = f"{TOTP(key).token():06d}"

    client.post("/console/enrol/", {"step": "password", "username": USERNAME, "password": PASSWORD})
    confirmed = client.post("/console/enrol/", {"step": "confirm", "otp_token": code})

    assert confirmed.status_code == 302
    assert client.get("/console/").status_code == 200
    again = ensure_console_user()
    assert again.user.pk == printed.user.pk
    assert again.secret == ""


def test_demo_clinics_in_forlobsresultater_get_their_measurements(nation) -> None:
    from sentinel.collection.models import Episode, OutcomeRecord
    from sentinel.projects.models import Enrolment

    enrolled = set(
        Enrolment.objects.filter(project__code="forlobsresultater").values_list(
            "clinic_id", flat=True
        )
    )
    assert enrolled
    measured = OutcomeRecord.objects.all()
    assert set(measured.values_list("clinic_id", flat=True)) <= enrolled
    assert measured.count() > 50
    answered = Counter(measured.values_list("answered_by", flat=True))
    assert answered["patient"] > answered["therapist"] > 0
    timepoints = Counter(measured.values_list("timepoint", flat=True))
    assert timepoints["baseline"] > timepoints["end_of_course"] > timepoints["follow_up_3m"] > 0
    assert not measured.filter(age_band="").exists()  # every demo course carries a CPR
    assert not measured.exclude(patient_pseudonym="").exists()
    courses = Episode.objects.filter(project__code="forlobsresultater")
    assert not courses.exclude(patient_pseudonym="").exists()
    assert set(measured.values_list("episode__course_type", flat=True)) - {""}
