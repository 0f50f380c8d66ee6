"""Switches of the Lite Terminal simulator, and the record of executed commands.

Every switch traces back to docs/protocol.md (cited by section); where the sources are silent or the
behaviour is marked [I] (inferred) there, it is a switch so tests can cover the variants. docs/simulator.md §5
lists every switch with its source.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple, Union

#: A realistic 2025.3 ``$ZVERSION`` (docs/protocol.md §6.3 shows the shape for 2025.1; 2025.3+ adds
#: ``prompt.ns``).
DEFAULT_VERSION = (
    "IRIS for UNIX (Ubuntu Server LTS for x86-64) 2025.3 (Build 226U) Wed Oct 1 2025 11:41:27 EDT"
)

_FAULT_FIELDS = ("close_mid_output_on", "error_frame_on", "hang_on", "trickle_on", "unexpected_read_on")


@dataclass(frozen=True)
class ExecutedCommand:
    """One prompt input the server started executing (the execution log lets tests prove nothing ran twice).

    ``session`` is the terminal's ``$JOB`` number (one per WebSocket), ``namespace`` the namespace it ran in.
    """

    session: int
    input: str
    namespace: str


@dataclass(frozen=True)
class SimulatorConfig:
    """All switches; docs/protocol.md §15.2 baseline as defaults. Immutable: change with
    ``Simulator.configure``."""

    # --- listening (loopback only unless told: this project's network rule) ---
    host: str = "127.0.0.1"
    port: int = 0  # 0 = pick a free port
    tls_certfile: Optional[str] = None  # both set -> serve https/wss (docs/protocol.md §5: wss iff https)
    tls_keyfile: Optional[str] = None
    path_prefix: str = ""  # e.g. "/iris": docs/protocol.md §5 pathPrefix, inserted before /api/atelier

    # --- server identity (docs/protocol.md §3.1) ---
    api_version: int = 8  # content.api; terminal route exists for v7..api only (docs/protocol.md §2, §3.2)
    version: str = DEFAULT_VERSION  # $ZV, sent in init and GetServer
    server_id: str = "8D3C6E2A-6B1F-4F0E-9A57-2C1D0B6E4F11"  # content.id
    namespaces: Tuple[str, ...] = ("USER", "%SYS")
    users: Dict[str, str] = field(default_factory=lambda: {"_SYSTEM": "SYS"}, repr=False)  # never in repr

    # --- HTTP behaviour (docs/protocol.md §3.1, §4) ---
    license_exhausted: bool = False  # every request -> 503 (docs/protocol.md §3.1 [C S2]; upgrade [I])
    # error bodies are HTML, not JSON: a web server hiding errors (docs/protocol.md §3.1)
    html_errors: bool = False
    basic_on_upgrade: bool = True  # Basic on the upgrade accepted (docs/protocol.md §4.3 [O S22])
    # next N upgrades: 101 then close 1011, no frames (docs/protocol.md §4.4 [O S7])
    stale_cookie_upgrades: int = 0
    # next N upgrades: HTTP 401 although the login just succeeded, as when the CSP session expires between
    # login and upgrade (docs/protocol.md §4.4 401 on a stale cookie, §4.5 session lifetime, §4.1 step 3 retry
    # once)
    unauthorized_upgrades: int = 0
    # seconds idle before a CSP session dies (docs/protocol.md §4.5)
    csp_session_timeout: Optional[float] = None

    # --- terminal rendering (docs/protocol.md §6, §8, §11) ---
    prompt_ns: bool = True  # send prompt.ns (IRIS 2025.3+, docs/protocol.md §2/§13); False = pre-2025.3
    prompt_template: str = "{ns}>"  # TerminalPrompt setting, e.g. "TL1:{ns}>" (docs/protocol.md §11)
    startup_output: str = ""  # output before the first prompt, e.g. ^%ZSTART JOB output (docs/protocol.md §7)
    # plain writes start with \r\n (docs/protocol.md §8: captures show none, Prism claims one)
    leading_crlf: bool = False
    halt_output: str = ""  # output sent before HALT closes the socket with 1000 (docs/protocol.md §11 [I])

    # --- framing (docs/protocol.md §1, §8: output is relayed in chunks at arbitrary boundaries) ---
    chunk_size: Optional[int] = None  # None = natural: one frame per write batch
    random_chunks_seed: Optional[int] = None  # random splits (inside ANSI sequences and \r\n too)
    natural_batch_chars: int = 8192  # a natural batch is flushed when it grows past this many characters
    frame_delay: float = 0.0  # sleep before each server frame
    # per-direction link latency of the terminal socket (a slow WAN link; docs/protocol.md §10, §12): every
    # frame, WebSocket pings and pongs included, is delivered this many seconds after it was sent, in order
    latency_up: float = 0.0  # client -> server
    latency_down: float = 0.0  # server -> client
    # cap on incoming frames (docs/protocol.md §12: none known); closes 1009
    max_frame_bytes: Optional[int] = None

    # --- ObjectScript fidelity: each switch is explained in docs/simulator-objectscript.md ---
    # <SYNTAX> repeats the line in error and a caret line first (docs/simulator-objectscript.md §8)
    syntax_echo: bool = True
    # other errors repeat the line and a caret under the failing command first, as the classic shell does;
    # no Lite Terminal capture shows it, so off (docs/simulator-objectscript.md §8)
    error_echo: bool = False
    # "compact" JSON as captured from IRIS; "spaced" = json.dumps default (docs/simulator-objectscript.md §9)
    frame_json: str = "compact"
    # user classes this server has: $SYSTEM.OBJ.Compile finds them (docs/simulator-objectscript.md §6.4)
    classes: Tuple[str, ...] = ()
    # files $SYSTEM.OBJ.Load reads; Foo.Bar.cls is class Foo.Bar (docs/simulator-objectscript.md §6.4)
    loadable_files: Tuple[str, ...] = ()
    # this server's mirror role for $SYSTEM.Mirror.IsMember/IsPrimary/MirrorName
    # (docs/simulator-objectscript.md §6.6); primary and name count only for a member
    mirror_member: bool = False
    mirror_primary: bool = False
    mirror_name: str = ""

    # --- protocol edge cases (docs/protocol.md §7, §12, §16) ---
    out_of_state: str = "ignore"  # "ignore" | "error" (error frame, close 1011): docs/protocol.md §7 unknown
    # close an idle terminal after N s (docs/protocol.md §4.5, §12 #1301)
    idle_close_after: Optional[float] = None
    idle_close_code: Optional[int] = 1000  # idle close code; None = drop TCP, no close frame

    # --- fault injection: regexes searched in the prompt input, None = off (docs/protocol.md §12, §15.2) ---
    # part of the output, then TCP drop, no close frame (docs/protocol.md §4.5)
    close_mid_output_on: Optional[str] = None
    # some output, then an error frame, then close 1011 (docs/protocol.md §6.1)
    error_frame_on: Optional[str] = None
    hang_on: Optional[str] = None  # output, then never a prompt; interrupts ignored (docs/protocol.md §12)
    trickle_on: Optional[str] = None  # a small output frame every trickle_interval forever; interrupt ends it
    trickle_interval: float = 0.05
    # a read frame nobody expected; the reply is discarded (docs/protocol.md §9)
    unexpected_read_on: Optional[str] = None

    # --- raw frame injection: malformed or unexpected server frames (docs/protocol.md §6.1: unknown types are
    # ignored and non-JSON frames dropped by VS Code [C S1]; docs/protocol.md §7: ``init`` is the first
    # frame). A ``str`` is sent verbatim as a text frame, ``bytes`` as a binary frame. ---
    inject_frames_on: Optional[str] = None  # regex on the prompt input: send inject_frames, then run it
    inject_frames: Tuple[Union[str, bytes], ...] = ()
    frames_before_init: Tuple[Union[str, bytes], ...] = ()  # sent right after the 101, before ``init``

    def __post_init__(self) -> None:
        object.__setattr__(self, "namespaces", tuple(ns.upper() for ns in self.namespaces))
        object.__setattr__(self, "users", dict(self.users))
        prefix = self.path_prefix.rstrip("/")
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix  # docs/protocol.md §5: VS Code prepends a missing "/"
        object.__setattr__(self, "path_prefix", prefix)
        if self.frame_json not in ("compact", "spaced"):
            raise ValueError("frame_json must be 'compact' or 'spaced'")
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "loadable_files", tuple(self.loadable_files))
        if self.out_of_state not in ("ignore", "error"):
            raise ValueError("out_of_state must be 'ignore' or 'error'")
        if self.latency_up < 0 or self.latency_down < 0:
            raise ValueError("latency_up and latency_down are seconds >= 0")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        if bool(self.tls_certfile) != bool(self.tls_keyfile):
            raise ValueError("tls_certfile and tls_keyfile go together")
        object.__setattr__(self, "inject_frames", tuple(self.inject_frames))
        object.__setattr__(self, "frames_before_init", tuple(self.frames_before_init))
        for frames in (self.inject_frames, self.frames_before_init):
            if not all(isinstance(frame, (str, bytes)) for frame in frames):
                raise ValueError("injected frames are str (text frame) or bytes (binary frame)")
        for name in _FAULT_FIELDS + ("inject_frames_on",):
            pattern = getattr(self, name)
            if pattern is not None:
                re.compile(pattern)  # fail early on a bad regex

    @property
    def tls(self) -> bool:
        return bool(self.tls_certfile)

    def replace(self, **changes: object) -> SimulatorConfig:
        """A copy with ``changes``; unknown names raise TypeError (typos must not be silent)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def injects_for(self, command: str) -> Tuple[Union[str, bytes], ...]:
        """The raw frames to send before running ``command`` (empty when ``inject_frames_on`` misses)."""
        if self.inject_frames_on is not None and re.search(self.inject_frames_on, command):
            return self.inject_frames
        return ()

    def fault_for(self, command: str) -> Optional[str]:
        """The first fault switch whose regex matches ``command`` (None when no fault applies)."""
        object.__setattr__(self, "inject_frames", tuple(self.inject_frames))
        object.__setattr__(self, "frames_before_init", tuple(self.frames_before_init))
        for frames in (self.inject_frames, self.frames_before_init):
            if not all(isinstance(frame, (str, bytes)) for frame in frames):
                raise ValueError("injected frames are str (text frame) or bytes (binary frame)")
        for name in _FAULT_FIELDS + ("inject_frames_on",):
            pattern = getattr(self, name)
            if pattern is not None and re.search(pattern, command):
                return name
        return None
