"""Outcome records (``lib.recordtypes.OUTCOME``): their validation, per instrument.

The pipeline's step 2 for a record of type ``outcome`` (``pipeline`` has the order of the
steps; ``validation`` holds the episode's). Each rule has its own reason code and an English
message naming the field; in this order:

- ``patient_cpr`` (optional; only ever kept as an age band or a pseudonym) → ``invalid_cpr``;
- ``date``: a real day, not in the future → ``invalid_date``;
- ``episode_source_id``: present → ``unknown_course`` (whether the course was sent is the
  gate's question, per project);
- ``instrument``: one of ``lib.instruments.INSTRUMENTS`` → ``unknown_instrument``;
- ``timepoint``: baseline, end_of_course, follow_up_3m, follow_up_12m → ``invalid_timepoint``;
- ``answered_by``: patient, therapist, proxy → ``invalid_respondent``;
- the score: a single-score instrument needs ``score`` (``missing_score``) and takes no
  ``items`` (``invalid_item``); a multi-item one needs at least ``min_items`` items, each a
  known item number once (``invalid_item``, ``missing_score``); every score a number
  (``invalid_score``; whole where the scale is), on the scale (``score_out_of_range``); a
  ``score`` sent with items must equal their mean (``invalid_score``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sentinel.collection.validation import Reject, parse_date
from sentinel.lib.cpr import InvalidCpr, parse_cpr
from sentinel.lib.instruments import INSTRUMENTS, RESPONDENTS, TIMEPOINTS, Instrument, mean_score
from sentinel.lib.reasons import Reason


@dataclass(frozen=True)
class ValidOutcome:
    """An outcome record that passed validation, with its values parsed. ``born`` is used
    for the age band at ingest and never stored."""

    raw: dict[str, Any]
    cpr: str | None
    born: dt.date | None
    day: dt.date
    instrument: Instrument
    score: Decimal
    items: tuple[tuple[str, Decimal], ...]

    @property
    def start(self) -> dt.date:
        """The day that decides enrolment and specification (the gate's ``day``)."""
        return self.day


def _number(value: Any, name: str, instrument: Instrument) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Reject(Reason.INVALID_SCORE, f"{name} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise Reject(Reason.INVALID_SCORE, f"{name} must be a number") from None
    if not number.is_finite():
        raise Reject(Reason.INVALID_SCORE, f"{name} must be a number")
    if instrument.integer and number != number.to_integral_value():
        raise Reject(Reason.INVALID_SCORE, f"{name} must be a whole number for {instrument.code}")
    if not instrument.minimum <= number <= instrument.maximum:
        raise Reject(
            Reason.SCORE_OUT_OF_RANGE,
            f"{name} is outside {instrument.code}'s scale "
            f"{instrument.minimum} to {instrument.maximum}",
        )
    if number != number.quantize(Decimal("0.01")):
        raise Reject(Reason.INVALID_SCORE, f"{name} has more than 2 decimals")
    return number


def _scores(
    raw: dict[str, Any], instrument: Instrument
) -> tuple[Decimal, tuple[tuple[str, Decimal], ...]]:
    sent_score = raw.get("score")
    items = raw.get("items") or []
    if instrument.shape == "single":
        if items:
            raise Reject(
                Reason.INVALID_ITEM, f"{instrument.code} has one score and no items; send score"
            )
        if sent_score is None:
            raise Reject(Reason.MISSING_SCORE, f"score is required for {instrument.code}")
        return _number(sent_score, "score", instrument), ()
    if not isinstance(items, list):
        raise Reject(Reason.INVALID_ITEM, "items must be a list")
    if len(items) < instrument.min_items:
        raise Reject(
            Reason.MISSING_SCORE,
            f"{instrument.code} needs at least {instrument.min_items} item(s) in items",
        )
    if len(items) > instrument.max_items:
        raise Reject(
            Reason.INVALID_ITEM,
            f"{instrument.code} has at most {instrument.max_items} items",
        )
    parsed: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        code = item.get("item") if isinstance(item, dict) else None
        if code not in instrument.item_codes:
            raise Reject(
                Reason.INVALID_ITEM,
                f"items[{i}].item must be one of {', '.join(instrument.item_codes)} "
                f"for {instrument.code}",
            )
        if code in seen:
            raise Reject(Reason.INVALID_ITEM, f"items[{i}].item {code} is sent twice")
        seen.add(code)
        value = item.get("score")
        if value is None:
            raise Reject(Reason.MISSING_SCORE, f"items[{i}].score is required")
        parsed.append((code, _number(value, f"items[{i}].score", instrument)))
    score = mean_score([value for _, value in parsed])
    if sent_score is not None:
        sent = _number(sent_score, "score", instrument)
        if sent != score:
            raise Reject(
                Reason.INVALID_SCORE,
                f"score must be the mean of the items ({score}) or left out",
            )
    return score, tuple(parsed)


def validate_outcome(raw: dict[str, Any], today: dt.date) -> ValidOutcome:
    """The outcome record's values parsed, or ``Reject`` with the first problem found."""
    cpr = raw.get("patient_cpr")
    born = None
    if cpr is not None:
        try:
            cpr, born = parse_cpr(cpr, today=today)
        except InvalidCpr as exc:
            raise Reject(Reason.INVALID_CPR, exc.message_en) from None
    day = parse_date(raw.get("date"), "date", today)
    if day > today:
        raise Reject(Reason.INVALID_DATE, "date is in the future")
    episode = raw.get("episode_source_id")
    if not isinstance(episode, str) or not episode:
        raise Reject(
            Reason.UNKNOWN_COURSE,
            "episode_source_id is required: the source_id of the course (episode) measured",
        )
    code = raw.get("instrument")
    instrument = INSTRUMENTS.get(code) if isinstance(code, str) else None
    if instrument is None:
        # The value is not echoed: a message never quotes what could be a CPR.
        raise Reject(
            Reason.UNKNOWN_INSTRUMENT,
            f"instrument is {'not one Sentinel takes' if code is not None else 'missing'} "
            f"(free-to-use instruments only); use one of {', '.join(INSTRUMENTS)}",
        )
    if raw.get("timepoint") not in TIMEPOINTS:
        raise Reject(Reason.INVALID_TIMEPOINT, f"timepoint must be one of {', '.join(TIMEPOINTS)}")
    if raw.get("answered_by") not in RESPONDENTS:
        raise Reject(
            Reason.INVALID_RESPONDENT, f"answered_by must be one of {', '.join(RESPONDENTS)}"
        )
    score, items = _scores(raw, instrument)
    return ValidOutcome(raw, cpr, born, day, instrument, score, items)
