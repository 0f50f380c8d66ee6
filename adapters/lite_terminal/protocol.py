"""The sans-IO Lite Terminal state machine (docs/protocol.md §7), in the style of h11/wsproto.

Text frames go in through :meth:`TerminalProtocol.receive`, which returns events; frames to send come
out of the ``config``/``start_command``/``answer_read``/``interrupt`` methods as JSON text. No sockets,
no clocks: the I/O layer owns those. Every state change is listed in the two tables below, so the
whole protocol can be read (and tested) in one place::

    AWAIT_INIT --init--> SEND_CONFIG --config()--> CONFIGURING --output*, prompt--> PROMPT
    PROMPT --start_command()--> EVAL --output--> EVAL --read--> READ --answer_read()--> EVAL
    EVAL/READ --prompt--> PROMPT          PROMPT/EVAL/READ --interrupt()--> EVAL (a prompt always follows)
    PROMPT/EVAL/READ --begin_sync()--> SYNC --output*, prompt*, read*--> SYNC --end_sync()--> PROMPT
    any live state --error frame--> FAILED (Fatal)     --connection_closed()--> CLOSED
    a malformed or out-of-order frame --> FAILED (RemoteProtocolError)

Rules traced to the protocol notes: exactly one ``prompt`` ends a command (docs/protocol.md §7); output before
the first prompt is banner, not command output (docs/protocol.md §7, ``^%ZSTART`` JOB output); ``color`` and
unknown types are ignored (docs/protocol.md §6.1, §7); the server always answers ``interrupt`` with a prompt
(docs/protocol.md §7, §10). Tolerated although undocumented [I]: output or an extra prompt while idle (seen as
late output in issue #1280, docs/protocol.md §12) become ``StrayOutput``/``PromptRefreshed`` instead of
killing the session.
SYNC is the client's way back in step after such doubt: it sends a marker command and reads until it has
seen the marker's output and the prompt after it; in SYNC nothing ends a command.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Type, Union

from .errors import LocalProtocolError, RemoteProtocolError
from .frames import (
    ColorFrame,
    ConfigFrame,
    DroppedFrame,
    ErrorFrame,
    InitFrame,
    InputFrame,
    InterruptFrame,
    OutputFrame,
    PromptFrame,
    ReadFrame,
    ReadReplyFrame,
    ServerFrame,
    UnknownFrame,
    encode,
    parse_server_frame,
)
from .output import namespace_from_prompt

__all__ = [
    "State",
    "Event",
    "Initialized",
    "Ready",
    "Output",
    "ReadRequested",
    "CommandDone",
    "StrayOutput",
    "PromptRefreshed",
    "Fatal",
    "Closed",
    "TerminalProtocol",
]

log = logging.getLogger("adapters.lite_terminal")


class State(enum.Enum):
    AWAIT_INIT = "await_init"  # socket open, waiting for the unsolicited init frame
    SEND_CONFIG = "send_config"  # init seen; the caller must send config()
    CONFIGURING = "configuring"  # config sent; banner output until the first prompt
    PROMPT = "prompt"  # idle: a command may be sent
    EVAL = "eval"  # a command (or an interrupt) is running; waiting for output/read/prompt
    READ = "read"  # the running code waits for a line: answer_read() or interrupt()
    SYNC = "sync"  # a marker command was sent to get back in step; frames are read until end_sync()
    CLOSED = "closed"  # the socket is gone
    FAILED = "failed"  # fatal error frame or protocol violation; the session is unusable


LIVE_STATES = frozenset({State.AWAIT_INIT, State.SEND_CONFIG, State.CONFIGURING, State.PROMPT,
                         State.EVAL, State.READ, State.SYNC})
_RUNNING = (State.EVAL, State.READ)


# --- events (frozen, like h11's) -------------------------------------------------------------------


@dataclass(frozen=True)
class Initialized:
    """``init`` arrived: send ``config()`` next."""

    protocol: int
    version: str


@dataclass(frozen=True)
class Ready:
    """The first prompt: the session is usable. ``banner_output`` is what came before it, raw."""

    prompt: str
    ns: Optional[str]
    banner_output: str


@dataclass(frozen=True)
class Output:
    """A raw chunk of the running command's output (joined verbatim, never split on lines)."""

    text: str


@dataclass(frozen=True)
class ReadRequested:
    """The running code waits on READ; answer with ``answer_read()`` or ``interrupt()``."""


