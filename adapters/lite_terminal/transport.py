"""The thin I/O layer: one WebSocket over ``websocket-client`` (docs/protocol.md §4.1, §5, §15.1 step 4).

Everything ``websocket``/``ssl``/``socket`` can raise is translated here into the TerminalError tree
(the httpx ``map_httpcore_exceptions`` idea), so the client never sees a foreign exception.
``recv`` never raises for the two ordinary outcomes: it returns :data:`Signal.TIMEOUT` when the
deadline passes and :data:`Signal.CLOSED` when the server closed or dropped the socket.
Binary messages are skipped: the protocol is JSON text only and VS Code drops what it cannot parse
(docs/protocol.md §6.1); a debug log records them.
"""

from __future__ import annotations

import enum
import logging
import select
import socket
import ssl
import struct
import time
from collections import deque
from typing import Deque, List, Optional, Union

import websocket

from .errors import (
    AuthError,
    ConnectError,
    ConnectionLost,
    RemoteProtocolError,
    ServerUnavailable,
    UnsupportedServer,
)
from .login import redirect_error

__all__ = ["Signal", "WebSocketTransport", "ssl_context"]

log = logging.getLogger("adapters.lite_terminal")

Verify = Union[bool, str]


class Signal(enum.Enum):
    TIMEOUT = "timeout"  # nothing arrived before the deadline
    CLOSED = "closed"  # the server closed (close frame, EOF or reset)


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


class WebSocketTransport:
    """An open terminal socket. One thread at a time (the client holds a lock)."""

    def __init__(self, ws: websocket.WebSocket, url: str) -> None:
        self._ws = ws
        self.url = url
        self.close_code: Optional[int] = None
        self._pending: Deque[str] = deque()
        self._closed = False

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url: str, cookie: str, verify: Verify = True, timeout: Optional[float] = 5.0
    ) -> WebSocketTransport:
        """Upgrade to a WebSocket carrying the login cookies and nothing else (docs/protocol.md §4.1 step
        5)."""
        tls = url.startswith("wss://")
        sslopt = {"context": ssl_context(verify, _where(url).split("/", 1)[0])} if tls else {}
        # skip_utf8_validation: websocket-client checks UTF-8 in pure Python (about 3 s per 10 MB without
        # the optional wsaccel), which let one large frame overrun every timeout; _recv_once decodes
        # strictly with the C codec instead, so invalid UTF-8 is still a protocol error.
        ws = websocket.WebSocket(sslopt=sslopt, enable_multithread=True, skip_utf8_validation=True)
        ws.settimeout(timeout)
        error = _connect(ws, url, cookie, timeout)
        if error is not None:  # raised here, outside any handler: nothing chained (the cookie stays out)
            ws.shutdown()
            raise error
        log.debug("WebSocket open: %s", url)
        return cls(ws, url)

    # -- traffic ---------------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        if self._closed:
            raise ConnectionLost(f"the WebSocket to {_where(self.url)} is closed")
        try:
            self._ws.send(text)
        except (websocket.WebSocketException, OSError) as exc:
            self._mark_closed()
            raise ConnectionLost(f"sending to {_where(self.url)} failed: {type(exc).__name__}") from None

    def recv(self, timeout: Optional[float]) -> Union[str, Signal]:
        """The next text message, or Signal.TIMEOUT / Signal.CLOSED. ``timeout=None`` waits forever."""
        if self._pending:
            return self._pending.popleft()
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        while not self._closed:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return Signal.TIMEOUT
            message = self._recv_once(None if remaining is None else max(remaining, 0.001))
            if message is not None:
                return message
        return Signal.CLOSED if self._closed else Signal.TIMEOUT

    def _recv_once(self, timeout: Optional[float]) -> Union[str, Signal, None]:
        """One WebSocket message; None for a skipped binary/control message."""
        try:
            self._ws.settimeout(timeout)
            opcode, data = self._ws.recv_data()
        except (websocket.WebSocketTimeoutException, socket.timeout, ssl.SSLWantReadError):
            return Signal.TIMEOUT
        except (websocket.WebSocketConnectionClosedException, ConnectionError, EOFError):
            self._mark_closed()
            return Signal.CLOSED
        except (websocket.WebSocketProtocolException, websocket.WebSocketPayloadException,
                UnicodeDecodeError) as exc:
            self._mark_closed()
            raise RemoteProtocolError(f"broken WebSocket framing from {_where(self.url)}: {exc}") from None
        except (websocket.WebSocketException, OSError, ValueError, AttributeError):
            # AttributeError: websocket-client drops .sock when the peer vanishes mid-call.
            self._mark_closed()
            return Signal.CLOSED
        if opcode == websocket.ABNF.OPCODE_TEXT:
            if not isinstance(data, bytes):
                return data
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                self._mark_closed()
                raise RemoteProtocolError(
                    f"{_where(self.url)} sent a text frame that is not valid UTF-8") from None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.close_code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
            log.debug("server closed the WebSocket (code %s)", self.close_code)
            self._mark_closed()
            return Signal.CLOSED
        log.debug("skipping a non-text WebSocket message (opcode %s)", opcode)
        return None

    def server_closed(self) -> bool:
        """Without blocking: has the server already closed this socket (e.g. an idle close)?

        Frames that arrive meanwhile are kept for the next ``recv``. docs/protocol.md §4.5/§12: idle closes
        happen; detecting them before sending a command avoids losing the command.
        """
        if self._closed:
            return True
        sock = self._ws.sock
        if sock is None:
            self._mark_closed()
            return True
        try:
            while True:
                buffered = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
                readable = buffered or bool(select.select([sock], [], [], 0)[0])
                if not readable:
                    return False
                message = self._recv_once(0.2)
                if message is Signal.CLOSED:
                    return True
                if message is Signal.TIMEOUT:
                    return False
                if isinstance(message, str):
                    self._pending.append(message)
        except (OSError, ValueError):
            self._mark_closed()
            return True

    def take_pending(self) -> List[str]:
        """Messages buffered by :meth:`server_closed`, oldest first (and forget them)."""
        messages = list(self._pending)
        self._pending.clear()
        return messages

    @property
    def closed(self) -> bool:
        return self._closed

    def _mark_closed(self) -> None:
        self._closed = True
        try:
            self._ws.shutdown()
        except Exception:  # noqa: BLE001 - best effort on an already broken socket
            pass

    def close(self, timeout: float = 1.0) -> None:
        """Send a normal close (docs/protocol.md §15.1 step 8) and drop the socket; never raises."""
        if self._closed:
            return
        self._closed = True
        try:
            self._ws.close(timeout=timeout)
        except Exception:  # noqa: BLE001 - closing must not fail the caller
            pass
        finally:
            try:
                self._ws.shutdown()
            except Exception:  # noqa: BLE001
                pass


