"""Loopback ports for tests: a port nobody listens on, so a connection to it is refused at once. Imported by
name from every test folder (tests/ is on the path: its conftest.py lives there)."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port that was free a moment ago and that nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
