"""The command line's TLS/plain probe (diagnose.speaks_tls, run after a plain ConnectError) is bounded by its
timeout on the wall clock, name lookup included (docs/cli.md: "within the connect timeout").

Before: it resolved the name with ``socket.create_connection``, outside any deadline, so a host whose lookup
took 4 s held ``run_target`` 6 s with ``connect_timeout=1`` (the login had given up after 1 s).
"""

from __future__ import annotations

import time

import pytest
from hostile_peers import RawServer, resolve_to_loopback

from adapters.lite_terminal.diagnose import speaks_tls

SLOW_NAME = "slow-probe.invalid"
MARGIN = 0.5


@pytest.fixture
def slow_resolver(monkeypatch):
    resolve_to_loopback(monkeypatch, SLOW_NAME, lambda: time.sleep(2))


def test_a_slow_name_lookup_cannot_hold_the_probe_past_its_timeout(slow_resolver):
    with RawServer(lambda conn: conn.wait(5)) as server:
        started = time.monotonic()
        assert speaks_tls(SLOW_NAME, server.port, timeout=0.3) is None
        assert time.monotonic() - started < 0.3 + MARGIN


def test_a_port_that_never_finishes_the_handshake_cannot_hold_the_probe(slow_resolver):
    def drip(conn) -> None:  # noqa: ANN001
        conn.drip(b"\x16\x03\x03\x40\x00" + b"x" * 200, 0.02)  # a 16 KiB TLS record, 50 bytes a second

    with RawServer(drip) as server:
        started = time.monotonic()
        assert speaks_tls("127.0.0.1", server.port, timeout=0.3) is not True
        assert time.monotonic() - started < 0.3 + MARGIN
