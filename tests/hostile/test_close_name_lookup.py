"""``close()`` from another thread while the client is still resolving the server's name (name lookup is
one of the phases docs/protocol.md §15.1 lists, step 8), or while the ``zn`` of ``execute(namespace=...)``
runs: it returns within its bound, the call in flight ends as SessionClosed (its command was never sent), and
nothing follows. (Other phases: test_close.py.) Before, a close() during the switch gave a ``lost`` result
("may or may not have run") for a command that was never sent."""

from __future__ import annotations

import threading
import time

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, PeerConn, resolve_to_loopback

from adapters.lite_terminal import LiteTerminal, SessionClosed
from adapters.lite_terminal.client import CLOSE_BOUND

STUCK_NAME = "stuck-resolver.invalid"


@pytest.fixture
def stuck_resolver(monkeypatch):
    """Name lookup of STUCK_NAME blocks until ``release`` is set (at most 10 s), then gives loopback."""
    reached, release = threading.Event(), threading.Event()

    def stuck() -> None:
        reached.set()
        release.wait(10)

    resolve_to_loopback(monkeypatch, STUCK_NAME, stuck)
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


class SlowSwitch(FakeIris):
    """Runs ``zn`` until interrupted; ``reached`` once it has it."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = threading.Event()

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        if text.startswith("zn "):
            self.reached.set()
            inbox.wait_interrupt(20)
            return
        super().on_command(conn, text, inbox)


def test_close_during_the_namespace_switch_is_session_closed_not_lost():
    with SlowSwitch() as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=5, response_timeout=30)
        term.connect()
        outcome = []

        def worker() -> None:
            try:
                outcome.append(term.execute('write "x"', namespace="%SYS"))
            except Exception as exc:  # noqa: BLE001 - recorded for the test to check
                outcome.append(exc)

        thread = threading.Thread(target=worker)
        thread.start()
        assert peer.reached.wait(10), "the switch never reached the server"
        started = time.monotonic()
        term.close()
        elapsed = time.monotonic() - started
        thread.join(CLOSE_BOUND)
        assert not thread.is_alive()
    assert elapsed < CLOSE_BOUND and isinstance(outcome[0], SessionClosed), outcome
    assert peer.executed == ['zn "%SYS"']  # the command itself never went out
