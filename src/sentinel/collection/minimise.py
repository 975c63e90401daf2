"""Minimisation's answer: which sent fields no project the record is stored for keeps.

Every record type the same way (``lib.recordtypes`` lists each type's fields): a field the
record carries (not empty) that none of its projects' specifications names is dropped, and
the batch's answer names it (``dropped_fields``). A field only used to derive another (the
CPR of an outcome record, used for its age band) is dropped too, and named."""

from __future__ import annotations

from typing import Any

from sentinel.lib.dataspec import KNOWN_FIELDS

_EMPTY: tuple[Any, ...] = (None, "", [], {})
FIELDS = {record_type: tuple(fields) for record_type, fields in KNOWN_FIELDS.items()}


def note_dropped(
    raw: dict[str, Any], kept: frozenset[str], dropped: set[str], record_type: str = "episode"
) -> None:
    """Add to ``dropped`` the fields ``raw`` carries (not empty) that are not ``kept`` (the
    fields of the projects it is stored for: minimisation)."""
    for name in FIELDS[record_type]:
        if name not in kept and name not in dropped and raw.get(name) not in _EMPTY:
            dropped.add(name)