@dataclass(frozen=True)
class CommandDone:
    """The prompt that ends the command. ``ns`` from the frame, else parsed from the prompt text."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class StrayOutput:
    """Output while idle: belongs to no command (tolerated, see module docstring)."""

    text: str


@dataclass(frozen=True)
class PromptRefreshed:
    """An extra prompt while idle; only the namespace/prompt text may have changed."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class Fatal:
    """The server sent an ``error`` frame; the session is over."""

    text: str


@dataclass(frozen=True)
class Closed:
    """The I/O layer reported the socket closed; ``during_command`` if a command was in flight."""

    during_command: bool


Event = Union[Initialized, Ready, Output, ReadRequested, CommandDone, StrayOutput, PromptRefreshed,
              Fatal, Closed]


# --- transition tables ------------------------------------------------------------------------------

# (state, received frame class) -> next state. Pairs not listed are protocol violations, except that
# ErrorFrame (-> FAILED), ColorFrame, UnknownFrame and DroppedFrame (ignored) are accepted in every
# live state.
RECEIVE_TRANSITIONS: Dict[Tuple[State, Type[object]], State] = {
    (State.AWAIT_INIT, InitFrame): State.SEND_CONFIG,
    (State.SEND_CONFIG, OutputFrame): State.SEND_CONFIG,  # banner before config [I]: keep it
    (State.CONFIGURING, OutputFrame): State.CONFIGURING,
    (State.CONFIGURING, PromptFrame): State.PROMPT,
    (State.PROMPT, OutputFrame): State.PROMPT,
    (State.PROMPT, PromptFrame): State.PROMPT,
    (State.EVAL, OutputFrame): State.EVAL,
    (State.EVAL, ReadFrame): State.READ,
    (State.EVAL, PromptFrame): State.PROMPT,
    (State.READ, OutputFrame): State.READ,
    (State.READ, PromptFrame): State.PROMPT,
    (State.SYNC, OutputFrame): State.SYNC,
    (State.SYNC, PromptFrame): State.SYNC,
    (State.SYNC, ReadFrame): State.SYNC,
}

# (client frame class) -> (states it may be sent in, next state). docs/protocol.md §6.2.
SEND_TRANSITIONS: Dict[Type[object], Tuple[frozenset, State]] = {
    ConfigFrame: (frozenset({State.SEND_CONFIG}), State.CONFIGURING),
    InputFrame: (frozenset({State.PROMPT}), State.EVAL),
    ReadReplyFrame: (frozenset({State.READ}), State.EVAL),
    InterruptFrame: (frozenset({State.PROMPT, State.EVAL, State.READ}), State.EVAL),
}

_FRAME_NAMES = {InitFrame: "init", PromptFrame: "prompt", OutputFrame: "output", ReadFrame: "read"}
_SEND_NAMES = {ConfigFrame: "config", InputFrame: "prompt", ReadReplyFrame: "read",
               InterruptFrame: "interrupt"}


