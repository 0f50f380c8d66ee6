"""A wall-clock deadline for a whole ``requests`` call, and a body read that stops at a size cap.

``requests``' ``timeout`` bounds each socket read, not the call: a server that drips its status line,
headers or body a byte at a time holds the call for ever. :func:`guarded_session` gives a session whose
sockets are registered with the current :class:`Deadline` as urllib3 creates them; when the deadline
passes a watchdog shuts them, so the blocked read returns at once and the call fails. The caller then
checks :attr:`Deadline.expired` to say "no answer within N s".
"""

from __future__ import annotations

import socket
import threading
from typing import List, Optional

import requests
import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

from . import errors

__all__ = ["Deadline", "guarded_session", "read_capped", "BodyTooLarge"]

_current = threading.local()


class Deadline:
    """``with Deadline(seconds):`` shuts every socket a guarded session opens in this thread at expiry."""

    def __init__(self, seconds: Optional[float]) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: List[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_current, "deadline", None)
        _current.deadline = self
        if self.seconds is not None:
            self._timer = threading.Timer(min(max(self.seconds, 0.0), threading.TIMEOUT_MAX), self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        _current.deadline = self._outer
        with self._lock:
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _register(sock: socket.socket) -> socket.socket:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)
    return sock


class _GuardedHTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _register(super()._new_conn())


class _GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:  # the raw socket: shutting it also stops a TLS handshake
        return _register(super()._new_conn())


class _GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    """A ``requests.Session`` whose connections obey the :class:`Deadline` active in the calling thread.

    Proxies from the environment are not used (``trust_env`` off): the terminal goes straight to the
    server, and a proxy connection would escape the deadline.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BodyTooLarge(errors.InternalSignal):
    """The answer's body passed the cap while it arrived; nothing past the cap was read."""


def read_capped(response: requests.Response, limit: int) -> bytes:
    """The body of a ``stream=True`` response, read in chunks, stopping as soon as it passes ``limit``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise BodyTooLarge(int(declared))
    parts: List[bytes] = []
    size = 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > limit:
            response.close()
            raise BodyTooLarge(size)
        parts.append(chunk)
    return b"".join(parts)
