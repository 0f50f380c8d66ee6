"""The transport on websocket-client: framing the RFC forbids is a protocol error after the messages before
it, the message cap counts fragments as they arrive, and nothing is read past a violation. (The same cases
mid-command, as ``lost``, are in tests/hostile/test_limits_and_lost.py.)"""

from __future__ import annotations

import socket
import struct

import pytest

from adapters.lite_terminal import RemoteProtocolError
from adapters.lite_terminal.transport import Signal, WebSocketTransport


def frame(payload: bytes, opcode: int = 0x1, fin: bool = True, masked: bool = False,
          length=None) -> bytes:  # noqa: ANN001
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if masked:
        head += b"\0\0\0\0"  # a zero key: the payload reads as is
    return head + payload


@pytest.fixture
def pair():
    client, server = socket.socketpair()
    yield WebSocketTransport(client, "ws://h:1/t", max_frame_bytes=1024), server
    server.close()


def test_messages_arrive_whole_however_the_bytes_are_split(pair):
    transport, server = pair
    data = frame(b"hello") + frame(b"ab", fin=False) + frame(b"p", 0x9) + frame(b"cd", 0x0)
    for i in range(0, len(data), 3):
        server.sendall(data[i : i + 3])
    assert transport.recv(1.0) == "hello"
    assert transport.recv(1.0) == "abcd"  # the ping between the fragments was answered, not returned
    assert server.recv(100)[:1] == b"\x8a"  # our pong


@pytest.mark.parametrize("data,why", [
    (frame(b"x", masked=True), "masked"),
    (frame(b"x", 0x0), "continuation frame with no message"),
    (frame(b"a", fin=False) + frame(b"b"), "new message inside a fragmented one"),
    (frame(b"\x03\xe7", 0x8), "invalid code"),
    (frame(b"x" * 126, 0xA), "control frame"),
])
def test_what_the_rfc_forbids_is_an_error_after_the_messages_before_it(pair, data, why):
    transport, server = pair
    server.sendall(frame(b"before") + data + frame(b"after"))
    assert transport.recv(1.0) == "before"
    with pytest.raises(RemoteProtocolError, match=why):
        transport.recv(1.0)
    assert transport.recv(0.1) is Signal.CLOSED  # nothing is read past a violation


def test_the_cap_counts_the_fragments_of_one_message_while_they_arrive(pair):
    transport, server = pair
    server.sendall(frame(b"x" * 600, fin=False) + frame(b"y" * 600, 0x0, fin=False))
    with pytest.raises(RemoteProtocolError, match="max_frame_bytes"):
        transport.recv(1.0)


def test_a_frame_claiming_more_than_the_cap_is_refused_once_the_cap_arrived(pair):
    transport, server = pair
    server.sendall(frame(b"", length=2**40)[:10] + b"z" * 1200)  # the cap and at most a control frame more
    with pytest.raises(RemoteProtocolError, match="max_frame_bytes"):
        transport.recv(1.0)


def test_messages_under_the_cap_one_after_another_do_not_add_up(pair):
    transport, server = pair
    server.sendall(b"".join(frame(b"m" * 1000) for _ in range(5)))
    assert [transport.recv(1.0) for _ in range(5)] == ["m" * 1000] * 5


def test_a_partial_frame_waits_for_the_rest_across_calls(pair):
    transport, server = pair
    data = frame(b'{"type":"prompt"}')
    server.sendall(data[:5])
    assert transport.recv(0.1) is Signal.TIMEOUT
    assert not transport.poll() and transport.take_pending() == []
    server.sendall(data[5:])
    assert transport.recv(1.0) == '{"type":"prompt"}'


@pytest.mark.parametrize("control", [frame(b"p", 0x9), frame(b"", 0xA), frame(b"x" * 125, 0x9)])
def test_control_frames_between_fragments_do_not_reset_the_cap(pair, control):
    transport, server = pair
    data = frame(b"x" * 400, fin=False)
    for _ in range(4):
        data += control + frame(b"y" * 400, 0x0, fin=False)
    server.sendall(data + frame(b"z", 0x0))
    with pytest.raises(RemoteProtocolError, match="max_frame_bytes"):
        transport.recv(1.0)


def test_control_frames_between_fragments_are_not_counted_against_the_message(pair):
    transport, server = pair
    data = frame(b"a" * 400, fin=False)
    for _ in range(20):  # 20 x 127 bytes of pings: more than the cap, none of it the message's
        data += frame(b"p" * 125, 0x9)
    server.sendall(data + frame(b"b" * 400, 0x0))
    assert transport.recv(1.0) == "a" * 400 + "b" * 400


def test_pings_while_idle_never_add_up_to_the_cap(pair):
    transport, server = pair
    server.sendall(frame(b"p" * 100, 0x9) * 30 + frame(b"after"))
    assert transport.recv(1.0) == "after"
