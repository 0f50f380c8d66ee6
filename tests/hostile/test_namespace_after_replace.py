"""A command given a namespace runs in that namespace or not at all (``ran`` false), whatever happens to the
session between the switch and the command.

Before: after ``zn "%SYS"`` came back with frames set aside and a late prompt, the client resynchronised
before the command; the server did not answer the marker command, the client replaced the session (a new
one starts in its first namespace, USER) and ran ``write "x"`` there: ``ok``, namespace USER, for a request
that asked for %SYS.
"""

from __future__ import annotations

import socket
import threading

from hostile_peers import MARK, PASSWORD, SYNC, USER, FakeIris, PeerConn, text_frame

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.contract import Status, classify


class SwitchThenSilence(FakeIris):
    """``zn "%SYS"`` works, with a stale prompt before its mark and a late one after its prompt (so the
    client has to resynchronise); the resynchronisation is never answered. Each connection has its own
    namespace; ``ran`` records (namespace, command)."""

    def __init__(self, clean_switches: int = 0) -> None:
        super().__init__()
        self.ran = []
        self.clean_switches = clean_switches  # this many first switches come back cleanly

    def on_terminal(self, conn: PeerConn) -> None:
        conn.send(text_frame({"type": "init", "protocol": 1, "version": "x"}))
        if conn.read_message() is None:
            return
        namespace, marks = "USER", 0

        def prompt_frame() -> bytes:
            return text_frame({"type": "prompt", "text": f"{namespace}>", "ns": namespace})

        def prompt() -> None:
            conn.send(prompt_frame())

        prompt()
        while True:
            message = conn.read_message()
            if message is None:
                return
            if message.get("type") != "prompt" or SYNC.match(message["input"]):
                continue  # interrupts and the marker command go unanswered
            mark = MARK.match(message["input"])
            command = message["input"][mark.end():]
            self.ran.append((namespace, command))
            switch = command.startswith("zn ")
            if switch:
                namespace = command[4:-1]
                if self.clean_switches:
                    self.clean_switches -= 1
                    switch = False
                else:
                    prompt()  # before the mark: set aside, said in the switch's warning
            marks += 1
            conn.out(f"LT-{mark.group(1)}-{marks}\r\n")
            # after a switch one more prompt, in the same write (so it is there when the client looks while
            # idle): a late prompt, so the client resynchronises before its next command
            conn.send(prompt_frame() * (2 if switch else 1))


def test_keep_session_holds_after_the_switch_too():
    """The session is in %SYS after a user's own ``zn``; a command asks for USER and relies on the session.
    The switch goes astray and the session cannot be brought back in step: a new one would start in USER,
    the namespace asked for, but without what the command relies on. It is not run (``ran`` false)."""
    with SwitchThenSilence(clean_switches=1) as peer, \
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=0.5) as term:
        assert term.execute('zn "%SYS"').namespace == "%SYS"
        result = term.execute('write "x"', namespace="USER", keep_session=True)
    assert peer.ran == [("USER", 'zn "%SYS"'), ("%SYS", 'zn "USER"')], peer.ran
    assert result.ran is False and "not run" in result.error, result


def test_a_session_replaced_after_the_switch_does_not_run_the_command_elsewhere():
    with SwitchThenSilence() as peer, \
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=0.5) as term:
        result = term.execute('write "x"', namespace="%SYS")
    assert peer.ran == [("USER", 'zn "%SYS"')], peer.ran  # never run in USER on the new session
    assert result.ran is False and "was replaced" in result.error and "not run" in result.error, result
    assert classify(result).status is Status.UNREACHABLE  # never delivered: safe to send again


def test_the_command_line_never_runs_a_later_command_on_a_new_session():
    """``zn "%SYS"`` then ``write "x"`` on one server: the session the second relies on cannot be brought
    back in step; before, the client replaced it and ran ``write "x"`` in USER (``ok``; the CLI shows no
    warnings). Now the second is not run (``unreachable``) and nothing else reaches the server."""
    from adapters.lite_terminal.inventory import Target
    from adapters.lite_terminal.runner import Settings, run_target

    with SwitchThenSilence() as peer:
        target = Target(name="iris", host=peer.host, port=peer.port, user=USER)
        outcomes = run_target(target, PASSWORD, ['zn "%SYS"', 'write "x"', 'write "y"'],
                              Settings(timeout=5, connect_timeout=0.5))
    assert [o.status for o in outcomes] == ["ok", "unreachable", "skipped"], outcomes
    assert "not run" in outcomes[1].error
    assert peer.ran == [("USER", 'zn "%SYS"')] and peer.logins == 1


def test_keep_session_still_opens_the_first_session_and_keeps_a_good_one():
    with FakeIris() as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD) as term:
        first = term.execute('write "a"', keep_session=True)  # nothing open before: it opens one
        second = term.execute('write "b"', keep_session=True)
    assert [(r.status, r.output, r.ran) for r in (first, second)] == [("ok", "a", True), ("ok", "b", True)]
    assert peer.logins == 1


class ClosesAfterSet(FakeIris):
    """Closes the connection right after answering ``set x=1`` (an idle close, docs/protocol.md §12)."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = threading.Event()

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        super().on_command(conn, text, inbox)
        if text == "set x=1":
            conn.sock.shutdown(socket.SHUT_RDWR)
            self.closed.set()


def test_a_named_session_whose_process_is_gone_does_not_run_the_next_command_elsewhere():
    """A named session keeps locals between requests (adapters/sessions.py); when its server process is gone
    before the next request is sent, that request is not run in a new process without them (``ran`` false),
    and the one after gets a fresh session, as after any failure."""
    from adapters.sessions import SessionPool

    with ClosesAfterSet() as peer:
        pool = SessionPool(lambda: LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=2))
        first = pool.execute("set x=1", session="job")
        assert peer.closed.wait(5)  # on loopback the FIN is there once shutdown returned
        relying = pool.execute('write "x"', session="job")
        fresh = pool.execute('write "y"', session="job")
        pool.close_all()
    assert first.ran and first.status == "ok"
    assert relying.ran is False and classify(relying).status is Status.UNREACHABLE, relying
    assert (fresh.status, fresh.output) == ("ok", "y") and peer.logins == 2
    assert 'write "x"' not in peer.executed
