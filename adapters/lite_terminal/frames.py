"""Lite Terminal frames: JSON objects in WebSocket text frames, discriminated by ``type`` (
docs/protocol.md §6).

What VS Code drops, we drop (docs/protocol.md §6.1 [C S1]: "non-JSON frames are dropped", unknown types fall
through its switch): a text frame that is not JSON, not a JSON object, or has no string ``type`` becomes a
:class:`DroppedFrame`; a well-formed frame of an unknown ``type`` becomes an :class:`UnknownFrame` (a
``readchar`` type is rumoured but never seen). The state machine ignores both. A frame of a *known* type
that misses a field the catalogue requires, or has it with the wrong type, raises
:class:`RemoteProtocolError`: acting on it would mean guessing what the server meant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Union

from .errors import LocalProtocolError, RemoteProtocolError

__all__ = [
    "InitFrame",
    "PromptFrame",
    "OutputFrame",
    "ReadFrame",
    "ColorFrame",
    "ErrorFrame",
    "UnknownFrame",
    "DroppedFrame",
    "ServerFrame",
    "ConfigFrame",
    "InputFrame",
    "MarkedInputFrame",
    "SyncInputFrame",
    "ReadReplyFrame",
    "StaleReadReplyFrame",
    "InterruptFrame",
    "ColorRequestFrame",
    "ClientFrame",
    "parse_server_frame",
    "encode",
]


# --- server -> client (docs/protocol.md §6.1) -------------------------------------------------------------


@dataclass(frozen=True)
class InitFrame:
    """First frame after the upgrade: ``protocol`` (1 on every known server) and ``$ZVERSION``."""

    protocol: int
    version: str


@dataclass(frozen=True)
class PromptFrame:
    """The server is idle. ``ns`` exists only on IRIS 2025.3+ (docs/protocol.md §2), hence Optional."""

    text: str
    ns: Optional[str] = None


@dataclass(frozen=True)
class OutputFrame:
    """A chunk of terminal output; chunk boundaries are arbitrary (docs/protocol.md §8)."""

    text: str


@dataclass(frozen=True)
class ReadFrame:
    """Running code does a READ on the terminal; the process blocks until answered (docs/protocol.md §9)."""


@dataclass(frozen=True)
class ColorFrame:
    """Reply to a ``color`` request; never output (docs/protocol.md §7)."""

    text: str


@dataclass(frozen=True)
class ErrorFrame:
    """A fatal server-side problem; the session is over (docs/protocol.md §6.1)."""

    text: str


@dataclass(frozen=True)
class UnknownFrame:
    """A well-formed frame of a type this client does not know; ignored."""

    type: str
    data: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class DroppedFrame:
    """A text frame that is not a JSON object with a string ``type``; dropped, as VS Code does."""

    reason: str


ServerFrame = Union[
    InitFrame, PromptFrame, OutputFrame, ReadFrame, ColorFrame, ErrorFrame, UnknownFrame, DroppedFrame
]


# --- client -> server (docs/protocol.md §6.2) -------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFrame:
    """Sent once after ``init``; ``rawMode: false`` asks for ANSI prompts and bold-red errors."""

    namespace: str
    raw_mode: bool = False


@dataclass(frozen=True)
class InputFrame:
    """A command line (type ``prompt``); may contain ``\\r\\n`` for a multi-line block."""

    input: str


@dataclass(frozen=True)
class MarkedInputFrame(InputFrame):
    """A command whose first line is the client's attribution mark (sent as a ``prompt``; see
    docs/protocol.md §15.3): everything before the mark's output belongs to earlier commands."""


@dataclass(frozen=True)
class SyncInputFrame(InputFrame):
    """The resynchronisation command (sent as a ``prompt``, docs/protocol.md §15.3), legal whenever the
    session may be out of step."""


@dataclass(frozen=True)
class ReadReplyFrame:
    """The answer to a ``read`` frame, without a line terminator (type ``read``)."""

    input: str


@dataclass(frozen=True)
class StaleReadReplyFrame(ReadReplyFrame):
    """An empty answer to a ``read`` that came before the command's mark (not the command's READ)."""


