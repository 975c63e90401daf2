"""Property: an outcome record is stored if and only if every collection prerequisite holds,
and its course was collected — the episode gate's property (``tests/integration/
test_gate_property.py``) extended to the second record type, with the same scenarios, the
same onboarding built with the real actions, and an oracle written from the documents:

    opt-out → validation (CPR, then the instrument's scale) → clinic gate (activation, DPA,
    consent) → enrolment in a project that collects outcome records (none, or only
    Diagnosekodning: not_enrolled; the measurement's date before the first enrolment:
    before_enrolment; outside every period: after_unenrolment) → the course it names was
    collected for the project (Forløbsresultater takes speciale 51 courses with known codes
    and, from ``LIMITED_FROM``, of a structured course type; see below): else unknown_course.

Each batch is the course (episode) followed by one measurement of it, on the course's start
day; minimisation is checked on every stored measurement: only the age band of the CPR, no
pseudonym, no date but the measurement's.

Course types (issue 17, minimisation): the ``limited`` fixture publishes, for the test,
Forløbsresultater's course-type limit (its version 2) again as a version in force from
``LIMITED_FROM``, inside the scenarios' window, so a day before it is judged by version 1
(every course) and a day from it by the limit (only the structured courses). The course is
drawn with a course type or none; from ``LIMITED_FROM`` a course of another type is not
collected (``not_in_data_specification``) and neither is its measurement: refused for the
same reason when the course came in the same batch or was collected before, else
``unknown_course`` (nothing of a refused course is kept to judge it by). The course is sent
in the measurement's batch or in a batch of its own before it, and the course's own fate is
checked too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st

from sentinel.collection.models import Episode, OutcomeRecord
from sentinel.collection.pipeline import ingest
from sentinel.lib import agebands
from sentinel.lib.cpr import parse_cpr
from sentinel.lib.icpc2 import COURSE_TYPES
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Project
from tests.conftest import SYSTEM
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

LIMITED_FROM = dt.date(2025, 11, 1)
"""From this day the course-type limit is in force in these tests (before it: version 1)."""
STRUCTURED = tuple(sorted(COURSE_TYPES))


@pytest.fixture
def limited(world: World) -> World:
    """The world, with Forløbsresultater's course-type limit in force from LIMITED_FROM."""
    project = Project.objects.get(code="forlobsresultater")
    spec = project.specifications.get(version=2).spec
    assert sorted(spec["course_types"]) == list(STRUCTURED)
    publish_specification(by=SYSTEM, project=project, spec=spec, effective_from=LIMITED_FROM)
    return world


@dataclass(frozen=True)
class Case:
    s: Scenario
    score: int
    project: str  # the project the scenario enrols the clinic in
    course_type: str | None
    separate: bool  # the course in a batch of its own, before the measurement's


def _outside_the_limit(case: Case) -> bool:
    """The course (and so the measurement, on the same day) falls under the limit and its
    type is not a structured course."""
    return case.s.start >= LIMITED_FROM and case.course_type not in STRUCTURED


def course_oracle(case: Case) -> str | None:
    """The course's own fate: the episode gate's oracle, with the enrolled project's
    specification (Forløbsresultater: speciale 51 only, and the limit)."""
    expected = oracle(case.s)
    if case.project == "diagnosekodning" or expected not in (None, "not_in_data_specification"):
        return expected
    if case.s.speciale != "51" or _outside_the_limit(case):
        return "not_in_data_specification"
    return None


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
    valid_course = all(c in KNOWN_CODES for c in s.codes)
    collected = course_oracle(case) is None
    if _outside_the_limit(case):
        # judged by its course's type when the course is known: sent in this batch (and
        # valid), or collected before; a course refused before left nothing to judge by
        known = valid_course if not case.separate else collected
        return "not_in_data_specification" if known else "unknown_course"
    if not collected:
        return "unknown_course"  # the course itself was not collected for the project
    return None


@st.composite
def cases(draw: st.DrawFn, focus: str) -> Case:
    s = draw(scenarios(focus="all_good" if focus == "course_type" else focus))
    score = draw(st.sampled_from((0, 4, 10, 10, 11, -1)) if focus == "random" else st.just(7))
    project = draw(
        st.sampled_from(("forlobsresultater",) * 5 + ("diagnosekodning",))
        if focus == "random"
        else st.just("forlobsresultater")
    )
    if focus == "course_type":  # a course that is no structured course, under the limit
        assume(s.start >= LIMITED_FROM)
        course_type = None
    elif focus == "random":
        course_type = draw(st.sampled_from((None, None, *STRUCTURED)))
    else:
        course_type = draw(st.sampled_from(STRUCTURED))
    return Case(s, score, project, course_type, separate=draw(st.booleans()))


def check(world: World, case: Case) -> None:
    s = case.s
    world = World(world.vendor, world.other_vendor, Project.objects.get(code=case.project))
    clinic = build(world, s)
    course = {
        **record_of(s, f"E-{clinic.ydernummer}"),
        "patient_opt_out": False,
        "course_type": case.course_type,
    }
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
    expected_course = course_oracle(case) if not s.opt_out else None
    note(f"case: {case}")
    note(f"oracle: {expected or 'stored'} (course: {expected_course or 'stored'})")
    event(expected or "stored")

    if case.separate:
        first = ingest(vendor=world.vendor, clinic=clinic, records=[course], now=s.now)
        outcome = ingest(vendor=world.vendor, clinic=clinic, records=[measurement], now=s.now)
        course_reasons = [r.reason.value for r in first.rejected]
        reasons = [r.reason.value for r in outcome.rejected]
    else:
        outcome = ingest(
            vendor=world.vendor, clinic=clinic, records=[course, measurement], now=s.now
        )
        course_reasons = [r.reason.value for r in outcome.rejected if r.index == 0]
        reasons = [r.reason.value for r in outcome.rejected if r.index == 1]

    courses = Episode.objects.filter(clinic=clinic, project=world.project)
    if s.opt_out:  # the measurement withdrew its course (and the patient) again
        assert not courses.exists()
    else:
        assert courses.exists() == (expected_course is None), (course_reasons, expected_course)
        assert course_reasons == ([expected_course] if expected_course else [])
    stored = OutcomeRecord.objects.filter(clinic=clinic)
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
def test_an_outcome_is_stored_if_and_only_if_every_condition_holds(limited, data):
    check(limited, data.draw(cases(focus="random"), label="case"))


@pytest.mark.parametrize("focus", ["all_good", *CONDITIONS, "course_type"])
@settings(PROPERTY, max_examples=4)
@given(data=st.data())
def test_one_broken_condition_gives_its_reason(limited, focus, data):
    check(limited, data.draw(cases(focus=focus), label="case"))
