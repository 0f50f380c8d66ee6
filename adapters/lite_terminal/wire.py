"""Sans-IO WebSocket (RFC 6455) client codec: the upgrade request/answer and the frames, no sockets.

Why our own and not websocket-client's reader: every limit must hold whatever the peer does. A frame's
length is checked against ``max_message_bytes`` from its header, before its payload is buffered; a
message of fragments is checked as the fragments arrive; reserved bits, a masked server frame, a bad
opcode, a control frame over 125 bytes or fragmented, a malformed close payload and invalid UTF-8 are
protocol errors (RFC 6455 sections 5.2, 5.5, 5.5.1, 7.4, 8.1). The I/O layer (``transport``) owns the
clock, so a peer that trickles bytes, floods pings or never finishes a fragmented message cannot hold a
call past its deadline.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from typing import Dict, List, Optional, Tuple

from .errors import RemoteProtocolError

__all__ = [
    "OP_CONT",
    "OP_TEXT",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_PING",
    "OP_PONG",
    "FrameReader",
    "encode_frame",
    "close_payload",
    "upgrade_request",
    "parse_upgrade_answer",
    "MAX_HEADER_BYTES",
]

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_DATA_OPS = frozenset({OP_CONT, OP_TEXT, OP_BINARY})
_CONTROL_OPS = frozenset({OP_CLOSE, OP_PING, OP_PONG})
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
MAX_HEADER_BYTES = 65536  # an upgrade answer's header block larger than this is refused
# RFC 6455 sections 7.4.1 and 7.4.2: codes a peer may send in a close frame.
_VALID_CLOSE = frozenset(range(1000, 1004)) | frozenset(range(1007, 1012)) | frozenset({1012, 1013, 1014})


def _mask(key: bytes, data: bytes) -> bytes:
    """XOR ``data`` with the 4-byte masking key (RFC 6455 section 5.3), as one big-integer operation."""
    n = len(data)
    if not n:
        return data
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(n, "little")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (a client must mask every frame, RFC 6455 section 5.1)."""
    n = len(payload)
    key = os.urandom(4)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + key + _mask(key, payload)


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


