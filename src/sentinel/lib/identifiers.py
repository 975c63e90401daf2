"""Danish identifiers: CVR, ydernummer and SOR id.

- CVR (Det Centrale Virksomhedsregister) is the company number a clinic acts under:
  8 digits with a modulus-11 check (weights 2, 7, 6, 5, 4, 3, 2, 1).
- Ydernummer is the 6-digit provider number the regions pay a clinic under; Sentinel
  identifies a clinic by it.
- SOR id (Sundhedsvæsenets Organisationsregister) is optional, 11 to 18 digits.

Each validator returns the normalised value or raises ``InvalidIdentifier`` with a message
that names the problem, in English and Danish. Digits are ASCII ``0``-``9`` only: Arabic-Indic,
fullwidth and other Unicode digits are refused (``int()`` would read them, a register would not).
"""

from __future__ import annotations

import re

from sentinel.lib.errors import DomainError

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: \d also matches "٨" and "８"


class InvalidIdentifier(DomainError, ValueError):
    """An identifier is malformed."""


def _strip(value: object) -> str:
    return str(value).strip().replace(" ", "")


def cvr_checksum_ok(digits: str) -> bool:
    """True when the 8 digits pass the CVR modulus-11 check."""
    return sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS, strict=True)) % 11 == 0


def validate_cvr(value: object) -> str:
    """Return the CVR number as 8 digits, or raise ``InvalidIdentifier``."""
    cvr = _strip(value)
    if not (len(cvr) == 8 and _DIGITS.fullmatch(cvr)):
        raise InvalidIdentifier(
            "invalid_cvr",
            f"CVR must be exactly 8 digits, got {cvr!r}",
            f"CVR-nummeret skal være præcis 8 cifre (fik {cvr!r})",
        )
    if not cvr_checksum_ok(cvr):
        raise InvalidIdentifier(
            "invalid_cvr",
            f"CVR {cvr} fails the modulus-11 check; check for a typing error",
            f"CVR-nummeret {cvr} er ikke gyldigt (kontrolcifferet passer ikke); tjek for tastefejl",
        )
    return cvr


def cvr_check_digit(first7: str) -> int | None:
    """The 8th digit that makes ``first7`` a valid CVR, or None when no digit can."""
    partial = sum(int(d) * w for d, w in zip(first7, CVR_WEIGHTS[:7], strict=True))
    digit = (-partial) % 11
    return digit if digit < 10 else None


def validate_ydernummer(value: object) -> str:
    """Return the ydernummer as 6 digits, or raise ``InvalidIdentifier``."""
    ydernummer = _strip(value)
    if not (len(ydernummer) == 6 and _DIGITS.fullmatch(ydernummer)) or ydernummer == "000000":
        raise InvalidIdentifier(
            "invalid_ydernummer",
            f"ydernummer must be exactly 6 digits, got {ydernummer!r}",
            f"Ydernummeret skal være præcis 6 cifre (fik {ydernummer!r})",
        )
    return ydernummer


def validate_sor_id(value: object) -> str:
    """Return the SOR id as digits (11 to 18), or raise ``InvalidIdentifier``."""
    sor_id = _strip(value)
    if not (11 <= len(sor_id) <= 18 and _DIGITS.fullmatch(sor_id)):
        raise InvalidIdentifier(
            "invalid_sor_id",
            f"SOR id must be 11 to 18 digits, got {sor_id!r}",
            f"SOR-id skal være 11 til 18 cifre (fik {sor_id!r})",
        )
    return sor_id
