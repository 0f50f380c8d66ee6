"""Pure helpers that turn raw terminal output into what a program wants (docs/protocol.md §8, §11).

IRIS sends ANSI SGR codes when ``rawMode`` is false: a bold prompt and bold-red error names
(``\\x1b[31;1m<UNDEFINED>\\x1b[0m *x``). VS Code's rules are copied: a command failed iff its output
contains ``\\x1b[31;1m``, and was interrupted iff it contains ``\\x1b[31;1m<INTERRUPT>`` (
docs/protocol.md §8). In raw mode there is no colour, so a line starting with ``<NAME>`` (after stripping) is
the best evidence of an error [I, docs/protocol.md §8]; that heuristic is off unless asked for, because it
would flag a harmless ``write "<HELLO>"``.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = [
    "ERROR_MARK",
    "INTERRUPT_MARK",
    "strip_ansi",
    "strip_leading_crlf",
    "find_error",
    "is_interrupted",
    "namespace_from_prompt",
]

ERROR_MARK = "\x1b[31;1m"
INTERRUPT_MARK = ERROR_MARK + "<INTERRUPT>"

# Every ECMA-48 escape (5th ed., clauses 5.3 to 5.6; ST in 8.3.89), so no terminal control survives in
# ``output`` (docs/security.md §15):
# * CSI: ``ESC [`` (or C1 U+009B), parameter bytes 0x30-0x3F (digits, ``:;<=>?``, so ``ESC[38:2:255:0:0m``
#   too), intermediate bytes 0x20-0x2F, one final byte 0x40-0x7E; a sequence cut off before its final byte
#   is removed up to where it stops;
# * control strings: OSC ``ESC ]``, DCS ``ESC P``, SOS ``ESC X``, PM ``ESC ^``, APC ``ESC _`` (or their C1
#   forms) up to ST (``ESC \`` or U+009C), BEL (xterm ends OSC with it) or the end of the text;
# * every other escape: ``ESC``, any intermediate bytes 0x20-0x2F, one final byte 0x30-0x7E: single-
#   character escapes (``ESC c`` full reset, ``ESC 7``), character-set designation (``ESC ( 0``,
#   ``ESC ( B``), ``ESC # 8``; a lone ESC is removed too.
# Alternatives are tried in this order at each ESC, so ``ESC [`` and ``ESC ]`` are never two-byte escapes.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_RAW_ERROR_LINE = re.compile(r"^\s*(<[A-Z][A-Z0-9 ]*>.*)$", re.MULTILINE)
_PROMPT_NS = re.compile(r"([^\s:>]+)>\s*$")


def strip_ansi(text: str) -> str:
    """Remove every ECMA-48 escape sequence and control string, keep everything else (``\\r\\n`` too)."""
    return _ANSI.sub("", text)


def strip_leading_crlf(text: str) -> str:
    """Drop at most one leading ``\\r\\n`` (VS Code does the same after a submission, docs/protocol.md §8)."""
    return text[2:] if text.startswith("\r\n") else text


def _line_around(text: str, index: int) -> str:
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    ends = [i for i in (text.find("\r", index), text.find("\n", index)) if i != -1]
    end = min(ends) if ends else len(text)
    return text[start:end]


def find_error(raw: str, raw_mode: bool = False) -> Optional[str]:
    """The first IRIS error line in ``raw`` output, ANSI stripped (e.g. ``<UNDEFINED> *x``), or None."""
    index = raw.find(ERROR_MARK)
    if index != -1:
        return strip_ansi(_line_around(raw, index)).strip() or "<ERROR>"
    if raw_mode:
        match = _RAW_ERROR_LINE.search(strip_ansi(raw))
        if match:
            return match.group(1).strip()
    return None


def is_interrupted(raw: str, raw_mode: bool = False) -> bool:
    """True if the output reports ``<INTERRUPT>`` (the server's answer to an interrupt)."""
    if INTERRUPT_MARK in raw:
        return True
    if raw_mode:
        return any(line.strip().startswith("<INTERRUPT>") for line in strip_ansi(raw).splitlines())
    return False


def namespace_from_prompt(prompt: str) -> Optional[str]:
    """The namespace in a prompt's text: ``\\x1b[1mUSER>\\x1b[0m`` -> ``USER``, ``TL1:USER>`` -> ``USER``.

    Used when the ``prompt`` frame has no ``ns`` field (IRIS before 2025.3, docs/protocol.md §11).
    """
    match = _PROMPT_NS.search(strip_ansi(prompt))
    return match.group(1) if match else None
