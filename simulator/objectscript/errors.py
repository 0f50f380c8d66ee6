"""ObjectScript errors and the QUIT signal (how a running line is cut short)."""

from __future__ import annotations


class ObjectScriptError(Exception):
    """An IRIS error such as ``<UNDEFINED> *x``; stops the rest of the input (rendered per
    docs/protocol.md §8)."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"<{name}>" + (f" {detail}" if detail else ""))
        self.name = name
        self.detail = detail


class QuitSignal(Exception):
    """QUIT: leaves the innermost FOR, or the rest of the line."""


def syntax_error() -> ObjectScriptError:
    """``<SYNTAX>``: raised by the parser (before the line runs) and by argument checks."""
    return ObjectScriptError("SYNTAX")
