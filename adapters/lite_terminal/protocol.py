"""The sans-IO Lite Terminal state machine (docs/protocol.md §7), in the style of h11.

Text frames go in through :meth:`TerminalProtocol.receive`, which returns events (all :class:`Event`);
frames to send come out of ``config``/``start_command``/``start_marked``/``answer_read``/``interrupt``/
``begin_sync`` as JSON text. No sockets, no clocks: the I/O layer owns those. Every state change is in the
tables below (RECEIVE_TRANSITIONS, MARK_TRANSITIONS, SEND_TRANSITIONS), so the protocol can be read and tested
in one place::

    AWAIT_INIT --init--> SEND_CONFIG --config()--> CONFIGURING --output*, prompt--> PROMPT
    PROMPT --start_marked()--> START --output holding the mark--> EVAL        (START: frames before the mark
    PROMPT --start_command()--> EVAL                                            belong to earlier commands)
    EVAL --output--> EVAL --read--> READ --answer_read()--> EVAL     EVAL/READ --prompt--> PROMPT
    START --read--> START (answer_stale_read())    PROMPT/EVAL/READ --interrupt()--> EVAL (a prompt follows)
    START --interrupt()--> START_INT --output holding the mark--> EVAL; START_INT --prompt--> PROMPT
    any live state after PROMPT --begin_sync()--> SYNC --output holding the token--> SYNCED --prompt--> PROMPT
    any live state --error frame--> FAILED (Fatal)     --connection_closed()--> CLOSED
    a malformed or out-of-order frame --> FAILED (RemoteProtocolError)

Attribution (docs/protocol.md §15.3): frames carry no command id, and an extra prompt (an interrupt that
reaches IRIS after the command ended is answered with a new prompt) or late output (docs/protocol.md §12)
can arrive at any time. So a command sent with :meth:`start_marked` carries a first line that prints
``LT-<tag>-<n>`` and a line break, where ``<tag>`` is random per connection and ``<n>`` a counter the server
keeps in a process-private global (one more per marked command, so the line is the same text every time).
The server runs the lines of an input in order, so everything it sent before that output belongs to
earlier commands (``StrayOutput``/``StalePrompt``) and the first prompt after it ends this command: which
output is a command's follows from the stream, not from counting prompts. One exception keeps syntax errors
from waiting for a mark that will never come: if IRIS refuses the whole input before running any of it (its
``SyntaxCheckInput``, docs/protocol.md §8) a prompt comes after a ``<SYNTAX>`` report and no mark; that
prompt ends the command as ``Unmarked``. After an interrupt while the mark was awaited the counter is
unknown, so the next marked command needs :meth:`begin_sync` first (it resets the counter).

Rules traced to the protocol notes: exactly one ``prompt`` ends a command (docs/protocol.md §7); output
before the first prompt is banner (docs/protocol.md §7); ``color`` and unknown types are ignored
(docs/protocol.md §6.1, §7); the server always answers ``interrupt`` with a prompt (docs/protocol.md §10).
Tolerated although undocumented [I]: output or an extra prompt while idle (docs/protocol.md §12).
"""

from __future__ import annotations

import enum
import logging
import secrets
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Type, Union

from .errors import LocalProtocolError, RemoteProtocolError
from .frames import (
    ColorFrame,
    ConfigFrame,
    DroppedFrame,
    ErrorFrame,
    InitFrame,
    InputFrame,
    InterruptFrame,
    MarkedInputFrame,
    OutputFrame,
    PromptFrame,
    ReadFrame,
    ReadReplyFrame,
    ServerFrame,
    StaleReadReplyFrame,
    SyncInputFrame,
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
    "Unmarked",
    "StrayOutput",
    "StalePrompt",
    "StaleRead",
    "PromptRefreshed",
    "InStep",
    "Fatal",
    "Closed",
    "TerminalProtocol",
    "MARK_LINE",
    "SYNC_COMMAND",
    "unmark",
]

log = logging.getLogger("adapters.lite_terminal")

