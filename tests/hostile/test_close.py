"""``close()`` is final and bounded, from another thread, in every phase of a session's life.

Once ``close()`` returns (within CLOSE_BOUND): the call in flight has ended (SessionClosed, or ``lost`` for a
command already sent), nothing more reaches the server (no request, no login, no reconnect), and the server
side is logged out or its socket closed. Before: ``close()`` during a slow login returned after 2 s, the login
then finished and the command ran; during a resynchronisation it led to a new login and the command ran.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, PeerConn

from adapters.lite_terminal import LiteTerminal, SessionClosed
from adapters.lite_terminal.client import CLOSE_BOUND

MARGIN = 1.0  # scheduling slack on a shared 2-core machine
HOLD = 20.0  # how long a blocked phase would last if nothing cut it short


class Stall(FakeIris):
    """Stalls in one phase (``where``) until released: ``reached`` is set when the client is there."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where
        self.reached = threading.Event()
        self.release = threading.Event()
        self.peer_closed = threading.Event()  # the stalled connection saw the client close its socket
        self.armed = where not in ("resync", "reconnect")  # these stall only after a first good command
        self.requests_after_close = 0
        self.closed_at = None

    def stall(self, conn: PeerConn) -> None:
        self.reached.set()
        self.release.wait(HOLD)
        conn.sock.settimeout(5)
        try:
            if conn.sock.recv(1) == b"":
                self.peer_closed.set()
        except OSError:
            self.peer_closed.set()

    def handle(self, conn: PeerConn) -> None:
        original = conn.read_request

        def counted():  # noqa: ANN202
            request = original()
            if request is not None and self.closed_at is not None:
                self.requests_after_close += 1
            return request

        conn.read_request = counted  # type: ignore[method-assign]
        super().handle(conn)

    def on_login(self, conn: PeerConn) -> None:
        if self.armed and self.where in ("login", "reconnect"):
            self.stall(conn)
            return
        super().on_login(conn)

    def on_upgrade(self, conn: PeerConn, headers: dict) -> None:
        if self.armed and self.where == "upgrade":
            self.stall(conn)
            return
        if self.armed and self.where == "init":
            conn.send(conn.upgrade_answer(headers))
            self.stall(conn)
            return
        super().on_upgrade(conn, headers)

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        if self.where == "resync" and text.startswith('write "LT-SYNC-"'):
            self.armed = True
            self.stall(conn)
            return
        if self.where == "reconnect" and text == "bye":
            self.armed = True
            conn.sock.shutdown(socket.SHUT_RDWR)  # the server ends the idle session: the next call reconnects
            return
        if self.where == "command" and text == 'write "x"':
            self.reached.set()
            inbox.wait_interrupt(HOLD)
            return
        super().on_command(conn, text, inbox)


def prepare(term: LiteTerminal, peer: Stall) -> None:
    if peer.where == "resync":
        term.connect()
        assert term.execute("hang 5", timeout=0.1).status == "timeout"  # leaves the session in doubt
    elif peer.where == "reconnect":
        term.connect()
        term.execute("bye")


@pytest.mark.parametrize("where", ["login", "upgrade", "init", "command", "resync", "reconnect"])
def test_close_from_another_thread_is_final_in_every_phase(where):
    with Stall(where) as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=HOLD, response_timeout=HOLD)
        prepare(term, peer)
        outcome = []
        call = term.connect if where in ("login", "upgrade", "init") else (lambda: term.execute('write "x"'))

        def worker() -> None:
            try:
                outcome.append(call())
            except Exception as exc:  # noqa: BLE001 - recorded for the test to check
                outcome.append(exc)

        thread = threading.Thread(target=worker)
        thread.start()
        assert peer.reached.wait(HOLD), f"the client never reached {where}"
        started = time.monotonic()
        term.close()
        peer.closed_at = time.monotonic()
        elapsed = peer.closed_at - started
        thread.join(MARGIN)
        assert not thread.is_alive(), f"{where}: the call in flight outlived close()"
        logins, executed = peer.logins, list(peer.executed)
        peer.release.set()
        if where != "command":
            assert peer.peer_closed.wait(5), f"{where}: the stalled connection was left open"
        assert peer.logins == logins and peer.executed == executed and peer.requests_after_close == 0
        with pytest.raises(SessionClosed):
            term.execute('write "later"')
        with pytest.raises(SessionClosed):
            term.connect()
    assert elapsed < CLOSE_BOUND + MARGIN, f"{where}: close() took {elapsed:.2f} s"
    (result,) = outcome
    if where == "command":
        assert result.status == "lost" and "may or may not have run" in result.error, result
        assert peer.logouts >= 1  # the CSP session was ended
    else:
        assert isinstance(result, SessionClosed), f"{where}: {result!r}"
        assert 'write "x"' not in peer.executed  # never sent: no login or reconnect after close
    assert peer.logins == (2 if where == "reconnect" else 1)


def test_close_while_idle_logs_out_and_later_calls_raise():
    with FakeIris() as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD)
        term.connect()
        term.close()
        assert peer.logouts == 1
        with pytest.raises(SessionClosed):
            term.execute('write "x"')
        term.close()  # idempotent, never raises
        assert peer.logouts == 1 and peer.logins == 1


class SlowLogout(FakeIris):
    def on_logout(self, conn: PeerConn) -> None:
        conn.wait(HOLD)


def test_close_is_bounded_when_the_logout_never_answers():
    with SlowLogout() as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD)
        term.connect()
        started = time.monotonic()
        term.close()
        assert time.monotonic() - started < CLOSE_BOUND + MARGIN
