"""Waiting on the condition a test means, never on a guess at how long it takes.

A test polls for what proves the thing happened (a row's state, a file's size, a health
answer). The deadline only keeps a broken build from hanging forever: it is generous (a busy
2-core machine may be many times slower than a quiet one) and never what a test asserts.
"""
from __future__ import annotations

import time
from collections.abc import Callable

DEADLINE = 60.0  # seconds: a last resort against hanging, not a performance bound


def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE,
             interval: float = 0.05) -> None:
    """Return as soon as ``condition()`` is true; fail with ``what`` if it never becomes so."""
    give_up = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up after {deadline:g} s waiting for {what}")
        time.sleep(interval)
