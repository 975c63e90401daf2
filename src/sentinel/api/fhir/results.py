"""What each entry of a Bundle is told once its courses went through the pipeline.

A course (``EpisodeItem``) spans several entries: its EpisodeOfCare, its Conditions, its
Patient, perhaps its Organization. Its outcome is said once, on the entry it is about:

- stored: the EpisodeOfCare is ``201 Created`` (a new course) or ``200 OK`` (updated, or
  unchanged) with ``location`` ``EpisodeOfCare/<id>/_history/<version>`` and ``etag``; each
  Condition the same status with ``location`` ``Condition/<id>/_history/1`` (the stored
  diagnosis event); the Patient and the Organization ``200 OK`` (Sentinel keeps no such
  resource, only what the project collects of them with the course, the CPR as a pseudonym).
  The ids are Sentinel's own row ids (never a CPR or a vendor's id): the course's first stored
  row and its diagnosis events, which resolve to the same course on every later answer.
- rejected: the entry that holds the failing element (``elements.locate``) carries the error
  in the profile's words with its reason and ``expression``; every other entry of the course
  is ``424 Failed Dependency`` pointing at it, so a transaction's OperationOutcome names the
  failing entry once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel.api.fhir.codes import EntryResult, EpisodeItem
from sentinel.api.fhir.elements import ELEMENTS, about, fhir_words, locate
from sentinel.collection.outcome import CREATED, UNCHANGED, UPDATED, Outcome, Rejection
from sentinel.lib.reasons import Reason

FAILED_DEPENDENCY = "424 Failed Dependency"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_STATUS = {CREATED: "201 Created", UPDATED: "200 OK", UNCHANGED: "200 OK"}
_EPISODE_TEXT = {
    CREATED: "stored: a new course",
    UPDATED: "stored: the course is updated",
    UNCHANGED: "unchanged: this version of the course is stored already",
}
_CONDITION_TEXT = {
    CREATED: "stored: a diagnosis of the new course at entry[{k}]",
    UPDATED: "stored with the course at entry[{k}]",
    UNCHANGED: "unchanged: stored already with the course at entry[{k}]",
}


@dataclass(frozen=True)
class StoredCourse:
    """Sentinel's ids of a stored course: its first episode row and its version, and the
    diagnosis event of each Condition entry (absent when the project collects no diagnoses)."""

    episode_id: int
    version: int
    conditions: dict[int, int] = field(default_factory=dict)


@dataclass
class EntryAnswers:
    """The entries' results as the courses of a Bundle are answered, then ``finish``ed."""

    entries: list[dict[str, Any]]
    results: dict[int, EntryResult] = field(default_factory=dict)
    #: entry → what the courses that use it (beside the entry they are about) said
    uses: dict[int, list[EntryResult]] = field(default_factory=dict)

    def failed(self, item: EpisodeItem, root: int, result: EntryResult) -> None:
        """The course failed at entry ``root``: the others depend on it."""
        self.results[root] = result
        for index in item.entry_indexes:
            if index != root:
                self._use(
                    index,
                    EntryResult(
                        FAILED_DEPENDENCY,
                        "error",
                        "processing",
                        f"not stored: the course it belongs to failed at entry[{root}] "
                        "(see that entry's outcome)",
                        expression=f"Bundle.entry[{index}]",
                    ),
                )

    def unreachable(self, item: EpisodeItem, message: str) -> None:
        """The clinic of the course is not one this vendor reaches (``404``)."""
        episode = item.entry_indexes[0]
        self.failed(
            item,
            episode,
            EntryResult(
                "404 Not Found",
                "error",
                "not-found",
                message,
                expression=f"Bundle.entry[{episode}].resource.managingOrganization",
            ),
        )

    def rejected(self, item: EpisodeItem, reason: Reason, message: str) -> None:
        field_name, position = about(reason, message)
        where = locate(field_name, position, item, self.entries)
        text = fhir_words(message)
        if reason == Reason.COURSE_ENTERED_IN_ERROR:  # done as asked: nothing is kept
            episode = item.entry_indexes[0]
            self.results[episode] = EntryResult(
                "200 OK", "information", "informational", text, reason.value, where.expression
            )
            for index in item.entry_indexes[1:]:
                self._use(
                    index,
                    EntryResult(
                        "200 OK",
                        "information",
                        "informational",
                        f"not kept: the course at entry[{episode}] was entered in error",
                    ),
                )
            return
        result = EntryResult(
            "422 Unprocessable Entity",
            "error",
            "business-rule",
            text,
            reason.value,
            where.expression,
        )
        self.failed(item, where.entry, result)

    def measure(
        self,
        item: EpisodeItem,
        rejection: Rejection | None,
        what: str | None,
        row: tuple[int, int] | None,
    ) -> None:
        """An Observation or QuestionnaireResponse: its own entry says what became of it."""
        index = item.entry_indexes[0]
        kind = _dict(self.entries[index].get("resource")).get("resourceType")
        if rejection is not None:
            done = rejection.reason == Reason.COURSE_ENTERED_IN_ERROR
            self.results[index] = EntryResult(
                "200 OK" if done else "422 Unprocessable Entity",
                "information" if done else "error",
                "informational" if done else "business-rule",
                rejection.message,
                rejection.reason.value,
                f"Bundle.entry[{index}].resource",
            )
            return
        what = what or UPDATED
        location = f"{kind}/{row[0]}/_history/{row[1]}" if row else None
        self.results[index] = EntryResult(
            _STATUS[what],
            "information",
            "informational",
            "stored: the measurement" if what != UNCHANGED else "unchanged: stored already",
            location=location,
            etag=f'W/"{row[1]}"' if row else None,
        )

    def stored(
        self, item: EpisodeItem, what: str, dropped: list[str], course: StoredCourse | None
    ) -> None:
        episode = item.entry_indexes[0]
        not_kept = (
            f"; not kept (the project does not collect them): "
            f"{', '.join(ELEMENTS[name].name if name in ELEMENTS else name for name in dropped)}"
            if dropped
            else ""
        )
        location = etag = None
        if course is not None:
            location = f"EpisodeOfCare/{course.episode_id}/_history/{course.version}"
            etag = f'W/"{course.version}"'
        self.results[episode] = EntryResult(
            _STATUS[what],
            "information",
            "informational",
            f"{_EPISODE_TEXT[what]}{not_kept}",
            location=location,
            etag=etag,
        )
        for condition in item.conditions:
            event = None if course is None else course.conditions.get(condition)
            if event is None:
                self._use(
                    condition,
                    EntryResult(
                        "200 OK",
                        "information",
                        "informational",
                        f"not kept: the course at entry[{episode}] is stored, but its project "
                        "does not collect diagnoses",
                    ),
                )
                continue
            self._use(
                condition,
                EntryResult(
                    _STATUS[what],
                    "information",
                    "informational",
                    _CONDITION_TEXT[what].format(k=episode),
                    location=f"Condition/{event}/_history/1",
                    etag='W/"1"',
                ),
            )
        for index, role in ((item.patient, "patient"), (item.organization, "clinic")):
            if index is not None:
                kind = "Patient" if role == "patient" else "Organization"
                self._use(
                    index,
                    EntryResult(
                        "200 OK",
                        "information",
                        "informational",
                        f"used as the {role} of the course at entry[{episode}]; Sentinel keeps "
                        f"no {kind} resource, only what the project collects with the course",
                    ),
                )

    def _use(self, index: int, result: EntryResult) -> None:
        self.uses.setdefault(index, []).append(result)

    def finish(self) -> dict[int, EntryResult]:
        """Each entry's result: its own, else the first success of a course that used it
        (a Patient of two courses is used when either is stored), else why it was not."""
        results = dict(self.results)
        for index, uses in self.uses.items():
            if index in results:
                continue
            ok = [u for u in uses if u.severity != "error"]
            results[index] = ok[0] if ok else uses[0]
        return results


def answer_outcome(
    answers: EntryAnswers,
    items: list[EpisodeItem],
    outcome: Outcome,
    stored: dict[int, StoredCourse],
    measures: dict[int, tuple[int, int]] | None = None,
) -> None:
    """Answer one clinic's courses (``items``, in the order given to the pipeline) from the
    pipeline's ``outcome``; ``stored`` has Sentinel's ids of each stored one, by position."""
    measures = measures or {}
    rejected = {r.index: r for r in outcome.rejected}
    for position, item in enumerate(items):
        rejection = rejected.get(position)
        if item.record["type"] == "outcome":
            answers.measure(item, rejection, outcome.results.get(position), measures.get(position))
        elif rejection is not None:
            answers.rejected(item, rejection.reason, rejection.message)
        else:
            what = outcome.results.get(position, UPDATED)
            answers.stored(item, what, outcome.dropped_fields, stored.get(position))