@dataclass(frozen=True)
class InterruptFrame:
    """Ctrl-C: the server unwinds with ``<INTERRUPT>`` and sends a prompt (docs/protocol.md §10)."""


@dataclass(frozen=True)
class ColorRequestFrame:
    """Ask for a syntax-coloured copy of ``input`` (optional feature; this client never needs it)."""

    input: str


ClientFrame = Union[ConfigFrame, InputFrame, ReadReplyFrame, InterruptFrame, ColorRequestFrame]


def _describe(text: str, limit: int = 80) -> str:
    """A short, safe preview of a bad frame for an error message."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _field(obj: Dict[str, Any], name: str, kind: type, ftype: str, optional: bool = False) -> Any:
    value = obj.get(name)
    if value is None and optional:
        return None
    # bool is an int subclass; a boolean protocol number is as wrong as a string one.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RemoteProtocolError(
            f"server sent a {ftype!r} frame whose {name!r} field is "
            f"{'missing' if name not in obj else type(value).__name__ + ', not ' + kind.__name__}"
        )
    return value


def parse_server_frame(text: Union[str, bytes]) -> ServerFrame:
    """Turn one WebSocket text message into a server frame; RemoteProtocolError if it cannot be trusted."""
    if isinstance(text, bytes):
        raise RemoteProtocolError("server sent a binary WebSocket message; the Lite Terminal uses text only")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return DroppedFrame(f"not JSON: {_describe(text)}")
    if not isinstance(obj, dict):
        return DroppedFrame(f"a JSON {type(obj).__name__}, not an object: {_describe(text)}")
    ftype = obj.get("type")
    if not isinstance(ftype, str):
        return DroppedFrame(f"no string 'type': {_describe(text)}")
    if ftype == "init":
        return InitFrame(_field(obj, "protocol", int, ftype), _field(obj, "version", str, ftype))
    if ftype == "output":  # the most frequent frames first, their well-formed shape checked inline
        value = obj.get("text")
        return OutputFrame(value if type(value) is str else _field(obj, "text", str, ftype))
    if ftype == "prompt":
        value, ns = obj.get("text"), obj.get("ns")
        if type(value) is str and (ns is None or type(ns) is str):
            return PromptFrame(value, ns)
        return PromptFrame(_field(obj, "text", str, ftype), _field(obj, "ns", str, ftype, optional=True))
    if ftype == "read":
        return ReadFrame()
    if ftype == "color":
        return ColorFrame(_field(obj, "text", str, ftype))
    if ftype == "error":
        # A fatal report without text is still fatal; do not turn it into a protocol complaint.
        text_value = obj.get("text")
        return ErrorFrame(text_value if isinstance(text_value, str) else "(the server gave no reason)")
    return UnknownFrame(ftype, obj)


_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # built once, not per frame


_encode_text = json.encoder.encode_basestring  # the C string encoder _encode_json uses (ensure_ascii off)


def encode(frame: ClientFrame) -> str:
    """Serialise a client frame to the JSON text the server expects (docs/protocol.md §6.2)."""
    kind = type(frame)
    if kind is MarkedInputFrame or kind is InputFrame:  # once per command: the string encoded in C, inline
        return '{"type":"prompt","input":' + _encode_text(frame.input) + "}"  # type: ignore[union-attr]
    if isinstance(frame, ConfigFrame):
        obj: Dict[str, Any] = {"type": "config", "namespace": frame.namespace, "rawMode": frame.raw_mode}
    elif isinstance(frame, InputFrame):
        obj = {"type": "prompt", "input": frame.input}
    elif isinstance(frame, ReadReplyFrame):  # StaleReadReplyFrame included
        obj = {"type": "read", "input": frame.input}
    elif isinstance(frame, InterruptFrame):
        obj = {"type": "interrupt"}
    elif isinstance(frame, ColorRequestFrame):
        obj = {"type": "color", "input": frame.input}
    else:
        raise LocalProtocolError(f"not a client frame: {type(frame).__name__}")
    return _encode_json(obj)
