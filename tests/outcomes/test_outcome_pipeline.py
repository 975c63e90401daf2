"""Outcome records through the pipeline (``collection.pipeline.ingest``): validation per
instrument with a reason for every rule, the gate (Forløbsresultater only; a clinic enrolled
only in Diagnosekodning gets ``not_enrolled``), the course link, versions, minimisation and
the age band (nothing date-like of the CPR is stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from sentinel.collection.models import Episode, OutcomeRecord
from sentinel.collection.pipeline import ingest
from sentinel.lib.reasons import Reason
from sentinel.projects.models import Project
from tests.factories import ClinicFactory, VendorFactory
from tests.outcomes.helpers import (
    BORN,
    NOW,
    episode,
    measurement,
    onboard,
    synthetic_cpr,
)

pytestmark = pytest.mark.django_db

OUTCOMES = "forlobsresultater"


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def clinic(vendor):
    clinic = ClinicFactory()
    onboard(clinic, vendor, OUTCOMES)
    return clinic


def send(vendor, clinic, *records, now=NOW):
    return ingest(vendor=vendor, clinic=clinic, records=list(records), now=now)


def test_an_outcome_is_stored_minimised_with_only_an_age_band(vendor, clinic):
    cpr = synthetic_cpr()
    result = send(vendor, clinic, episode(cpr=cpr), measurement(cpr=cpr))
    assert (result.accepted, result.rejected) == (2, [])
    # Forløbsresultater names neither the CPR nor the diagnoses nor the initials.
    assert result.dropped_fields == ["diagnoses", "patient_cpr", "practitioner_initials"]
    stored = OutcomeRecord.objects.get(clinic=clinic)
    course = Episode.objects.get(clinic=clinic)
    assert stored.episode_id == course.pk
    assert stored.project.code == OUTCOMES
    assert (stored.instrument, stored.timepoint, stored.answered_by) == (
        "nprs",
        "baseline",
        "patient",
    )
    assert stored.measured_on == dt.date(2026, 2, 2)
    assert stored.score == Decimal(7)
    assert stored.age_band == "60-69"
    assert stored.patient_pseudonym == ""
    assert course.patient_pseudonym == "" and course.patient_cpr_encrypted is None


def test_nothing_date_like_of_the_cpr_is_stored(vendor, clinic):
    cpr = synthetic_cpr()
    send(vendor, clinic, episode(cpr=cpr), measurement(cpr=cpr))
    forbidden = {
        cpr,
        cpr[:6],
        BORN.isoformat(),
        BORN.strftime("%d%m%y"),
        BORN.strftime("%d.%m.%Y"),
        str(BORN.year),
    }
    with connection.cursor() as cursor:
        for model in (OutcomeRecord, Episode):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 (our table)
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                assert not any(f in text for f in forbidden), (model, row)
    fields = {f.name for f in OutcomeRecord._meta.get_fields()}
    assert not fields & {"birth_date", "born", "birth_year", "age", "patient_cpr"}


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (dt.date(2010, 3, 1), "2026-02-28", "0-17"),
        (dt.date(2008, 2, 28), "2026-02-28", "18-29"),
        (dt.date(1966, 3, 1), "2026-02-28", "50-59"),
        (dt.date(1966, 2, 28), "2026-02-28", "60-69"),
        (dt.date(1940, 1, 1), "2026-02-28", "80+"),
    ],
)
def test_the_age_band_is_the_age_on_the_measurement_day(vendor, clinic, born, on, band):
    cpr = synthetic_cpr(born)
    result = send(vendor, clinic, episode(cpr=cpr), measurement(cpr=cpr, date=on))
    assert result.rejected == []
    assert OutcomeRecord.objects.get(clinic=clinic).age_band == band


def test_without_a_cpr_there_is_no_band(vendor, clinic):
    send(vendor, clinic, episode(), measurement(patient_cpr=None))
    assert OutcomeRecord.objects.get(clinic=clinic).age_band == ""


def test_psfs_items_are_kept_and_scored_as_their_mean(vendor, clinic):
    items = [{"item": "1", "score": 3}, {"item": "2", "score": 6}, {"item": "3", "score": 4}]
    result = send(
        vendor, clinic, episode(), measurement(instrument="psfs", score=None, items=items)
    )
    assert result.rejected == []
    stored = OutcomeRecord.objects.get(clinic=clinic)
    assert stored.score == Decimal("4.33")
    assert stored.items == [{"item": i["item"], "score": f"{i['score']}.00"} for i in items]
    # The same measurement again, its scores sent as JSON numbers with a fraction: a replay.
    again = [{**i, "score": float(i["score"])} for i in items]
    replay = send(vendor, clinic, measurement(instrument="psfs", score=None, items=again))
    assert (replay.rejected, replay.results) == ([], {0: "unchanged"})


def test_the_walk_takes_seconds_with_decimals(vendor, clinic):
    send(vendor, clinic, episode(), measurement(instrument="walk_40m_fast", score=31.25))
    assert OutcomeRecord.objects.get(clinic=clinic).score == Decimal("31.25")


PSFS = {"instrument": "psfs", "score": None}


@pytest.mark.parametrize(
    ("overrides", "reason", "words"),
    [
        ({"patient_cpr": "3102901234"}, Reason.INVALID_CPR, "real date"),
        ({"date": "2026-02-30"}, Reason.INVALID_DATE, "date"),
        ({"date": "2026-06-02"}, Reason.INVALID_DATE, "future"),
        ({"episode_source_id": ""}, Reason.UNKNOWN_COURSE, "episode_source_id is required"),
        ({"instrument": "eq5d"}, Reason.UNKNOWN_INSTRUMENT, "free-to-use"),
        ({"instrument": "koos12"}, Reason.UNKNOWN_INSTRUMENT, "nprs, psfs"),
        ({"instrument": "0101901234"}, Reason.UNKNOWN_INSTRUMENT, "not one Sentinel takes"),
        ({"timepoint": "follow_up_6m"}, Reason.INVALID_TIMEPOINT, "timepoint must be"),
        ({"answered_by": "spouse"}, Reason.INVALID_RESPONDENT, "answered_by must be"),
        ({"score": None}, Reason.MISSING_SCORE, "score is required for nprs"),
        ({"score": 11}, Reason.SCORE_OUT_OF_RANGE, "0 to 10"),
        ({"score": -1}, Reason.SCORE_OUT_OF_RANGE, "0 to 10"),
        ({"score": 6.5}, Reason.INVALID_SCORE, "whole number"),
        ({"score": "7"}, Reason.INVALID_SCORE, "must be a number"),
        ({"score": True}, Reason.INVALID_SCORE, "must be a number"),
        ({"items": [{"item": "1", "score": 3}]}, Reason.INVALID_ITEM, "no items"),
        ({"instrument": "chair_stand_30s", "score": 61}, Reason.SCORE_OUT_OF_RANGE, "0 to 60"),
        ({"instrument": "walk_40m_fast", "score": 4}, Reason.SCORE_OUT_OF_RANGE, "5 to 300"),
        ({"instrument": "walk_40m_fast", "score": 30.125}, Reason.INVALID_SCORE, "2 decimals"),
        ({**PSFS, "items": []}, Reason.MISSING_SCORE, "at least 1 item"),
        ({**PSFS, "items": None}, Reason.MISSING_SCORE, "at least 1 item"),
        (
            {**PSFS, "items": [{"item": str(i), "score": 5} for i in range(1, 7)]},
            Reason.INVALID_ITEM,
            "at most 5",
        ),
        ({**PSFS, "items": [{"item": "6", "score": 5}]}, Reason.INVALID_ITEM, "one of 1, 2"),
        (
            {**PSFS, "items": [{"item": "1", "score": 5}, {"item": "1", "score": 4}]},
            Reason.INVALID_ITEM,
            "twice",
        ),
        ({**PSFS, "items": [{"item": "1", "score": None}]}, Reason.MISSING_SCORE, "required"),
        ({**PSFS, "items": [{"item": "1", "score": 12}]}, Reason.SCORE_OUT_OF_RANGE, "items[0]"),
        (
            {**PSFS, "score": 5, "items": [{"item": "1", "score": 3}]},
            Reason.INVALID_SCORE,
            "mean of the items",
        ),
        ({"source_id": "M-0101901234"}, Reason.INVALID_TEXT, "source_id holds a CPR"),
        ({"episode_source_id": "E-0101901234"}, Reason.INVALID_TEXT, "episode_source_id"),
        ({"timepoint": "baseline\n"}, Reason.INVALID_TEXT, "control character"),
    ],
)
def test_every_rule_refuses_with_its_reason_and_stores_nothing(
    vendor, clinic, overrides, reason, words
):
    result = send(vendor, clinic, episode(), measurement(**overrides))
    assert result.accepted == 1  # the episode
    assert [r.reason for r in result.rejected] == [reason]
    assert result.rejected[0].index == 1
    assert words in result.rejected[0].message
    assert "0101901234" not in result.rejected[0].message
    assert not OutcomeRecord.objects.filter(clinic=clinic).exists()


def test_a_course_never_sent_is_an_unknown_course(vendor, clinic):
    result = send(vendor, clinic, measurement(course="E-404"))
    assert [r.reason for r in result.rejected] == [Reason.UNKNOWN_COURSE]
    assert "send the episode first" in result.rejected[0].message
    # The course of another vendor does not count either.
    other = VendorFactory()
    onboard_again = send(other, clinic, episode("E-9"))
    assert onboard_again.rejected[0].reason == Reason.CLINIC_NOT_ACTIVATED
    result = send(vendor, clinic, measurement(course="E-9"))
    assert [r.reason for r in result.rejected] == [Reason.UNKNOWN_COURSE]


def test_the_course_may_come_earlier_in_the_batch_or_in_an_earlier_one(vendor, clinic):
    result = send(vendor, clinic, measurement("M-1"), episode(), measurement("M-2"))
    assert [(r.index, r.reason) for r in result.rejected] == [(0, Reason.UNKNOWN_COURSE)]
    result = send(vendor, clinic, measurement("M-1"))
    assert result.rejected == []
    assert OutcomeRecord.objects.filter(clinic=clinic).count() == 2


def test_a_clinic_enrolled_only_in_diagnosekodning_gets_not_enrolled(vendor):
    clinic = ClinicFactory()
    onboard(clinic, vendor, "diagnosekodning")
    result = send(vendor, clinic, episode(), measurement())
    assert result.accepted == 1
    assert [r.reason for r in result.rejected] == [Reason.NOT_ENROLLED]
    assert "outcome records" in result.rejected[0].message
    assert not OutcomeRecord.objects.exists()


def test_a_clinic_in_both_projects_stores_each_project_its_own_fields(vendor):
    clinic = ClinicFactory()
    onboard(clinic, vendor, "diagnosekodning", OUTCOMES)
    result = send(vendor, clinic, episode(), measurement())
    assert (result.accepted, result.rejected) == (2, [])
    # Diagnosekodning keeps the episode's CPR (pseudonymised); the measurement's CPR is only
    # used for its age band, so the answer names it as dropped.
    assert result.dropped_fields == ["patient_cpr", "practitioner_initials"]
    by_project = {e.project.code: e for e in Episode.objects.filter(clinic=clinic)}
    assert by_project["diagnosekodning"].patient_pseudonym != ""
    assert by_project[OUTCOMES].patient_pseudonym == ""
    assert by_project[OUTCOMES].current_code == ""  # no diagnoses in Forløbsresultater
    stored = OutcomeRecord.objects.get(clinic=clinic)
    assert stored.episode_id == by_project[OUTCOMES].pk


def test_a_measurement_before_enrolment_is_refused(vendor):
    clinic = ClinicFactory()
    onboard(clinic, vendor, OUTCOMES, on=dt.date(2026, 3, 1))
    result = send(vendor, clinic, episode(start_date="2026-03-02"), measurement(date="2026-02-27"))
    assert [r.reason for r in result.rejected] == [Reason.BEFORE_ENROLMENT]
    assert result.rejected[0].message.startswith("date 2026-02-27")


def test_speciale_57_courses_are_not_collected_and_their_measurements_unknown(vendor, clinic):
    result = send(vendor, clinic, episode(speciale="57"), measurement())
    assert [r.reason for r in result.rejected] == [
        Reason.NOT_IN_DATA_SPECIFICATION,
        Reason.UNKNOWN_COURSE,
    ]


def test_versions_replay_update_and_stale(vendor, clinic):
    send(vendor, clinic, episode(), measurement(score=7))
    replay = send(vendor, clinic, measurement(score=7))
    assert (replay.accepted, replay.results) == (1, {0: "unchanged"})
    changed = send(vendor, clinic, measurement(score=5))
    assert [r.reason for r in changed.rejected] == [Reason.STALE_VERSION]
    assert "send 2" in changed.rejected[0].message
    updated = send(vendor, clinic, measurement(score=5, version=2))
    assert updated.results == {0: "updated"}
    older = send(vendor, clinic, measurement(score=4, version=1))
    assert [r.reason for r in older.rejected] == [Reason.STALE_VERSION]
    assert OutcomeRecord.objects.get(clinic=clinic).score == Decimal(5)


def test_an_opt_out_deletes_the_course_and_its_measurements(vendor, clinic):
    cpr = synthetic_cpr()
    send(vendor, clinic, episode(cpr=cpr), measurement(cpr=cpr))
    assert OutcomeRecord.objects.filter(clinic=clinic).exists()
    result = send(vendor, clinic, episode(cpr=cpr, patient_opt_out=True, version=2))
    assert [r.reason for r in result.rejected] == [Reason.PATIENT_OPTED_OUT]
    assert not Episode.objects.filter(clinic=clinic).exists()
    assert not OutcomeRecord.objects.filter(clinic=clinic).exists()


def test_an_opted_out_measurement_withdraws_its_course(vendor, clinic):
    cpr = synthetic_cpr()
    send(vendor, clinic, episode(cpr=cpr), measurement(cpr=cpr))
    result = send(vendor, clinic, measurement("M-2", cpr=cpr, patient_opt_out=True))
    assert [r.reason for r in result.rejected] == [Reason.PATIENT_OPTED_OUT]
    assert not OutcomeRecord.objects.filter(clinic=clinic).exists()


def test_the_project_is_published_with_its_specification():
    project = Project.objects.get(code=OUTCOMES)
    assert project.is_published
    spec = project.specifications.get(version=1).parsed
    assert spec.record_types == ("episode", "outcome")
    assert "age_band" in spec.fields and "patient_cpr" not in spec.fields
    description = project.description_da
    for words in ("NPRS", "PSFS", "aldersgruppe", "hverken CPR-nummeret, fødselsdatoen"):
        assert words in description


# --- the course-type limit (Forløbsresultater version 2, from 2026-12-07) ---------------

LIMITED_FROM = dt.date(2026, 12, 7)
LIMITED_NOW = dt.datetime(2026, 12, 9, 12, tzinfo=dt.UTC)


def test_a_course_of_no_structured_type_goes_to_diagnosekodning_only(vendor) -> None:
    """Enrolled in both projects: the course is collected for Diagnosekodning (every course)
    and not for Forløbsresultater; its measurement is refused, also in a later batch, when
    its type is read from the copy Diagnosekodning keeps."""
    clinic = ClinicFactory()
    onboard(clinic, vendor, "diagnosekodning", OUTCOMES)
    day = LIMITED_FROM.isoformat()
    course = episode(
        "E-NECK",
        course_type=None,
        start_date=day,
        diagnoses=[{"code": "L01", "recorded_at": f"{day}T09:30:00+01:00"}],
    )

    first = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[course, measurement("M-1", course="E-NECK", date=day)],
        now=LIMITED_NOW,
    )
    later = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[measurement("M-2", course="E-NECK", date=day)],
        now=LIMITED_NOW,
    )

    assert first.accepted == 1
    assert [(r.index, r.reason) for r in first.rejected] == [(1, Reason.NOT_IN_DATA_SPECIFICATION)]
    assert [r.reason for r in later.rejected] == [Reason.NOT_IN_DATA_SPECIFICATION]
    assert list(Episode.objects.filter(clinic=clinic).values_list("project__code", flat=True)) == [
        "diagnosekodning"
    ]
    assert not OutcomeRecord.objects.filter(clinic=clinic).exists()


def test_a_course_that_becomes_structured_is_collected_with_its_measurements(vendor) -> None:
    """The course type as last sent decides: a course first sent without a type and then
    with one is collected for Forløbsresultater from the version that carries it."""
    clinic = ClinicFactory()
    onboard(clinic, vendor, OUTCOMES)
    day = LIMITED_FROM.isoformat()
    untyped = episode("E-HIP", course_type=None, start_date=day, diagnoses=[])
    typed = episode(
        "E-HIP",
        version=2,
        course_type="hip_osteoarthritis",
        start_date=day,
        diagnoses=[{"code": "L89", "recorded_at": f"{day}T09:30:00+01:00"}],
    )

    first = ingest(vendor=vendor, clinic=clinic, records=[untyped], now=LIMITED_NOW)
    second = ingest(
        vendor=vendor,
        clinic=clinic,
        records=[typed, measurement("M-HIP", course="E-HIP", date=day)],
        now=LIMITED_NOW,
    )

    assert [r.reason for r in first.rejected] == [Reason.NOT_IN_DATA_SPECIFICATION]
    assert (second.accepted, second.rejected) == (2, [])
    assert Episode.objects.get(clinic=clinic).course_type == "hip_osteoarthritis"
    assert OutcomeRecord.objects.get(clinic=clinic).source_id == "M-HIP"
