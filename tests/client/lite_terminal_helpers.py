"""Shared constants and helpers of the Lite Terminal client tests.

A uniquely named module (not ``conftest``): several test folders have a conftest.py, and
``from conftest import ...`` would pick whichever was imported last.
"""

from __future__ import annotations

from waiting import wait_until  # noqa: F401  (re-exported: the client tests import it from here)

PASSWORD = "Pw-7f3a9c"  # distinctive, so "never in a message" assertions cannot pass by accident
USERS = {"_SYSTEM": PASSWORD}

