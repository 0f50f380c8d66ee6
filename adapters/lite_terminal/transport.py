"""The thin I/O layer: one WebSocket (websocket-client) on one socket, every call under a wall-clock deadline.

websocket-client does the opening handshake and the framing (RFC 6455); this module opens the TCP (and
TLS) socket itself, hands websocket-client a :class:`~.guarded.GuardedSocket` around it and owns the clock:
each call takes a deadline for the whole call (not per socket read), and every byte websocket-client reads
or writes — handshake answer, frames, pings it answers, fragments — goes through that wrapper, which stops
at the deadline and refuses a message over the cap while it arrives. Everything ``socket``/``ssl``/
``websocket`` can raise is translated into the TerminalError tree. ``recv`` never raises for the two
ordinary outcomes: it returns :data:`Signal.TIMEOUT` when the deadline passes and :data:`Signal.CLOSED`
when the server closed or dropped the socket. Binary messages are skipped: the protocol is JSON text only
(docs/protocol.md §6.1). Text is decoded strictly in C (``bytes.decode``), not by websocket-client's
Python UTF-8 validator (``skip_utf8_validation=True``: 14 s for a 50 MB frame there). The most common
frame, one whole plain text frame already buffered, is read without websocket-client's frame objects
(:meth:`WebSocketTransport._plain_text`); anything else goes through websocket-client.
"""

from __future__ import annotations

import enum
import logging
import secrets
import select
import socket
import ssl
import struct
import time
from collections import deque
from typing import Deque, List, Optional, Union
from urllib.parse import urlsplit

import websocket

from .errors import (
    AuthError,
    ConnectError,
    ConnectionLost,
    RemoteProtocolError,
    ServerUnavailable,
    UnsupportedServer,
)
from .guarded import BudgetExceeded, DeadlineExpired, GuardedSocket
from .httpguard import Cancel, ResolveTimeout, connect_by
from .httpguard import seconds_text as secs
from .login import guard_loggers, redirect_error

__all__ = ["Signal", "WebSocketTransport", "ssl_context", "MAX_FRAME_BYTES", "CLOSE_WAIT"]

log = logging.getLogger("adapters.lite_terminal")

Verify = Union[bool, str]

MAX_FRAME_BYTES = 64 * 1024 * 1024  # default cap on one WebSocket message (docs/protocol.md §12: none known)
CLOSE_WAIT = 1.0  # close(): at most this long for the close handshake, then the socket is dropped
MAX_HEADER_BYTES = 65536  # the upgrade answer (headers and any error body) larger than this is refused
# while a frame arrives the guard counts the message's payload so far plus that frame's bytes on the wire:
# a frame header (at most 14 bytes) or a whole control frame (at most 2 + 125 + 4) over the cap is allowed
# for; the payload itself is checked exactly once a frame is in (_next, _fragment)
_IN_FLIGHT = 2 + 125 + 4
_NOT_PLAIN = object()  # _plain_text: not the common frame shape, read it through websocket-client
_MAX_WAIT = 86400.0

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# RFC 6455 sections 7.4.1 and 7.4.2: codes a peer may send in a close frame.
_VALID_CLOSE = frozenset(range(1000, 1004)) | frozenset(range(1007, 1012)) | frozenset({1012, 1013, 1014})

# websocket-client's protocol errors, in our words (its texts differ between versions; matched by part)
_FRAMING_ERRORS = (
    ("rsv is not implemented", "the server set reserved WebSocket bits (RSV1-3) without an extension"),
    ("Invalid opcode", "the server sent a WebSocket frame with a reserved opcode"),
    ("Invalid close opcode", "the server sent a close frame with an invalid code"),
    ("Invalid close frame", "the server sent a malformed close frame (a 1-byte payload or over 125 bytes)"),
    ("Ping message is too long", "the server sent a WebSocket control frame longer than 125 bytes"),
    ("Invalid ping frame", "the server sent a fragmented WebSocket control frame"),
    ("Illegal frame", "the server sent a continuation frame with no message to continue, or a new message "
                      "inside a fragmented one"),
)


class _NoSharedCookies:
    """Replaces websocket-client's process-wide handshake cookie jar (``websocket._handshake.CookieJar``).

    That jar keeps every ``Set-Cookie`` with a ``Domain`` attribute from any server's 101 or redirect
    answer and adds it to every later upgrade to a matching host, so one hostile server could plant a
    session cookie for another. The upgrade's cookies come only from login.cookie_header.
    """

    def add(self, set_cookie: object) -> None:
        pass

    def set(self, set_cookie: object) -> None:
        pass

    def get(self, host: object) -> str:
        return ""


