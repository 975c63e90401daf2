"""Validation of one record in the API's record shape: its values parsed, or a rejection.

The pipeline's step 2 (``pipeline`` has the order of the steps). A rejection carries a fixed
reason code (``reasons.Reason``) and an English message that names the field and never
quotes a value that could be a CPR. Both doors hand records here: the JSON door after its
schema (strict types, no control characters), the FHIR door with strings as the Bundle
had them, so the text rules are checked here too.

- ``patient_cpr``: 10 ASCII digits, an optional dash (``lib.cpr``) → else ``invalid_cpr``.
- Dates (``start_date``, ``end_date``, ``services[].date``): exactly ``YYYY-MM-DD``, a real
  day from 1900-01-01 to a year after today; ``recorded_at``: that date, optionally with
  ``THH:MM[:SS[.ffffff]]`` and ``Z`` or ``±HH:MM`` (no offset: Danish local time) → else
  ``invalid_date``. A course may not start in the future or end before it starts.
- Text: no control character or lone surrogate in any string, and no CPR-shaped value in
  ``source_id`` → else ``invalid_text`` (the answer then echoes no ``source_id``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sentinel.lib import icpc2
from sentinel.lib.cpr import InvalidCpr, contains_cpr, parse_cpr
from sentinel.lib.dates import add_months
from sentinel.lib.reasons import Reason
from sentinel.lib.text import is_clean_text

EARLIEST = dt.date(1900, 1, 1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


class Reject(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        self.reason = reason
        self.message = message


VOID_STATUSES = frozenset({"refuted", "entered-in-error"})
VERIFICATION_STATUSES = frozenset(
    {"unconfirmed", "provisional", "differential", "confirmed", *VOID_STATUSES}
)


@dataclass(frozen=True)
class Diagnosis:
    code: str
    recorded_at: dt.datetime
    source: str
    verification_status: str = ""

    @property
    def counts(self) -> bool:
        """A refuted code, or one entered in error, is kept but never the course's code."""
        return self.verification_status not in VOID_STATUSES


@dataclass(frozen=True)
class Valid:
    """A record that passed validation, with its values parsed."""

    raw: dict[str, Any]
    cpr: str | None
    start: dt.date
    end: dt.date | None
    diagnoses: tuple[Diagnosis, ...]


@functools.lru_cache(maxsize=4)
def _latest(today: dt.date) -> dt.date:
    """The last plausible day: a year after ``today`` (asked for every date of a batch)."""
    return add_months(today, 12)


def _in_range(day: dt.date, name: str, today: dt.date) -> None:
    if not EARLIEST <= day <= _latest(today):
        raise Reject(
            Reason.INVALID_DATE,
            f"{name} is outside the plausible range {EARLIEST} to {_latest(today)}",
        )


