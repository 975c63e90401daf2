"""Schemathesis hooks for ``test_fuzz`` (loaded by the ``st`` command, not by pytest).

An ``Idempotency-Key`` that the API would take is replaced by a fresh one for each generated
request: the generator repeats short keys ("0") with different bodies, which the contract
answers with ``422 idempotency_key_reused`` (API.md) — right, but not what a fuzzer of the
body is after. Keys the API refuses (too long, control characters, a CPR) are sent as
generated, so their refusal is still checked. Replays are tested in tests/api."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import schemathesis

_TAKEN = re.compile(r"[^\x00-\x1f\x7f-\x9f]{1,200}")
_TEN_DIGITS = re.compile(r"[0-9]{6}-?[0-9]{4}")


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _TAKEN.fullmatch(key) and not _TEN_DIGITS.search(key):
        headers["Idempotency-Key"] = base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")
