"""``LiteTerminal``: a blocking Lite Terminal session with one command at a time.

Glue only: ``login`` (REST), ``transport`` (socket and clock) and ``protocol`` (state machine) do the work.
A command that fails inside IRIS is a :class:`CommandResult` (``status="error"``); only failures of the
session itself raise, always as :class:`TerminalError`. The client never re-sends a command on its own: a
command cut off after it was sent may or may not have run (docs/protocol.md §4.5: state lives in the
server process), so it ends as ``lost`` with the output seen so far.

Wall-clock bounds, whatever the peer does (drips bytes, floods pings, stops mid-frame, never answers):

* ``connect()``: login + upgrade + handshake together within ``connect_timeout``; on a failure after the
  login, the logout adds at most :data:`FAILED_LOGOUT` (0.5 s).
* ``execute()``: before sending, a reconnect (the connect bound) and, if the session was left in doubt,
  a resynchronisation (at most the grace); after sending, the result comes within ``timeout`` + grace
  (grace = min(5 s, connect_timeout): how long the interrupt may take to bring the prompt back) +
  :data:`FAILED_LOGOUT` (0.5 s) when the session has to be dropped.
* ``close()``: within :data:`CLOSE_BOUND` (2 s: 1 s WebSocket close handshake + 1 s logout).

Results never mix. The server answers an interrupt with one more prompt (docs/protocol.md §10), and a
timeout's interrupt can cross the command's own prompt; servers also send late output after a prompt
(docs/protocol.md §12). Whenever the session is in doubt (after a timeout or a READ interrupt, output or a
prompt while idle, frames right behind a prompt), the next ``execute`` first sends a marker command
(``write`` of a random token) and reads until it has seen that token and the prompt after it, so stale
frames are consumed; if that fails the session is replaced. Frames that arrive sooner after a command
than half the link's round trip are held; when a frame comes in time after them, they are set aside as an
earlier command's (an answer cannot come faster than the link [I]); when nothing follows them for
max(1 s, 4 round trips) (or until the timeout), they are taken as the command's after all and the measure
is dropped. The round trip is the smaller of two WebSocket pings, measured at connect and after each
resynchronisation while the server is idle and nothing else is in flight; under 20 ms it is not used
(there, scheduling noise is as large as the link). A late frame that crosses the next command later than
that cannot be told from its output by any client of this protocol (frames carry no command id); it is
noticed when the extra prompt arrives, and the next command resynchronises. A result that may have been
affected says so in ``warning``.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Iterator, List, Optional, Sequence, Tuple, Union

import requests

from .contract import CLIENT_STATUSES, ConnectOptions
from .errors import (
    AuthError,
    ConnectError,
    InvalidArgument,
    NamespaceError,
    ProtocolError,
    RemoteError,
    RemoteProtocolError,
    SessionClosed,
    TerminalError,
)
from .lines import UnsafeCommandText, command_lines, one_line_problem
from .login import Endpoint, ServerInfo, cookie_header, login, logout
from .output import INTERRUPT_MARK, find_error, strip_ansi, strip_leading_crlf
from .protocol import (
    CommandDone,
    Fatal,
    Initialized,
    Output,
    PromptRefreshed,
    ReadRequested,
    Ready,
    State,
    StrayOutput,
    TerminalProtocol,
)
from .transport import CLOSE_WAIT, MAX_FRAME_BYTES, Signal, WebSocketTransport

__all__ = ["LiteTerminal", "CommandResult", "STATUSES", "MAX_TIMEOUT", "CLOSE_BOUND", "TAIL_CHARS",
           "SYNC_COMMAND"]

log = logging.getLogger("adapters.lite_terminal")

STATUSES = tuple(str(s) for s in CLIENT_STATUSES)  # the words; contract.Status is the type
LOST_TEXT = "the connection was lost during the command; it may or may not have run"
MAX_TIMEOUT = 1e7  # seconds (115 days); larger values are refused: use None or -1 for "no limit"
LOGOUT_TIMEOUT = 1.0
FAILED_LOGOUT = 0.5
CLOSE_BOUND = CLOSE_WAIT + LOGOUT_TIMEOUT
TAIL_CHARS = 2000  # with max_output_chars, the last characters kept (IRIS prints its error last)
CHECK_CHARS = 1024  # with max_output_chars, the last raw characters the error check sees in any case
SYNC_COMMAND = 'write "LT-SYNC-","{token}"'  # the marker command; prints LT-SYNC-<token>
RTT_FLOOR_FACTOR = 0.5
HOLD_FACTOR, HOLD_MIN = 4.0, 1.0  # early frames with nothing after them are taken after max(1 s, 4 RTT)
RTT_WAIT = 0.5  # how long connect / a resynchronisation waits for the pongs of its round-trip pings
RTT_PINGS = 2
RTT_FLOOR_MIN = 0.02  # below 20 ms, scheduling noise (GIL, a busy host) can be as large as the round trip
STOP_POLL = 0.1  # with a ``stop`` event, how often a running command looks at it (seconds)

_TIMEOUT, _CLOSED = Signal.TIMEOUT, Signal.CLOSED


def _wire_text(command: str) -> str:
    """The text of the ``prompt`` frame: the lines the policy checked (lines.py), joined by CR LF.
    UnsafeCommandText becomes InvalidArgument, raised outside the handler (nothing chained)."""
    refusal = ""
    try:
        return "\r\n".join(command_lines(command))
    except UnsafeCommandText as exc:
        refusal = str(exc)
    raise InvalidArgument(f"the command cannot be sent: {refusal}")


def _one_line(name: str, value: str) -> None:
    """A namespace or a READ answer is exactly one line by lines.py's rule: no CR/LF, control, separator or
    invisible character. A READ answer holding CR LF is a paste of several lines (docs/protocol.md §6.2) and
    ``zn "<namespace>"`` with a line break would put a second command on the wire. Raised outside the
    handler (nothing chained)."""
    refusal = one_line_problem(value)
    if refusal:
        raise InvalidArgument(f"{name} must be one line: {refusal}")


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command. ``output`` is ANSI-stripped, ``raw_output`` exactly as received.

    With ``max_output_chars``, output is the head and a short tail of what the command wrote and
    ``output_dropped`` counts the characters in between that were not kept. ``warning`` is "" unless the
    session had to be brought back in step around this command (see the module docstring).
    """

    command: str
    output: str
    raw_output: str
    status: str  # one of STATUSES
    error: str  # IRIS error line (e.g. "<UNDEFINED> *x") or why it failed; "" when ok
    namespace: str  # namespace after the command
    elapsed: float  # seconds
    server_version: str = ""
    output_dropped: int = 0
    warning: str = ""
    ran: bool = True  # False: the command was never sent (the namespace switch before it failed)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _ClosedBeforeInit(Exception):
    """Internal: the server accepted the upgrade but closed before ``init`` (stale cookie)."""


