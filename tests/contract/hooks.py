"""Schemathesis hooks for ``test_fuzz`` (loaded by the ``st`` command, not by pytest).

An ``Idempotency-Key`` that the API would take is replaced by a fresh one for each generated
request: the generator repeats short keys ("0") with different bodies, which the contract
answers with ``422 idempotency_key_reused`` (API.md) — right, but not what a fuzzer of the
body is after. Keys the API refuses (too long, control characters, a CPR) are sent as
generated, so their refusal is still checked. Replays are tested in tests/api."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import schemathesis

from sentinel.lib.cpr import contains_cpr
from sentinel.lib.text import is_clean_text

# api.protocol.MAX_KEY_LENGTH, handed over by test_fuzz (the protocol module needs Django).
MAX_KEY_LENGTH = int(os.environ["SENTINEL_FUZZ_MAX_KEY_LENGTH"])


def _taken(key: str) -> bool:
    """What ``api.submissions._check_key`` accepts."""
    return 1 <= len(key) <= MAX_KEY_LENGTH and is_clean_text(key) and not contains_cpr(key)


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _taken(key):
        headers["Idempotency-Key"] = base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")
