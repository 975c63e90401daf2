"""Sentinel's ids of the courses a FHIR Bundle stored, for the answer's ``location``s.

A course is stored as one ``Episode`` row per project it goes to and one ``DiagnosisEvent`` row
per diagnosis and project; its id in FHIR is its first (lowest) episode row, its Conditions'
the diagnosis events of that row. Read in the batch's transaction, right after the pipeline
wrote them: one query for the courses with diagnoses (the usual case), one more only for
courses without any, and one for a course that has the same code twice (told apart by
``recorded_at``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sentinel.api.fhir import EpisodeItem
from sentinel.api.fhir.results import StoredCourse
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import DiagnosisEvent, Episode, OutcomeRecord
from sentinel.collection.outcome import Outcome
from sentinel.collection.rows import AnyOf  # noqa: F401 - registers ``source_id__any_of``
from sentinel.collection.validation import Reject, recorded_moment


def stored_courses(
    clinic: Clinic, vendor: Vendor, items: list[EpisodeItem], outcome: Outcome
) -> dict[int, StoredCourse]:
    """The stored courses among ``items`` (the pipeline's positions), with their ids."""
    positions = {
        items[position].record["source_id"]: position
        for position in outcome.results
        if items[position].record["type"] != "outcome"  # measurements: ``stored_measures``
    }
    if not positions:
        return {}
    first: dict[str, tuple[int, int]] = {}  # source id → (episode id, version), lowest id
    codes: dict[int, dict[str, list[int]]] = {}  # episode → code → its events' ids
    for source_id, episode_id, version, code, event in DiagnosisEvent.objects.filter(
        clinic=clinic,
        episode__clinic=clinic,  # the unique index's leading column
        episode__vendor=vendor,
        episode__source_id__any_of=list(positions),
    ).values_list("episode__source_id", "episode_id", "episode__version", "code", "id"):
        if source_id not in first or episode_id < first[source_id][0]:
            first[source_id] = (episode_id, version)
        codes.setdefault(episode_id, {}).setdefault(code, []).append(event)
    without = [s for s in positions if s not in first]
    if without:  # courses stored without diagnoses (or whose project collects none)
        for source_id, episode_id, version in Episode.objects.filter(
            clinic=clinic, vendor=vendor, source_id__any_of=without
        ).values_list("source_id", "id", "version"):
            if source_id not in first or episode_id < first[source_id][0]:
                first[source_id] = (episode_id, version)
    courses = {}
    twice: list[tuple[int, int, dict[str, str]]] = []  # (position, entry, diagnosis)
    for source_id, (episode_id, version) in first.items():
        position = positions[source_id]
        item = items[position]
        conditions = {}
        of_course = codes.get(episode_id, {})
        for entry, diagnosis in zip(item.conditions, item.record["diagnoses"], strict=True):
            found = of_course.get(diagnosis["code"], ())
            if len(found) == 1:  # every code sent is stored: the one with this code is it
                conditions[entry] = found[0]
            elif found:
                twice.append((position, entry, diagnosis))
        courses[position] = StoredCourse(episode_id, version, conditions)
    if twice:
        _tell_apart(clinic, courses, codes, twice)
    return courses


def _tell_apart(
    clinic: Clinic,
    courses: dict[int, StoredCourse],
    codes: dict[int, dict[str, list[int]]],
    twice: list[tuple[int, int, dict[str, str]]],
) -> None:
    """The events of codes a course has more than once, by ``recorded_at``."""
    ids = [
        event
        for position, _entry, diagnosis in twice
        for event in codes[courses[position].episode_id][diagnosis["code"]]
    ]
    moments = dict(
        DiagnosisEvent.objects.filter(clinic=clinic, id__in=ids).values_list("id", "recorded_at")
    )
    today = timezone.localdate()
    for position, entry, diagnosis in twice:
        course = courses[position]
        try:
            moment: dt.datetime = recorded_moment(diagnosis["recorded_at"], today)
        except Reject:  # cannot happen for a stored record; no location then
            continue
        for event in codes[course.episode_id][diagnosis["code"]]:
            if moments.get(event) == moment:
                course.conditions[entry] = event


def stored_measures(
    clinic: Clinic, vendor: Vendor, items: list[EpisodeItem], outcome: Outcome
) -> dict[int, tuple[int, int]]:
    """The stored measurements among ``items`` (the pipeline's positions): (row id, version)
    of the first row stored for each (one per project that collects it)."""
    positions = {
        items[position].record["source_id"]: position
        for position in outcome.results
        if items[position].record["type"] == "outcome"
    }
    if not positions:
        return {}
    found: dict[int, tuple[int, int]] = {}
    for source_id, pk, version in (
        OutcomeRecord.objects.filter(clinic=clinic, vendor=vendor, source_id__in=list(positions))
        .order_by("id")
        .values_list("source_id", "id", "version")
    ):
        found.setdefault(positions[source_id], (pk, version))
    return found
