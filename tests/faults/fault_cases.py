"""The fault matrix: every way the server, the network or the frames can go wrong, and the exact outcome.

One row = one :class:`FaultCase`. ``test_fault_matrix.py`` runs every row twice, through the bare client
(``LiteTerminal``) and through the whole offline production (service -> process -> operation -> adapter ->
client), and checks the shared invariants of ``fault_helpers.check_invariants`` after each run. Each row
cites the section of docs/protocol.md that says how IRIS behaves.

Step commands are unique within a case, so "no command executed twice" is a plain count on ``sim.executed``.
The fault regexes match a ``; FAULT-...`` comment, which the simulator's interpreter ignores and the
production's command policy drops (comments are not statements).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple, Type, Union

from adapters.lite_terminal import (
    AuthError,
    ConnectError,
    NamespaceError,
    RemoteProtocolError,
    ServerUnavailable,
    TerminalError,
    UnsupportedServer,
)

LOST = r"may or may not have run"
BIG = 50 * 1024 * 1024  # the "50 MB frame"
BIG_FRAME = '{"type":"output","text":"' + "x" * BIG + '"}'

OutputCheck = Union[str, Callable[[str], bool]]  # a regex (full match, DOTALL) or a predicate


@dataclass(frozen=True)
class Expect:
    """The outcome of one step. Either ``raises`` (the client raises it; the production answers
    Status "error" naming the class) or ``status`` (CommandResult.status = response Status)."""

    status: Optional[str] = None
    raises: Optional[Type[TerminalError]] = None
    error: str = ""  # regex searched in the error text ("" = the error must be empty)
    output: Optional[OutputCheck] = None  # None = not checked (only for raises)
    truncated: bool = False  # production only: OutputTruncated=1 (MaxOutputChars cut the output)

    def __post_init__(self) -> None:
        assert (self.status is None) != (self.raises is None), "give exactly one of status / raises"


@dataclass(frozen=True)
class Action:
    """Something done to the server before a step: a switch change, a restart, an idle close."""

    kind: str  # "configure" | "restart" | "idle_close"
    switches: Dict[str, Any] = field(default_factory=dict)


def configure(**switches: Any) -> Action:
    return Action("configure", dict(switches))


# server / Web Gateway restart: sockets dropped, CSP sessions forgotten (docs/protocol.md §4.5)
RESTART = Action("restart")


def idle_close(code: Optional[int]) -> Action:
    """The server closes the idle kept session (code, or a TCP drop for None), docs/protocol.md §4.5, §12
    #1301."""
    return Action("idle_close", {"idle_close_code": code})


@dataclass(frozen=True)
class Step:
    command: str
    expect: Expect
    before: Tuple[Action, ...] = ()
    production: Optional[Expect] = None  # when the production's answer differs (e.g. MaxOutputChars)


@dataclass(frozen=True)
class FaultCase:
    id: str
    research: str  # where the behaviour comes from
    steps: Tuple[Step, ...]
    sim: Dict[str, Any] = field(default_factory=dict)  # simulator switches from the start
    server: str = "sim"  # "sim" | "refused" | "unknown-host" | "tls-wrong-host"
    options: Dict[str, Any] = field(default_factory=dict)  # client options, mapped to adapter settings
    logins: Optional[int] = None  # successful logins on the simulator at the end (recovery step included)
    recovers: bool = True  # with the switches back to normal, the same client/production works again


def ok(output: OutputCheck) -> Expect:
    return Expect(status="ok", output=output)


def lost(output: OutputCheck, error: str) -> Expect:
    return Expect(status="lost", output=output, error=LOST + ".*" + error)


def raises(cls: Type[TerminalError], error: str) -> Expect:
    return Expect(raises=cls, error=error)


def _inject(*frames: Union[str, bytes]) -> Dict[str, Any]:
    return {"inject_frames_on": "FAULT-inject", "inject_frames": frames}


FAST = {"response_timeout": 0.6, "connect_timeout": 1.0}  # grace after an interrupt = min(5, connect_timeout)

