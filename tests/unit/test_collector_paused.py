"""Both vendor doors (JSON submissions and FHIR) pause Python's cycle collector while they
handle a batch, and always resume it: also when requests overlap or one fails."""

from __future__ import annotations

import gc
import threading

import pytest

from sentinel.api.protocol import collector_paused


def test_paused_inside_resumed_after_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the request failed")
    assert gc.isenabled()


def test_overlapping_requests_resume_only_when_the_last_one_is_done():
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the second one's end did not resume it

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        pass
    second_done.set()
    thread.join(5)

    assert seen == [False]
    assert gc.isenabled()
