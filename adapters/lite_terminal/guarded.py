"""The socket websocket-client is given: every byte it reads or writes is under our clock and our cap.

websocket-client bounds each socket read by a timeout, not a call by a deadline, and keeps reading a frame
as long as its header says. So the transport hands it this wrapper instead of the real socket, kept
non-blocking: a read or write that cannot go on waits (poll) at most the time left until the current
call's deadline (and raises :class:`DeadlineExpired` when none is left), and it counts the bytes handed up
since the current message began (raising :class:`BudgetExceeded` past the cap while they arrive, before
more is buffered). A peer that drips its headers, floods pings, trickles a frame or never finishes a
fragmented message therefore cannot hold a call past its deadline: all of that goes through
:meth:`GuardedSocket.recv`.

Reads are taken from the real socket in large chunks and served from a buffer: websocket-client asks for
2 bytes of header, then the length, then the payload, and the handshake reads its answer one byte at a
time. Both exceptions are ours, not ``OSError``: websocket-client lets them through unchanged.
"""

from __future__ import annotations

import math
import select
import socket
import ssl
import time
from typing import Optional, Tuple

from websocket import WebSocketConnectionClosedException

from . import errors

__all__ = ["GuardedSocket", "DeadlineExpired", "BudgetExceeded"]

_READ_SIZE = 262144
_MAX_WAIT = 86400.0  # one socket wait is at most a day; longer deadlines loop (settimeout overflows)
_WAITING = (socket.timeout, BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError, InterruptedError)
_poll = getattr(select, "poll", None)  # not on Windows: select() there
_POLLIN = getattr(select, "POLLIN", 1)
_POLLOUT = getattr(select, "POLLOUT", 4)


class DeadlineExpired(errors.InternalSignal):
    """The current call's deadline passed (or, when reading ahead without waiting, nothing was there)."""


class BudgetExceeded(errors.InternalSignal):
    """More bytes arrived for one message than the cap allows."""


class GuardedSocket:
    """A socket-like object for websocket-client (what its ``_socket``/``_core`` use: recv, send,
    settimeout, gettimeout, fileno, shutdown, close). One thread reads at a time; :meth:`shutdown` may
    come from another thread to wake it."""

    def __init__(self, sock: socket.socket, budget: int) -> None:
        self._sock = sock
        sock.settimeout(0.0)  # non-blocking for good: each wait is our own poll, bounded by the deadline
        self._buf = b""
        self._pos = 0
        self.deadline: Optional[float] = None  # monotonic; None = no limit
        self.wait = True  # False: read only what has already arrived (DeadlineExpired when there is none)
        self.buffer_only = False  # True: do not touch the socket at all, only what is buffered
        self.budget = budget  # bytes allowed for the message in progress
        self.received = 0  # bytes handed up since :meth:`start_message`
        self.broken = False  # a send was cut short: the stream cannot be used any more

    # -- what websocket-client calls -------------------------------------------------------------------

    def recv(self, bufsize: int) -> bytes:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            buf, pos = self._fill(), 0
            if not buf:  # EOF, as websocket-client's own recv reports it (an empty read would loop)
                raise WebSocketConnectionClosedException("Connection to remote host was lost.")
        out = buf[pos : pos + bufsize]
        self._buf, self._pos = buf, pos + len(out)
        self.received += len(out)
        if self.received > self.budget:
            raise BudgetExceeded(self.received)
        return out

    def send(self, data: bytes) -> int:
        # reading ahead without waiting, only a pong or a close is sent: a short, bounded try
        until = None if self.wait else time.monotonic() + 0.2
        try:
            while True:
                try:
                    return self._sock.send(data)
                except _WAITING as exc:
                    self._wait_for(exc, writing=True, until=until)
        except DeadlineExpired:
            self.broken = True  # websocket-client may have sent part of a frame
            raise

    def settimeout(self, timeout: Optional[float]) -> None:
        """Ignored: the deadline, not websocket-client, decides how long a read may wait."""

    def gettimeout(self) -> Optional[float]:
        return None  # never 0: websocket-client then calls recv/send directly, which wait by the deadline

    def fileno(self) -> int:
        return self._sock.fileno()

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        try:
            self._sock.shutdown(how)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass

    @property
    def _closed(self) -> bool:  # websocket-client's shutdown() looks at this
        return self._sock.fileno() == -1

    # -- what the transport calls ----------------------------------------------------------------------

    def start_message(self) -> None:
        """Count the next message's bytes from zero."""
        self.received = 0

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def unread(self) -> Tuple[bytes, int]:
        """The buffer and the position of its first unread byte, read from the socket first when nothing is
        buffered (waiting, like :meth:`recv`, by the deadline); ``(b"", 0)`` at the end of the stream."""
        if self._pos >= len(self._buf):
            data = self._fill()
            if not data:
                return b"", 0
            self._buf, self._pos = data, 0
        return self._buf, self._pos

    def skip(self, count: int) -> None:
        """Mark ``count`` buffered bytes as read (they were taken from :meth:`unread`'s buffer)."""
        self._pos += count

    def ready(self) -> bool:
        """Without waiting: is anything there to read (buffered here, in TLS, or on the socket)?"""
        if self._pos < len(self._buf):
            return True
        sock = self._sock
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        try:
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True  # closed under us: let the read find out

    def _remaining(self) -> Optional[float]:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExpired("deadline")
        return min(left, _MAX_WAIT)

    def _fill(self) -> bytes:
        if self.buffer_only:
            raise DeadlineExpired("buffer")
        sock = self._sock
        while True:
            try:
                return sock.recv(_READ_SIZE)
            except _WAITING as exc:
                if not self.wait:
                    raise DeadlineExpired("nothing waiting") from None
                self._wait_for(exc, writing=False)

    def _wait_for(self, exc: BaseException, writing: bool, until: Optional[float] = None) -> None:
        """Wait until the socket can go on (TLS may need to write while reading, or read while writing),
        at most until the deadline (or ``until``); DeadlineExpired when it passes."""
        if until is None:
            left = self._remaining()
        else:
            left = until - time.monotonic()
            if left <= 0:
                raise DeadlineExpired("send")
        if isinstance(exc, ssl.SSLWantWriteError):
            writing = True
        elif isinstance(exc, ssl.SSLWantReadError):
            writing = False
        try:
            if _poll is not None:
                poller = _poll()
                poller.register(self._sock, _POLLOUT if writing else _POLLIN)
                poller.poll(None if left is None else max(0, math.ceil(left * 1000)))
            else:
                select.select([] if writing else [self._sock], [self._sock] if writing else [], [], left)
        except (OSError, ValueError):
            return  # closed under us: the next try finds out
