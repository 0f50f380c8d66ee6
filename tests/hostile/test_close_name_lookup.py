"""``close()`` from another thread while the client is still resolving the server's name (name lookup is
one of the phases docs/protocol.md §15.1 lists, step 8): it returns within its bound, the call in flight
ends as SessionClosed, and no login follows when the lookup finally answers. (Other phases: test_close.py.)"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hostile_peers import PASSWORD, USER, FakeIris

from adapters.lite_terminal import LiteTerminal, SessionClosed
from adapters.lite_terminal.client import CLOSE_BOUND

STUCK_NAME = "stuck-resolver.invalid"


@pytest.fixture
def stuck_resolver(monkeypatch):
    """Name lookup of STUCK_NAME blocks until ``release`` is set (at most 10 s), then gives loopback."""
    real = socket.getaddrinfo
    reached, release = threading.Event(), threading.Event()

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host == STUCK_NAME:
            reached.set()
            release.wait(10)
            host = "127.0.0.1"
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield reached
    release.set()


def test_close_during_name_lookup_is_final_and_bounded(stuck_resolver):
    with FakeIris() as peer:
        term = LiteTerminal(STUCK_NAME, peer.port, USER, PASSWORD, connect_timeout=20)
        outcome = []

        def worker() -> None:
            try:
                outcome.append(term.execute('write "x"'))
            except Exception as exc:  # noqa: BLE001 - recorded for the test to check
                outcome.append(exc)

        thread = threading.Thread(target=worker)
        thread.start()
        assert stuck_resolver.wait(10), "the client never looked the name up"
        started = time.monotonic()
        term.close()
        elapsed = time.monotonic() - started
        thread.join(CLOSE_BOUND)
        assert not thread.is_alive(), "the call in flight outlived close()"
    assert elapsed < CLOSE_BOUND, f"close() took {elapsed:.2f} s"
    assert isinstance(outcome[0], SessionClosed), outcome
    assert peer.logins == 0 and peer.executed == []
