"""A wall-clock deadline for a whole ``requests`` call, and a body read that stops at a size cap.

``requests``' ``timeout`` bounds each socket read, not the call: a server that drips its status line,
headers or body a byte at a time holds the call for ever. :func:`guarded_session` gives a session whose
sockets are registered with the current :class:`Deadline` as urllib3 creates them; when the deadline
passes a watchdog shuts them, so the blocked read returns at once and the call fails. The caller then
checks :attr:`Deadline.expired` to say "no answer within N s".

Name lookup cannot be interrupted that way (``getaddrinfo`` blocks in C), so :func:`resolve` runs it in a
worker thread and stops waiting at the deadline; both the login's connections and the terminal socket
(:func:`connect_by`) resolve through it, so a resolver that takes 4 s cannot hold a 1 s connect.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any, List, Optional, Tuple

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from . import errors

__all__ = ["Cancel", "Deadline", "guarded_session", "read_capped", "BodyTooLarge", "resolve", "connect_by",
           "ResolveTimeout", "seconds_text"]

_current = threading.local()


class Cancel:
    """One-way switch for everything a session has in flight, flipped from another thread by ``close()``:
    every socket and :class:`Deadline` registered with it is shut at once, and anything registered later
    is shut as it registers, so no blocked call (name lookup, login, upgrade, a read) outlives it."""

    def __init__(self) -> None:
        self.cancelled = False
        self._lock = threading.Lock()
        self._sockets: List[Any] = []
        self._deadlines: List[Deadline] = []

    def watch(self, sock: Any) -> None:
        """Shut ``sock`` (anything with ``shutdown``) on cancel, or now if already cancelled."""
        with self._lock:
            if not self.cancelled:
                self._sockets = [s for s in self._sockets if _alive(s)] + [sock]
                return
        _shut(sock)

    def _add(self, deadline: Deadline) -> bool:
        with self._lock:
            if not self.cancelled:
                self._deadlines.append(deadline)
            return not self.cancelled

    def _remove(self, deadline: Deadline) -> None:
        with self._lock:
            if deadline in self._deadlines:
                self._deadlines.remove(deadline)

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            sockets, self._sockets = self._sockets, []
            deadlines, self._deadlines = self._deadlines, []
        for deadline in deadlines:
            deadline._expire()
        for sock in sockets:
            _shut(sock)


def _alive(sock: Any) -> bool:
    try:
        return sock.fileno() != -1
    except (OSError, ValueError):
        return False


class Deadline:
    """``with Deadline(seconds):`` shuts every socket a guarded session opens in this thread at expiry (or
    when ``cancel`` is flipped)."""

    def __init__(self, seconds: Optional[float], cancel: Optional[Cancel] = None) -> None:
        self.seconds = seconds
        self.cancel = cancel
        self.until: Optional[float] = None if seconds is None else time.monotonic() + max(seconds, 0.0)
        self.expired = False
        self._sockets: List[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_current, "deadline", None)
        _current.deadline = self
        if self.cancel is not None and not self.cancel._add(self):
            self.expired = True
        if self.seconds is not None:
            self._timer = threading.Timer(min(max(self.seconds, 0.0), threading.TIMEOUT_MAX), self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.cancel is not None:
            self.cancel._remove(self)
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


def seconds_text(value: Optional[float]) -> str:
    """A duration for a message: ``1`` for 0.9999995, ``2.5`` for 2.5, ``0.05`` for 0.05."""
    if value is None:
        return "no limit"
    return f"{value:.2g}" if value < 1 else f"{round(value, 1):g}"


class ResolveTimeout(errors.InternalSignal, socket.timeout):
    """Name lookup did not finish by the deadline (the lookup thread is left to end on its own)."""


_AddrInfo = Tuple[Any, Any, Any, Any, Any]


def resolve(host: str, port: int, until: Optional[float], cancel: Optional[Cancel] = None) -> List[_AddrInfo]:
    """``getaddrinfo`` for a TCP connection, by ``until`` (monotonic; None = no limit). A numeric address is
    answered at once; a name is looked up in a daemon thread, which is abandoned at the deadline (the C
    call cannot be stopped) and raises :class:`ResolveTimeout`. Raises ``socket.gaierror`` as usual."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        numeric = True
    except ValueError:
        numeric = False
    if numeric or until is None:
        return socket.getaddrinfo(host.strip("[]"), port, 0, socket.SOCK_STREAM)
    box: List[object] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            box.append(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box.append(exc)
        done.set()

    threading.Thread(target=lookup, name="lite-terminal-resolve", daemon=True).start()
    while not done.wait(max(0.0, min(until - time.monotonic(), 0.05))):
        if time.monotonic() >= until or (cancel is not None and cancel.cancelled):
            raise ResolveTimeout("name lookup did not finish by the deadline")
    answer = box[0]
    if isinstance(answer, BaseException):
        raise answer
    return answer  # type: ignore[return-value]


def connect_by(host: str, port: int, until: Optional[float],
               cancel: Optional[Cancel] = None) -> socket.socket:
    """A TCP connection to ``host`` (each address in turn, as ``socket.create_connection``), name lookup
    and connects by ``until``. Raises OSError (``socket.timeout`` at the deadline)."""
    error: Optional[OSError] = None
    for family, kind, proto, _, address in resolve(host, port, until, cancel):
        sock = socket.socket(family, kind, proto)
        if cancel is not None:
            cancel.watch(sock)
        try:
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                raise socket.timeout("connect deadline passed")
            sock.settimeout(left)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, socket.timeout):
                break
    raise error if error is not None else OSError("getaddrinfo returned no address")


class _ResolvedByDeadline:
    """urllib3 connections whose name lookup obeys the thread's :class:`Deadline` (the connect after it
    uses the numeric address; TLS still checks the host name)."""

    def _new_conn(self) -> socket.socket:
        deadline = getattr(_current, "deadline", None)
        until = deadline.until if deadline is not None else None
        name = self._dns_host  # type: ignore[attr-defined]
        if until is None:
            return _register(super()._new_conn())  # type: ignore[misc]
        failure: Optional[BaseException] = None
        try:
            addresses = resolve(name, self.port, until, deadline.cancel)  # type: ignore[attr-defined,union-attr]
        except ResolveTimeout as exc:
            raise urllib3.exceptions.ConnectTimeoutError(self, f"name lookup of {name} timed out") from exc
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError(name, self, exc) from exc  # type: ignore[arg-type]
        for *_, address in addresses:
            self._dns_host = address[0]  # type: ignore[attr-defined]
            try:
                return _register(super()._new_conn())  # type: ignore[misc]
            except urllib3.exceptions.NewConnectionError as exc:  # refused: the next address
                failure = exc
            finally:
                self._dns_host = name  # type: ignore[attr-defined]
        if failure is None:
            failure = urllib3.exceptions.NewConnectionError(self, "name lookup gave no address")  # type: ignore[arg-type]
        raise failure


class _GuardedHTTPConnection(_ResolvedByDeadline, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_ResolvedByDeadline, urllib3.connection.HTTPSConnection):
    pass  # the raw socket is registered: shutting it also stops a TLS handshake


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