def _seconds(name: str, value: object, zero_ok: bool = True) -> Optional[float]:
    """A timeout argument: None or negative = no limit; else a finite number of seconds <= MAX_TIMEOUT."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{name} must be a number of seconds or None, not {type(value).__name__}")
    number = float(value)
    if math.isnan(number):
        raise InvalidArgument(f"{name} is NaN; give a number of seconds, or None / -1 for no limit")
    if number < 0:
        return None  # the IRIS adapter convention: ResponseTimeout=-1 waits for ever
    if number > MAX_TIMEOUT:
        raise InvalidArgument(f"{name}={value!r} is more than {MAX_TIMEOUT:g} s; use None or -1 for no limit")
    if number == 0 and not zero_ok:
        raise InvalidArgument(f"{name} must be more than 0 s (None or -1 for no limit)")
    return number


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str, not {type(value).__name__}")
    position = -1
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        position = exc.start
    if position >= 0:  # raised outside the handler: the exception chain holds no copy of the text
        raise InvalidArgument(f"{name} cannot be sent as UTF-8 (a lone surrogate at position {position})")
    return value


class _Sink:
    """Collects a command's raw output: all of it, or the head and a short tail of ``limit`` characters,
    dropping the middle as it arrives (so memory follows the limit, not the peer). ``on_output`` sees every
    chunk as it arrives, raw and whole, whatever the limit keeps."""

    __slots__ = ("limit", "head", "head_room", "tail", "tail_len", "tail_limit", "dropped", "window",
                 "on_output")

    def __init__(self, limit: Optional[int], on_output: Optional[Callable[[str], None]] = None) -> None:
        self.limit = limit
        self.on_output = on_output
        self.head: List[str] = []
        self.tail: Deque[str] = deque()
        self.tail_len = 0
        self.dropped = 0
        self.tail_limit = 0 if limit is None else min(TAIL_CHARS, limit // 4)
        self.head_room = 0 if limit is None else limit - self.tail_limit
        self.window = ""  # the last CHECK_CHARS raw characters, kept for the error check whatever the limit

    def add(self, text: str) -> None:
        if self.on_output is not None:
            self.on_output(text)
        if self.limit is None:
            self.head.append(text)
            return
        self.window = (self.window + text)[-CHECK_CHARS:]
        if self.head_room > 0:
            if len(text) <= self.head_room:
                self.head.append(text)
                self.head_room -= len(text)
                return
            self.head.append(text[: self.head_room])
            text = text[self.head_room :]
            self.head_room = 0
        tail = self.tail
        tail.append(text)
        self.tail_len += len(text)
        while tail and self.tail_len - len(tail[0]) >= self.tail_limit:
            gone = tail.popleft()
            self.tail_len -= len(gone)
            self.dropped += len(gone)
        excess = self.tail_len - self.tail_limit
        if excess > 0:
            tail[0] = tail[0][excess:]
            self.tail_len -= excess
            self.dropped += excess

    def raw(self) -> str:
        head = "".join(self.head)
        return head + "".join(self.tail) if self.tail else head

    def checked(self, raw: str) -> str:
        """What the error check reads: all of it, or (when some was dropped) the head and the last
        CHECK_CHARS characters, so an error IRIS printed last is seen even past a small limit."""
        if not self.dropped:
            return raw
        return "".join(self.head) + "\r\n" + self.window


class _Run:
    """Mutable state of one running command."""

    __slots__ = ("timed_out", "input_missing", "grace_deadline", "set_aside", "held", "taken", "on_read",
                 "stop", "stopped")

    def __init__(self, on_read: Optional[Callable[[], Optional[str]]] = None,
                 stop: Optional[threading.Event] = None) -> None:
        self.on_read = on_read  # asked for a READ answer once input_lines are used up
        self.stop = stop  # set by the caller (e.g. on Ctrl-C): interrupt the command
        self.stopped = False  # the interrupt for ``stop`` was sent
        self.timed_out = False
        self.input_missing = False
        self.grace_deadline: Optional[float] = None
        self.set_aside = 0  # how many such frames were set aside as an earlier command's
        self.held: List[str] = []  # frames that came too soon; set aside when a later one comes
        self.taken = 0  # held frames taken as this command's after all (nothing came after them)


class LiteTerminal:
    """One Lite Terminal session on one IRIS server; a context manager.

    Timeouts are seconds; None or a negative number means no limit; anything else must be a finite
    number up to :data:`MAX_TIMEOUT` (``connect_timeout`` more than 0). ``max_frame_bytes`` caps one
    WebSocket message (a larger one ends the session as a protocol error while it arrives). The
    wall-clock bounds are listed in the module docstring. Thread safety: one thread at a time; a lock
    serialises concurrent misuse, and ``close()`` from another thread cuts a running command short.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        namespace: str = "USER",
        tls: bool = False,
        verify: Union[bool, str] = True,
        path_prefix: str = "",
        connect_timeout: Optional[float] = 5.0,
        response_timeout: Optional[float] = 30.0,
        max_frame_bytes: int = MAX_FRAME_BYTES,
    ) -> None:
        numeric = isinstance(port, int) or (isinstance(port, str) and port.isdigit())
        if isinstance(port, bool) or not numeric:
            raise InvalidArgument(f"port must be an int, not {type(port).__name__}")
        if not 0 < int(port) < 65536:
            raise InvalidArgument(f"port {port} is not in 1..65535")
        for name, value in (("host", host), ("username", username), ("password", password),
                            ("namespace", namespace), ("path_prefix", path_prefix or "")):
            if not isinstance(value, str):
                raise InvalidArgument(f"{name} must be a str, not {type(value).__name__}")
        if isinstance(max_frame_bytes, bool) or not isinstance(max_frame_bytes, int) \
                or max_frame_bytes < 1024:
            raise InvalidArgument("max_frame_bytes must be an int of at least 1024")
        self.endpoint = Endpoint(host=host, port=int(port), tls=bool(tls), path_prefix=path_prefix or "")
        self.username = username
        self.__password = password  # name-mangled, never logged, never in repr
        self.initial_namespace = namespace
        self.verify = verify
        self.connect_timeout = _seconds("connect_timeout", connect_timeout, zero_ok=False)
        self.response_timeout = _seconds("response_timeout", response_timeout)
        self.max_frame_bytes = max_frame_bytes
        self._lock = threading.RLock()
        self._session: Optional[requests.Session] = None
        self._transport: Optional[WebSocketTransport] = None
        self._proto: Optional[TerminalProtocol] = None
        self._server_info: Optional[ServerInfo] = None
        self._namespace = namespace.upper()
        self._banner = ""
        self._closed = False
        self._doubt = ""  # why the session may be out of step ("" = in step)

    @classmethod
    def from_options(cls, options: ConnectOptions, username: str, password: str) -> LiteTerminal:
        """A session for ``options`` (the one place connection parameters are spelled out)."""
        return cls(options.host, options.port, username=username, password=password,
                   namespace=options.namespace, tls=options.tls, verify=options.verify,
                   path_prefix=options.path_prefix, connect_timeout=options.connect_timeout,
                   response_timeout=options.response_timeout)

    def __repr__(self) -> str:
        return (f"LiteTerminal({self.endpoint.authority}, user={self.username!r}, "
                f"namespace={self.namespace!r}, connected={self.connected})")

    # -- public properties ------------------------------------------------------------------------------

    @property
    def server_info(self) -> Optional[ServerInfo]:
        return self._server_info

    @property
    def namespace(self) -> str:
        """The namespace the session is in now (from the last prompt)."""
        return self._namespace

    @property
    def connected(self) -> bool:
        """True while a socket is open and the session is usable (no network probe)."""
        return (self._transport is not None and not self._transport.closed and self._proto is not None
                and self._proto.state is State.PROMPT)

    @property
    def banner(self) -> str:
        """Output seen before the first prompt of the current connection, ANSI kept."""
        return self._banner

    @property
    def server_version(self) -> str:
        if self._proto is not None and self._proto.server_version:
            return self._proto.server_version
        return self._server_info.version if self._server_info else ""

    @property
    def grace(self) -> float:
        """How long an interrupt (or a resynchronisation) may take: min(5 s, connect_timeout)."""
        return 5.0 if self.connect_timeout is None else min(5.0, self.connect_timeout)

    # -- lifecycle --------------------------------------------------------------------------------------

    def __enter__(self) -> LiteTerminal:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Log in and open the terminal (no-op if already connected). Raises ConnectError & co."""
        with self._lock:
            if self._closed:
                raise SessionClosed("this LiteTerminal was closed; create a new one")
            if not self.connected:
                self._disconnect()
                self._open()

    def close(self) -> None:
        """Close the socket and log the CSP session out, within CLOSE_BOUND; later use raises
        SessionClosed. Never raises. From another thread it cuts a running command short (``lost``)."""
        self._closed = True
        if not self._lock.acquire(timeout=0.05):
            transport = self._transport
            if transport is not None:
                transport.abort()  # wakes the command's blocked read; it ends as lost
            if not self._lock.acquire(timeout=CLOSE_BOUND):
                return
        try:
            self._disconnect()
        finally:
            self._lock.release()

    # -- connecting -------------------------------------------------------------------------------------

    def _open(self) -> None:
        """Login + upgrade + handshake within connect_timeout; on a 401 upgrade or a close before
        ``init``, once more from scratch (docs/protocol.md §4.1, §4.4), inside the same bound."""
        limit = self.connect_timeout
        deadline = None if limit is None else time.monotonic() + limit
        for attempt in (1, 2):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ConnectError(f"could not open the terminal on {self.endpoint.authority} "
                                   f"within {limit} s")
            session, info = login(self.endpoint, self.username, self.__password, self.initial_namespace,
                                  self.verify, remaining)
            self._server_info = info
            try:
                url = self.endpoint.terminal_url(info.api)
                transport = WebSocketTransport.open(url, cookie_header(session, url), self.verify, limit,
                                                    self.max_frame_bytes, deadline=deadline)
            except AuthError:
                logout(session, self.endpoint, FAILED_LOGOUT)
                if attempt == 2:
                    raise AuthError(f"the terminal upgrade at {self.endpoint.authority} was refused with "
                                    "HTTP 401 twice, even after a fresh login; the session cookie is not "
                                    "accepted") from None
                log.debug("upgrade got 401; logging in again with a fresh cookie jar")
                continue
            except TerminalError:
                logout(session, self.endpoint, FAILED_LOGOUT)
                raise
            proto = TerminalProtocol(self.initial_namespace)
            try:
                banner = self._handshake(transport, proto, deadline)
            except _ClosedBeforeInit:
                transport.abort()
                logout(session, self.endpoint, FAILED_LOGOUT)
                if attempt == 2:
                    raise ConnectError(
                        f"the server at {self.endpoint.authority} closed the terminal before 'init' twice "
                        f"(close code {transport.close_code}), even with a fresh login") from None
                log.debug("closed before init (code %s); logging in again", transport.close_code)
                continue
            except BaseException:
                transport.abort()
                logout(session, self.endpoint, FAILED_LOGOUT)
                raise
            self._session, self._transport, self._proto, self._banner = session, transport, proto, banner
            self._namespace = proto.namespace or self.initial_namespace.upper()
            self._doubt = ""
            log.debug("terminal ready in %s on %s", self._namespace, self.endpoint.authority)
            return

    def _handshake(self, transport: WebSocketTransport, proto: TerminalProtocol, deadline: Optional[float]
                   ) -> str:
        """``init`` -> ``config`` -> first ``prompt`` by the deadline (docs/protocol.md §7, §15.1 step 5).
        Then, the server idle, one WebSocket ping measures the link's round trip (module docstring)."""
        limit = self.connect_timeout
        try:
            while True:
                message = transport.recv(deadline=deadline)
                if message is _TIMEOUT:
                    stage = "init" if proto.state is State.AWAIT_INIT else "the first prompt"
                    raise ConnectError(f"no {stage} from {self.endpoint.authority} within {limit} s after "
                                       "the WebSocket upgrade; check that the web server supports WebSockets")
                if message is _CLOSED:
                    if proto.state is State.AWAIT_INIT:
                        raise _ClosedBeforeInit()
                    raise ConnectError(f"the server closed the terminal during the handshake "
                                       f"(close code {transport.close_code})")
                configuring = proto.state is State.CONFIGURING
                for event in proto.receive(message):
                    if isinstance(event, Initialized):
                        transport.send(proto.config(), deadline)
                    elif isinstance(event, Fatal):
                        wanted = self.initial_namespace.upper()
                        text = event.text
                        if configuring and ("namespace" in text.lower() or wanted in text.upper()):
                            raise NamespaceError(f"the server refused the terminal configuration for "
                                                 f"namespace {self.initial_namespace!r}: {event.text}")
                        raise RemoteError(f"the server reported an error during the handshake: {event.text}")
                    elif isinstance(event, Ready):
                        self._measure_rtt(transport, proto, deadline)
                        return event.banner_output
        except (ConnectError, NamespaceError, RemoteError, ProtocolError):
            raise
        except TerminalError as exc:  # ConnectionLost while sending config: reported as a failed connect
            failure = ConnectError(f"the terminal handshake with {self.endpoint.authority} failed: {exc}")
        raise failure  # outside the handler: nothing chained

    def _disconnect(self, quick: bool = False) -> None:
        """Drop the current connection (interrupting a running command first) and log out."""
        transport, session = self._transport, self._session
        self._transport = self._session = None
        self._doubt = ""
        if transport is not None:
            if quick:
                transport.abort()
            else:
                if self._proto is not None and self._proto.state in (State.EVAL, State.READ):
                    try:
                        transport.send(self._proto.interrupt(), time.monotonic() + 0.2)
                    except TerminalError:
                        pass
                transport.close()
        if session is not None:
            logout(session, self.endpoint, FAILED_LOGOUT if quick else LOGOUT_TIMEOUT)

    def _ensure_ready(self) -> str:
        """Reconnect BEFORE sending if the kept socket was closed meanwhile; read what arrived while idle
        and, if anything left the session in doubt, bring it back in step. Returns a warning or ""."""
        transport, proto = self._transport, self._proto
        if transport is not None and proto is not None and proto.state is State.PROMPT:
            closed = self._drain_idle(transport, proto)
            if not closed and proto.state is State.PROMPT:
                if proto.namespace:
                    self._namespace = proto.namespace
                if not self._doubt:
                    return ""
                why = self._doubt
                if self._resync() and not self._drain_idle(transport, proto):
                    # frames right behind the marker's prompt came before this command is sent: stale
                    self._doubt = ""
                    return f"the session was brought back in step before this command ({why})"
                self._disconnect(quick=True)
                self._open()
                return (f"the session was replaced before this command ({why}; the marker command "
                        "did not come back)")
            log.debug("the server closed the idle session; reconnecting before sending")
        self._disconnect(quick=True)
        self._open()
        return ""

    def _drain_idle(self, transport: WebSocketTransport, proto: TerminalProtocol) -> bool:
        """Read, without waiting, what arrived while idle: it belongs to no command to come (it was sent
        before). Sets the doubt for stray output/prompts; True if the session is over."""
        closed = transport.poll()
        for message in transport.take_pending():
            try:
                for event in proto.receive(message):
                    if isinstance(event, (StrayOutput, PromptRefreshed)):
                        self._doubt = self._doubt or "output or a prompt arrived while the session was idle"
                    elif isinstance(event, Fatal):
                        closed = True
            except TerminalError as exc:
                log.debug("a stray frame broke the idle session: %s", exc)
                closed = True
        return closed

    def _measure_rtt(self, transport: WebSocketTransport, proto: TerminalProtocol,
                     deadline: Optional[float]) -> None:
        """Ping while the server is idle and wait (at most RTT_WAIT s, never past ``deadline``) for the pong:
        the link's round trip, below which no frame can answer a command (module docstring). Frames that
        come meanwhile were sent while idle: they leave the session in doubt."""
        if transport.pongless:
            return  # this server did not answer a ping: do not wait for one again
        until = time.monotonic() + RTT_WAIT
        if deadline is not None:
            until = min(until, deadline)
        for _ in range(RTT_PINGS):  # the smallest of a few: one scheduling hiccup does not set the floor
            samples = transport.samples
            transport.ping(until)
            while transport.samples == samples:
                message = transport.recv(deadline=until, until_pong=True)
                if message is _TIMEOUT and transport.samples == 0:
                    transport.pongless = True
                if not isinstance(message, str):
                    return
                for event in proto.receive(message):
                    if isinstance(event, (StrayOutput, PromptRefreshed)):
                        self._doubt = self._doubt or "output or a prompt arrived while the session was idle"

    def _resync(self) -> bool:
        """Send a marker command; read until its output and the prompt after it. True when in step."""
        transport, proto = self._transport, self._proto
        assert transport is not None and proto is not None
        token = secrets.token_hex(8)
        marker = "LT-SYNC-" + token
        deadline = time.monotonic() + self.grace
        try:
            transport.send(proto.begin_sync(SYNC_COMMAND.format(token=token)), deadline)
            seen = ""
            found = False
            while True:
                message = transport.recv(deadline=deadline)
                if message is _TIMEOUT or message is _CLOSED:
                    return False
                for event in proto.receive(message):
                    if isinstance(event, Output) and not found:
                        seen += event.text
                        found = marker in seen
                        seen = seen[-len(marker):]
                    elif isinstance(event, PromptRefreshed) and found:
                        proto.end_sync()
                        if event.ns:
                            self._namespace = event.ns
                        self._doubt = ""
                        self._measure_rtt(transport, proto, deadline)
                        return True
                    elif isinstance(event, (ReadRequested, Fatal)):
                        return False
        except TerminalError as exc:
            log.debug("resynchronisation failed: %s", exc)
            return False

    # -- commands ---------------------------------------------------------------------------------------

    def execute(
        self,
        command: str,
        namespace: Optional[str] = None,
        timeout: Optional[float] = None,
        input_lines: Sequence[str] = (),
        max_output_chars: Optional[int] = None,
        on_output: Optional[Callable[[str], None]] = None,
        on_read: Optional[Callable[[], Optional[str]]] = None,
        stop: Optional[threading.Event] = None,
    ) -> CommandResult:
        """Run one command (or a multi-line block) and return its result.

        ``namespace`` switches first with ``zn`` (if that fails the command is not run); ``timeout``
        overrides ``response_timeout`` (None: that default; negative: no limit); each READ gets the next
        of ``input_lines``; ``max_output_chars`` keeps the head and a tail of at most that many
        characters (``output_dropped`` counts the rest); ``on_output`` is called with each raw chunk of the
        command's output as it arrives (ANSI kept; not for the ``zn`` of ``namespace``), in the calling
        thread; ``on_read`` answers a READ once ``input_lines`` are used up (None, or a text that is not
        one line, interrupts it); setting ``stop`` (from any thread or a signal handler) interrupts the
        command as its timeout would, and it ends as the server says (``interrupted`` after
        ``<INTERRUPT>``), the session kept. Bad arguments raise InvalidArgument before
        anything is sent; otherwise only a session that cannot be (re)opened or was closed raises.
        """
        _text("command", command)
        if isinstance(input_lines, str):
            raise InvalidArgument("input_lines must be a sequence of str, not one str")
        if not hasattr(input_lines, "__iter__"):
            raise InvalidArgument(f"input_lines must be a sequence of str, not {type(input_lines).__name__}")
        lines = tuple(input_lines)  # may be a generator; it is checked, then consumed by READs
        for line in lines:
            _text("every input line", line)
            _one_line("every input line", line)
        if namespace is not None:
            _text("namespace", namespace)
            _one_line("namespace", namespace)
        limit = self.response_timeout if timeout is None else _seconds("timeout", timeout)
        if max_output_chars is not None and (isinstance(max_output_chars, bool) or
                                             not isinstance(max_output_chars, int) or max_output_chars < 0):
            raise InvalidArgument("max_output_chars must be None or an int >= 0")
        wire = _wire_text(command)
        with self._lock:
            if self._closed:
                raise SessionClosed("this LiteTerminal was closed; create a new one")
            warning = self._ensure_ready()
            if namespace and namespace.upper() != self._namespace.upper():
                switch = self._run('zn "' + namespace.replace('"', '""') + '"', 'zn "' +
                                   namespace.replace('"', '""') + '"', limit, (), None, "")
                if switch.status != "ok" or switch.namespace.upper() != namespace.upper():
                    why = switch.error or f"the prompt still shows {switch.namespace}"
                    return CommandResult(
                        command=command, output=switch.output, raw_output=switch.raw_output,
                        status="error" if switch.status == "ok" else switch.status,
                        error=f"could not switch to namespace {namespace!r}: {why}; the command was not run",
                        namespace=switch.namespace, elapsed=switch.elapsed,
                        server_version=self.server_version, warning=_join(warning, switch.warning), ran=False)
                if self._doubt or switch.warning:  # the zn went astray: get in step before the command
                    warning = _join(warning, switch.warning, self._ensure_ready())
            return self._run(command, wire, limit, lines, max_output_chars, warning, on_output,
                             _Run(on_read, stop))

    def _run(self, command: str, wire: str, limit: Optional[float], input_lines: Sequence[str],
             max_chars: Optional[int], warning: str,
             on_output: Optional[Callable[[str], None]] = None, run: Optional[_Run] = None) -> CommandResult:
        transport, proto = self._transport, self._proto
        assert transport is not None and proto is not None
        sink = _Sink(max_chars, on_output)
        lines: Iterator[str] = iter(input_lines)
        run = run or _Run()
        start = time.monotonic()
        deadline = None if limit is None else start + limit
        rtt = transport.rtt
        floor = start + rtt * RTT_FLOOR_FACTOR if rtt is not None and rtt >= RTT_FLOOR_MIN else 0.0
        hold_until = start + max(HOLD_MIN, HOLD_FACTOR * rtt) if floor else 0.0
        if deadline is not None and hold_until > deadline:
            hold_until = deadline

        def result(status: str, error: str, drop: bool = False, raw: Optional[str] = None) -> CommandResult:
            if raw is None:
                raw = sink.raw()
            if drop or status == "lost":
                self._disconnect(quick=True)
            note = warning
            if run.set_aside:
                note = _join(note, f"{run.set_aside} frame(s) came sooner than the server could have "
                             "answered this command and were set aside as an earlier command's")
            if run.taken:
                note = _join(note, f"{run.taken} frame(s) came sooner than the measured round trip and, as "
                             "nothing followed them, were taken as this command's")
            output = strip_leading_crlf(raw)
            return CommandResult(command=command, output=strip_ansi(output) if "\x1b" in output else output,
                                 raw_output=raw, status=status, error=error, namespace=self._namespace,
                                 elapsed=time.monotonic() - start, server_version=self.server_version,
                                 output_dropped=sink.dropped, warning=note)

        try:
            transport.send(proto.start_command(wire), deadline)
        except TerminalError as exc:
            return result("lost", f"{LOST_TEXT} (sending failed: {exc})")
        while True:
            wait_until = run.grace_deadline if run.grace_deadline is not None else deadline
            if run.held and (wait_until is None or hold_until < wait_until):
                wait_until = hold_until
            if run.stop is not None and not (run.stopped or run.timed_out):
                if run.stop.is_set():
                    if not self._stop(transport, proto, run):
                        return result("interrupted", "stopped; the interrupt could not be sent, so the "
                                      "session was closed", drop=True)
                    continue
                poll = time.monotonic() + STOP_POLL
                if wait_until is None or poll < wait_until:
                    wait_until = poll
            try:
                message = transport.recv(deadline=wait_until)
            except RemoteProtocolError as exc:
                return result("timeout" if run.timed_out else "lost", f"{LOST_TEXT} ({exc})", drop=True)
            now = time.monotonic()
            if message is _TIMEOUT:
                if run.held and now >= hold_until:
                    # nothing came after the early frames: the round trip was measured too long; they
                    # are this command's after all, and the measure is dropped
                    held, run.held = run.held, []
                    run.taken += len(held)
                    transport.rtt = None
                    outcome = self._feed(held, proto, transport, sink, lines, run, limit, result)
                    if outcome is not None:
                        return outcome
                    continue
                if run.grace_deadline is None and deadline is not None and now >= deadline:
                    run.timed_out = True
                    run.grace_deadline = now + self.grace
                    self._doubt = "the previous command was interrupted at its timeout"
                    if not self._send_quietly(transport, proto.interrupt, run.grace_deadline):
                        return result("timeout", f"no prompt within {limit} s and the interrupt could not be "
                                      "sent; the session was closed", drop=True)
                    continue
                if run.grace_deadline is not None and now >= run.grace_deadline and run.stopped:
                    return result("interrupted", "stopped; the interrupt did not bring the prompt back "
                                  f"within {self.grace:g} s, so the session was closed", drop=True)
                if run.grace_deadline is not None and now >= run.grace_deadline:
                    return result("timeout", f"no prompt within {limit} s; the interrupt did not bring the "
                                  "prompt back within {:g} s, so the session was closed".format(self.grace),
                                  drop=True)
                continue
            if message is _CLOSED:
                proto.connection_closed()
                code = transport.close_code
                if run.timed_out:
                    return result("timeout", f"no prompt within {limit} s; the connection closed after the "
                                  f"interrupt (close code {code})", drop=True)
                if self._closed:
                    return result("lost", f"{LOST_TEXT} (close() was called during the command)")
                if run.stopped:
                    return result("interrupted", f"stopped; the connection closed after the interrupt (close "
                                  f"code {code})", drop=True)
                return result("lost", f"{LOST_TEXT} (the server closed the connection, code {code})")
            if now < floor:  # sent before the server could have seen this command: an earlier one's
                run.held.append(message)
                log.debug("holding a frame that came %.3f s after sending (round trip %.3f s)",
                          now - start, rtt)
                continue
            if run.held:  # a frame came in time after the early ones: those were an earlier command's
                run.set_aside += len(run.held)
                run.held = []
            outcome = self._feed((message,), proto, transport, sink, lines, run, limit, result)
            if outcome is not None:
                return outcome

    def _feed(self, messages: Sequence[str], proto: TerminalProtocol, transport: WebSocketTransport,
              sink: _Sink, lines: Iterator[str], run: _Run, limit: Optional[float], result  # noqa: ANN001
              ) -> Optional[CommandResult]:
        """Feed frames of the running command to the state machine; a result when the command ended."""
        for message in messages:
            try:
                events = proto.receive(message)
            except TerminalError as exc:
                return result("timeout" if run.timed_out else "lost", f"{LOST_TEXT} ({exc})", drop=True)
            for event in events:
                kind = type(event)
                if kind is Output:
                    sink.add(event.text)  # type: ignore[union-attr]
                elif kind is CommandDone:
                    if event.ns:  # type: ignore[union-attr]
                        self._namespace = event.ns  # type: ignore[union-attr]
                    if transport.has_pending():
                        self._doubt = self._doubt or "frames arrived right behind a command's prompt"
                    if run.input_missing:
                        self._doubt = self._doubt or "a READ was interrupted"
                    raw = sink.raw()  # joined once, scanned by the error check once
                    status, error = self._classify(sink.checked(raw), limit, run)
                    return result(status, error, raw=raw)
                elif kind is ReadRequested:
                    if not self._answer_read(transport, proto, lines, run):
                        return result("lost", f"{LOST_TEXT} (answering READ failed)")
                elif kind is Fatal:
                    return result("timeout" if run.timed_out else "lost",
                                  f"{LOST_TEXT} (the server reported: {event.text})",  # type: ignore[union-attr]
                                  drop=True)
        return None

    def _answer_read(self, transport: WebSocketTransport, proto: TerminalProtocol, lines: Iterator[str],
                     run: _Run) -> bool:
        """Next input line; when none is left (or after a timeout) interrupt, and answer "" from then on."""
        limit = time.monotonic() + self.grace
        if run.timed_out or run.input_missing or run.stopped:
            return self._send_quietly(transport, lambda: proto.answer_read(""), limit)
        line = next(lines, None)
        if line is None and run.on_read is not None:
            line = run.on_read()
            if line is not None and (not isinstance(line, str) or one_line_problem(line)
                                     or _unencodable(line)):
                line = None  # not one line: interrupted, never sent
            limit = time.monotonic() + self.grace  # the answer may have taken a person a while
        if line is None and run.stop is not None and run.stop.is_set():
            return self._stop(transport, proto, run)
        if line is None:
            run.input_missing = True
            log.debug("READ with no input left: interrupting")
            return self._send_quietly(transport, proto.interrupt, limit)
        return self._send_quietly(transport, lambda: proto.answer_read(line), limit)

    def _stop(self, transport: WebSocketTransport, proto: TerminalProtocol, run: _Run) -> bool:
        """The caller set ``stop``: interrupt once, and wait for the prompt at most the grace."""
        run.stopped = True
        run.grace_deadline = time.monotonic() + self.grace
        self._doubt = "the previous command was interrupted (stop)"
        return self._send_quietly(transport, proto.interrupt, run.grace_deadline)

    @staticmethod
    def _send_quietly(transport: WebSocketTransport, make_frame, deadline: Optional[float]) -> bool:  # noqa: ANN001
        try:
            transport.send(make_frame(), deadline)
            return True
        except TerminalError as exc:
            log.debug("send failed: %s", exc)
            return False

    @staticmethod
    def _classify(raw: str, limit: Optional[float], run: _Run) -> Tuple[str, str]:
        if run.timed_out:
            return "timeout", f"no prompt within {limit} s; the command was interrupted"
        if run.input_missing:
            return "error", ("the command asked for input (READ) but no input_lines were left; "
                             "it was interrupted")
        error = find_error(raw)
        if error is None:
            return "ok", ""
        if INTERRUPT_MARK in raw:
            return "interrupted", error
        return "error", error


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)