class TerminalProtocol:
    """One Lite Terminal conversation, client side. Not thread-safe: the caller serialises."""

    def __init__(self, namespace: str, raw_mode: bool = False) -> None:
        self.namespace_requested = namespace
        self.raw_mode = raw_mode
        self.state = State.AWAIT_INIT
        self.server_version: Optional[str] = None
        self.protocol_version: Optional[int] = None
        self.prompt: Optional[str] = None
        self.namespace: Optional[str] = None
        self._banner: List[str] = []

    # -- receiving -------------------------------------------------------------------------------------

    def receive(self, text: Union[str, bytes]) -> List[Event]:
        """Feed one WebSocket message; return the events it produces.

        Raises RemoteProtocolError (and moves to FAILED) on a malformed or out-of-order frame.
        Frames arriving after CLOSED/FAILED are ignored: the session is already over.
        """
        state = self.state
        if state not in LIVE_STATES:
            return []
        if state in _RUNNING and type(text) is str:  # fast path for the frames of a running command
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError):
                obj = None
            if type(obj) is dict:
                kind = obj.get("type")
                value = obj.get("text")
                if kind == "output" and type(value) is str:
                    return [Output(value)]
                ns = obj.get("ns")
                if kind == "prompt" and type(value) is str and (ns is None or type(ns) is str):
                    self.state = State.PROMPT
                    self.prompt = value
                    ns = ns or namespace_from_prompt(value)
                    if ns:
                        self.namespace = ns
                    return [CommandDone(value, ns)]
        try:
            frame = parse_server_frame(text)
        except RemoteProtocolError:
            self.state = State.FAILED
            raise
        return self.receive_frame(frame)

    def receive_frame(self, frame: ServerFrame) -> List[Event]:
        """Like :meth:`receive`, for an already parsed frame."""
        if self.state not in LIVE_STATES:
            return []
        if isinstance(frame, ErrorFrame):
            self.state = State.FAILED
            return [Fatal(frame.text)]
        if isinstance(frame, (ColorFrame, UnknownFrame)):
            log.debug("ignoring %s frame in state %s", type(frame).__name__, self.state.name)
            return []
        if isinstance(frame, DroppedFrame):
            log.warning("dropped a server frame that is %s (VS Code drops these too)", frame.reason)
            return []
        previous = self.state
        target = RECEIVE_TRANSITIONS.get((previous, type(frame)))
        if target is None:
            self.state = State.FAILED
            name = _FRAME_NAMES.get(type(frame), type(frame).__name__)
            raise RemoteProtocolError(
                f"server sent a {name!r} frame while the terminal was in state {previous.name}"
            )
        self.state = target
        return self._events_for(previous, frame)

    def _events_for(self, previous: State, frame: ServerFrame) -> List[Event]:
        if isinstance(frame, InitFrame):
            self.protocol_version, self.server_version = frame.protocol, frame.version
            if frame.protocol != 1:
                log.warning("server speaks Lite Terminal protocol %s; this client knows 1", frame.protocol)
            return [Initialized(frame.protocol, frame.version)]
        if isinstance(frame, OutputFrame):
            if previous in (State.SEND_CONFIG, State.CONFIGURING):
                self._banner.append(frame.text)
                return []
            if previous is State.PROMPT:
                return [StrayOutput(frame.text)]
            return [Output(frame.text)]
        if isinstance(frame, ReadFrame):
            return [ReadRequested()]
        assert isinstance(frame, PromptFrame)
        ns = frame.ns if frame.ns else namespace_from_prompt(frame.text)
        self.prompt = frame.text
        if ns:
            self.namespace = ns
        if previous is State.CONFIGURING:
            banner, self._banner = "".join(self._banner), []
            return [Ready(frame.text, ns, banner)]
        if previous in (State.PROMPT, State.SYNC):
            return [PromptRefreshed(frame.text, ns)]
        return [CommandDone(frame.text, ns)]

    def connection_closed(self) -> List[Event]:
        """The I/O layer saw the socket close. Returns a Closed event (once)."""
        if self.state is State.CLOSED:
            return []
        during = self.state in (State.EVAL, State.READ)
        self.state = State.CLOSED
        return [Closed(during_command=during)]

    # -- sending ---------------------------------------------------------------------------------------

    def _send(self, frame: object) -> str:
        allowed, target = SEND_TRANSITIONS[type(frame)]
        if self.state not in allowed:
            raise LocalProtocolError(
                f"cannot send {_SEND_NAMES[type(frame)]!r} while the terminal is in state {self.state.name}"
            )
        text = encode(frame)  # type: ignore[arg-type]
        self.state = target
        return text

    def config(self) -> str:
        """The ``config`` reply to ``init`` (namespace upper-cased like VS Code, docs/protocol.md §6.2)."""
        return self._send(ConfigFrame(self.namespace_requested.upper(), self.raw_mode))

    def start_command(self, command: str) -> str:
        """Send one command line or ``\\r\\n``-joined block; only legal at the prompt."""
        if not isinstance(command, str):
            raise LocalProtocolError(f"a command must be a str, not {type(command).__name__}")
        return self._send(InputFrame(command))

    def answer_read(self, line: str) -> str:
        """Answer the pending READ (no terminator)."""
        if not isinstance(line, str):
            raise LocalProtocolError(f"a READ answer must be a str, not {type(line).__name__}")
        return self._send(ReadReplyFrame(line))

    def begin_sync(self, command: str) -> str:
        """Send the marker command that brings the session back in step; legal whenever a command could
        be running or has just ended (PROMPT, EVAL, READ, SYNC). Until :meth:`end_sync` no frame ends a
        command: the caller decides, from the marker's output, which prompt is the current one."""
        if self.state not in (State.PROMPT, State.EVAL, State.READ, State.SYNC):
            raise LocalProtocolError(f"cannot resynchronise while the terminal is in state {self.state.name}")
        self.state = State.SYNC
        return encode(InputFrame(command))

    def end_sync(self) -> None:
        """The marker's prompt was seen: the session is idle and in step again."""
        if self.state is not State.SYNC:
            raise LocalProtocolError(f"not resynchronising (state {self.state.name})")
        self.state = State.PROMPT

    def interrupt(self) -> str:
        """Ctrl-C; afterwards wait for the prompt the server always sends (docs/protocol.md §10)."""
        return self._send(InterruptFrame())

    @property
    def banner(self) -> str:
        """Banner output buffered so far (before the first prompt)."""
        return "".join(self._banner)
