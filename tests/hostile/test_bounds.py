"""Every public call ends within its documented wall-clock bound, whatever the peer does.

Before: the limits bounded each socket read, so a peer dripping its headers, flooding pings, trickling a
frame or never finishing a fragmented message held connect/execute/close for as long as it liked (still
blocked after 12 s with limits of 1 s). The bounds come from the client's docstring:

* connect: connect_timeout (+ FAILED_LOGOUT when a login has to be undone);
* execute: timeout + grace (min(5, connect_timeout)) + FAILED_LOGOUT after the command was sent;
* close: CLOSE_BOUND.

``elapsed`` is compared with the bound plus a margin for a loaded test machine: these are hang guards with
the documented figure, not performance measurements (bench_client.py measures).
"""

from __future__ import annotations

import threading
import time

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, PeerConn, resolve_to_loopback, server_frame, text_frame

from adapters.lite_terminal import ConnectError, LiteTerminal, ProtocolError
from adapters.lite_terminal.client import CLOSE_BOUND, FAILED_LOGOUT

CONNECT = 1.0
TIMEOUT = 1.0
MARGIN = 1.0  # scheduling slack on a shared 2-core machine


class Drip(FakeIris):
    """Misbehaves at one point, chosen by ``where``; behaves everywhere else."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def on_login(self, conn: PeerConn) -> None:
        if self.where == "login-headers":
            conn.drip(conn.http(200, self.login_body(), {"Set-Cookie": "c=1; Path=/"}), 0.05)
        elif self.where == "login-body":
            body = self.login_body() + b" " * 4000
            answer = conn.http(200, body, {"Set-Cookie": "c=1; Path=/"})
            head, rest = answer.split(b"\r\n\r\n", 1)
            conn.send(head + b"\r\n\r\n")
            conn.drip(rest, 0.05)
        else:
            super().on_login(conn)

    def on_logout(self, conn: PeerConn) -> None:
        if self.where == "close":
            conn.drip(conn.http(200, b""), 0.05)
        else:
            super().on_logout(conn)

    def on_upgrade(self, conn: PeerConn, headers: dict) -> None:
        if self.where == "upgrade-headers":
            conn.drip(conn.upgrade_answer(headers), 0.05)
            return
        conn.send(conn.upgrade_answer(headers))
        if self.where == "ping-flood-before-init":
            while not conn.wait(0.0005):
                conn.send(server_frame(b"p", 0x9))
        elif self.where == "init-trickled":
            conn.drip(text_frame({"type": "init", "protocol": 1, "version": "x" * 500}), 0.05)
        elif self.where == "fragments-before-init":
            conn.send(server_frame(b'{"type":', 0x1, fin=False))
            while not conn.wait(0.01):
                conn.send(server_frame(b" ", 0x0, fin=False))
        else:
            self.on_terminal(conn)

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        if text != "evil":
            super().on_command(conn, text, inbox)
            return
        conn.out("partial ")
        if self.where == "ping-flood":
            while not conn.wait(0.0005):
                conn.send(server_frame(b"p", 0x9))
        elif self.where == "trickle-frame":
            conn.send(server_frame(b"", 0x1, length=10_000_000))  # the whole header, then a byte at a time
            while not conn.wait(0.05):
                conn.send(b"x")
        elif self.where == "fragments":
            conn.send(server_frame(b'{"type":"output","text":"', 0x1, fin=False))
            while not conn.wait(0.01):
                conn.send(server_frame(b"y", 0x0, fin=False))
        elif self.where == "mid-frame":
            conn.send(server_frame(b'{"type":"output","text":"abc"}')[:5])
            conn.wait(60)
        elif self.where == "close":
            conn.prompt()


def timed(call):  # noqa: ANN001, ANN201
    start = time.monotonic()
    try:
        return call(), time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 - returned for the test to check
        return exc, time.monotonic() - start


@pytest.mark.parametrize("where", ["login-headers", "login-body", "upgrade-headers", "ping-flood-before-init",
                                   "init-trickled", "fragments-before-init"])
def test_connect_ends_within_connect_timeout(where):
    with Drip(where) as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=CONNECT)
        outcome, elapsed = timed(term.connect)
        term.close()
    assert isinstance(outcome, (ConnectError, ProtocolError)), outcome
    assert PASSWORD not in str(outcome)
    assert elapsed < CONNECT + FAILED_LOGOUT + MARGIN, f"{where}: connect took {elapsed:.2f} s"


@pytest.mark.parametrize("where", ["ping-flood", "trickle-frame", "fragments", "mid-frame"])
def test_execute_ends_within_timeout_plus_grace(where):
    with Drip(where) as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=CONNECT,
                                           response_timeout=TIMEOUT) as term:
        assert term.execute('write "warm"').output == "warm"
        result, elapsed = timed(lambda: term.execute("evil"))
    assert result.status in ("timeout", "lost"), result
    assert "partial" in result.output  # what came before the trouble is kept
    bound = TIMEOUT + term.grace + FAILED_LOGOUT
    assert elapsed < bound + MARGIN, f"{where}: execute took {elapsed:.2f} s (bound {bound} s)"


def test_close_ends_within_its_bound_when_the_peer_ignores_close_and_drips_the_logout():
    with Drip("close") as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=CONNECT)
        term.connect()
        assert term.execute("evil").status == "ok"
        _, elapsed = timed(term.close)
    assert elapsed < CLOSE_BOUND + MARGIN, f"close took {elapsed:.2f} s"


def test_close_from_another_thread_cuts_a_running_command_short():
    with Drip("ping-flood") as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD,
                                                  connect_timeout=CONNECT, response_timeout=-1) as term:
        results = []
        worker = threading.Thread(target=lambda: results.append(term.execute("evil")))
        worker.start()
        deadline = time.monotonic() + 10  # the command is running once the peer has it (not a fixed sleep)
        while "evil" not in peer.executed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "evil" in peer.executed, "the command never reached the peer"
        _, elapsed = timed(term.close)
        worker.join(CLOSE_BOUND + MARGIN)
    assert not worker.is_alive()
    assert results[0].status == "lost" and "may or may not have run" in results[0].error
    assert elapsed < CLOSE_BOUND + MARGIN


class Pongless(FakeIris):
    """Never answers a WebSocket ping (RFC 6455 requires it; a broken gateway might not)."""

    pings = 0

    def on_upgrade(self, conn: PeerConn, headers: dict) -> None:
        read_frame = conn.read_frame

        def no_pongs():  # noqa: ANN202
            while True:
                got = read_frame()
                if got is None or got[0] != 0x9:
                    return got
                self.pings += 1

        conn.read_frame = no_pongs  # type: ignore[method-assign]
        super().on_upgrade(conn, headers)


def test_a_server_that_never_answers_pings_still_works_and_is_never_pinged():
    with Pongless() as peer:
        term = LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=CONNECT)
        _, elapsed = timed(term.connect)
        assert elapsed < CONNECT + MARGIN
        assert term.execute("hang 0.5", timeout=0.1).status == "timeout"  # leaves the session in doubt
        result = term.execute('write "fine"')
        term.close()
    assert (result.status, result.output) == ("ok", "fine") and "brought back in step" in result.warning
    assert peer.pings == 0  # attribution needs no pongs (docs/protocol.md §12): the client never pings


SLOW_NAME = "slow-resolver.invalid"


@pytest.fixture
def slow_resolver(monkeypatch):
    """Name lookup of SLOW_NAME takes 4 s, then gives loopback; every other name resolves as usual."""
    resolve_to_loopback(monkeypatch, SLOW_NAME, lambda: time.sleep(4))


def test_name_lookup_is_inside_connect_timeout(slow_resolver):
    with FakeIris() as peer:
        term = LiteTerminal(SLOW_NAME, peer.port, USER, PASSWORD, connect_timeout=CONNECT)
        outcome, elapsed = timed(term.connect)
        term.close()
    assert isinstance(outcome, ConnectError), outcome
    assert elapsed < CONNECT + FAILED_LOGOUT + MARGIN, f"connect took {elapsed:.2f} s with a 4 s lookup"
    assert "cannot resolve" in str(outcome) and "within 1 s" in str(outcome), str(outcome)
    assert peer.logins == 0


def test_the_terminal_socket_resolves_inside_its_deadline_too(slow_resolver):
    from adapters.lite_terminal.transport import WebSocketTransport

    outcome, elapsed = timed(lambda: WebSocketTransport.open(f"ws://{SLOW_NAME}:9/t", "", timeout=CONNECT))
    assert isinstance(outcome, ConnectError) and "within 1 s" in str(outcome), outcome
    assert elapsed < CONNECT + MARGIN


@pytest.mark.parametrize("value,text", [(0.9999995, "1"), (1.0, "1"), (30.0, "30"), (2.5, "2.5"),
                                        (0.05, "0.05"), (1e7, "1e+07"), (0.12345, "0.12")])
def test_durations_in_messages_are_rounded(value, text):
    from adapters.lite_terminal.httpguard import seconds_text

    assert seconds_text(value) == text


def test_a_timeout_message_names_the_limit_rounded():
    with FakeIris() as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD,
                                          connect_timeout=CONNECT) as term:
        result = term.execute("hang 2", timeout=0.2)
    assert result.status == "timeout" and "no prompt within 0.2 s" in result.error, result.error
