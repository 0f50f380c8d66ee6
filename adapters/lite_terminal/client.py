"""``LiteTerminal``: a blocking Lite Terminal session with one command at a time.

Glue only: ``login`` (REST), ``transport`` (socket) and ``protocol`` (state machine) do the work.
A command that fails inside IRIS is a :class:`CommandResult` (``status="error"``); only failures of the
session itself raise :class:`TerminalError`. The client never re-sends a command on its own: a command
cut off by a lost connection may or may not have run (docs/protocol.md §4.5, state lives in the server
process).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import requests

from .errors import (
    AuthError,
    ConnectError,
    LocalProtocolError,
    NamespaceError,
    RemoteError,
    SessionClosed,
    TerminalError,
)
from .lines import command_lines
from .login import Endpoint, ServerInfo, cookie_header, login, logout
from .output import find_error, is_interrupted, strip_ansi, strip_leading_crlf
from .protocol import CommandDone, Fatal, Initialized, Output, ReadRequested, Ready, State, TerminalProtocol
from .transport import Signal, WebSocketTransport

__all__ = ["LiteTerminal", "CommandResult", "STATUSES"]

log = logging.getLogger("adapters.lite_terminal")

STATUSES = ("ok", "error", "timeout", "interrupted", "lost")
LOST_TEXT = "the connection was lost during the command; it may or may not have run"


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command. ``output`` is ANSI-stripped, ``raw_output`` exactly as received."""

    command: str
    output: str
    raw_output: str
    status: str  # one of STATUSES
    error: str  # IRIS error line (e.g. "<UNDEFINED> *x") or why it failed; "" when ok
    namespace: str  # namespace after the command
    elapsed: float  # seconds
    server_version: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _ClosedBeforeInit(Exception):
    """Internal: the server accepted the upgrade but closed before ``init`` (stale cookie,
    docs/protocol.md §4.4)."""


def _limit(value: Optional[float]) -> Optional[float]:
    """None or negative means "no limit" (the IRIS adapter convention ResponseTimeout=-1)."""
    return None if value is None or value < 0 else float(value)


