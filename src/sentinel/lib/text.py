"""Text a vendor may send: no control characters, no lone surrogates.

A NUL byte cannot be stored in a PostgreSQL text column (``DataError``), a lone surrogate
cannot be encoded to UTF-8, and a tab or line break in an identifier or a name is never
meant. Every string the vendor API takes is held to ``TEXT_PATTERN`` (also published in the
OpenAPI document as the fields' ``pattern``); the pipeline checks records from the FHIR door
with ``is_clean_text``.
"""

from __future__ import annotations

import re

# C0 and C1 control characters and DEL. (JSON Schema's pattern dialect is ECMA 262.)
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def is_clean_text(value: str) -> bool:
    """True when ``value`` has no control character and no lone surrogate."""
    return _UNSAFE.search(value) is None
