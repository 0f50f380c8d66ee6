"""The lines the server runs: one definition for the client (what it sends) and the policy (what it checks).

The Lite Terminal takes a multi-line block as one ``prompt`` input whose lines are joined by CR LF, the way
VS Code sends it (docs/protocol.md §6.2, §11). Python's ``str.splitlines()`` also breaks at VT, FF, FS, GS,
RS, U+0085, U+2028 and U+2029; a policy that splits only at CR/LF and a client that splits at all of them
read ``write 1`` + U+2028 + ``halt`` differently (one line versus two), and what IRIS makes of such a
character is not documented. So there is one rule, used on both sides, and text it cannot place with
certainty is refused rather than guessed at:

* a line ends at CR LF, LF or CR; a final line end adds no empty line;
* refused (:class:`UnsafeCommandText`): every control character other than TAB, CR and LF (C0, DEL, C1,
  which includes U+0085 NEXT LINE), U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR, lone surrogates,
  and the invisible format characters (zero-width characters, bidirectional overrides, the byte order mark)
  that make a command read differently on screen, in the Event Log, than it runs.

:func:`escape_controls` is the companion for logs: it turns any text into one printable line, so a file
name or a command holding a line break cannot forge lines in the Event Log, the trace or a log file.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import List

from .errors import InvalidArgument

__all__ = ["UnsafeCommandText", "command_lines", "one_line_problem", "escape_controls",
           "EscapeControlsFilter", "LINE_END", "namespace_problem"]

#: What ends a line, on the wire and in the policy.
LINE_END = re.compile(r"\r\n|\r|\n")

#: Invisible format characters (Unicode category Cf) that change how text *looks*, not what it is.
_FORMAT = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
#: Everything refused in a command: controls but TAB/LF/CR, DEL and C1, line/paragraph separators,
#: surrogates (only lone ones can exist in a str), and the format characters above.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _FORMAT + "]"
)
#: For escape_controls: every control (TAB, CR and LF included), separator, surrogate and format character.
_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _FORMAT + "]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class UnsafeCommandText(InvalidArgument, ValueError):
    """A command holds a character the client and the policy (or IRIS) could read differently."""


def describe(char: str) -> str:
    """``U+2028 LINE SEPARATOR``: a character named so an operator can find it."""
    name = unicodedata.name(char, "")
    if not name:
        name = "lone surrogate" if 0xD800 <= ord(char) <= 0xDFFF else f"control character {ord(char):#04x}"
    return f"U+{ord(char):04X} {name}"


def command_lines(command: str) -> List[str]:
    """The lines IRIS will run for ``command``; raises UnsafeCommandText for text that has no one reading.

    The error names the character and where it is (line and column, from 1), never the command itself.
    """
    if not isinstance(command, str):
        raise TypeError(f"a command is a str, not {type(command).__name__}")
    match = _UNSAFE.search(command)
    if match:
        before = command[: match.start()]
        line = len(LINE_END.findall(before)) + 1
        column = match.start() - max(before.rfind("\n"), before.rfind("\r"))
        raise UnsafeCommandText(
            f"line {line}, column {column} holds {describe(match.group(0))}; a command may hold no control, "
            "separator or invisible format character other than tab and the CR/LF line ends, because the "
            "client, the policy and IRIS could split or read it differently"
        )
    lines = LINE_END.split(command)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # a final line end, as str.splitlines
    return [] if lines == [""] else lines


def one_line_problem(text: str) -> str:
    """Why ``text`` is not exactly one line by the rule above (a line end, or a character command_lines
    refuses), or "". For a namespace and a READ answer: a READ answer holding CR LF is a paste of several
    lines (docs/protocol.md §6.2), and ``zn "<namespace>"`` with a line break is two commands."""
    try:
        lines = command_lines(text)
    except UnsafeCommandText as exc:
        return str(exc)
    return "it holds a line end (CR or LF)" if len(lines) > 1 or text.endswith(("\r", "\n")) else ""


def _escape_one(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: object) -> str:
    """``text`` as one printable line: controls, separators and format characters written as escapes.

    Use it for every outside text (a file name, a command, a server's message) placed in an Event Log entry,
    a trace text or a log line, so nothing in it can start a forged line.
    """
    return _ESCAPE.sub(_escape_one, str(text))


class EscapeControlsFilter(logging.Filter):
    """A logging filter that makes each record's message one printable line (:func:`escape_controls`).

    Installed on the client's logger (``adapters.lite_terminal``, the one logger its modules share), so a
    server's text, a host name or a file name in a log line cannot start a forged line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape_controls(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True


def _install(logger: logging.Logger) -> None:
    if not any(isinstance(f, EscapeControlsFilter) for f in logger.filters):
        logger.addFilter(EscapeControlsFilter())


_install(logging.getLogger("adapters.lite_terminal"))


#: IRIS namespace names: a letter or %, then letters, digits, - and _; at most 64 characters.
_NAMESPACE = re.compile(r"[A-Za-z%][A-Za-z0-9_-]{0,63}")


def namespace_problem(value: str) -> str:
    """Why ``value`` is not an IRIS namespace name, or ""."""
    if _NAMESPACE.fullmatch(value):
        return ""
    if not value:
        return "is empty"
    if len(value) > 64:
        return f"is {len(value)} characters long; an IRIS namespace name has at most 64"
    if not re.match(r"[A-Za-z%]", value):
        return "does not start with a letter or %, as an IRIS namespace name must"
    bad = sorted({c for c in value[1:] if not re.match(r"[A-Za-z0-9_-]", c)})
    return ("holds " + ", ".join(repr(c) for c in bad)
            + "; an IRIS namespace name has only letters, digits, '-' and '_' after its first character")
