"""The thin I/O layer: one WebSocket on one socket, every call under a wall-clock deadline.

The RFC 6455 codec is sans-IO (``wire``); this module only moves bytes and owns the clock. Each call
takes a deadline for the whole call (not per socket read): connecting (TCP, TLS, upgrade answer), sending
and receiving return or fail by it, whether the peer trickles a byte at a time, floods pings or stops
mid-frame. Everything ``socket``/``ssl`` can raise is translated into the TerminalError tree.
``recv`` never raises for the two ordinary outcomes: it returns :data:`Signal.TIMEOUT` when the deadline
passes and :data:`Signal.CLOSED` when the server closed or dropped the socket. Binary messages are
skipped: the protocol is JSON text only (docs/protocol.md §6.1).
"""

from __future__ import annotations

import enum
import logging
import secrets
import socket
import ssl
import time
from collections import deque
from typing import Deque, List, Optional, Tuple, Union
from urllib.parse import urlsplit

from . import wire
from .errors import (
    AuthError,
    ConnectError,
    ConnectionLost,
    RemoteProtocolError,
    ServerUnavailable,
    UnsupportedServer,
)
from .login import redirect_error

__all__ = ["Signal", "WebSocketTransport", "ssl_context", "MAX_FRAME_BYTES", "CLOSE_WAIT"]

log = logging.getLogger("adapters.lite_terminal")

Verify = Union[bool, str]