def _isolate_handshake_cookies() -> None:
    handshake = getattr(websocket, "_handshake", None)
    if handshake is not None and hasattr(handshake, "CookieJar"):
        handshake.CookieJar = _NoSharedCookies()


_isolate_handshake_cookies()
guard_loggers()  # websocket-client's logger exists now: its trace prints the upgrade's Cookie header


class Signal(enum.Enum):
    TIMEOUT = "timeout"  # nothing arrived before the deadline
    CLOSED = "closed"  # the server closed (close frame, EOF or reset)
    PONG = "pong"  # the pong of our ping came (only when recv was asked to report it)


TIMEOUT = Signal.TIMEOUT
CLOSED = Signal.CLOSED


def ssl_context(verify: Verify, where: str = "") -> ssl.SSLContext:
    """Verified by default; a CA bundle path; or (with a WARNING naming ``where``) no verification at all."""
    if verify is False:
        log.warning("TLS certificate verification is DISABLED for the Lite Terminal connection to %s; "
                    "anyone on the network path can impersonate the server", where or "the server")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConnectError(f"cannot load the TLS CA bundle {verify!r}: {exc.strerror or exc}") from None


def _remaining(deadline: Optional[float]) -> Optional[float]:
    """Seconds left (>= 0), capped so settimeout never overflows; None = no deadline."""
    if deadline is None:
        return None
    return min(max(deadline - time.monotonic(), 0.0), _MAX_WAIT)


