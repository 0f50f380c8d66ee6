"""Loopback ports for tests. Imported by name from every test folder (tests/ is on the path: its conftest.py
lives there)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on right now: a connection to it is refused at once, and a server the
    test starts may bind it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
