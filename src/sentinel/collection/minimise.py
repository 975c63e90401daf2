"""Minimisation's answer: which sent fields no project the record is stored for keeps.

Every record type the same way (``lib.recordtypes`` lists each type's fields): a field the
record carries (not empty) that none of its projects' specifications names is dropped, and
the batch's answer names it (``dropped_fields``). A field only used to derive another (the
CPR of an outcome record, used for its age band) is dropped too, and named.

An outcome record's dropped fields are noted one record at a time (``note_dropped``); a batch's
courses are counted by shape (``FieldCounts``), which also gives the clinic's ledger its
per-project field counts (``Submission.by_project``)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from sentinel.lib.dataspec import KNOWN_FIELDS

if TYPE_CHECKING:
    from sentinel.projects.models import DataSpecification, Project

_EMPTY: tuple[Any, ...] = (None, "", [], {})
FIELDS = {record_type: tuple(fields) for record_type, fields in KNOWN_FIELDS.items()}
_EPISODE_FIELDS = FIELDS["episode"]


def note_dropped(
    raw: dict[str, Any], kept: frozenset[str], dropped: set[str], record_type: str = "episode"
) -> None:
    """Add to ``dropped`` the fields ``raw`` carries (not empty) that are not ``kept`` (the
    fields of the projects it is stored for: minimisation)."""
    for name in FIELDS[record_type]:
        if name not in kept and name not in dropped and raw.get(name) not in _EMPTY:
            dropped.add(name)


class FieldCounts:
    """What minimisation did to a batch's accepted records: the fields dropped (the answer's
    ``dropped_fields``) and, per project, the records and how many brought each field it
    keeps or had a field dropped (``Submission.by_project``, which the clinic's ledger of its
    data's use reads). The hot path only counts each record's shape — the specifications it
    is stored for and the fields it carries — and the counts are expanded once at the end."""

    def __init__(self) -> None:
        self.shapes: Counter[tuple[tuple[int, ...], tuple[str, ...]]] = Counter()
        #: by the specifications a record is stored for: the projects with the fields each
        #: keeps, and the fields any of them keeps
        self.targets: dict[
            tuple[int, ...], tuple[list[tuple[str, tuple[str, ...]]], frozenset[str]]
        ] = {}

    def note(self, raw: dict[str, Any], targets: list[tuple[Project, DataSpecification]]) -> None:
        specifications = tuple(spec.pk for _, spec in targets)
        if specifications not in self.targets:
            self.targets[specifications] = (
                [(project.code, spec.parsed.fields) for project, spec in targets],
                frozenset(name for _, spec in targets for name in spec.parsed.fields),
            )
        # A field is carried when it is not empty (None, "", [], {}); truthiness says just
        # that for every value an accepted record can hold here, and is cheap on the hot path.
        get = raw.get
        carried = tuple([name for name in _EPISODE_FIELDS if get(name)])
        self.shapes[(specifications, carried)] += 1

    def dropped(self) -> list[str]:
        return sorted(
            {
                name
                for (specifications, carried) in self.shapes
                for name in carried
                if name not in self.targets[specifications][1]
            }
        )

    def by_project(self) -> dict[str, dict[str, Any]]:
        ledger: dict[str, dict[str, Any]] = {}
        for (specifications, carried), n in self.shapes.items():
            projects, kept = self.targets[specifications]
            for code, keeps in projects:
                counts = ledger.setdefault(code, {"records": 0, "fields": {}, "dropped": {}})
                counts["records"] += n
                for name in carried:
                    if name in keeps:
                        counts["fields"][name] = counts["fields"].get(name, 0) + n
                    elif name not in kept:
                        counts["dropped"][name] = counts["dropped"].get(name, 0) + n
        return ledger