class WebSocketTransport:
    """An open terminal socket. One thread at a time (the client holds a lock)."""

    def __init__(self, sock: Union[socket.socket, GuardedSocket], url: str,
                 max_frame_bytes: int = MAX_FRAME_BYTES, ws: Optional[websocket.WebSocket] = None) -> None:
        """``sock``: the guarded socket :meth:`open` upgraded through ``ws``, or a plain socket already
        past the upgrade (framing starts at once)."""
        guard = sock if isinstance(sock, GuardedSocket) else GuardedSocket(sock, max_frame_bytes)
        if ws is None:
            ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=False)
            ws.sock, ws.connected = guard, True
        # frames are read straight from the guard (not through websocket-client's per-read socket helper,
        # which only adds timeout handling the guard does itself): the same bytes, fewer Python layers
        ws.frame_buffer.recv = guard.recv
        ws.cont_frame.fire_cont_frame = True  # each fragment comes to _next: the cap counts payload only
        self._ws = ws
        self._guard = guard
        self.url = url
        self.close_code: Optional[int] = None
        self._messages: Deque[str] = deque()
        self._closed = False
        self._peer_closed = False
        self._error: Optional[RemoteProtocolError] = None  # raised once the messages before it are taken
        self._max = max_frame_bytes
        self._parts: List[bytes] = []  # the fragments of the message in progress (_fragment)
        self._parts_size = 0  # their payload bytes: all the cap counts of them
        self._parts_opcode = OP_TEXT
        self.fast_frames = True  # read plain text frames without websocket-client's objects (_plain_text)
        self.rtt: Optional[float] = None  # smallest WebSocket ping round trip seen, seconds
        self.samples = 0  # pongs measured
        self.pongless = False  # set by the client when a ping went unanswered: no more waiting for pongs
        self._ping: Optional[bytes] = None
        self._ping_sent = 0.0
        guard.budget = max_frame_bytes + _IN_FLIGHT
        guard.start_message()

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, cookie: str, verify: Verify = True, timeout: Optional[float] = 5.0,
             max_frame_bytes: int = MAX_FRAME_BYTES, deadline: Optional[float] = None,
             cancel: Optional[Cancel] = None) -> WebSocketTransport:
        """Connect, (TLS,) upgrade with the login cookies and nothing else (docs/protocol.md §4.1 step 5).

        The whole of it ends by ``deadline`` (monotonic), or ``timeout`` seconds from now. Redirects are
        never followed: the cookies would go to another place.
        """
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + timeout
        parts = urlsplit(url)
        tls = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if tls else 80)
        where = _where(url)
        context = ssl_context(verify, where.split("/", 1)[0]) if tls else None
        sock: Optional[socket.socket] = None
        ws: Optional[websocket.WebSocket] = None
        guard: Optional[GuardedSocket] = None
        failure: Optional[ConnectError] = None
        try:
            sock = connect_by(host, port, deadline, cancel)  # name lookup included; close() shuts it
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                sock = _tls(sock, context, host, deadline)
                if cancel is not None:
                    cancel.watch(sock)  # wrapping took the descriptor over from the plain socket
            guard = GuardedSocket(sock, MAX_HEADER_BYTES)
            guard.deadline = deadline
            # skip_utf8_validation: text is decoded strictly in C below (module docstring); no lock: the
            # client holds its own; redirect_limit=0: never follow (websocket-client 1.9.2 then raises
            # "Redirect limit exhausted", 1.9.0 returns the 3xx as if connected: the status is checked)
            ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=False)
            ws.connect(url, socket=guard, cookie=cookie or None, redirect_limit=0, suppress_origin=True)
            failure = _answer_error(ws, url)
        except websocket.WebSocketBadStatusException as exc:
            failure = _bad_status(url, exc.status_code, (exc.resp_headers or {}).get("location"))
        except websocket.WebSocketException as exc:
            failure = _answer_error(ws, url) or ConnectError(
                f"WebSocket upgrade at {where} failed: {_upgrade_reason(exc)}")
        except BudgetExceeded:
            failure = ConnectError(f"WebSocket upgrade at {where} failed: the answer exceeds "
                                   f"{MAX_HEADER_BYTES} bytes")
        except ResolveTimeout:
            failure = ConnectError(f"cannot resolve the host of {where} within {secs(timeout)} s")
        except (DeadlineExpired, socket.timeout):
            failure = ConnectError(f"the WebSocket upgrade at {where} timed out after "
                                   f"{secs(timeout)} s; check that the web server supports WebSockets")
        except ssl.SSLError as exc:
            failure = ConnectError(f"TLS handshake with {where} failed: {_tls_reason(exc)}")
        except socket.gaierror:
            failure = ConnectError(f"cannot resolve the host of {where}")
        except ConnectionRefusedError:
            failure = ConnectError(f"connection to {where} refused")
        except (IndexError, ValueError) as exc:  # websocket-client 1.9.0 on an answer that is not HTTP
            what = "the upgrade answer is not HTTP" if ws is not None else "bad address"
            failure = ConnectError(f"WebSocket upgrade at {where} failed: {what} ({type(exc).__name__})")
        except (OSError, OverflowError) as exc:
            failure = ConnectError(f"WebSocket upgrade at {where} failed: {type(exc).__name__}")
        if failure is not None:  # raised here, outside any handler: nothing chained (the cookie stays out)
            if sock is not None:
                sock.close()
            raise failure
        assert ws is not None and guard is not None
        log.debug("WebSocket open: %s", url)
        return cls(guard, url, max_frame_bytes, ws)

    # -- traffic ---------------------------------------------------------------------------------------

    def send(self, text: str, deadline: Optional[float] = None) -> None:
        """Send one text message, all of it by ``deadline`` (or the connection is given up)."""
        if self._closed:
            raise ConnectionLost(f"the WebSocket to {_where(self.url)} is closed")
        self._ping = None  # a pong after this may wait behind the server's work: not a round trip sample
        self._send(text.encode("utf-8"), OP_TEXT, deadline)

    def _send(self, payload: bytes, opcode: int, deadline: Optional[float]) -> None:
        guard = self._guard
        guard.deadline, guard.wait, guard.buffer_only = deadline, True, False
        try:
            data = websocket.ABNF.create_frame(payload, opcode).format()  # websocket-client masks and frames
            while data:
                data = data[guard.send(data):]
            return
        except DeadlineExpired:
            why = "the deadline passed"
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            why = type(exc).__name__
        self._mark_closed()
        raise ConnectionLost(f"sending to {_where(self.url)} failed: {why}")

    def recv(self, timeout: Optional[float] = None, deadline: Optional[float] = None,
             until_pong: bool = False) -> Union[str, Signal]:
        """The next text message, or Signal.TIMEOUT / Signal.CLOSED, by ``deadline`` (monotonic) or
        ``timeout`` seconds from now; neither = wait forever. Raises RemoteProtocolError for framing the
        RFC forbids or a message over the frame cap (the socket is closed then). ``until_pong``: also
        return Signal.PONG once the pong of :meth:`ping` has been measured."""
        if self._messages:
            return self._messages.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._closed:
            return CLOSED
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + max(timeout, 0.0)
        guard = self._guard
        guard.deadline, guard.wait, guard.buffer_only = deadline, True, False
        samples = self.samples
        while True:
            got = self._next()
            if got is not None:
                if isinstance(got, str) or got is CLOSED:
                    return got
                return TIMEOUT
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if until_pong and self.samples != samples:
                return Signal.PONG

    def _next(self) -> Union[str, Signal, None]:
        """Read one frame through websocket-client: a text message, CLOSED, TIMEOUT (the deadline passed
        or nothing more was there) or None (a control frame was handled, or an error noted)."""
        guard = self._guard
        try:
            if self.fast_frames:
                got = self._plain_text()
                if got is not _NOT_PLAIN:
                    return got  # type: ignore[return-value]
            opcode, frame = self._ws.recv_data_frame(True)
        except DeadlineExpired:
            if guard.broken:  # a pong or close was cut off mid-frame: the stream is unusable
                self._mark_closed()
                return CLOSED
            return TIMEOUT
        except BudgetExceeded:
            return self._fail(f"the server sent a WebSocket message of more than {self._max} bytes "
                              "(max_frame_bytes); the rest of it was not read")
        except websocket.WebSocketProtocolException as exc:
            return self._fail(_framing_reason(exc))
        except websocket.WebSocketPayloadException as exc:
            return self._fail(f"the server sent an invalid WebSocket payload ({type(exc).__name__})")
        except (websocket.WebSocketException, OSError, ValueError, struct.error):
            self._mark_closed()  # EOF, reset, or the socket closed under us (abort)
            return CLOSED
        data = frame.data
        if opcode in (OP_PING, OP_PONG):
            # a control frame may come between the fragments of a message: the count goes back to the
            # payload of those fragments (its own bytes, however encoded, are not the message's)
            guard.received = self._parts_size
        elif opcode == OP_CONT or not frame.fin:
            return self._fragment(opcode, frame)
        else:
            guard.start_message()
            if len(data) > self._max:  # the guard allows one frame header: the cap is on the payload
                return self._fail(f"the server sent a WebSocket message of more than {self._max} bytes "
                                  "(max_frame_bytes)")
        if getattr(frame, "mask_value", 0):  # the has-mask bit of the (last) frame
            return self._fail("the server sent a masked WebSocket frame (RFC 6455 section 5.1)")
        if opcode == OP_TEXT:
            try:
                return data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
            except UnicodeDecodeError:
                return self._fail("the server sent a text frame that is not valid UTF-8")
        if opcode == OP_CLOSE:
            return self._on_close(data)
        if len(data) > 125:
            return self._fail("the server sent a WebSocket control frame longer than 125 bytes")
        if opcode == OP_PONG and self._ping is not None and data == self._ping:
            sample = time.monotonic() - self._ping_sent
            self.rtt = sample if self.rtt is None else min(self.rtt, sample)
            self.samples += 1
            self._ping = None
        elif opcode == OP_BINARY:
            log.debug("skipping a binary WebSocket message")
        if guard.broken:
            self._mark_closed()
            return CLOSED
        return None

    def _plain_text(self) -> object:
        """The next message when it is the common case, one whole unmasked text frame of under 64 KiB with
        FIN set and no RSV bits, already buffered and starting no continuation: its text (or None after
        _fail for bad UTF-8), read straight from the guard's buffer without websocket-client's frame objects
        (two per command; this halves the client's own work per frame). Anything else, or any state of
        websocket-client's between frames, is _NOT_PLAIN and goes the ordinary way, which checks it all:
        tests/client/test_transport_fast_path.py runs both ways on generated streams and compares."""
        ws = self._ws
        buffer = ws.frame_buffer
        if self._parts or buffer.header is not None or buffer.recv_buffer or ws.cont_frame.recving_frames:
            return _NOT_PLAIN
        data, pos = self._guard.unread()
        end = len(data)
        if end - pos < 2 or data[pos] != 0x81:  # FIN, no RSV bits, text
            return _NOT_PLAIN
        length = data[pos + 1]  # the mask bit set (a masked frame) makes it >= 128: refused the ordinary way
        start = pos + 2
        if length == 126:
            if end - pos < 4:
                return _NOT_PLAIN
            length = (data[pos + 2] << 8) | data[pos + 3]
            start = pos + 4
        elif length > 126:
            return _NOT_PLAIN
        stop = start + length
        if stop > end or length > self._max:
            return _NOT_PLAIN
        self._guard.skip(stop - pos)
        self._guard.start_message()
        try:
            return data[start:stop].decode("utf-8")
        except UnicodeDecodeError:
            return self._fail("the server sent a text frame that is not valid UTF-8")

    def _fragment(self, opcode: int, frame: websocket.ABNF) -> Union[str, None]:
        """One fragment of a message (websocket-client checked their order): the payloads are kept and
        counted, their headers are not, so the cap is exact however the message is cut; the last one
        completes it (a text message, or a skipped binary one)."""
        if getattr(frame, "mask_value", 0):
            return self._fail("the server sent a masked WebSocket frame (RFC 6455 section 5.1)")
        if opcode != OP_CONT:
            self._parts_opcode = opcode
        data = frame.data
        self._parts.append(data if isinstance(data, (bytes, bytearray)) else data.encode("utf-8"))
        self._parts_size += len(data)
        if self._parts_size > self._max:
            self._parts, self._parts_size = [], 0
            return self._fail(f"the server sent a WebSocket message of more than {self._max} bytes "
                              "(max_frame_bytes); the rest of it was not read")
        self._guard.received = self._parts_size
        if not frame.fin:
            return None
        whole, self._parts, self._parts_size = b"".join(self._parts), [], 0
        self._guard.start_message()
        if self._parts_opcode != OP_TEXT:
            log.debug("skipping a binary WebSocket message")
            return None
        try:
            return whole.decode("utf-8")
        except UnicodeDecodeError:
            return self._fail("the server sent a text frame that is not valid UTF-8")

    def _on_close(self, data: bytes) -> Union[Signal, None]:
        """websocket-client has answered the close already; check the payload (RFC 6455 5.5.1, 7.4)."""
        self._peer_closed = True
        if data:
            code = struct.unpack("!H", data[:2])[0]
            try:
                data[2:].decode("utf-8")
            except UnicodeDecodeError:
                return self._fail("the server sent a close frame whose reason is not valid UTF-8")
            if code not in _VALID_CLOSE and not 3000 <= code <= 4999:
                return self._fail(f"the server sent a close frame with the invalid code {code}")
            self.close_code = code
        log.debug("server closed the WebSocket (code %s)", self.close_code)
        self._mark_closed()
        return CLOSED

    def _fail(self, why: str) -> None:
        """Note a protocol violation (raised once the messages before it are taken) and drop the socket."""
        if self._error is None and not self._closed:
            self._error = RemoteProtocolError(f"broken WebSocket framing from {_where(self.url)}: {why}")
        self._mark_closed()
        return None

    def ping(self, deadline: Optional[float] = None) -> None:
        """Send a WebSocket ping; its pong (answered by the server's WebSocket layer, RFC 6455 section 5.5.2)
        updates :attr:`rtt` if nothing was sent in between. Sending it may raise ConnectionLost."""
        if self._closed:
            raise ConnectionLost(f"the WebSocket to {_where(self.url)} is closed")
        self._ping = secrets.token_bytes(8)
        self._ping_sent = time.monotonic()
        self._send(self._ping, OP_PING, deadline)

    def has_pending(self) -> bool:
        """True if complete messages were read ahead (already received, not waited for)."""
        self._read_ahead(touch_socket=False)
        return bool(self._messages) or self._error is not None

    def abort(self) -> None:
        """Drop the socket at once, without a close handshake; safe from another thread (a blocked
        ``recv`` there returns CLOSED)."""
        self._guard.shutdown(socket.SHUT_RDWR)
        self._mark_closed()

    def poll(self) -> bool:
        """Without blocking: read what has already arrived (kept for :meth:`take_pending`); True if the
        server has closed the socket meanwhile (docs/protocol.md §4.5, §12: idle closes happen, and
        noticing one before sending keeps a command from being lost). Broken framing counts as closed."""
        self._read_ahead(touch_socket=True)
        return self._closed

    server_closed = poll

    def _read_ahead(self, touch_socket: bool) -> None:
        """Queue every complete message that is there without waiting (from the socket, or only from what
        has been read already)."""
        guard = self._guard
        if self._closed or not (guard.ready() if touch_socket else guard.buffered):
            return  # nothing there: no need to go through websocket-client's reader
        guard.wait, guard.buffer_only = False, not touch_socket
        try:
            while not self._closed and self._error is None:
                got = self._next()
                if isinstance(got, str):
                    self._messages.append(got)
                elif got is not None:
                    break
        finally:
            guard.wait, guard.buffer_only = True, False

    def take_pending(self) -> List[str]:
        """Messages read ahead by :meth:`poll`, oldest first (and forget them, and any framing error)."""
        messages = list(self._messages)
        self._messages.clear()
        self._error = None
        return messages

    @property
    def closed(self) -> bool:
        return self._closed

    def _mark_closed(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._guard.close()

    def close(self, timeout: float = CLOSE_WAIT) -> None:
        """Send a normal close (docs/protocol.md §15.1 step 8), wait for the answer at most ``timeout``
        seconds whatever arrives meanwhile, drop the socket; never raises."""
        if self._closed:
            return
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            guard = self._guard
            guard.deadline, guard.wait, guard.buffer_only = deadline, True, False
            self._ws.send_close(1000)
            while not self._closed and not self._peer_closed:
                self._messages.clear()
                self._error = None
                if self._next() is TIMEOUT:
                    break
        except Exception:  # noqa: BLE001 - closing must not fail the caller
            pass
        finally:
            self._messages.clear()
            self._error = None
            self._mark_closed()


def _tls(sock: socket.socket, context: ssl.SSLContext, host: str, deadline: Optional[float]) -> ssl.SSLSocket:
    """The TLS handshake by ``deadline`` (a peer dripping it cannot stretch it: non-blocking steps)."""
    tls = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    tls.setblocking(False)
    while True:
        try:
            tls.do_handshake()
            return tls
        except ssl.SSLWantReadError:
            waiting = ([tls], [])
        except ssl.SSLWantWriteError:
            waiting = ([], [tls])
        wait = _remaining(deadline)
        if wait is not None and wait <= 0 or not any(select.select(*waiting, [], wait)):
            raise socket.timeout("TLS handshake deadline passed")


def _answer_error(ws: Optional[websocket.WebSocket], url: str) -> Optional[ConnectError]:
    """The refusal of an upgrade answer other than a valid 101 (a 3xx stays in ``handshake_response``
    with redirect_limit=0), or None."""
    answer = getattr(ws, "handshake_response", None)
    status = getattr(answer, "status", None)
    if not isinstance(status, int):
        return None
    headers = getattr(answer, "headers", None) or {}
    if status != 101:
        return _bad_status(url, status, headers.get("location"))
    if headers.get("sec-websocket-extensions"):
        return ConnectError(f"WebSocket upgrade at {_where(url)} failed: the server chose a WebSocket "
                            "extension this client did not offer")
    return None


def _upgrade_reason(exc: websocket.WebSocketException) -> str:
    text = str(exc)
    if isinstance(exc, websocket.WebSocketConnectionClosedException):
        return "the server closed the connection during the WebSocket upgrade"
    if "Invalid WebSocket Header" in text:
        return "the server answered 101 without a valid WebSocket accept"
    if "status line" in text or "header" in text.lower():
        return "the upgrade answer is not HTTP"
    return type(exc).__name__


def _framing_reason(exc: Exception) -> str:
    text = str(exc)
    for part, ours in _FRAMING_ERRORS:
        if part in text:
            return ours
    return f"a WebSocket frame websocket-client refused ({text[:120]})"


def _where(url: str) -> str:
    """``host:port/path`` of a ws URL, for messages (never contains credentials: we put none there)."""
    return url.split("://", 1)[-1]


def _bad_status(url: str, status: int, location: Optional[str] = None) -> ConnectError:
    if status == 401:
        return AuthError(f"the terminal upgrade at {_where(url)} was refused with HTTP 401 (not logged in)")
    if status == 404:
        return UnsupportedServer(
            f"no Lite Terminal at {_where(url)} (HTTP 404): it needs IRIS 2023.2+ (Atelier API v7); "
            "also check path_prefix"
        )
    if status == 503:
        return ServerUnavailable(f"the terminal upgrade at {_where(url)} got HTTP 503: check license usage")
    if 300 <= status < 400:
        return redirect_error("the terminal upgrade", status, location, url)
    return ConnectError(f"the terminal upgrade at {_where(url)} got HTTP {status} instead of 101; "
                        "check that the web server passes WebSocket upgrades")


def _tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"certificate verify failed ({exc.verify_message}); pass verify=<CA bundle path>, "
                "or verify=False to skip checks")
    return f"{type(exc).__name__}: {exc.reason or exc}"