MAX_FRAME_BYTES = 64 * 1024 * 1024  # default cap on one WebSocket message (docs/protocol.md §12: none known)
CLOSE_WAIT = 1.0  # close(): at most this long for the close handshake, then the socket is dropped
_READ_SIZE = 262144
_MAX_WAIT = 86400.0  # one socket wait is at most a day; longer deadlines loop (settimeout overflows)


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

    def __init__(self, sock: socket.socket, url: str, max_frame_bytes: int = MAX_FRAME_BYTES,
                 buffered: bytes = b"") -> None:
        self._sock = sock
        self.url = url
        self.close_code: Optional[int] = None
        self._reader = wire.FrameReader(max_frame_bytes)
        self._messages: Deque[str] = deque()
        self._closed = False
        self._peer_closed = False
        self._error: Optional[RemoteProtocolError] = None  # raised once the messages before it are taken
        self.rtt: Optional[float] = None  # smallest WebSocket ping round trip seen, seconds
        self.samples = 0  # pongs measured
        self.pongless = False  # set by the client when a ping went unanswered: no more waiting for pongs
        self._ping: Optional[bytes] = None
        self._ping_sent = 0.0
        self._recv_buf = bytearray(_READ_SIZE)
        self._view = memoryview(self._recv_buf)
        if buffered:
            self._absorb(buffered)

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, cookie: str, verify: Verify = True, timeout: Optional[float] = 5.0,
             max_frame_bytes: int = MAX_FRAME_BYTES, deadline: Optional[float] = None) -> WebSocketTransport:
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
        failure: Optional[ConnectError] = None
        try:
            sock = socket.create_connection((host, port), timeout=_remaining(deadline))
            sock, rest = _upgrade(sock, context, host, parts.netloc.rsplit("@", 1)[-1],
                                  (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), cookie,
                                  deadline)
        except _Answered as answer:
            failure = _bad_status(url, answer.status, answer.location)
        except ssl.SSLError as exc:
            failure = ConnectError(f"TLS handshake with {where} failed: {_tls_reason(exc)}")
        except socket.timeout:
            failure = ConnectError(f"the WebSocket upgrade at {where} timed out after {timeout} s; check "
                                   "that the web server supports WebSockets")
        except socket.gaierror:
            failure = ConnectError(f"cannot resolve the host of {where}")
        except ConnectionRefusedError:
            failure = ConnectError(f"connection to {where} refused")
        except RemoteProtocolError as exc:
            failure = ConnectError(f"WebSocket upgrade at {where} failed: {exc}")
        except ConnectError as exc:
            failure = ConnectError(str(exc))
        except (OSError, ValueError, OverflowError) as exc:
            failure = ConnectError(f"WebSocket upgrade at {where} failed: {type(exc).__name__}")
        if failure is not None:  # raised here, outside any handler: nothing chained (the cookie stays out)
            if sock is not None:
                sock.close()
            raise failure
        assert sock is not None
        log.debug("WebSocket open: %s", url)
        return cls(sock, url, max_frame_bytes, rest)

    # -- traffic ---------------------------------------------------------------------------------------

    def send(self, text: str, deadline: Optional[float] = None) -> None:
        """Send one text message, all of it by ``deadline`` (or the connection is given up)."""
        if self._closed:
            raise ConnectionLost(f"the WebSocket to {_where(self.url)} is closed")
        self._ping = None  # a pong after this may wait behind the server's work: not a round trip sample
        self._send_frame(wire.OP_TEXT, text.encode("utf-8"), deadline)

    def _send_frame(self, opcode: int, payload: bytes, deadline: Optional[float]) -> None:
        try:
            _send_all(self._sock, wire.encode_frame(opcode, payload), deadline)
        except (OSError, ValueError) as exc:
            self._mark_closed()
            raise ConnectionLost(f"sending to {_where(self.url)} failed: {type(exc).__name__}") from None

    def recv(self, timeout: Optional[float] = None, deadline: Optional[float] = None,
             until_pong: bool = False) -> Union[str, Signal]:
        """The next text message, or Signal.TIMEOUT / Signal.CLOSED, by ``deadline`` (monotonic) or
        ``timeout`` seconds from now; neither = wait forever. Raises RemoteProtocolError for framing the
        RFC forbids or a message over the frame cap (the socket is closed then). ``until_pong``: also
        return Signal.PONG once the pong of :meth:`ping` has been measured."""
        samples = self.samples
        if self._messages:
            return self._messages.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._closed:
            return CLOSED
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + max(timeout, 0.0)
        sock = self._sock
        while True:
            wait = _remaining(deadline)
            if wait is not None and wait <= 0:
                return TIMEOUT
            try:
                sock.settimeout(wait)
                n = sock.recv_into(self._view)
            except (socket.timeout, ssl.SSLWantReadError, BlockingIOError):
                continue
            except InterruptedError:
                continue
            except (OSError, ValueError):
                self._mark_closed()
                return CLOSED
            if not n:
                self._mark_closed()
                return CLOSED
            self._absorb(self._recv_buf[:n])
            if self._messages:
                return self._messages.popleft()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._closed:
                return CLOSED
            if until_pong and self.samples != samples:
                return Signal.PONG

    def _absorb(self, data: bytes) -> None:
        """Parse ``data``; queue text messages, answer pings (one pong per batch), note a close."""
        events = self._reader.feed(data)
        if self._reader.error is not None and self._error is None and not self._closed:
            self._error = RemoteProtocolError(f"broken WebSocket framing from {_where(self.url)}: "
                                              f"{self._reader.error}")
            self._mark_closed()
        ping: Optional[bytes] = None
        for kind, value in events:
            if kind == "text":
                self._messages.append(value)  # type: ignore[arg-type]
            elif kind == "ping":
                ping = value  # type: ignore[assignment]
            elif kind == "pong":
                if self._ping is not None and value == self._ping:
                    sample = time.monotonic() - self._ping_sent
                    self.rtt = sample if self.rtt is None else min(self.rtt, sample)
                    self.samples += 1
                    self._ping = None
            elif kind == "close":
                self.close_code = value[0]  # type: ignore[index]
                log.debug("server closed the WebSocket (code %s)", self.close_code)
                self._peer_closed = True
                self._reply_close()
                break
            elif kind == "binary":
                log.debug("skipping a binary WebSocket message")
        if ping is not None and not self._closed:
            try:  # a pong must not wait on a peer that does not read: a short, bounded try
                self._send_frame(wire.OP_PONG, ping, time.monotonic() + 0.2)
            except ConnectionLost:
                pass

    def _reply_close(self) -> None:
        try:
            _send_all(self._sock, wire.encode_frame(wire.OP_CLOSE, wire.close_payload(1000)),
                      time.monotonic() + 0.2)
        except (OSError, ValueError):
            pass
        self._mark_closed()

    def ping(self, deadline: Optional[float] = None) -> None:
        """Send a WebSocket ping; its pong (answered by the server's WebSocket layer, RFC 6455 section 5.5.2)
        updates :attr:`rtt` if nothing was sent in between. Sending it may raise ConnectionLost."""
        self._ping = secrets.token_bytes(8)
        self._ping_sent = time.monotonic()
        self._send_frame(wire.OP_PING, self._ping, deadline)

    def has_pending(self) -> bool:
        """True if complete messages were read ahead and wait in the buffer."""
        return bool(self._messages) or self._error is not None

    def abort(self) -> None:
        """Drop the socket at once, without a close handshake; safe from another thread (a blocked
        ``recv`` there returns CLOSED)."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._mark_closed()

    def poll(self) -> bool:
        """Without blocking: read what has already arrived (kept for :meth:`take_pending`); True if the
        server has closed the socket meanwhile (docs/protocol.md §4.5, §12: idle closes happen, and
        noticing one before sending keeps a command from being lost). Broken framing counts as closed."""
        if self._closed:
            return True
        sock = self._sock
        try:
            sock.settimeout(0.0)
            while not self._closed:
                n = sock.recv_into(self._view)
                if not n:
                    self._mark_closed()
                    break
                self._absorb(self._recv_buf[:n])
        except (BlockingIOError, ssl.SSLWantReadError, InterruptedError, socket.timeout):
            pass
        except (OSError, ValueError):
            self._mark_closed()
        return self._closed

    server_closed = poll

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
        try:
            self._sock.close()
        except OSError:
            pass

    def close(self, timeout: float = CLOSE_WAIT) -> None:
        """Send a normal close (docs/protocol.md §15.1 step 8), wait for the answer at most ``timeout``
        seconds whatever arrives meanwhile, drop the socket; never raises."""
        if self._closed:
            return
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            _send_all(self._sock, wire.encode_frame(wire.OP_CLOSE, wire.close_payload(1000)), deadline)
            while not self._closed and not self._peer_closed:
                self._messages.clear()
                if self.recv(deadline=deadline) is TIMEOUT:
                    break
        except Exception:  # noqa: BLE001 - closing must not fail the caller
            pass
        finally:
            self._messages.clear()
            self._mark_closed()


class _Answered(Exception):
    """Internal: the upgrade got an HTTP answer other than 101."""

    def __init__(self, status: int, location: Optional[str]) -> None:
        super().__init__(status)
        self.status, self.location = status, location


def _upgrade(sock: socket.socket, context: Optional[ssl.SSLContext], host: str, host_header: str, path: str,
             cookie: str, deadline: Optional[float]) -> Tuple[socket.socket, bytes]:
    """TLS (if any) and the upgrade request/answer, by ``deadline``: the (possibly TLS) socket and the
    bytes that came after the answer's headers (the first frames)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if context is not None:
        sock.settimeout(_remaining(deadline))
        sock = context.wrap_socket(sock, server_hostname=host)
    request, key = wire.upgrade_request(host_header, path, cookie)
    _send_all(sock, request, deadline)
    block, rest = _read_header_block(sock, deadline, host_header)
    status, headers = wire.parse_upgrade_answer(block, key)
    if status != 101:
        sock.close()
        raise _Answered(status, headers.get("location"))
    return sock, rest


