"""Property: an outcome record is stored if and only if every collection prerequisite holds,
and its course was collected — the episode gate's property (``tests/integration/
test_gate_property.py``) extended to the second record type, with the same scenarios, the
same onboarding built with the real actions, and an oracle written from the documents:

    opt-out → validation (CPR, then the instrument's scale) → clinic gate (activation, DPA,
    consent) → enrolment in a project that collects outcome records (none, or only
    Diagnosekodning: not_enrolled; the measurement's date before the first enrolment:
    before_enrolment; outside every period: after_unenrolment) → the course it names was
    collected for the project (Forløbsresultater takes speciale 51 courses with known codes):
    else unknown_course.

Each batch is the course (episode) followed by one measurement of it, on the course's start
day; minimisation is checked on every stored measurement: only the age band of the CPR, no
pseudonym, no date but the measurement's."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from sentinel.collection.models import OutcomeRecord
from sentinel.collection.pipeline import ingest
from sentinel.lib import agebands
from sentinel.lib.cpr import parse_cpr
from sentinel.projects.models import Project
from tests.integration.test_gate_property import (
    CONDITIONS,
    KNOWN_CODES,
    PROPERTY,
    Scenario,
    World,
    build,
    oracle,
    record_of,
    scenarios,
)
from tests.integration.test_gate_property import world as world


@dataclass(frozen=True)
class Case:
    s: Scenario
    score: int
    project: str  # the project the scenario enrols the clinic in


def outcome_oracle(case: Case) -> str | None:
    s = case.s
    if s.opt_out:
        return "patient_opted_out"
    clinic_wide = oracle(Scenario(**{**s.__dict__, "speciale": "51", "codes": ("L90",)}))
    if clinic_wide == "invalid_cpr":
        return clinic_wide
    if not 0 <= case.score <= 10:
        return "score_out_of_range"
    if clinic_wide not in (None, "before_enrolment", "after_unenrolment"):
        return clinic_wide  # the clinic gate, or enrolled in no project at all
    if case.project == "diagnosekodning":
        return "not_enrolled"  # enrolled, but in no project that collects outcome records
    if clinic_wide is not None:
        return clinic_wide  # the measurement's date is outside Forløbsresultater's periods
    if s.speciale != "51" or any(c not in KNOWN_CODES for c in s.codes):
        return "unknown_course"  # the course itself was not collected for the project
    return None


@st.composite
def cases(draw: st.DrawFn, focus: str) -> Case:
    s = draw(scenarios(focus=focus))
    score = draw(st.sampled_from((0, 4, 10, 10, 11, -1)) if focus == "random" else st.just(7))
    project = draw(
        st.sampled_from(("forlobsresultater",) * 5 + ("diagnosekodning",))
        if focus == "random"
        else st.just("forlobsresultater")
    )
    return Case(s, score, project)


def check(world: World, case: Case) -> None:
    s = case.s
    world = World(world.vendor, world.other_vendor, Project.objects.get(code=case.project))
    clinic = build(world, s)
    course = {**record_of(s, f"E-{clinic.ydernummer}"), "patient_opt_out": False}
    measurement = {
        "type": "outcome",
        "source_id": f"M-{clinic.ydernummer}",
        "version": 1,
        "episode_source_id": course["source_id"],
        "patient_cpr": s.cpr,
        "instrument": "nprs",
        "timepoint": "baseline",
        "date": s.start.isoformat(),
        "answered_by": "patient",
        "score": case.score,
        "patient_opt_out": s.opt_out,
    }
    expected = outcome_oracle(case)
    note(f"case: {case}")
    note(f"oracle: {expected or 'stored'}")
    event(expected or "stored")

    outcome = ingest(vendor=world.vendor, clinic=clinic, records=[course, measurement], now=s.now)

    stored = OutcomeRecord.objects.filter(clinic=clinic)
    reasons = [r.reason.value for r in outcome.rejected if r.index == 1]
    assert stored.exists() == (expected is None), (reasons, expected)
    if expected is None:
        assert reasons == []
        row = stored.get()
        _cpr, born = parse_cpr(s.cpr, today=s.today)
        assert row.age_band == agebands.band_of(born, s.start)
        assert (row.patient_pseudonym, row.measured_on) == ("", s.start)
        assert "patient_cpr" in outcome.dropped_fields
    else:
        assert reasons == [expected]


@settings(PROPERTY, max_examples=60)
@given(data=st.data())
def test_an_outcome_is_stored_if_and_only_if_every_condition_holds(world, data):
    check(world, data.draw(cases(focus="random"), label="case"))


@pytest.mark.parametrize("focus", ["all_good", *CONDITIONS])
@settings(PROPERTY, max_examples=4)
@given(data=st.data())
def test_one_broken_condition_gives_its_reason(world, focus, data):
    check(world, data.draw(cases(focus=focus), label="case"))
