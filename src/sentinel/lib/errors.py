"""The one error type domain rules raise.

A rule that refuses something says why in a stable machine code, in English (for the API,
the CLI and logs) and in Danish (for the clinic portal). Messages never carry a CPR.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action; nothing was written."""

    def __init__(self, code: str, message_en: str, message_da: str | None = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_da = message_da or message_en

    def __str__(self) -> str:
        return self.message_en
