"""Sentinel's ids of the courses a FHIR Bundle stored, for the answer's ``location``s.

A course is stored as one ``Episode`` row per project it goes to and one ``DiagnosisEvent`` row
per diagnosis and project; its id in FHIR is its first (lowest) episode row, its Conditions'
the diagnosis events of that row. Read in the batch's transaction, right after the pipeline
wrote them: two queries per clinic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sentinel.api.fhir import EpisodeItem
from sentinel.api.fhir.results import StoredCourse
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.collection.outcome import Outcome
from sentinel.collection.validation import Reject, recorded_moment


def stored_courses(
    clinic: Clinic, vendor: Vendor, items: list[EpisodeItem], outcome: Outcome
) -> dict[int, StoredCourse]:
    """The stored courses among ``items`` (the pipeline's positions), with their ids."""
    positions = {items[position].record["source_id"]: position for position in outcome.results}
    if not positions:
        return {}
    first: dict[str, tuple[int, int]] = {}
    for source_id, pk, version in (
        Episode.objects.filter(clinic=clinic, vendor=vendor, source_id__any_of=list(positions))
        .order_by("-id")
        .values_list("source_id", "id", "version")
    ):
        first[source_id] = (pk, version)  # the lowest id comes last and stays
    events: dict[int, dict[tuple[str, dt.datetime], int]] = {}
    chosen = {pk for pk, _version in first.values()}
    for episode_id, code, recorded_at, pk in DiagnosisEvent.objects.filter(
        clinic=clinic, episode__vendor=vendor, episode__source_id__any_of=list(first)
    ).values_list("episode_id", "code", "recorded_at", "id"):
        if episode_id in chosen:
            events.setdefault(episode_id, {})[(code, recorded_at)] = pk
    today = timezone.localdate()
    courses = {}
    for source_id, (pk, version) in first.items():
        position = positions[source_id]
        item = items[position]
        conditions = {}
        of_course = events.get(pk, {})
        for entry, diagnosis in zip(item.conditions, item.record["diagnoses"], strict=True):
            try:
                moment = recorded_moment(diagnosis["recorded_at"], today)
            except Reject:  # cannot happen for a stored record; no location then
                continue
            event = of_course.get((diagnosis["code"], moment))
            if event is not None:
                conditions[entry] = event
        courses[position] = StoredCourse(pk, version, conditions)
    return courses
