"""The message cap is exact: a message is refused if and only if its payload is over ``max_frame_bytes``,
however it is cut into fragments and whatever control frames come between them.

Before: the cap counted bytes on the wire with one frame header allowed for, so a 1,034-byte message in one
frame passed a 1,024-byte cap, and a message of exactly 1,024 bytes in four fragments (four headers) was
refused as too big.
"""

from __future__ import annotations

import socket

from hypothesis import given, settings
from hypothesis import strategies as st
from test_transport_framing import frame

from adapters.lite_terminal import RemoteProtocolError
from adapters.lite_terminal.transport import WebSocketTransport

CAP = 1024
CONTROL = st.sampled_from([b"", frame(b"p", 0x9), frame(b"", 0xA), frame(b"q" * 125, 0x9),
                           b"\x89\x7e\x00\x05hello"])  # the last: a ping with a 16-bit length it did not need


def message(size: int, cuts: list, controls: list) -> bytes:
    """``size`` bytes of text in fragments cut at ``cuts``, a control frame (or nothing) after each cut."""
    points = sorted({c % (size + 1) for c in cuts})
    pieces = [b"x" * (b - a) for a, b in zip([0] + points, points + [size])]
    data = b""
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        data += frame(piece, 0x1 if i == 0 else 0x0, fin=last)
        if not last:
            data += controls[i % len(controls)]
    return data


@settings(max_examples=60, deadline=None)
@given(size=st.integers(CAP - 40, CAP + 40), cuts=st.lists(st.integers(0, CAP + 40), max_size=12),
       controls=st.lists(CONTROL, min_size=1, max_size=4))
def test_a_message_is_refused_exactly_when_its_payload_is_over_the_cap(size, cuts, controls):
    client, server = socket.socketpair()
    try:
        transport = WebSocketTransport(client, "ws://h:1/t", max_frame_bytes=CAP)
        server.sendall(message(size, cuts, controls) + frame(b"next"))
        if size > CAP:
            try:
                transport.recv(1.0)
            except RemoteProtocolError as exc:
                assert "max_frame_bytes" in str(exc)
            else:
                raise AssertionError(f"a {size}-byte message passed a {CAP}-byte cap")
        else:
            assert transport.recv(1.0) == "x" * size
            assert transport.recv(1.0) == "next"  # the count starts again at the next message
    finally:
        client.close()
        server.close()


def test_endless_empty_fragments_end_at_the_deadline_not_in_a_busy_hang():
    client, server = socket.socketpair()
    try:
        transport = WebSocketTransport(client, "ws://h:1/t", max_frame_bytes=CAP)
        server.sendall(frame(b"a", fin=False) + frame(b"", 0x0, fin=False) * 2000)
        assert transport.recv(0.2).name == "TIMEOUT"
    finally:
        client.close()
        server.close()