CASES: Tuple[FaultCase, ...] = (
    # --- opening the session: a clear error naming the cause ---------------------------------------------
    FaultCase("connection-refused", "docs/protocol.md §4.4 / §15.1 step 1", server="refused",
              steps=(Step('write "r"', raises(ConnectError, r"connection refused")),), recovers=False),
    FaultCase("unknown-host", "docs/protocol.md §15.1 step 1", server="unknown-host",
              steps=(Step('write "h"', raises(ConnectError, r"host name not found")),), recovers=False),
    FaultCase("tls-name-mismatch", "docs/protocol.md §5 wss iff https, §15.1 step 4 verify by default",
              server="tls-wrong-host", logins=0,
              steps=(Step('write "t"', raises(ConnectError, r"TLS.*IP address mismatch")),), recovers=False),
    FaultCase("wrong-credentials", "docs/protocol.md §4.4 401",
              options={"password": "not-the-password"}, logins=0,
              steps=(Step('write "c"', raises(AuthError, r"HTTP 401.*user name and password")),),
              recovers=False),
    FaultCase("licence-exhausted-503", "docs/protocol.md §3.1 503 = check license usage",
              sim={"license_exhausted": True},
              steps=(Step('write "l"', raises(ServerUnavailable, r"503.*license")),), logins=1),
    FaultCase("api-below-7", "docs/protocol.md §2, §3.2 api < 7: fail fast", sim={"api_version": 6},
              steps=(Step('write "a"', raises(UnsupportedServer, r"API v6.*2023\.2")),), logins=2),
    FaultCase("unknown-namespace", "docs/protocol.md §3.1 content.namespaces", options={"namespace": "NOPE"},
              recovers=False, logins=1,
              steps=(Step('write "n"', raises(NamespaceError, r"'NOPE'.*offers USER, %SYS")),)),
    # --- stale cookies and expired sessions: one fresh login, then success or a clear error ----------------
    FaultCase("stale-cookie-once", "docs/protocol.md §4.4 101 then close 1011 [O S7]",
              sim={"stale_cookie_upgrades": 1},
              steps=(Step('write "s1"', ok("s1")),), logins=2),
    FaultCase("stale-cookie-twice", "docs/protocol.md §4.4 retry once, then fail",
              sim={"stale_cookie_upgrades": 2},
              steps=(Step('write "s2"', raises(ConnectError, r"before 'init' twice.*1011")),), logins=3),
    FaultCase("session-expired-midlife-401-once", "docs/protocol.md §4.1 step 3, §4.5", logins=3,
              steps=(Step('write "e1"', ok("e1")),
                     Step('write "e2"', ok("e2"), before=(RESTART, configure(unauthorized_upgrades=1))))),
    FaultCase("session-expired-midlife-401-twice", "docs/protocol.md §4.1 step 3: repeat once, then report",
              logins=4,
              steps=(Step('write "f1"', ok("f1")),
                     Step('write "f2"', raises(AuthError, r"401 twice"),
                          before=(RESTART, configure(unauthorized_upgrades=2))))),
    # --- the connection breaks during or between commands: lost, partial output kept, never re-run --------
    FaultCase("close-mid-output", "docs/protocol.md §4.5 unexpected close = session ended; §12", logins=2,
              sim={"close_mid_output_on": "FAULT-close"},
              steps=(Step('write "0123456789" ; FAULT-close', lost("01234", r"closed the connection")),)),
    FaultCase("error-frame-mid-command", "docs/protocol.md §6.1 error = fatal for the session", logins=2,
              sim={"error_frame_on": "FAULT-error"},
              steps=(Step('write "0123456789" ; FAULT-error', lost("01234", r"Terminal agent failure")),)),
    FaultCase("restart-between-commands", "docs/protocol.md §4.5, §12 #1481 Web Gateway restart", logins=2,
              steps=(Step('write "b1"', ok("b1")), Step('write "b2"', ok("b2"), before=(RESTART,)))),
    # --- silence and endless commands: bounded by the timeouts, interrupt sent ----------------------------
    FaultCase("hang-without-prompt", "docs/protocol.md §10 interrupt then drain; §12 hang",
              options=FAST, logins=2,
              sim={"hang_on": "FAULT-hang"},
              steps=(Step('write "partial" ; FAULT-hang',
                          Expect(status="timeout", output="partial",
                                 error=r"interrupt did not bring the prompt back.*closed")),)),
    FaultCase("trickle-never-ends", "docs/protocol.md §10 interrupt -> <INTERRUPT> + prompt",
              options=FAST, logins=1,
              sim={"trickle_on": "FAULT-trickle", "trickle_interval": 0.1},
              steps=(Step('write "go" ; FAULT-trickle',
                          Expect(status="timeout", output=r"go\.*\s*<INTERRUPT>",
                                 error=r"no prompt within 0\.6 s; the command was interrupted")),)),
    FaultCase("unexpected-read", "docs/protocol.md §9 answer every read; no input -> interrupt",
              options=FAST, logins=1,
              sim={"unexpected_read_on": "FAULT-read"},
              steps=(Step('write "r1" ; FAULT-read',
                          Expect(status="error", output=r"\s*<INTERRUPT>",
                                 error=r"asked for input \(READ\)")),)),
    # --- the kept session is closed while idle: replaced before the next command is sent ------------------
    FaultCase("idle-close-frame", "docs/protocol.md §4.5, §12 #1301 idle close", logins=2,
              steps=(Step('write "i1"', ok("i1")), Step('write "i2"', ok("i2"), before=(idle_close(1000),)))),
    FaultCase("idle-close-tcp-drop", "docs/protocol.md §4.5, §12 #1481 no close notification", logins=2,
              steps=(Step('write "j1"', ok("j1")), Step('write "j2"', ok("j2"), before=(idle_close(None),)))),
    # --- malformed frames: a protocol error (session replaced) or ignored, never a crash or a hang --------
    FaultCase("frame-not-json", "docs/protocol.md §6.1 [C S1] non-JSON frames are dropped", logins=1,
              sim=_inject("this is not JSON"),
              steps=(Step('write "m1" ; FAULT-inject', ok("m1")),)),
    FaultCase("frame-json-not-object", "docs/protocol.md §6.1 [C S1] no type: falls through, dropped",
              logins=1,
              sim=_inject("[1, 2]", '{"text":"no type"}'),
              steps=(Step('write "m2" ; FAULT-inject', ok("m2")),)),
    FaultCase("frame-unknown-type", "docs/protocol.md §6.1 unknown types ignored [C S1]", logins=1,
              sim=_inject('{"type":"readchar","text":"?"}', '{"type":"color","text":"c"}'),
              steps=(Step('write "m3" ; FAULT-inject', ok("m3")),)),
    FaultCase("frame-missing-field", "docs/protocol.md §6.1 output carries text",
              logins=2, sim=_inject('{"type":"output"}'),
              steps=(Step('write "m4" ; FAULT-inject', lost("", r"'text' field is missing")),)),
    FaultCase("frame-wrong-type-field", "docs/protocol.md §6.1 text is a string", logins=2,
              sim=_inject('{"type":"output","text":42}'),
              steps=(Step('write "m5" ; FAULT-inject', lost("", r"'text' field is int, not str")),)),
    FaultCase("frame-binary", "docs/protocol.md §1 text frames only; skipped like a non-JSON frame", logins=1,
              sim=_inject(b"\x00\x01\xffbinary"),
              steps=(Step('write "m6" ; FAULT-inject', ok("m6")),)),
    FaultCase("frame-50-mb", "docs/protocol.md §12 no known frame limit; MaxOutputChars bounds the message",
              logins=1,
              sim=_inject(BIG_FRAME),
              steps=(Step('write "m7" ; FAULT-inject',
                          ok(lambda out: out == "x" * BIG + "m7"),
                          production=Expect(status="ok", truncated=True, output=(  # head + tail kept
                              r"x{99998}m7\n\[output truncated by MaxOutputChars=100000: "
                              + str(BIG + 2 - 100000) + " of " + str(BIG + 2)
                              + r" characters dropped from the middle; the start and the end "
                              + r"are shown\]"))),)),
    FaultCase("prompt-before-init", "docs/protocol.md §7 init is the first frame", logins=2,
              sim={"frames_before_init": ('{"type":"prompt","text":"USER>"}',)},
              steps=(Step('write "p"', raises(RemoteProtocolError, r"'prompt' frame .* AWAIT_INIT")),)),
)