class FrameReader:
    """Feed bytes in, take complete messages out: ``("text", str)``, ``("binary", bytes)``,
    ``("ping", bytes)``, ``("pong", bytes)``, ``("close", (code or None, reason))``.

    Raises :class:`RemoteProtocolError` for anything RFC 6455 forbids and for a message over
    ``max_message_bytes`` (checked from the frame header, before the payload is kept).
    """

    def __init__(self, max_message_bytes: int) -> None:
        self.max_message_bytes = max_message_bytes
        self._buf = bytearray()
        self._parts: List[bytes] = []
        self._parts_len = 0
        self._message_op: Optional[int] = None  # opcode of a fragmented message in progress
        self.error: Optional[RemoteProtocolError] = None

    @property
    def buffered(self) -> int:
        """Bytes held: unparsed input plus fragments of an unfinished message."""
        return len(self._buf) + self._parts_len

    def feed(self, data: bytes) -> List[Tuple[str, object]]:
        """The complete messages in what has arrived so far. After a protocol violation, the messages
        before it are still returned and :attr:`error` is set (the stream cannot be read any further)."""
        if self.error is not None:
            return []
        buf = self._buf
        buf += data
        out: List[Tuple[str, object]] = []
        pos = 0
        try:
            pos = self._parse(buf, out)
        except RemoteProtocolError as exc:
            self.error = exc
            buf.clear()
            self._parts, self._parts_len = [], 0
            return out
        if pos:
            del buf[:pos]
        return out

    def _parse(self, buf: bytearray, out: List[Tuple[str, object]]) -> int:
        pos = 0
        end = len(buf)
        while end - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if end - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if end - pos < 10:
                    break
                n = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            self._check_header(b0, b1, n)
            if end - pos - head < n:
                break
            start = pos + head
            payload = bytes(buf[start : start + n])
            pos = start + n
            message = self._on_frame(b0 & 0x0F, bool(b0 & 0x80), payload)
            if message is not None:
                out.append(message)
        return pos

    def _check_header(self, b0: int, b1: int, n: int) -> None:
        if b0 & 0x70:
            raise RemoteProtocolError("the server set reserved WebSocket bits (RSV1-3) without an extension")
        if b1 & 0x80:
            raise RemoteProtocolError("the server sent a masked WebSocket frame (RFC 6455 section 5.1)")
        opcode = b0 & 0x0F
        if opcode in _CONTROL_OPS:
            if n > 125 or not b0 & 0x80:
                raise RemoteProtocolError("the server sent a WebSocket control frame that is fragmented or "
                                          "longer than 125 bytes")
        elif opcode not in _DATA_OPS:
            raise RemoteProtocolError(f"the server sent a WebSocket frame with the reserved opcode "
                                      f"{opcode:#x}")
        elif n + self._parts_len > self.max_message_bytes:
            raise RemoteProtocolError(
                f"the server sent a WebSocket message of more than {self.max_message_bytes} bytes "
                "(max_frame_bytes); it was not read")

    def _on_frame(self, opcode: int, fin: bool, payload: bytes) -> Optional[Tuple[str, object]]:
        if opcode == OP_PING:
            return ("ping", payload)
        if opcode == OP_PONG:
            return ("pong", payload)
        if opcode == OP_CLOSE:
            return ("close", _parse_close(payload))
        if opcode == OP_CONT:
            if self._message_op is None:
                raise RemoteProtocolError("the server sent a continuation frame with no message to continue")
        elif self._message_op is not None:
            raise RemoteProtocolError("the server started a new WebSocket message inside a fragmented one")
        if fin and opcode != OP_CONT:
            return _message(opcode, payload)
        if opcode != OP_CONT:
            self._message_op = opcode
        self._parts.append(payload)
        self._parts_len += len(payload)
        if not fin:
            return None
        whole = b"".join(self._parts)
        first = self._message_op
        self._parts, self._parts_len, self._message_op = [], 0, None
        assert first is not None
        return _message(first, whole)


def _message(opcode: int, payload: bytes) -> Tuple[str, object]:
    if opcode == OP_BINARY:
        return ("binary", payload)
    try:
        return ("text", payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise RemoteProtocolError("the server sent a text frame that is not valid UTF-8") from None


def _parse_close(payload: bytes) -> Tuple[Optional[int], str]:
    if not payload:
        return (None, "")
    if len(payload) == 1:
        raise RemoteProtocolError("the server sent a close frame with a 1-byte payload (RFC 6455 5.5.1)")
    code = struct.unpack("!H", payload[:2])[0]
    if code not in _VALID_CLOSE and not 3000 <= code <= 4999:
        raise RemoteProtocolError(f"the server sent a close frame with the invalid code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise RemoteProtocolError("the server sent a close frame whose reason is not valid UTF-8") from None
    return (code, reason)


# --- the opening handshake (RFC 6455 section 4.1) ----------------------------------------------------


def upgrade_request(host_header: str, path: str, cookie: str) -> Tuple[bytes, str]:
    """The GET upgrade request and the ``Sec-WebSocket-Key`` it carries."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host_header}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), key


def parse_upgrade_answer(block: bytes, key: str) -> Tuple[int, Dict[str, str]]:
    """Status code and lower-cased headers of the answer; for 101, checks the accept key and headers.

    ``block`` is the header block without its final blank line. Raises RemoteProtocolError if the
    answer is not HTTP or a 101 that does not accept this upgrade.
    """
    lines = block.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise RemoteProtocolError(f"the upgrade answer is not HTTP: {lines[0][:80]!r}")
    status = int(parts[1])
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if status == 101:
        expected = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")
        if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in \
                headers.get("connection", "").lower() or headers.get("sec-websocket-accept") != expected:
            raise RemoteProtocolError("the server answered 101 without a valid WebSocket accept")
        if headers.get("sec-websocket-extensions"):
            raise RemoteProtocolError("the server chose a WebSocket extension this client did not offer")
    return status, headers
