"""A line of the status check: one fact of a clinic's standing, its state, and in Danish and
English what it means, what to do and whom to call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sentinel.clinics.contacts import Contact


class State(StrEnum):
    OK = "ok"
    WAITING = "waiting"
    ACTION_NEEDED = "action_needed"


@dataclass(frozen=True)
class Check:
    """One line of the status check, in Danish and English, with what to do and whom to call."""

    check: str
    state: State
    detail_da: str
    detail_en: str
    action_da: str = ""
    action_en: str = ""
    contact: Contact | None = None
    project: str | None = None

    @property
    def ok(self) -> bool:
        return self.state is State.OK

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        da = language == "da"
        return {
            "check": self.check,
            "project": self.project,
            "ok": self.ok,
            "state": self.state.value,
            "detail": self.detail_da if da else self.detail_en,
            "action": self.action_da if da else self.action_en,
            "contact": self.contact.as_dict() if self.contact else None,
        }
