"""Scripted HTTP peers on loopback for the wire-security tests: a server that answers each request with
what a test scripts (a redirect, a Set-Cookie, a 101), and a recorder that keeps every byte it is sent.

Plain sockets, one thread per listener, every wait bounded: a hostile server must be exactly as hostile as
the test says, which a real HTTP framework would not let us be.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Type

import pytest
from lite_terminal_helpers import PASSWORD

from adapters.lite_terminal import LiteTerminal, TerminalError

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


@dataclass
class Request:
    """One request as received: the request line, the headers (names lower-cased) and the raw bytes."""

    line: str
    headers: Dict[str, str]
    raw: bytes

    @property
    def path(self) -> str:
        parts = self.line.split(" ")
        return parts[1] if len(parts) > 1 else ""

    @property
    def is_upgrade(self) -> bool:
        return self.headers.get("upgrade", "").lower() == "websocket"


Handler = Callable[[Request], bytes]


def response(status: str, headers: Optional[Dict[str, str]] = None, body: bytes = b"",
             cookies: List[str] = ()) -> bytes:
    """An HTTP/1.1 answer; ``cookies`` become one Set-Cookie line each; the connection closes after it."""
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += [f"Set-Cookie: {cookie}" for cookie in cookies]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def atelier_ok(namespaces=("USER", "%SYS"), api: int = 8, cookies: List[str] = ()) -> bytes:
    """A ``GET /api/atelier/`` success envelope (the shape the simulator and IRIS send)."""
    body = json.dumps({"status": {"errors": [], "summary": ""}, "console": [],
                       "result": {"content": {"version": "IRIS for UNIX 2025.1 (Build 223U) Tue Mar 11 2025",
                                              "id": "X", "api": api, "namespaces": list(namespaces)}}})
    return response("200 OK", {"Content-Type": "application/json"}, body.encode(), cookies)


def switching_protocols(request: Request, cookies: List[str] = ()) -> bytes:
    """A valid 101 for ``request`` (the client then waits for frames we never send)."""
    key = request.headers.get("sec-websocket-key", "")
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Accept: {accept}"]
    lines += [f"Set-Cookie: {cookie}" for cookie in cookies]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def close_frame() -> bytes:
    """A server close frame (unmasked), code 1000."""
    return b"\x88\x02\x03\xe8"


@dataclass
class Peer:
    """A loopback listener. ``handler`` answers each request (None: record and answer nothing)."""

    handler: Optional[Handler] = None
    host: str = "127.0.0.1"
    tls: Optional[Dict[str, str]] = None  # {"cert": ..., "key": ...}
    requests: List[Request] = field(default_factory=list)
    connections: int = 0
    received: bytes = b""

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((self.host, 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._context: Optional[ssl.SSLContext] = None
        if self.tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(self.tls["cert"], self.tls["key"])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(3.0)
        try:
            if self._context is not None:
                conn = self._context.wrap_socket(conn, server_side=True)
            while not self._stop.is_set():
                request = self._read_request(conn)
                if request is None:
                    return
                if self.handler is None:
                    continue
                conn.sendall(self.handler(request))
                if not request.is_upgrade:
                    return  # every scripted answer says Connection: close
                # after a 101: close right away (the client sees a close before init)
                conn.sendall(close_frame())
                return
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _read_request(self, conn: socket.socket) -> Optional[Request]:
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except (socket.timeout, OSError):
                chunk = b""
            if not chunk:
                with self._lock:
                    self.received += data
                return None
            data += chunk
        with self._lock:
            self.received += data
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        line, *rest = head.split("\r\n")
        headers = {}
        for item in rest:
            name, _, value = item.partition(":")
            headers[name.strip().lower()] = value.strip()
        request = Request(line, headers, data)
        with self._lock:
            self.requests.append(request)
        return request

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._listener.close()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect_failure(host: str, port: int, expected: Type[TerminalError] = TerminalError, *,
                    username: str = "_SYSTEM", password: str = PASSWORD, **options) -> TerminalError:
    """Connect once (namespace USER, 2 s connect timeout unless given); the ``expected`` error it raises."""
    settings = dict(namespace="USER", connect_timeout=2.0, response_timeout=3.0)
    settings.update(options)
    term = LiteTerminal(host, port, username=username, password=password, **settings)
    try:
        with pytest.raises(expected) as caught:
            term.connect()
    finally:
        term.close()
    return caught.value
