"""The sans-IO WebSocket codec (adapters/lite_terminal/wire.py): what RFC 6455 allows is read, the rest
refused, and a message over the cap is refused from its header, before its payload is kept."""

from __future__ import annotations

import struct

import pytest

from adapters.lite_terminal import RemoteProtocolError, wire


def frame(payload: bytes, opcode: int = 0x1, fin: bool = True, length=None) -> bytes:  # noqa: ANN001
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def test_messages_arrive_whole_however_the_bytes_are_split():
    data = frame(b"hello") + frame("é".encode() * 40000) + frame(b"bye")
    reader = wire.FrameReader(1 << 20)
    got = []
    for i in range(0, len(data), 7):
        got += reader.feed(data[i : i + 7])
    assert got == [("text", "hello"), ("text", "é" * 40000), ("text", "bye")]
    assert reader.buffered == 0


def test_fragments_are_joined_and_control_frames_may_come_between_them():
    reader = wire.FrameReader(1024)
    data = frame(b"ab", fin=False) + frame(b"p", 0x9) + frame(b"cd", 0x0, fin=False) + frame(b"e", 0x0)
    assert reader.feed(data) == [("ping", b"p"), ("text", "abcde")]


def test_a_message_over_the_cap_is_refused_from_the_header():
    reader = wire.FrameReader(1000)
    assert reader.feed(frame(b"", length=2**40)[:10]) == []  # only a header: nothing buffered to refuse it
    assert isinstance(reader.error, RemoteProtocolError) and "max_frame_bytes" in str(reader.error)
    fragments = wire.FrameReader(1000)
    fragments.feed(frame(b"x" * 600, fin=False))
    fragments.feed(frame(b"", 0x0, length=600)[:4])
    assert "max_frame_bytes" in str(fragments.error)  # the sum of fragments counts


@pytest.mark.parametrize("data,why", [
    (bytes([0x81 | 0x40, 1]) + b"x", "reserved WebSocket bits"),
    (bytes([0x81, 0x81]) + b"abcd" + b"x", "masked"),
    (frame(b"x", 0x3), "reserved opcode"),
    (frame(b"x" * 126, 0x9), "control frame"),
    (frame(b"x", 0x9, fin=False), "control frame"),
    (frame(b"x", 0x0), "continuation frame with no message"),
    (frame(b"a", fin=False) + frame(b"b"), "new WebSocket message inside"),
    (frame(b"\xff"), "not valid UTF-8"),
    (frame(b"\x03", 0x8), "1-byte payload"),
    (frame(b"\x03\xe7", 0x8), "invalid code 999"),
    (frame(b"\x03\xe8\xff", 0x8), "reason is not valid UTF-8"),
])
def test_what_the_rfc_forbids_is_an_error_after_the_messages_before_it(data, why):
    reader = wire.FrameReader(1 << 20)
    assert reader.feed(frame(b"before") + data) == [("text", "before")]
    assert why in str(reader.error)
    assert reader.feed(frame(b"after")) == []  # nothing is read past a violation


def test_close_frames_give_code_and_reason():
    reader = wire.FrameReader(1024)
    assert reader.feed(frame(b"\x03\xe8bye", 0x8) + frame(b"", 0x8)) == [("close", (1000, "bye")),
                                                                        ("close", (None, ""))]


def test_client_frames_are_masked_and_unmask_to_the_payload():
    payload = b"x" * 70000
    data = wire.encode_frame(wire.OP_TEXT, payload)
    assert data[0] == 0x81 and data[1] == 0x80 | 127
    key = data[10:14]
    assert bytes(b ^ key[i % 4] for i, b in enumerate(data[14:])) == payload


def test_the_upgrade_answer_must_accept_our_key():
    request, key = wire.upgrade_request("h:1", "/p", "c=1")
    assert b"Sec-WebSocket-Key: " + key.encode() in request and b"Cookie: c=1" in request
    with pytest.raises(RemoteProtocolError, match="accept"):
        wire.parse_upgrade_answer(b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  b"Sec-WebSocket-Accept: wrong", key)
    assert wire.parse_upgrade_answer(b"HTTP/1.1 302 Found\r\nLocation: /x", key) == (302, {"location": "/x"})
    with pytest.raises(RemoteProtocolError, match="not HTTP"):
        wire.parse_upgrade_answer(b"SSH-2.0", key)
