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


TITLES = {
    "activation": ("Aktiveret af systemhus", "Activated by the vendor"),
    "vendor_approval": ("Systemhuse, der beder om adgang", "Vendors asking for access"),
    "dpa": ("Databehandleraftale", "Data processing agreement"),
    "consent": ("Praksis samtykke", "Practice consent"),
    "enrolment": ("Tilmelding til projekter", "Enrolment in projects"),
    "data_flow": ("Data modtages", "Data arriving"),
    "report": ("Rapport", "Report"),
}
"""Each check's name, Danish and English: the one vocabulary of the CLI, the API and the portal."""


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
    project_name: str = ""
    also: Contact | None = None
    """A second party to call (the data flow names the systemhus and Sentinel support)."""

    @property
    def ok(self) -> bool:
        return self.state is State.OK

    def title(self, language: str = "da") -> str:
        """The check's name, with its project: "Data modtages – Diagnosekodning"."""
        da, en = TITLES.get(self.check, (self.check, self.check))
        name = da if language == "da" else en
        return f"{name} – {self.project_name}" if self.project_name else name

    @property
    def title_da(self) -> str:
        return self.title("da")

    @property
    def title_en(self) -> str:
        return self.title("en")

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return tuple(c for c in (self.contact, self.also) if c is not None)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        da = language == "da"
        return {
            "check": self.check,
            "title": self.title(language),
            "project": self.project,
            "ok": self.ok,
            "state": self.state.value,
            "detail": self.detail_da if da else self.detail_en,
            "action": self.action_da if da else self.action_en,
            "contact": self.contact.as_dict() if self.contact else None,
            "contacts": [c.as_dict() for c in self.contacts],
        }