# the first line of a marked command; prints LT-<tag>-<n> and CR LF ($X back at 0, as at a fresh prompt)
MARK_LINE = 'write "LT-{tag}-",$increment(^||LiteTerminal),!'
# the resynchronisation command: prints LT-SYNC-<token> and resets the mark counter
SYNC_COMMAND = 'write "LT-SYNC-","{token}" set ^||LiteTerminal=0'
SYNTAX_MARK = "\x1b[31;1m<SYNTAX>"  # an IRIS syntax error report (docs/protocol.md §8)
UNMARKED_KEEP = 65536  # characters of output before the mark kept for an Unmarked command


def unmark(source: str) -> str:
    """The command a marked input carries, without the client's mark line (for logs of what ran)."""
    if source.startswith('write "LT-') and "$increment(^||LiteTerminal),!\r\n" in source:
        return source.split("\r\n", 1)[1]
    return source


class State(enum.Enum):
    AWAIT_INIT = "await_init"  # socket open, waiting for the unsolicited init frame
    SEND_CONFIG = "send_config"  # init seen; the caller must send config()
    CONFIGURING = "configuring"  # config sent; banner output until the first prompt
    PROMPT = "prompt"  # idle: a command may be sent
    START = "start"  # a marked command was sent; its mark has not come yet (frames so far are earlier ones')
    START_INT = "start_int"  # interrupted in START: the mark may still come; the next prompt ends it
    EVAL = "eval"  # a command (or an interrupt) is running; waiting for output/read/prompt
    READ = "read"  # the running code waits for a line: answer_read() or interrupt()
    SYNC = "sync"  # the resynchronisation command was sent; its token has not come yet
    SYNCED = "synced"  # its token came; the prompt after it brings the session back to PROMPT
    CLOSED = "closed"  # the socket is gone
    FAILED = "failed"  # fatal error frame or protocol violation; the session is unusable

    # members are singletons compared by identity: hash them as objects (enum's own __hash__ is Python
    # code, run for every table lookup of every frame)
    __hash__ = object.__hash__


LIVE_STATES = frozenset({State.AWAIT_INIT, State.SEND_CONFIG, State.CONFIGURING, State.PROMPT, State.START,
                         State.START_INT, State.EVAL, State.READ, State.SYNC, State.SYNCED})
RUNNING_STATES = frozenset({State.START, State.START_INT, State.EVAL, State.READ})


# --- events (h11 style: one base, frozen) ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Base of everything :meth:`TerminalProtocol.receive` returns."""


@dataclass(frozen=True)
class Initialized(Event):
    """``init`` arrived: send ``config()`` next."""

    protocol: int
    version: str


@dataclass(frozen=True)
class Ready(Event):
    """The first prompt: the session is usable. ``banner_output`` is what came before it, raw."""

    prompt: str
    ns: Optional[str]
    banner_output: str


@dataclass(frozen=True)
class Output(Event):
    """A raw chunk of the running command's output (joined verbatim, never split on lines)."""

    text: str


@dataclass(frozen=True)
class ReadRequested(Event):
    """The running code waits on READ; answer with ``answer_read()`` or ``interrupt()``."""


@dataclass(frozen=True)
class CommandDone(Event):
    """The prompt that ends the command. ``ns`` from the frame, else parsed from the prompt text."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class Unmarked(Event):
    """The prompt ended a marked command whose mark never came, after a ``<SYNTAX>`` report: the server
    refused the input without running any of it. ``output`` is what came since the last stale prompt."""

    prompt: str
    ns: Optional[str]
    output: str


@dataclass(frozen=True)
class StrayOutput(Event):
    """Output that belongs to no command to come: while idle, or before the awaited mark."""

    text: str


@dataclass(frozen=True)
class StalePrompt(Event):
    """A prompt before the awaited mark: an earlier command's (or an interrupt's); it ends nothing."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class StaleRead(Event):
    """A ``read`` before the awaited mark: not the command's READ (an earlier command's, or the server's
    own); in START answer it with ``answer_stale_read()``, the mark is still awaited."""