class LiteTerminal:
    """One Lite Terminal session on one IRIS server; a context manager.

    Thread safety: meant for one thread at a time; a lock serialises concurrent misuse.
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
    ) -> None:
        self.endpoint = Endpoint(host=host, port=int(port), tls=bool(tls), path_prefix=path_prefix or "")
        self.username = username
        self.__password = password  # name-mangled, never logged, never in repr
        self.initial_namespace = namespace
        self.verify = verify
        self.connect_timeout = _limit(connect_timeout)
        self.response_timeout = _limit(response_timeout)
        self._lock = threading.RLock()
        self._session: Optional[requests.Session] = None
        self._transport: Optional[WebSocketTransport] = None
        self._proto: Optional[TerminalProtocol] = None
        self._server_info: Optional[ServerInfo] = None
        self._namespace = namespace.upper()
        self._banner = ""
        self._closed = False

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
        """Close the socket, log the CSP session out; later use raises SessionClosed. Never raises."""
        with self._lock:
            self._closed = True
            self._disconnect()

    # -- connecting -------------------------------------------------------------------------------------

    def _open(self) -> None:
        """Login + upgrade + handshake; on a 401 upgrade or close-before-init, once more from scratch."""
        for attempt in (1, 2):
            session, info = login(self.endpoint, self.username, self.__password, self.initial_namespace,
                                  self.verify, self.connect_timeout)
            self._server_info = info
            try:
                url = self.endpoint.terminal_url(info.api)
                transport = WebSocketTransport.open(url, cookie_header(session, url), self.verify,
                                                    self.connect_timeout)
            except AuthError:
                logout(session, self.endpoint)
                if attempt == 2:
                    raise AuthError(f"the terminal upgrade at {self.endpoint.authority} was refused with "
                                    "HTTP 401 twice, even after a fresh login; the session cookie is not "
                                    "accepted") from None
                log.debug("upgrade got 401; logging in again with a fresh cookie jar")
                continue
            except TerminalError:
                logout(session, self.endpoint)
                raise
            proto = TerminalProtocol(self.initial_namespace)
            try:
                banner = self._handshake(transport, proto)
            except _ClosedBeforeInit:
                transport.close()
                logout(session, self.endpoint)
                if attempt == 2:
                    raise ConnectError(
                        f"the server at {self.endpoint.authority} closed the terminal before 'init' twice "
                        f"(close code {transport.close_code}), even with a fresh login") from None
                log.debug("closed before init (code %s); logging in again", transport.close_code)
                continue
            except BaseException:
                transport.close()
                logout(session, self.endpoint)
                raise
            self._session, self._transport, self._proto, self._banner = session, transport, proto, banner
            self._namespace = proto.namespace or self.initial_namespace.upper()
            log.debug("terminal ready in %s on %s", self._namespace, self.endpoint.authority)
            return

    def _handshake(self, transport: WebSocketTransport, proto: TerminalProtocol) -> str:
        """``init`` -> ``config`` -> first ``prompt`` within connect_timeout (docs/protocol.md §7, §15.1 step
        5)."""
        limit = self.connect_timeout
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            message = transport.recv(remaining)
            if message is Signal.TIMEOUT:
                stage = "init" if proto.state is State.AWAIT_INIT else "the first prompt"
                raise ConnectError(f"no {stage} from {self.endpoint.authority} within {limit} s after the "
                                   "WebSocket upgrade; check that the web server supports WebSockets")
            if message is Signal.CLOSED:
                if proto.state is State.AWAIT_INIT:
                    raise _ClosedBeforeInit()
                raise ConnectError(f"the server closed the terminal during the handshake "
                                   f"(close code {transport.close_code})")
            assert isinstance(message, str)
            configuring = proto.state is State.CONFIGURING
            for event in proto.receive(message):
                if isinstance(event, Initialized):
                    transport.send(proto.config())
                elif isinstance(event, Fatal):
                    wanted = self.initial_namespace.upper()
                    if configuring and ("namespace" in event.text.lower() or wanted in event.text.upper()):
                        raise NamespaceError(f"the server refused the terminal configuration for namespace "
                                             f"{self.initial_namespace!r}: {event.text}")
                    raise RemoteError(f"the server reported an error during the handshake: {event.text}")
                elif isinstance(event, Ready):
                    return event.banner_output

    def _disconnect(self) -> None:
        """Drop the current connection (interrupting a running command first) and log out."""
        transport, session = self._transport, self._session
        self._transport = self._session = None
        if transport is not None:
            if self._proto is not None and self._proto.state in (State.EVAL, State.READ):
                try:
                    transport.send(self._proto.interrupt())
                except TerminalError:
                    pass
            transport.close()
        if session is not None:
            logout(session, self.endpoint)

    def _ensure_connected(self) -> None:
        """Reconnect BEFORE sending if the kept socket was closed by the server meanwhile."""
        transport, proto = self._transport, self._proto
        if transport is not None and proto is not None and proto.state is State.PROMPT:
            if not transport.server_closed():
                for message in transport.take_pending():
                    try:
                        proto.receive(message)  # stray output / refreshed prompt while idle
                    except TerminalError as exc:
                        log.debug("stray frame broke the idle session: %s", exc)
                if proto.state is State.PROMPT:
                    if proto.namespace:
                        self._namespace = proto.namespace
                    return
            log.debug("the server closed the idle session; reconnecting before sending")
        self._disconnect()
        self._open()

    # -- commands ---------------------------------------------------------------------------------------

    def execute(
        self,
        command: str,
        namespace: Optional[str] = None,
        timeout: Optional[float] = None,
        input_lines: Sequence[str] = (),
    ) -> CommandResult:
        """Run one command (or a multi-line block) and return its result.

        ``namespace`` switches first with ``zn`` (if that fails the command is not run); ``timeout``
        overrides ``response_timeout`` (negative = no limit); each READ gets the next of ``input_lines``.
        Raises TerminalError only if the session cannot be (re)opened or was closed.
        """
        input_lines = tuple(input_lines)  # may be a generator; it is checked, then consumed by READs
        if not isinstance(command, str) or not all(isinstance(line, str) for line in input_lines):
            raise LocalProtocolError("execute() takes the command and every input line as str")
        command_lines(command)  # UnsafeCommandText (a ValueError) before anything connects or is sent
        with self._lock:
            if self._closed:
                raise SessionClosed("this LiteTerminal was closed; create a new one")
            self._ensure_connected()
            limit = self.response_timeout if timeout is None else _limit(timeout)
            if namespace and namespace.upper() != self._namespace.upper():
                switch = self._run('zn "' + namespace.replace('"', '""') + '"', limit, ())
                if switch.status != "ok" or switch.namespace.upper() != namespace.upper():
                    why = switch.error or f"the prompt still shows {switch.namespace}"
                    return CommandResult(
                        command=command, output=switch.output, raw_output=switch.raw_output,
                        status="error" if switch.status == "ok" else switch.status,
                        error=f"could not switch to namespace {namespace!r}: {why}; the command was not run",
                        namespace=switch.namespace, elapsed=switch.elapsed,
                        server_version=self.server_version)
            return self._run(command, limit, input_lines)

    def _run(self, command: str, limit: Optional[float], input_lines: Iterable[str]) -> CommandResult:
        transport, proto = self._transport, self._proto
        assert transport is not None and proto is not None
        wire = "\r\n".join(command_lines(command))  # the lines the policy checked (lines.py)
        start = time.monotonic()
        chunks: List[str] = []
        lines: Iterator[str] = iter(input_lines)
        state = _RunState()

        def result(status: str, error: str, drop: bool = False) -> CommandResult:
            raw = "".join(chunks)
            if drop or status == "lost":
                self._disconnect()
            return CommandResult(command=command, output=strip_ansi(strip_leading_crlf(raw)), raw_output=raw,
                                 status=status, error=error, namespace=self._namespace,
                                 elapsed=time.monotonic() - start, server_version=self.server_version)

        try:
            transport.send(proto.start_command(wire))
        except TerminalError as exc:
            return result("lost", f"{LOST_TEXT} (sending failed: {exc})")
        log.debug("sent command (%d chars) in %s", len(wire), self._namespace)
        deadline = None if limit is None else start + limit
        while True:
            now = time.monotonic()
            if state.grace_deadline is None and deadline is not None and now >= deadline:
                state.timed_out = True
                state.grace_deadline = now + self._grace()
                if not self._send_quietly(transport, proto.interrupt):
                    return result("timeout", f"no prompt within {limit} s and the interrupt could not be "
                                  "sent; the session was closed", drop=True)
                continue
            wait_until = state.grace_deadline if state.grace_deadline is not None else deadline
            message = transport.recv(None if wait_until is None else wait_until - now)
            if message is Signal.TIMEOUT:
                if state.grace_deadline is not None and time.monotonic() >= state.grace_deadline:
                    return result("timeout", f"no prompt within {limit} s; the interrupt did not bring the "
                                  "prompt back, so the session was closed", drop=True)
                continue
            if message is Signal.CLOSED:
                proto.connection_closed()
                code = transport.close_code
                if state.timed_out:
                    return result("timeout", f"no prompt within {limit} s; the connection closed after the "
                                  f"interrupt (close code {code})", drop=True)
                return result("lost", f"{LOST_TEXT} (the server closed the connection, code {code})")
            try:
                events = proto.receive(message)
            except TerminalError as exc:
                status = "timeout" if state.timed_out else "lost"
                return result(status, f"{LOST_TEXT} ({exc})", drop=True)
            for event in events:
                if isinstance(event, Output):
                    chunks.append(event.text)
                elif isinstance(event, ReadRequested):
                    if not self._answer_read(transport, proto, lines, state):
                        return result("lost", f"{LOST_TEXT} (answering READ failed)")
                elif isinstance(event, Fatal):
                    return result("timeout" if state.timed_out else "lost",
                                  f"{LOST_TEXT} (the server reported: {event.text})", drop=True)
                elif isinstance(event, CommandDone):
                    if event.ns:
                        self._namespace = event.ns
                    return result(*self._classify("".join(chunks), limit, state))

    def _answer_read(self, transport: WebSocketTransport, proto: TerminalProtocol, lines: Iterator[str],
                     state: _RunState) -> bool:
        """Next input line; when none is left (or after a timeout) interrupt, and answer "" from then on."""
        if state.timed_out or state.input_missing:
            return self._send_quietly(transport, lambda: proto.answer_read(""))
        line = next(lines, None)
        if line is None:
            state.input_missing = True
            log.debug("READ with no input left: interrupting")
            return self._send_quietly(transport, proto.interrupt)
        return self._send_quietly(transport, lambda: proto.answer_read(line))

    @staticmethod
    def _send_quietly(transport: WebSocketTransport, make_frame) -> bool:  # noqa: ANN001
        try:
            transport.send(make_frame())
            return True
        except TerminalError as exc:
            log.debug("send failed: %s", exc)
            return False

    def _classify(self, raw: str, limit: Optional[float], state: _RunState) -> Tuple[str, str]:
        if state.timed_out:
            return "timeout", f"no prompt within {limit} s; the command was interrupted"
        if state.input_missing:
            return "error", ("the command asked for input (READ) but no input_lines were left; "
                             "it was interrupted")
        if is_interrupted(raw):
            return "interrupted", find_error(raw) or "<INTERRUPT>"
        error = find_error(raw)
        return ("error", error) if error else ("ok", "")

    def _grace(self) -> float:
        """How long to drain after an interrupt: min(5, connect_timeout)."""
        return 5.0 if self.connect_timeout is None else min(5.0, self.connect_timeout)


class _RunState:
    """Mutable flags of one running command."""

    __slots__ = ("timed_out", "input_missing", "grace_deadline")

    def __init__(self) -> None:
        self.timed_out = False
        self.input_missing = False
        self.grace_deadline: Optional[float] = None