def _date(value: Any, name: str, today: dt.date) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise Reject(Reason.INVALID_DATE, f"{name} must be a date as YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Reject(Reason.INVALID_DATE, f"{name} is not a real date as YYYY-MM-DD") from None
    _in_range(day, name, today)
    return day


def parse_date(value: Any, name: str, today: dt.date) -> dt.date:
    """A date field as ``YYYY-MM-DD`` in the plausible range, or ``Reject`` (``invalid_date``)."""
    return _date(value, name, today)


def _moment(value: Any, name: str, today: dt.date) -> dt.datetime:
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise Reject(Reason.INVALID_DATE, f"{name} must be an ISO 8601 date-time")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Reject(Reason.INVALID_DATE, f"{name} is not a real ISO 8601 date-time") from None
    # The day as written, before any conversion: 9999-12-31T23:59-14:00 must not overflow.
    _in_range(moment.date(), name, today)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # Danish local time when no offset is given
    return moment


def _check_text(raw: dict[str, Any]) -> None:
    for name, value in raw.items():
        if isinstance(value, str) and not is_clean_text(value):
            raise Reject(Reason.INVALID_TEXT, f"{name} holds a control character")
        if isinstance(value, list):
            for i, item in enumerate(value):
                for key, inner in item.items() if isinstance(item, dict) else ():
                    if isinstance(inner, str) and not is_clean_text(inner):
                        raise Reject(
                            Reason.INVALID_TEXT, f"{name}[{i}].{key} holds a control character"
                        )


def check_text(raw: dict[str, Any], *, usable_source_id: str = "") -> None:
    """``Reject`` when a string of the record is unusable (``invalid_text``).

    The hot path: every string of the record (top level, and in the objects of its lists)
    joined and searched once; only a record that fails is walked again to name the field.
    ``usable_source_id`` is what ``usable_source_id`` said of the record, if asked already
    (a ``source_id`` it passed holds no CPR)."""
    parts: list[str] = []
    for value in raw.values():
        if type(value) is str:
            parts.append(value)
        elif type(value) is list:
            for item in value:
                if type(item) is dict:
                    parts.extend(v for v in item.values() if type(v) is str)
    if not is_clean_text("".join(parts)):
        _check_text(raw)
    source_id = raw.get("source_id")
    if isinstance(source_id, str) and source_id != usable_source_id and contains_cpr(source_id):
        raise Reject(
            Reason.INVALID_TEXT,
            "source_id holds a CPR number; use the practice system's own id of the course",
        )


def usable_source_id(raw: dict[str, Any]) -> str:
    """The record's ``source_id`` when it may be looked up, stored and echoed; else ``""``."""
    source_id = raw.get("source_id")
    if not isinstance(source_id, str) or not is_clean_text(source_id) or contains_cpr(source_id):
        return ""
    return source_id


def validate_record(raw: dict[str, Any], today: dt.date) -> Valid:
    """The record's values parsed, or ``Reject`` with the first problem found."""
    cpr = raw.get("patient_cpr")
    if cpr is not None:
        try:
            cpr, _born = parse_cpr(cpr, today=today)
        except InvalidCpr as exc:
            raise Reject(Reason.INVALID_CPR, exc.message_en) from None
    course_type = raw.get("course_type")
    if course_type is not None and course_type not in icpc2.COURSE_TYPES:
        raise Reject(
            Reason.NOT_IN_DATA_SPECIFICATION,
            f"course_type {course_type!r} is not a structured course; use one of "
            f"{', '.join(sorted(icpc2.COURSE_TYPES))} or null",
        )
    start = _date(raw.get("start_date"), "start_date", today)
    end = _date(raw["end_date"], "end_date", today) if raw.get("end_date") is not None else None
    if end is not None and end < start:
        raise Reject(Reason.INVALID_DATE, "end_date is before start_date")
    if start > today:
        raise Reject(Reason.INVALID_DATE, "start_date is in the future")
    for i, service in enumerate(raw.get("services") or ()):
        day = service.get("date") if isinstance(service, dict) else None
        _date(day, f"services[{i}].date", today)
    diagnoses = []
    known = icpc2.codes()
    for i, item in enumerate(raw.get("diagnoses") or ()):
        code = item.get("code")
        if code not in known:
            raise Reject(
                Reason.UNKNOWN_ICPC2_CODE,
                f"diagnoses[{i}].code {code!r} is not in ICPC-2-DK",
            )
        recorded = _moment(item.get("recorded_at"), f"diagnoses[{i}].recorded_at", today)
        diagnoses.append(
            Diagnosis(
                code,
                recorded,
                item.get("source") or "clinician",
                item.get("verification_status") or "",
            )
        )
    return Valid(raw, cpr, start, end, tuple(diagnoses))


def recorded_moment(value: Any, today: dt.date) -> dt.datetime:
    """A diagnosis's ``recorded_at`` as the pipeline stores it (``Reject`` if it is none)."""
    return _moment(value, "recorded_at", today)
