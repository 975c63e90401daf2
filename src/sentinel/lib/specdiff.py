"""What changed between two data specification versions, field by field.

Pure: takes parsed specifications (``lib.dataspec.DataSpec``) and returns one entry per part
that differs, with what was added and removed (lists) or the value before and after. The
operator console shows it when a new version is previewed and in a project's history; the
portal's Administrer page words the same entries for an enrolled clinic.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.lib.dataspec import DataSpec

PARTS: tuple[tuple[str, str], ...] = (
    ("record_types", "Posttyper"),
    ("fields", "Felter"),
    ("specialities", "Specialer"),
    ("icpc2_chapters", "ICPC-2-kapitler"),
    ("icpc2_codes", "ICPC-2-koder"),
    ("course_types", "Forløbstyper"),
)


@dataclass(frozen=True)
class Change:
    part: str
    label: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    before: str = ""
    after: str = ""


def _yes_no(value: bool) -> str:
    return "ja" if value else "nej"


def diff_specs(old: DataSpec | None, new: DataSpec) -> list[Change]:
    """The changes from ``old`` to ``new`` (everything is added when there is no ``old``).

    An empty ICPC-2 filter means every code, and no course types every course; the entries
    say so rather than listing nothing.
    """
    changes = []
    for part, label in PARTS:
        before: tuple[str, ...] = getattr(old, part) if old is not None else ()
        after: tuple[str, ...] = getattr(new, part)
        added = tuple(v for v in after if v not in before)
        removed = tuple(v for v in before if v not in after)
        if added or removed:
            changes.append(Change(part, label, added=added, removed=removed))
    if old is not None:
        had_filter = bool(old.icpc2_chapters or old.icpc2_codes)
        has_filter = bool(new.icpc2_chapters or new.icpc2_codes)
        if had_filter != has_filter:
            changes.append(
                Change(
                    "icpc2_filter",
                    "ICPC-2-filter",
                    before="kun de valgte koder" if had_filter else "alle koder",
                    after="kun de valgte koder" if has_filter else "alle koder",
                )
            )
    if old is not None and bool(old.course_types) != bool(new.course_types):
        changes.append(
            Change(
                "course_type_filter",
                "Forløbstype-filter",
                before="kun de valgte forløbstyper" if old.course_types else "alle forløb",
                after="kun de valgte forløbstyper" if new.course_types else "alle forløb",
            )
        )
    worklist_before = old.person_identifiable_worklist if old is not None else False
    if old is None or worklist_before != new.person_identifiable_worklist:
        changes.append(
            Change(
                "person_identifiable_worklist",
                "Personhenførbar arbejdsliste (krypteret CPR)",
                before=_yes_no(worklist_before) if old is not None else "",
                after=_yes_no(new.person_identifiable_worklist),
            )
        )
    return changes
