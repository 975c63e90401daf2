"""``lib.redact``: what never reaches a log line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sentinel.lib.redact import redact


def test_a_launch_token_is_masked_in_a_request_line() -> None:
    line = 'GET /launch/qug4GlNFDoxqg5-8J0pBHNJcUOWPyjeiiwsqv3U0Snk HTTP/1.1" 200'

    assert redact(line) == 'GET /launch/[redacted] HTTP/1.1" 200'


def test_every_query_value_is_masked_and_the_keys_stay() -> None:
    line = "GET /login/callback/?code=abc123&state=xyz&session_state=s1 HTTP/1.1"

    assert redact(line) == "GET /login/callback/?code=…&state=…&session_state=… HTTP/1.1"


def test_session_cookies_are_masked() -> None:
    assert redact("Cookie: sessionid=abcdef; csrftoken=12345") == (
        "Cookie: sessionid=…; csrftoken=…"
    )


def test_cpr_shaped_numbers_are_masked_but_not_longer_or_shorter_runs() -> None:
    assert redact("Not Found: /api/v1/clinics/0101801234/status") == (
        "Not Found: /api/v1/clinics/[10 digits]/status"
    )
    assert redact("cpr 010180-1234 seen") == "cpr [10 digits] seen"
    assert redact("ydernummer 811111, cvr 12345678, sor 123456789012") == (
        "ydernummer 811111, cvr 12345678, sor 123456789012"
    )


@given(st.from_regex(r"[0-9]{6}-?[0-9]{4}", fullmatch=True), st.text(max_size=20))
def test_no_cpr_shaped_run_survives(cpr: str, around: str) -> None:
    masked = redact(f"{around} {cpr} {around}")

    assert cpr not in masked
