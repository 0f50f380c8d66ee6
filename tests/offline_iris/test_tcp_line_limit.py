"""The TCP text-line limit holds exactly (issue 16 item 9): a line of more than MAX_LINE bytes is never handed
over, whichever read brings its terminator (once, a 1,048,579-byte line passed when its terminator arrived in
the read that crossed 1 MiB); a line of exactly MAX_LINE bytes is. Tried at every boundary offset, with
generated read sizes and terminators, through the inbound adapter's own read loop and the outbound reply read.
"""

from __future__ import annotations

import socket
import threading
from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from offline_iris.tcp_adapters import MAX_LINE, TextLineInboundMixin, TextLineOutboundMixin, _Conn, take_line

TERMINATORS = [b"\n", b"\r\n", b"\x1c\r"]


class _ScriptedSocket:
    """recv() hands out the given chunks in order, then b"" (the peer closed)."""

    def __init__(self, chunks: List[bytes]) -> None:
        self.chunks = list(chunks)
        self.closed = False

    def recv(self, _size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def close(self) -> None:
        self.closed = True


class _Log:
    def __init__(self) -> None:
        self.entries: List[tuple] = []

    def log(self, kind, cls, method, text):
        self.entries.append((kind, text))


class _Inbound(TextLineInboundMixin):
    """The inbound adapter's read loop with the hand-over recorded instead of sent to a service."""

    def __init__(self, term: bytes) -> None:
        self._o_props = {"Terminators": "$C(" + ",".join(str(b) for b in term) + ")", "StayConnected": -1}
        self._o_ns = _Log()
        self._o_conns = {}
        self._o_cdef = type("C", (), {"name": "EnsLib.TCP.TextLineInboundAdapter"})
        self.lines: List[bytes] = []

    def _hand_over(self, conn, line):
        self.lines.append(line)


def _feed(term: bytes, payload: bytes, cuts: List[int]) -> _Inbound:
    adapter = _Inbound(term)
    points = sorted({c for c in cuts if 0 < c < len(payload)})
    chunks = [payload[a:b] for a, b in zip([0] + points, points + [len(payload)])]
    sock = _ScriptedSocket(chunks)
    conn = _Conn(sock)  # type: ignore[arg-type]
    adapter._o_conns[sock] = conn
    while sock in adapter._o_conns and (sock.chunks or not sock.closed):
        adapter._serve(conn)
        if not sock.chunks and sock in adapter._o_conns:
            adapter._serve(conn)  # the close
    return adapter


@settings(max_examples=60, deadline=None)
@given(extra=st.integers(-3, 3), term=st.sampled_from(TERMINATORS), data=st.data())
def test_a_line_is_handed_over_exactly_when_it_is_at_most_max_line_bytes(extra, term, data):
    length = MAX_LINE + extra
    payload = b"x" * length + term + b"next" + term
    # reads cut anywhere, and always right around the limit and the terminator (the class of the defect)
    near = [MAX_LINE + d for d in range(-2, 4)] + [length + d for d in range(len(term) + 1)]
    cuts = data.draw(st.lists(st.integers(1, len(payload) - 1), max_size=4)) + data.draw(
        st.lists(st.sampled_from(near), max_size=3))
    adapter = _feed(term, payload, cuts)
    if length <= MAX_LINE:
        assert adapter.lines == [b"x" * length, b"next"]
        assert not [e for e in adapter._o_ns.entries if e[0] == "Error"]
    else:
        assert adapter.lines == []  # neither the long line nor anything after it on that connection
        assert any("longer than" in text for kind, text in adapter._o_ns.entries if kind == "Error")


@given(st.integers(0, 40), st.integers(0, 8), st.sampled_from(TERMINATORS), st.integers(0, 60))
def test_take_line_decides_from_the_line_length_only(line_length, limit, term, tail):
    buffer = b"y" * line_length + term + b"z" * tail
    line, rest, too_long = take_line(buffer, term, limit)
    assert too_long == (line_length > limit)
    assert (line, rest) == ((b"y" * line_length, b"z" * tail) if not too_long else (None, buffer))
    partial = buffer[:line_length + len(term) - 1]  # the terminator not whole yet
    line, _rest, too_long = take_line(partial, term, limit)
    assert line is None and too_long == (line_length > limit)


def _reply_server(reply: bytes, chunk: int):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        with conn:
            conn.recv(100)
            for at in range(0, len(reply), chunk):
                conn.sendall(reply[at:at + chunk])
            conn.recv(1)
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def test_the_outbound_reply_line_obeys_the_same_limit_at_the_boundary():
    for extra, chunk in [(0, 4096), (1, 4096), (3, 4099), (0, 65536), (2, 1 << 20)]:
        port = _reply_server(b"r" * (MAX_LINE + extra) + b"\n", chunk)
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            sock.sendall(b"ask\n")
            if extra == 0:
                assert TextLineOutboundMixin._read_line(sock, b"\n", 10) == b"r" * MAX_LINE
            else:
                try:
                    TextLineOutboundMixin._read_line(sock, b"\n", 10)
                except OSError as exc:
                    assert "longer than" in str(exc)
                else:
                    raise AssertionError(f"a {MAX_LINE + extra}-byte reply line was handed over")
        finally:
            sock.close()
