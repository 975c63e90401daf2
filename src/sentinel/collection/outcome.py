"""What a batch came to (``collection.pipeline.ingest``'s answer): how many records were
accepted, each rejection with its reason, the fields dropped by minimisation, and what became
of each accepted record. Both doors turn it into their answer (JSON, FHIR)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sentinel.lib.errors import DomainError
from sentinel.lib.reasons import Reason

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class Rejection:
    index: int
    source_id: str
    reason: Reason
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "source_id": self.source_id,
            "reason": self.reason.value,
            "message": self.message,
        }


IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)


class IdempotencyKeyReused(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "idempotency_key_reused",
            "this Idempotency-Key was used in the last 24 hours for another request (another "
            "body or clinic); use a new key for a new batch",
        )


@dataclass
class Outcome:
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    dropped_fields: list[str] = field(default_factory=list)
    stored_episodes: int = 0
    stored_diagnoses: int = 0
    replayed: bool = False
    #: What became of each accepted record, by index: ``created``, ``updated`` or
    #: ``unchanged`` (a replay). Not in the JSON answer (API.md's shape); the FHIR door says it.
    results: dict[int, str] = field(default_factory=dict)

    @classmethod
    def replay(cls, answer: dict[str, Any]) -> Outcome:
        rejected = [
            Rejection(r["index"], r["source_id"], Reason(r["reason"]), r["message"])
            for r in answer["rejected"]
        ]
        return cls(answer["accepted"], rejected, list(answer["dropped_fields"]), replayed=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [r.as_dict() for r in self.rejected],
            "dropped_fields": self.dropped_fields,
        }
