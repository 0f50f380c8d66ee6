"""Memory follows the settings, not the peer; a failure after sending is ``lost`` with the partial output.

Before: a login answer claiming 1 GB was read whole (+300 MB RSS); 400 MB of output cost +800 MB although
MaxOutputChars kept 100,000 characters; invalid UTF-8, a malformed close frame or reserved bits in the
middle of a command were recorded ``error`` without the partial output.
"""

from __future__ import annotations

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, PeerConn, server_frame

from adapters.lite_terminal import ConnectError, LiteTerminal
from adapters.lite_terminal.client import TAIL_CHARS
from adapters.lite_terminal.login import LOGIN_BODY_LIMIT
from simulator import Simulator, SimulatorConfig

LOST = "may or may not have run"


class Flood(FakeIris):
    """Sends more than anyone should read, counting what it managed to send."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where
        self.sent = 0

    def _blast(self, conn: PeerConn, head: bytes = b"") -> None:
        conn.send(head)
        chunk = b"0" * 65536
        while self.sent < 2 * 1024**3 and not conn.wait(0):
            conn.send(chunk)  # raises once the client has gone: the handler ends
            self.sent += len(chunk)

    def on_login(self, conn: PeerConn) -> None:
        if self.where == "login-claims-1gb":
            self._blast(conn, conn.http(200, b"", {"Content-Length": str(1024**3)}))
        elif self.where == "login-endless-chunked":
            self._blast(conn, conn.http(200, b"", {"Content-Length": None, "Transfer-Encoding": "chunked"})
                        + b"40000000\r\n")
        else:
            super().on_login(conn)

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        if text == "huge":
            conn.out("partial ")
            self._blast(conn, server_frame(b"", 0x1, length=2**40)[:10])
        else:
            super().on_command(conn, text, inbox)


@pytest.mark.parametrize("where", ["login-claims-1gb", "login-endless-chunked"])
def test_the_login_body_is_capped_while_it_arrives(where):
    with Flood(where) as peer:
        with pytest.raises(ConnectError, match=f"more than {LOGIN_BODY_LIMIT} bytes"):
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=5).connect()
    assert peer.sent < 64 * 1024**2  # the client stopped reading near the cap, not after a gigabyte


def test_a_frame_over_the_cap_ends_the_command_as_lost_without_being_read():
    with Flood("command") as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD,
                                                max_frame_bytes=1024**2) as term:
        result = term.execute("huge")
    assert result.status == "lost"
    assert LOST in result.error and "max_frame_bytes" in result.error
    assert result.output == "partial "
    assert peer.sent < 64 * 1024**2


class Broken(FakeIris):
    """Some output, then one frame the RFC forbids, in the middle of a command."""

    def __init__(self, frame: bytes) -> None:
        super().__init__()
        self.frame = frame

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        conn.out("partial output ")
        conn.send(self.frame)
        conn.wait(10)


@pytest.mark.parametrize("frame,why", [
    (server_frame(b'{"type":"output","text":"\xff"}'), "not valid UTF-8"),
    (server_frame(b"\x03", 0x8), "1-byte payload"),
    (server_frame(b"\x03\xe8\xff", 0x8), "not valid UTF-8"),
    (server_frame(b'{"type":"output","text":"x"}', rsv=4), "reserved"),
    (server_frame(b"x" * 200, 0x9), "control frame"),
    (server_frame(b"x", 0x3), "reserved opcode"),
])
def test_a_broken_frame_mid_command_is_lost_with_the_partial_output(frame, why):
    with Broken(frame) as peer, \
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, response_timeout=5) as term:
        result = term.execute('write "x"')
        assert result.status == "lost"
        assert LOST in result.error and why in result.error
        assert result.output == "partial output "
        assert not term.connected  # the next execute opens a new session; nothing is re-sent
    assert peer.executed.count('write "x"') == 1


@pytest.fixture
def sim():
    with Simulator(SimulatorConfig(users={USER: PASSWORD})) as simulator:
        yield simulator


def test_output_past_the_limit_keeps_the_head_and_a_tail_and_counts_the_rest(sim):
    with LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        full = term.execute("for i=1:1:3000 write i,\",\"")
        cut = term.execute("for i=1:1:3000 write i,\",\"", max_output_chars=8000)
    assert full.output_dropped == 0 and len(full.output) > 8000
    tail = min(TAIL_CHARS, 8000 // 4)
    assert cut.output == full.output[: 8000 - tail] + full.output[-tail:]
    assert cut.output_dropped == len(full.output) - 8000
    assert cut.status == "ok"


def test_the_error_check_still_sees_the_tail(sim):
    with LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        result = term.execute("for i=1:1:3000 { write i,\",\" } write undefinedvar", max_output_chars=100)
    assert result.status == "error" and result.error == "<UNDEFINED> *undefinedvar"
    assert len(result.output) <= 100  # the error line itself may be cut from the output, not from the check
    assert result.output_dropped > 0


def test_a_limit_of_zero_keeps_nothing_but_still_classifies(sim):
    with LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        result = term.execute('write "abc"', max_output_chars=0)
    assert (result.output, result.output_dropped, result.status) == ("", 3, "ok")