@dataclass(frozen=True)
class PromptRefreshed(Event):
    """An extra prompt while idle; only the namespace/prompt text may have changed."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class InStep(Event):
    """The prompt after the resynchronisation token: the session is idle and in step again."""

    prompt: str
    ns: Optional[str]


@dataclass(frozen=True)
class Fatal(Event):
    """The server sent an ``error`` frame; the session is over."""

    text: str


@dataclass(frozen=True)
class Closed(Event):
    """The I/O layer reported the socket closed; ``during_command`` if a command was in flight."""

    during_command: bool


# --- transition tables ----------------------------------------------------------------------------------

# (state, received frame class) -> next state. Pairs not listed are protocol violations, except the frames
# of ANY_STATE, accepted in every live state.
RECEIVE_TRANSITIONS: Dict[Tuple[State, Type[object]], State] = {
    (State.AWAIT_INIT, InitFrame): State.SEND_CONFIG,
    (State.SEND_CONFIG, OutputFrame): State.SEND_CONFIG,  # banner before config [I]: keep it
    (State.CONFIGURING, OutputFrame): State.CONFIGURING,
    (State.CONFIGURING, PromptFrame): State.PROMPT,
    (State.PROMPT, OutputFrame): State.PROMPT,
    (State.PROMPT, PromptFrame): State.PROMPT,
    (State.START, OutputFrame): State.START,  # MARK_TRANSITIONS: -> EVAL once the mark is complete
    (State.START, PromptFrame): State.START,  # stale; MARK_TRANSITIONS: -> PROMPT after a <SYNTAX> report
    (State.START, ReadFrame): State.START,  # a READ before the mark (StaleRead): answer_stale_read()
    (State.START_INT, OutputFrame): State.START_INT,  # MARK_TRANSITIONS: -> EVAL once the mark is complete
    (State.START_INT, PromptFrame): State.PROMPT,  # the interrupt's prompt (or a stale one): ends it
    (State.START_INT, ReadFrame): State.START_INT,
    (State.EVAL, OutputFrame): State.EVAL,
    (State.EVAL, ReadFrame): State.READ,
    (State.EVAL, PromptFrame): State.PROMPT,
    (State.READ, OutputFrame): State.READ,
    (State.READ, PromptFrame): State.PROMPT,
    (State.SYNC, OutputFrame): State.SYNC,  # MARK_TRANSITIONS: -> SYNCED once the token is complete
    (State.SYNC, PromptFrame): State.SYNC,
    (State.SYNC, ReadFrame): State.SYNC,
    (State.SYNCED, OutputFrame): State.SYNCED,
    (State.SYNCED, PromptFrame): State.PROMPT,
    (State.SYNCED, ReadFrame): State.SYNCED,
}

# where a frame moves the state instead when it completes what the state waits for: the mark's output
# (START, SYNC) or, in START, a prompt right after a <SYNTAX> report (the input was refused unrun)
MARK_TRANSITIONS: Dict[Tuple[State, Type[object]], State] = {
    (State.START, OutputFrame): State.EVAL,
    (State.START, PromptFrame): State.PROMPT,
    (State.START_INT, OutputFrame): State.EVAL,
    (State.SYNC, OutputFrame): State.SYNCED,
}

# frames accepted in every live state: the next state (None = unchanged)
ANY_STATE: Dict[Type[object], Optional[State]] = {
    ErrorFrame: State.FAILED, ColorFrame: None, UnknownFrame: None, DroppedFrame: None,
}

_AFTER_PROMPT = frozenset({State.PROMPT, State.START, State.START_INT, State.EVAL, State.READ, State.SYNC,
                           State.SYNCED})

# (client frame class, state it is sent in) -> next state; other pairs are refused (docs/protocol.md §6.2)
SEND_TRANSITIONS: Dict[Tuple[Type[object], State], State] = {
    (ConfigFrame, State.SEND_CONFIG): State.CONFIGURING,
    (InputFrame, State.PROMPT): State.EVAL,
    (MarkedInputFrame, State.PROMPT): State.START,
    (ReadReplyFrame, State.READ): State.EVAL,
    (StaleReadReplyFrame, State.START): State.START,
    (StaleReadReplyFrame, State.START_INT): State.START_INT,
    (InterruptFrame, State.PROMPT): State.EVAL,
    (InterruptFrame, State.START): State.START_INT,
    (InterruptFrame, State.EVAL): State.EVAL,
    (InterruptFrame, State.READ): State.EVAL,
}
SEND_TRANSITIONS.update({(SyncInputFrame, state): State.SYNC for state in _AFTER_PROMPT})

_FRAME_NAMES = {InitFrame: "init", PromptFrame: "prompt", OutputFrame: "output", ReadFrame: "read"}
_SEND_NAMES = {ConfigFrame: "config", InputFrame: "prompt", MarkedInputFrame: "prompt",
               SyncInputFrame: "prompt", ReadReplyFrame: "read", StaleReadReplyFrame: "read",
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
        self.sequence: Optional[int] = 0  # the counter of the last mark seen; None: unknown, sync first
        self._tag = secrets.token_hex(4)
        self._mark_line = MARK_LINE.format(tag=self._tag)
        self._awaited = ""  # the mark (or sync token) output the current state waits for
        self._held = ""  # the end of the output so far that could be the start of the awaited text
        self._before: List[str] = []  # output before the mark since the last stale prompt (Unmarked)
        self._before_size = 0
        self._banner: List[str] = []

    # -- receiving -------------------------------------------------------------------------------------

    def receive(self, text: Union[str, bytes]) -> List[Event]:
        """Feed one WebSocket message; return the events it produces.

        Raises RemoteProtocolError (and moves to FAILED) on a malformed or out-of-order frame.
        Frames arriving after CLOSED/FAILED are ignored: the session is already over.
        """
        if self.state not in LIVE_STATES:
            return []
        try:
            frame = parse_server_frame(text)
        except RemoteProtocolError:
            self.state = State.FAILED
            raise
        return self.receive_frame(frame)

    def receive_frame(self, frame: ServerFrame) -> List[Event]:
        """Like :meth:`receive`, for an already parsed frame."""
        previous = self.state
        if previous not in LIVE_STATES:
            return []
        kind = type(frame)
        target = RECEIVE_TRANSITIONS.get((previous, kind))
        if target is None:
            if kind not in ANY_STATE:
                self.state = State.FAILED
                name = _FRAME_NAMES.get(kind, kind.__name__)
                raise RemoteProtocolError(
                    f"server sent a {name!r} frame while the terminal was in state {previous.name}")
            target = ANY_STATE[kind] or previous
        self.state = target
        return _HANDLERS[kind](self, previous, frame)

    def _on_init(self, previous: State, frame: InitFrame) -> List[Event]:
        self.protocol_version, self.server_version = frame.protocol, frame.version
        if frame.protocol != 1:
            log.warning("server speaks Lite Terminal protocol %s; this client knows 1", frame.protocol)
        return [Initialized(frame.protocol, frame.version)]

    def _on_output(self, previous: State, frame: OutputFrame) -> List[Event]:
        text = frame.text
        if previous is State.EVAL or previous is State.READ:
            return [Output(text)]
        if previous is State.PROMPT:
            return [StrayOutput(text)]
        if previous is State.SYNCED:
            return []  # what the resynchronisation command wrote after its token
        if previous is State.START or previous is State.START_INT or previous is State.SYNC:
            return self._scan(previous, frame, text)
        self._banner.append(text)  # SEND_CONFIG, CONFIGURING
        return []

    def _scan(self, previous: State, frame: OutputFrame, text: str) -> List[Event]:
        """Look for the awaited mark in the output; what precedes it is an earlier command's."""
        awaited = self._awaited
        held = self._held
        if not held and text.startswith(awaited):  # the usual case: the mark opens the first frame
            before, after = "", text[len(awaited):]
        else:
            data = held + text
            index = data.find(awaited)
            if index < 0:
                keep = min(len(awaited) - 1, len(data))  # hold back only an end that may begin the mark
                while keep and not awaited.startswith(data[len(data) - keep:]):
                    keep -= 1
                self._held = data[len(data) - keep:] if keep else ""
                before = data[: len(data) - keep]
                if previous is not State.SYNC:
                    self._remember_before(before)
                return [StrayOutput(before)] if before else []
            before, after = data[:index], data[index + len(awaited):]
        if before.endswith("\r\n") and not before.strip("\r\n"):  # a leading CR LF (docs/protocol.md §8)
            before, after = before[:-2], before[-2:] + after  # came with the mark: the command's own
        self._held = ""
        self._before, self._before_size = [], 0
        self.state = MARK_TRANSITIONS[(previous, OutputFrame)]
        if previous is State.SYNC:
            return [StrayOutput(before)] if before else []
        self.sequence = (self.sequence or 0) + 1
        events: List[Event] = [StrayOutput(before)] if before else []
        if after:
            events.append(Output(after))
        return events

    def _remember_before(self, text: str) -> None:
        if text:
            self._before.append(text)
            self._before_size += len(text)
            while self._before_size > UNMARKED_KEEP and len(self._before) > 1:
                self._before_size -= len(self._before.pop(0))

    def _on_prompt(self, previous: State, frame: PromptFrame) -> List[Event]:
        ns = frame.ns if frame.ns else namespace_from_prompt(frame.text)
        if previous is State.START or previous is State.SYNC:
            if previous is State.START:
                before = "".join(self._before) + self._held
                if SYNTAX_MARK in before:  # the input was refused before any of it ran
                    self._before, self._before_size, self._held = [], 0, ""
                    # or the report and prompt were an earlier command's and the mark is still to come:
                    # its number would then be the next command's, so the counter is unknown (sync first)
                    self.sequence = None
                    self.state = MARK_TRANSITIONS[(previous, PromptFrame)]
                    self._set_prompt(frame.text, ns)
                    return [Unmarked(frame.text, ns, before)]
                self._before, self._before_size = [], 0
            return [StalePrompt(frame.text, ns)]
        self._set_prompt(frame.text, ns)
        if previous is State.START_INT:  # the mark never came: whether it ran is unknown
            self.sequence = None
            self._held = ""
            return [CommandDone(frame.text, ns)]
        if previous is State.CONFIGURING:
            banner, self._banner = "".join(self._banner), []
            return [Ready(frame.text, ns, banner)]
        if previous is State.PROMPT:
            return [PromptRefreshed(frame.text, ns)]
        if previous is State.SYNCED:
            self.sequence = 0
            return [InStep(frame.text, ns)]
        return [CommandDone(frame.text, ns)]

    def _set_prompt(self, text: str, ns: Optional[str]) -> None:
        self.prompt = text
        if ns:
            self.namespace = ns

    def _on_read(self, previous: State, frame: ReadFrame) -> List[Event]:
        if previous is State.EVAL:
            return [ReadRequested()]
        return [StaleRead()]  # START(_INT), SYNC, SYNCED: not the command's (or not the sync's) READ

    def _on_error(self, previous: State, frame: ErrorFrame) -> List[Event]:
        return [Fatal(frame.text)]

    def _on_ignored(self, previous: State, frame: ServerFrame) -> List[Event]:
        if isinstance(frame, DroppedFrame):
            log.warning("dropped a server frame that is %s (VS Code drops these too)", frame.reason)
        else:
            log.debug("ignoring %s frame in state %s", type(frame).__name__, previous.name)
        return []

    def connection_closed(self) -> List[Event]:
        """The I/O layer saw the socket close. Returns a Closed event (once)."""
        if self.state is State.CLOSED:
            return []
        during = self.state in RUNNING_STATES
        self.state = State.CLOSED
        return [Closed(during_command=during)]

    # -- sending ---------------------------------------------------------------------------------------

    def _send(self, frame: InputFrame) -> str:
        target = SEND_TRANSITIONS.get((type(frame), self.state))
        if target is None:
            raise LocalProtocolError(
                f"cannot send {_SEND_NAMES[type(frame)]!r} while the terminal is in state {self.state.name}"
            )
        text = encode(frame)  # type: ignore[arg-type]
        self.state = target
        return text

    def config(self) -> str:
        """The ``config`` reply to ``init`` (namespace upper-cased like VS Code, docs/protocol.md §6.2)."""
        return self._send(ConfigFrame(self.namespace_requested.upper(), self.raw_mode))  # type: ignore[arg-type]

    def start_command(self, command: str) -> str:
        """Send one command line or ``\\r\\n``-joined block, unmarked (the first prompt ends it)."""
        if not isinstance(command, str):
            raise LocalProtocolError(f"a command must be a str, not {type(command).__name__}")
        return self._send(InputFrame(command))

    def start_marked(self, command: str) -> str:
        """Send a command behind the attribution mark (module docstring); only legal at the prompt and
        while the mark counter is known (after an interrupt that may have cut a mark: sync first)."""
        if not isinstance(command, str):
            raise LocalProtocolError(f"a command must be a str, not {type(command).__name__}")
        if self.sequence is None and self.state is State.PROMPT:
            raise LocalProtocolError("the mark counter is unknown after an interrupt: resynchronise first")
        text = self._send(MarkedInputFrame(self._mark_line + "\r\n" + command))
        self._awaited = f"LT-{self._tag}-{self.sequence + 1}\r\n"  # type: ignore[operator]
        self._held = ""
        self._before, self._before_size = [], 0
        return text

    def answer_read(self, line: str) -> str:
        """Answer the pending READ (no terminator)."""
        if not isinstance(line, str):
            raise LocalProtocolError(f"a READ answer must be a str, not {type(line).__name__}")
        return self._send(ReadReplyFrame(line))  # type: ignore[arg-type]

    def answer_stale_read(self) -> str:
        """Answer a READ that came before the mark with an empty line (a blocked process is answered, not
        left waiting, docs/protocol.md §9); the mark is still awaited."""
        return self._send(StaleReadReplyFrame(""))  # type: ignore[arg-type]

    def begin_sync(self, token: str) -> str:
        """Send the resynchronisation command (prints ``LT-SYNC-<token>``, resets the mark counter); legal
        in every state after the first prompt. The prompt after the token moves back to PROMPT (InStep)."""
        if not token.isalnum():
            raise LocalProtocolError("a resynchronisation token is letters and digits")
        text = self._send(SyncInputFrame(SYNC_COMMAND.format(token=token)))
        self._awaited = "LT-SYNC-" + token
        self._held = ""
        return text

    def interrupt(self) -> str:
        """Ctrl-C; afterwards wait for the prompt the server always sends (docs/protocol.md §10). While a
        mark is awaited (START_INT) output is still scanned for it; a prompt without it ends the command and
        leaves the counter unknown."""
        return self._send(InterruptFrame())  # type: ignore[arg-type]

    @property
    def banner(self) -> str:
        """Banner output buffered so far (before the first prompt)."""
        return "".join(self._banner)


_Handler = Callable[[TerminalProtocol, State, ServerFrame], List[Event]]
_HANDLERS: Dict[Type[object], _Handler] = {
    InitFrame: TerminalProtocol._on_init,  # type: ignore[dict-item]
    OutputFrame: TerminalProtocol._on_output,  # type: ignore[dict-item]
    PromptFrame: TerminalProtocol._on_prompt,  # type: ignore[dict-item]
    ReadFrame: TerminalProtocol._on_read,  # type: ignore[dict-item]
    ErrorFrame: TerminalProtocol._on_error,  # type: ignore[dict-item]
    ColorFrame: TerminalProtocol._on_ignored,
    UnknownFrame: TerminalProtocol._on_ignored,
    DroppedFrame: TerminalProtocol._on_ignored,
}
