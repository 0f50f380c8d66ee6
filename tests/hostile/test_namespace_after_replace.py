"""A command given a namespace runs in that namespace or not at all (``ran`` false), whatever happens to the
session between the switch and the command.

Before: after ``zn "%SYS"`` came back with frames set aside and a late prompt, the client resynchronised
before the command; the server did not answer the marker command, the client replaced the session (a new
one starts in its first namespace, USER) and ran ``write "x"`` there: ``ok``, namespace USER, for a request
that asked for %SYS.
"""

from __future__ import annotations

from hostile_peers import MARK, PASSWORD, SYNC, USER, FakeIris, PeerConn, text_frame

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.contract import Status, classify


class SwitchThenSilence(FakeIris):
    """``zn "%SYS"`` works, with a stale prompt before its mark and a late one after its prompt (so the
    client has to resynchronise); the resynchronisation is never answered. Each connection has its own
    namespace; ``ran`` records (namespace, command)."""

    def __init__(self) -> None:
        super().__init__()
        self.ran = []

    def on_terminal(self, conn: PeerConn) -> None:
        conn.send(text_frame({"type": "init", "protocol": 1, "version": "x"}))
        if conn.read_message() is None:
            return
        namespace, marks = "USER", 0

        def prompt() -> None:
            conn.send(text_frame({"type": "prompt", "text": f"{namespace}>", "ns": namespace}))

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
                prompt()  # before the mark: set aside, said in the switch's warning
                namespace = "%SYS"
            marks += 1
            conn.out(f"LT-{mark.group(1)}-{marks}\r\n")
            prompt()
            if switch:
                prompt()  # a late prompt while idle: the client resynchronises before the command


def test_a_session_replaced_after_the_switch_does_not_run_the_command_elsewhere():
    with SwitchThenSilence() as peer, \
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=0.5) as term:
        result = term.execute('write "x"', namespace="%SYS")
    assert peer.ran == [("USER", 'zn "%SYS"')], peer.ran  # never run in USER on the new session
    assert result.ran is False and "was replaced" in result.error and "not run" in result.error, result
    assert classify(result).status is Status.UNREACHABLE  # never delivered: safe to send again
