"""Bounded waits for what a server, a production or a thread does on its own time: poll a condition every
10 ms until it holds or the timeout passes. A wait, not a timing assertion: the timeout only keeps a broken
build from hanging. Imported by name from every test folder (tests/ is on the path: its conftest.py lives
there); the one copy of what each folder used to write for itself."""

from __future__ import annotations

import time
from typing import Callable

WAIT = 5.0  # seconds: the default upper bound of a wait


def eventually(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Whether ``condition`` holds within ``timeout`` seconds (it is asked one last time at the end)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Return once ``condition`` holds; AssertionError if it does not within ``timeout`` seconds."""
    if not eventually(condition, timeout):
        raise AssertionError("condition not reached in time")
