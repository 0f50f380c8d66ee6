"""The transport's fast path for plain text frames (``_plain_text``) reads exactly what the ordinary path
through websocket-client reads: for any stream of frames, well-formed or not, cut anywhere, both give the
same messages, the same protocol errors with the same reasons, and the same end."""

from __future__ import annotations

import socket
import struct
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal import RemoteProtocolError, guarded
from adapters.lite_terminal.transport import Signal, WebSocketTransport

CAP = 300  # max_frame_bytes: frames around it in both length forms


def encode(opcode: int, payload: bytes, fin: bool, rsv: int, masked: bool, long_form: int) -> bytes:
    """A frame; ``long_form`` 1 or 2 writes the length in 16 or 64 bits even when it would fit in fewer."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    bit = 0x80 if masked else 0
    if long_form == 2:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    elif n < 126 and not long_form:
        head += bytes([bit | n])
    else:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    return head + (b"\0\0\0\0" if masked else b"") + payload


TEXTS = st.one_of(
    st.text(max_size=40).map(lambda t: t.encode("utf-8")),
    st.binary(max_size=40),  # often not UTF-8
    st.integers(CAP - 3, CAP + 3).map(lambda n: b"x" * n),
    st.sampled_from([b"", b"\xc3", b"\xe2\x82", "é".encode() * 70]),
)
PLAIN = TEXTS.map(lambda p: encode(0x1, p, True, 0, False, 0))  # the common case, most of the time
SMALL = st.binary(max_size=20)
ODD = st.one_of(  # a plain frame with one thing changed, so each reaches the reader before an earlier error
    st.builds(lambda p, r: encode(0x1, p, True, r, False, 0), TEXTS, st.sampled_from([1, 2, 4])),
    st.builds(lambda p, lf: encode(0x1, p, True, 0, True, lf), TEXTS, st.integers(0, 2)),
    st.builds(lambda p, lf: encode(0x1, p, False, 0, False, lf), TEXTS, st.integers(0, 2)),
    st.builds(lambda p, fin: encode(0x0, p, fin, 0, False, 0), TEXTS, st.booleans()),
    st.builds(lambda op, p: encode(op, p, True, 0, False, 0), st.sampled_from([0x8, 0x9, 0xA]), SMALL),
    st.builds(lambda op, p: encode(op, p, True, 0, False, 0), st.sampled_from([0x2, 0x3, 0xB]), TEXTS),
    st.builds(lambda p, lf: encode(0x1, p, True, 0, False, lf), TEXTS, st.integers(1, 2)),  # long forms
)
STREAMS = st.lists(st.one_of(PLAIN, PLAIN, ODD), min_size=1, max_size=8).map(b"".join)


def read_all(data: bytes, fast: bool, read_size: int) -> List[object]:
    """Everything one transport makes of ``data`` (then the end of the stream), read ``read_size`` bytes
    from the socket at a time."""
    client, server = socket.socketpair()
    try:
        transport = WebSocketTransport(client, "ws://h:1/t", max_frame_bytes=CAP)
        transport.fast_frames = fast
        server.sendall(data)
        server.shutdown(socket.SHUT_WR)
        seen: List[object] = []
        original = guarded._READ_SIZE
        guarded._READ_SIZE = read_size
        try:
            for _ in range(len(data) + 2):
                try:
                    got = transport.recv(2.0)
                except RemoteProtocolError as exc:
                    seen.append(("error", str(exc)))
                    continue
                seen.append(got if isinstance(got, str) else got.name)
                if got is Signal.CLOSED or got is Signal.TIMEOUT:
                    break
        finally:
            guarded._READ_SIZE = original
        return seen
    finally:
        client.close()
        server.close()


LONG = "é".encode() * 70  # 140 bytes: a header misread as a short one would still find "enough" bytes
EACH_ODD_SHAPE = [  # every deviation once, deterministically, ahead of a plain frame
    encode(op, LONG if op < 8 else b"p", fin, rsv, masked, form) + encode(0x1, b"y", True, 0, False, 0)
    for op, fin, rsv, masked, form in [
        (0x1, True, 1, False, 0), (0x1, True, 4, False, 0), (0x1, True, 0, True, 0),
        (0x1, True, 0, True, 2), (0x1, False, 0, False, 0), (0x1, False, 0, False, 2),
        (0x0, True, 0, False, 0), (0x9, True, 0, False, 0), (0x8, True, 0, False, 0),
        (0x2, True, 0, False, 0), (0x3, True, 0, False, 0), (0x1, True, 0, False, 1),
        (0x1, True, 0, False, 2),
    ]
]


@settings(max_examples=250, deadline=None)
@given(STREAMS, st.sampled_from([1, 2, 3, 7, 64, 262144]))
def test_the_fast_path_reads_every_stream_as_websocket_client_does(data: bytes, read_size: int) -> None:
    assert read_all(data, True, read_size) == read_all(data, False, read_size)


@pytest.mark.parametrize("data", EACH_ODD_SHAPE)
def test_each_odd_shape_is_read_as_websocket_client_does(data: bytes) -> None:
    assert read_all(data, True, 262144) == read_all(data, False, 262144)


def test_plain_frames_take_the_fast_path_and_others_do_not() -> None:
    """The comparison above means something only if both paths run: plain frames skip websocket-client's
    frame reader, a fragment, a ping or a masked frame goes through it."""
    client, server = socket.socketpair()
    transport = WebSocketTransport(client, "ws://h:1/t", max_frame_bytes=CAP)
    calls = []
    real = transport._ws.recv_data_frame
    transport._ws.recv_data_frame = lambda *a: calls.append(1) or real(*a)
    try:
        server.sendall(encode(0x1, b"one", True, 0, False, 0) + encode(0x1, b"two", True, 0, False, 1))
        assert [transport.recv(1.0), transport.recv(1.0)] == ["one", "two"] and calls == []
        server.sendall(encode(0x1, b"a", False, 0, False, 0) + encode(0x0, b"b", True, 0, False, 0))
        assert transport.recv(1.0) == "ab" and len(calls) == 2
    finally:
        client.close()
        server.close()
