"""``LiteTerminal``: a blocking Lite Terminal session with one command at a time.

Glue only: ``login`` (REST), ``transport`` (socket and clock), ``protocol`` (state machine) and
``attribution`` (which frames are a command's) do the work. A command that fails inside IRIS is a
:class:`CommandResult` (``status="error"``); only failures of the session itself raise, always as
:class:`TerminalError`. The client never re-sends a command on its own: a command cut off after it was sent
may or may not have run (docs/protocol.md §4.5: state lives in the server process), so it ends as ``lost``
with the output seen so far.

Wall-clock bounds, whatever the peer does (drips bytes, floods pings, stops mid-frame, never answers), name
lookup included:

* ``connect()``: login + upgrade + handshake together within ``connect_timeout``; on a failure after the
  login, the logout adds at most :data:`FAILED_LOGOUT` (0.5 s).
* ``execute()``: before sending, a reconnect (the connect bound) and, if the session was left in doubt,
  a resynchronisation (at most the grace); after sending, the result comes within ``timeout`` + grace
  (grace = min(5 s, connect_timeout): how long the interrupt may take to bring the prompt back) +
  :data:`FAILED_LOGOUT` (0.5 s) when the session has to be dropped.
* ``close()``: within :data:`CLOSE_BOUND` (2 s), from any thread, in any phase (login, upgrade, handshake,
  command, resynchronisation, reconnect). Once it returns nothing more is sent on this object's behalf, no
  login or reconnect starts, the CSP session is logged out or its socket closed, and every call in flight or
  later raises :class:`SessionClosed`, except a command already sent, which ends as ``lost`` (it may or may
  not have run).

Results never mix, by construction (docs/protocol.md §15.3): every command goes out behind a mark, a first
line that prints ``LT-<tag>-<n>`` (``<n>`` counted by the server), and the protocol takes as the command's
only what comes after that mark, up to the next prompt. Output and prompts that arrive before the mark (late
output, docs/protocol.md §12; the extra prompt of an interrupt that reached IRIS after the command ended,
docs/protocol.md §10) are set aside and said so in the result's ``warning``; they are never another
command's output. Nothing depends on WebSocket pongs (docs/protocol.md §12: whether the gateway answers
pings is unknown). After a timeout, a READ that had to be interrupted, or stray frames while idle, the next
``execute`` first resynchronises (a marker command read up to its own prompt; the session is replaced if
that fails) and says so in ``warning``. ``output`` is what the command wrote after its mark; ``raw_output``
the same with ANSI codes.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple, Union

import requests

from . import errors
from .attribution import TAIL_CHARS, CommandRun, Step
from .contract import CLIENT_STATUSES, ConnectOptions
from .errors import (
    AuthError,
    ConnectError,
    InvalidArgument,
    NamespaceError,
    ProtocolError,
    RemoteError,
    SessionClosed,
    TerminalError,
)
from .httpguard import Cancel
from .httpguard import seconds_text as secs
from .lines import UnsafeCommandText, command_lines, one_line_problem
from .login import Endpoint, ServerInfo, cookie_header, login, logout
from .output import has_escapes, strip_ansi, strip_leading_crlf
from .protocol import (
    RUNNING_STATES,
    SYNC_COMMAND,
    Fatal,
    Initialized,
    InStep,
    PromptRefreshed,
    Ready,
    StaleRead,
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
CLOSED_TEXT = "this LiteTerminal was closed; create a new one"
MAX_TIMEOUT = 1e7  # seconds (115 days); larger values are refused: use None or -1 for "no limit"
LOGOUT_TIMEOUT = 1.0
STOP_POLL = 0.1  # with a ``stop`` event, how often a running command looks at it (seconds)
FAILED_LOGOUT = 0.5
CLOSE_BOUND = CLOSE_WAIT + LOGOUT_TIMEOUT

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
    session had to be brought back in step before this command or frames of earlier commands were set aside
    (see the module docstring).
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


class _ClosedBeforeInit(errors.InternalSignal):
    """Internal: the server accepted the upgrade but closed before ``init`` (stale cookie)."""


class _NotReplaced(errors.InternalSignal):
    """Internal: the session had to be replaced before sending, but the command relies on its state."""


def _checked(command: object, namespace: object, timeout: object, input_lines: object,
             max_output_chars: object, default_limit: Optional[float]
             ) -> Tuple[str, Tuple[str, ...], Optional[float]]:
    """``execute``'s arguments checked before anything is sent: (wire text, input lines, time limit).
    Raises InvalidArgument."""
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
    limit = default_limit if timeout is None else _seconds("timeout", timeout)
    if max_output_chars is not None and (isinstance(max_output_chars, bool) or
                                         not isinstance(max_output_chars, int) or max_output_chars < 0):
        raise InvalidArgument("max_output_chars must be None or an int >= 0")
    wire = _wire_text(command)
    return wire, lines, limit


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
        self._abandoned = False  # close() gave up waiting for the call in flight: it sends nothing more
        self._cancel = Cancel()  # flipped by close(): shuts whatever the call in flight is blocked on
        self._doubt = ""  # why the session may be out of step ("" = in step)
        self._keep = False  # the command being prepared relies on this session's state: never replace it

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
                raise SessionClosed(CLOSED_TEXT)
            if not self.connected:
                self._disconnect()
                self._open()

    def close(self) -> None:
        """Close the socket and log the CSP session out, within CLOSE_BOUND, from any thread; never raises.
        Final: later calls raise SessionClosed; a call in flight in another thread is cut short at once
        (login, upgrade, handshake, resynchronisation, reconnect: SessionClosed; a command already sent:
        ``lost``), and once this returns nothing more is sent (module docstring)."""
        started = time.monotonic()
        self._closed = True
        if self._lock.acquire(timeout=0.05):
            quick = False
        else:
            self._cancel.cancel()  # every socket and deadline of the call in flight: shut now
            transport = self._transport
            if transport is not None:
                transport.abort()  # wakes the command's blocked read; it ends as lost
            left = CLOSE_BOUND - (time.monotonic() - started) - 0.05
            if not self._lock.acquire(timeout=max(0.0, left)):
                self._abandoned = True  # the call in flight sends nothing more (no logout either)
                return
            quick = True
        try:
            budget = CLOSE_BOUND - (time.monotonic() - started) - (0.0 if quick else CLOSE_WAIT)
            within = min(FAILED_LOGOUT if quick else LOGOUT_TIMEOUT, max(0.0, budget))
            self._disconnect(quick=quick, logout_within=within)
        finally:
            self._cancel.cancel()
            self._lock.release()

    # -- connecting -------------------------------------------------------------------------------------

    def _open(self) -> None:
        """Login + upgrade + handshake within connect_timeout; on a 401 upgrade or a close before
        ``init``, once more from scratch (docs/protocol.md §4.1, §4.4), inside the same bound. Raises
        SessionClosed as soon as close() was called (nothing more is started)."""
        limit = self.connect_timeout
        deadline = None if limit is None else time.monotonic() + limit
        for attempt in (1, 2):
            if self._closed:
                raise SessionClosed(CLOSED_TEXT)
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ConnectError(f"could not open the terminal on {self.endpoint.authority} "
                                   f"within {secs(limit)} s")
            try:
                session, info = login(self.endpoint, self.username, self.__password, self.initial_namespace,
                                      self.verify, remaining, self._cancel)
            except TerminalError:
                self._raise_if_closed()
                raise
            self._server_info = info
            try:
                self._raise_if_closed()
                url = self.endpoint.terminal_url(info.api)
                transport = WebSocketTransport.open(url, cookie_header(session, url), self.verify, limit,
                                                    self.max_frame_bytes, deadline, self._cancel)
            except AuthError:
                self._logout(session, FAILED_LOGOUT)
                self._raise_if_closed()
                if attempt == 2:
                    raise AuthError(f"the terminal upgrade at {self.endpoint.authority} was refused with "
                                    "HTTP 401 twice, even after a fresh login; the session cookie is not "
                                    "accepted") from None
                log.debug("upgrade got 401; logging in again with a fresh cookie jar")
                continue
            except TerminalError:
                self._logout(session, FAILED_LOGOUT)
                self._raise_if_closed()
                raise
            proto = TerminalProtocol(self.initial_namespace)
            try:
                banner = self._handshake(transport, proto, deadline)
                self._raise_if_closed()
            except _ClosedBeforeInit:
                transport.abort()
                self._logout(session, FAILED_LOGOUT)
                self._raise_if_closed()
                if attempt == 2:
                    raise ConnectError(
                        f"the server at {self.endpoint.authority} closed the terminal before 'init' twice "
                        f"(close code {transport.close_code}), even with a fresh login") from None
                log.debug("closed before init (code %s); logging in again", transport.close_code)
                continue
            except BaseException:
                transport.abort()
                self._logout(session, FAILED_LOGOUT)
                self._raise_if_closed()
                raise
            self._session, self._transport, self._proto, self._banner = session, transport, proto, banner
            self._namespace = proto.namespace or self.initial_namespace.upper()
            self._doubt = ""
            log.debug("terminal ready in %s on %s", self._namespace, self.endpoint.authority)
            return

    def _raise_if_closed(self) -> None:
        if self._closed:
            raise SessionClosed(CLOSED_TEXT)

    def _handshake(self, transport: WebSocketTransport, proto: TerminalProtocol, deadline: Optional[float]
                   ) -> str:
        """``init`` -> ``config`` -> first ``prompt`` by the deadline (docs/protocol.md §7, §15.1 step 5)."""
        limit = self.connect_timeout
        try:
            while True:
                message = transport.recv(deadline=deadline)
                if message is _TIMEOUT:
                    stage = "init" if proto.state is State.AWAIT_INIT else "the first prompt"
                    raise ConnectError(f"no {stage} from {self.endpoint.authority} within "
                                       f"{secs(limit)} s after the WebSocket upgrade; check that the web "
                                       "server supports WebSockets")
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
                        # a fact, not the error's words: the config frame names only the namespace, and
                        # before the first prompt no command has been sent (so never "lost")
                        if configuring:
                            raise NamespaceError(f"the server refused the terminal configuration for "
                                                 f"namespace {self.initial_namespace!r}: {event.text}")
                        raise ConnectError(f"the server reported an error during the handshake: {event.text}")
                    elif isinstance(event, Ready):
                        return event.banner_output
        except (ConnectError, NamespaceError, RemoteError, ProtocolError):
            raise
        except TerminalError as exc:  # ConnectionLost while sending config: reported as a failed connect
            failure = ConnectError(f"the terminal handshake with {self.endpoint.authority} failed: {exc}")
        raise failure  # outside the handler: nothing chained

    def _logout(self, session: requests.Session, timeout: float) -> None:
        """End the CSP session (bounded); once close() gave up waiting, only drop the connection."""
        if self._abandoned or timeout <= 0:
            session.close()
            return
        logout(session, self.endpoint, timeout)

    def _disconnect(self, quick: bool = False, logout_within: Optional[float] = None) -> None:
        """Drop the current connection (interrupting a running command first) and log out."""
        transport, session = self._transport, self._session
        self._transport = self._session = None
        self._doubt = ""
        if transport is not None:
            if quick or self._abandoned:
                transport.abort()
            else:
                if self._proto is not None and self._proto.state in RUNNING_STATES:
                    try:
                        transport.send(self._proto.interrupt(), time.monotonic() + 0.2)
                    except TerminalError:
                        pass
                transport.close()
        if session is not None:
            default = FAILED_LOGOUT if quick else LOGOUT_TIMEOUT
            self._logout(session, default if logout_within is None else logout_within)

    def _replace(self) -> None:
        """A new connection instead of the current one (SessionClosed once close() was called; _NotReplaced
        when the command being prepared relies on the old one's state)."""
        self._disconnect(quick=True)
        if self._keep:
            raise _NotReplaced()
        self._open()

    def _ensure_ready(self) -> str:
        """Reconnect BEFORE sending if the kept socket was closed meanwhile; read what arrived while idle
        and, if anything left the session in doubt, bring it back in step. Returns a warning or ""."""
        transport, proto = self._transport, self._proto
        if transport is not None and proto is not None and proto.state is State.PROMPT:
            closed = self._drain_idle(transport, proto)
            if not closed and proto.state is State.PROMPT:
                if proto.namespace:
                    self._namespace = proto.namespace
                if proto.sequence is None:
                    self._doubt = self._doubt or "a command's mark may have been cut short"
                if not self._doubt:
                    return ""
                why = self._doubt
                if self._resync() and not self._drain_idle(transport, proto):
                    self._doubt = ""
                    return f"the session was brought back in step before this command ({why})"
                self._replace()
                return (f"the session was replaced before this command ({why}; the marker command "
                        "did not come back)")
            log.debug("the server closed the idle session; reconnecting before sending")
        self._replace()
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

    def _resync(self) -> bool:
        """Send the marker command; read until its token and the prompt after it. True when in step."""
        transport, proto = self._transport, self._proto
        assert transport is not None and proto is not None
        deadline = time.monotonic() + self.grace
        try:
            transport.send(proto.begin_sync(secrets.token_hex(8)), deadline)
            while True:
                message = transport.recv(deadline=deadline)
                if message is _TIMEOUT or message is _CLOSED:
                    return False
                for event in proto.receive(message):
                    if isinstance(event, InStep):
                        if event.ns:
                            self._namespace = event.ns
                        self._doubt = ""
                        return True
                    if isinstance(event, (StaleRead, Fatal)):
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
        keep_session: bool = False,
    ) -> CommandResult:
        """Run one command (or a multi-line block) and return its result.

        ``namespace`` switches first with ``zn`` (if that fails the command is not run); ``timeout``
        overrides ``response_timeout`` (None: that default; negative: no limit); each READ gets the next
        of ``input_lines``; ``max_output_chars`` keeps the head and a tail of at most that many
        characters (``output_dropped`` counts the rest). Hooks (for the command line): ``on_output`` is
        called with each raw chunk of the command's output as it arrives (ANSI kept; not for the ``zn`` of
        ``namespace``), in the calling thread; ``on_read`` answers a READ once ``input_lines`` are used up
        (None, or a text that is not one line, interrupts it); setting ``stop`` (from any thread or a
        signal handler) interrupts the command as its timeout would, and it ends as the server says
        (``interrupted`` after ``<INTERRUPT>``), the session kept. ``keep_session``: the command relies on
        what earlier commands left in this session (namespace, variables, locks): if the session that was
        open has to be replaced before sending (the server closed it, or it could not be brought back in
        step), the command is not sent and the result (``ran`` false) says so. Bad arguments raise
        InvalidArgument before anything is sent; otherwise only a session that cannot be (re)opened or was
        closed raises.
        """
        wire, lines, limit = _checked(command, namespace, timeout, input_lines, max_output_chars,
                                      self.response_timeout)
        with self._lock:
            if self._closed:
                raise SessionClosed(CLOSED_TEXT)
            self._keep = keep_session and self._server_info is not None  # a session was open before
            try:
                warning = self._ensure_ready()
            except _NotReplaced:
                return CommandResult(command, "", "", "error", "the session this command relies on is gone "
                                     "(the server closed it, or it could not be brought back in step) and "
                                     "keep_session forbids a new one; the command was not run",
                                     self._namespace, 0.0, self.server_version, ran=False)
            finally:
                self._keep = False
            if namespace and namespace.upper() != self._namespace.upper():
                zn = 'zn "' + namespace.replace('"', '""') + '"'
                switch = self._run(zn, zn, limit, (), None, "")
                if switch.status != "ok" or switch.namespace.upper() != namespace.upper():
                    if self._closed:  # close() cut the switch short: the command itself was never sent
                        raise SessionClosed(CLOSED_TEXT)
                    why = switch.error or f"the prompt still shows {switch.namespace}"
                    return CommandResult(
                        command=command, output=switch.output, raw_output=switch.raw_output,
                        status="error" if switch.status == "ok" else switch.status,
                        error=f"could not switch to namespace {namespace!r}: {why}; the command was not run",
                        namespace=switch.namespace, elapsed=switch.elapsed,
                        server_version=self.server_version, warning=_join(warning, switch.warning), ran=False)
                if self._doubt or switch.warning:  # the zn went astray: get in step before the command
                    why = f"could not switch to namespace {namespace!r}: the session was replaced after it"
                    self._keep = keep_session  # a command that relies on this session: not on a new one
                    try:
                        warning = _join(warning, switch.warning, self._ensure_ready())
                    except _NotReplaced:
                        warning = _join(warning, switch.warning)
                        return CommandResult(
                            command, "", "", "error", f"{why} (keep_session); the command was not run",
                            self._namespace, switch.elapsed, self.server_version, warning=warning, ran=False)
                    finally:
                        self._keep = False
                    if self._namespace.upper() != namespace.upper():  # replaced: a new session's namespace
                        return CommandResult(
                            command, "", "", "error", f"{why}; the command was not run", self._namespace,
                            switch.elapsed, self.server_version, warning=warning, ran=False)
            return self._run(command, wire, limit, lines, max_output_chars, warning,
                             CommandRun(max_output_chars, lines, on_output, on_read, stop))

    def _run(self, command: str, wire: str, limit: Optional[float], input_lines: Sequence[str],
             max_chars: Optional[int], warning: str, run: Optional[CommandRun] = None) -> CommandResult:
        """Send ``wire`` behind its mark and read until its prompt (attribution.py decides what is its)."""
        transport, proto = self._transport, self._proto
        assert transport is not None and proto is not None
        if self._closed:
            raise SessionClosed(CLOSED_TEXT)
        run = run or CommandRun(max_chars, input_lines)
        start = time.monotonic()
        deadline = None if limit is None else start + limit

        def result(status: str, error: str, drop: bool = False) -> CommandResult:
            return self._result(run, command, start, warning, status, error, drop)

        try:
            transport.send(proto.start_marked(wire), deadline)
        except TerminalError as exc:
            return result("lost", f"{LOST_TEXT} (sending failed: {exc})")
        grace_deadline: Optional[float] = None
        while True:
            if run.stopped and grace_deadline is None:  # stopped while answering a READ
                grace_deadline = run.stop_deadline
            wait_until = deadline if grace_deadline is None else grace_deadline
            if run.stop is not None and not (run.stopped or run.timed_out):
                if run.stop.is_set():  # the caller's stop: interrupt once, wait for the prompt the grace
                    if not self._stop(transport, proto, run):
                        return result("interrupted", "stopped; the interrupt could not be sent, so the "
                                      "session was closed", drop=True)
                    continue
                poll = time.monotonic() + STOP_POLL
                if wait_until is None or poll < wait_until:
                    wait_until = poll
            try:
                message = transport.recv(deadline=wait_until)
                if message is _TIMEOUT:
                    if run.stop is not None and grace_deadline is None and (
                            deadline is None or time.monotonic() < deadline):
                        continue  # only the poll for ``stop`` ran out
                    if grace_deadline is not None and run.stopped:
                        if time.monotonic() < grace_deadline:
                            continue
                        return result("interrupted", "stopped; the interrupt did not bring the prompt back "
                                      f"within {secs(self.grace)} s, so the session was closed", drop=True)
                    if grace_deadline is not None:
                        return result("timeout", f"no prompt within {secs(limit)} s; the interrupt did not "
                                      f"bring the prompt back within {secs(self.grace)} s, so the session "
                                      "was closed", drop=True)
                    run.timed_out = True
                    grace_deadline = time.monotonic() + self.grace
                    self._doubt = "the previous command was interrupted at its timeout"
                    if not _send_quietly(transport, proto.interrupt, grace_deadline):
                        return result("timeout", f"no prompt within {secs(limit)} s and the interrupt could "
                                      "not be sent; the session was closed", drop=True)
                    continue
                if message is _CLOSED:
                    proto.connection_closed()
                    code = transport.close_code
                    if run.timed_out:
                        return result("timeout", f"no prompt within {secs(limit)} s; the connection closed "
                                      f"after the interrupt (close code {code})", drop=True)
                    if run.stopped:
                        return result("interrupted", "stopped; the connection closed after the interrupt "
                                      f"(close code {code})", drop=True)
                    if self._closed:
                        return result("lost", f"{LOST_TEXT} (close() was called during the command)")
                    return result("lost", f"{LOST_TEXT} (the server closed the connection, code {code})")
                step = run.feed(proto.receive(message))
            except TerminalError as exc:
                return result("timeout" if run.timed_out else "lost", f"{LOST_TEXT} ({exc})", drop=True)
            if step is None:
                continue
            if step is Step.DONE:
                if run.prompt_ns:
                    self._namespace = run.prompt_ns
                if run.input_missing:
                    self._doubt = self._doubt or "a READ was interrupted"
                raw = run.sink.raw()  # joined once, scanned by the error check once
                status, error = run.verdict(run.sink.checked(raw), limit)
                return self._result(run, command, start, warning, status, error, raw=raw)
            if step is Step.ANSWER_READ:
                if not self._answer_read(transport, proto, run):
                    return result("lost", f"{LOST_TEXT} (answering READ failed)")
            elif step is Step.FATAL:
                return result("timeout" if run.timed_out else "lost",
                              f"{LOST_TEXT} (the server reported: {run.fatal})", drop=True)
            elif not _send_quietly(transport, proto.answer_stale_read,  # Step.STALE_READ
                                        deadline if grace_deadline is None else grace_deadline):
                return result("lost", f"{LOST_TEXT} (answering a READ before its mark failed)")

    def _result(self, run: CommandRun, command: str, start: float, warning: str, status: str, error: str,
                drop: bool = False, raw: Optional[str] = None) -> CommandResult:
        if raw is None:
            raw = run.sink.raw()
        if drop or status == "lost":
            self._disconnect(quick=True)
        output = strip_leading_crlf(raw)
        if has_escapes(output):
            output = strip_ansi(output)
        return _make_result(command, output, raw, status, error,
                            self._namespace, time.monotonic() - start, self.server_version, run.sink.dropped,
                            _join(warning, run.set_aside_note()))

    def _answer_read(self, transport: WebSocketTransport, proto: TerminalProtocol, run: CommandRun) -> bool:
        """Next input line; when none is left (or after a timeout) interrupt, and answer "" from then on."""
        line = run.next_line()
        limit = time.monotonic() + self.grace  # after next_line: a person may have typed the answer
        if line is None and run.stopping and not run.stopped:
            return self._stop(transport, proto, run)
        if line is None:
            log.debug("READ with no input left: interrupting")
            return _send_quietly(transport, proto.interrupt, limit)
        return _send_quietly(transport, lambda: proto.answer_read(line), limit)

    def _stop(self, transport: WebSocketTransport, proto: TerminalProtocol, run: CommandRun) -> bool:
        """The caller set ``stop``: interrupt once; the prompt is awaited until ``run.stop_deadline``."""
        run.stopped = True
        run.stop_deadline = time.monotonic() + self.grace
        self._doubt = "the previous command was interrupted (stop)"
        return _send_quietly(transport, proto.interrupt, run.stop_deadline)


_RESULT_FIELDS = ("command", "output", "raw_output", "status", "error", "namespace", "elapsed",
                  "server_version", "output_dropped", "warning")


def _make_result(*values: object) -> CommandResult:
    """A CommandResult (``ran`` True) built without the frozen dataclass's per-field ``__setattr__`` calls:
    the same object, made once per command on the hot path."""
    result = object.__new__(CommandResult)
    result.__dict__.update(zip(_RESULT_FIELDS, values), ran=True)
    return result


def _send_quietly(transport: WebSocketTransport, make_frame, deadline: Optional[float]) -> bool:  # noqa: ANN001
    """Send a control frame (interrupt, READ answer); False, logged, when the connection is gone."""
    try:
        transport.send(make_frame(), deadline)
        return True
    except TerminalError as exc:
        log.debug("send failed: %s", exc)
        return False


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)