def _send_all(sock: socket.socket, data: bytes, deadline: Optional[float]) -> None:
    """sendall under one deadline: a peer that stops reading cannot hold us past it."""
    if deadline is None:
        sock.settimeout(None)
        sock.sendall(data)
        return
    view = memoryview(data)
    while view:
        wait = _remaining(deadline)
        if not wait:
            raise socket.timeout("send deadline passed")
        sock.settimeout(wait)
        try:
            sent = sock.send(view)
        except (BlockingIOError, ssl.SSLWantWriteError, InterruptedError):
            continue
        view = view[sent:]


def _read_header_block(sock: socket.socket, deadline: Optional[float], where: str):  # noqa: ANN202
    """The upgrade answer's header block (bounded in size and time) and the bytes that followed it."""
    data = bytearray()
    while True:
        end = data.find(b"\r\n\r\n")
        if end != -1:
            return bytes(data[:end]), bytes(data[end + 4 :])
        if len(data) > wire.MAX_HEADER_BYTES:
            raise RemoteProtocolError(f"the upgrade answer's headers exceed {wire.MAX_HEADER_BYTES} bytes")
        wait = _remaining(deadline)
        if wait is not None and wait <= 0:
            raise socket.timeout("upgrade deadline passed")
        sock.settimeout(wait)
        try:
            chunk = sock.recv(4096)
        except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
            continue
        if not chunk:
            raise ConnectError(f"the server at {where} closed the connection during the WebSocket upgrade")
        data += chunk


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
