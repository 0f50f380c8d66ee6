"""Shared constants and helpers of the Lite Terminal client tests.

A uniquely named module (not ``conftest``): several test folders have a conftest.py, and
``from conftest import ...`` would pick whichever was imported last.
"""

from __future__ import annotations

import time
from typing import Callable

PASSWORD = "Pw-7f3a9c"  # distinctive, so "never in a message" assertions cannot pass by accident
USERS = {"_SYSTEM": PASSWORD}


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll ``condition`` (a bounded wait for server-side effects, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)