def _where(url: str) -> str:
    """``host:port/path`` of a ws URL, for messages (never contains credentials: we put none there)."""
    return url.split("://", 1)[-1]


def _connect(ws: websocket.WebSocket, url: str, cookie: str,
             timeout: Optional[float]) -> Optional[ConnectError]:
    """Run the upgrade; None when open, else the ConnectError to raise (returned, so it is not chained)."""
    try:
        # redirect_limit=0: websocket-client follows up to 3 redirects by default, carrying the cookie
        # (and then the commands) to any host, even from wss:// to ws://
        ws.connect(url, cookie=cookie or None, redirect_limit=0)
        # websocket-client before 1.9.1 returns "connected" after its redirect loop even when the last
        # answer was the redirect itself: only a 101 is an open WebSocket
        return _redirect(ws, url)
    except websocket.WebSocketBadStatusException as exc:
        return _bad_status(url, exc.status_code)
    except ssl.SSLError as exc:
        return ConnectError(f"TLS handshake with {_where(url)} failed: {_tls_reason(exc)}")
    except (websocket.WebSocketTimeoutException, socket.timeout):
        return ConnectError(f"the WebSocket upgrade at {_where(url)} timed out after {timeout} s; "
                            "check that the web server supports WebSockets")
    except (websocket.WebSocketAddressException, socket.gaierror):
        return ConnectError(f"cannot resolve the host of {_where(url)}")
    except ConnectionRefusedError:
        return ConnectError(f"connection to {_where(url)} refused")
    except (websocket.WebSocketException, OSError, ValueError) as exc:
        return _redirect(ws, url) or ConnectError(
            f"WebSocket upgrade at {_where(url)} failed: {type(exc).__name__}: {str(exc)[:200]}")


def _redirect(ws: websocket.WebSocket, url: str) -> Optional[ConnectError]:
    """The refusal of a 3xx upgrade answer (left in ``handshake_response`` when redirect_limit=0)."""
    answer = getattr(ws, "handshake_response", None)
    status = getattr(answer, "status", None)
    if not isinstance(status, int) or not 300 <= status < 400:
        return None
    return redirect_error("the terminal upgrade", status, answer.headers.get("location"), url)


def _bad_status(url: str, status: int) -> ConnectError:
    if status == 401:
        return AuthError(f"the terminal upgrade at {_where(url)} was refused with HTTP 401 (not logged in)")
    if status == 404:
        return UnsupportedServer(
            f"no Lite Terminal at {_where(url)} (HTTP 404): it needs IRIS 2023.2+ (Atelier API v7); "
            "also check path_prefix"
        )
    if status == 503:
        return ServerUnavailable(f"the terminal upgrade at {_where(url)} got HTTP 503: check license usage")
    return ConnectError(f"the terminal upgrade at {_where(url)} got HTTP {status} instead of 101; "
                        "check that the web server passes WebSocket upgrades")


def _tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"certificate verify failed ({exc.verify_message}); pass verify=<CA bundle path>, "
                "or verify=False to skip checks")
    return f"{type(exc).__name__}: {exc.reason or exc}"
