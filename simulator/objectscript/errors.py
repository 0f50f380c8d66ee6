"""ObjectScript errors and the signals that cut a running block short (QUIT, CONTINUE)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .objects import Oref


class ObjectScriptError(Exception):
    """An IRIS error such as ``<UNDEFINED> *x``; stops the rest of the input unless a CATCH takes it.

    ``thrown`` is the exception object of a THROW (``None`` for a system error until a CATCH asks for
    one). ``source``/``position`` locate the error: where the parser stopped for a ``<SYNTAX>``, else the
    start of the innermost command that failed.
    """

    def __init__(self, name: str, detail: str = "", thrown: Optional[Oref] = None) -> None:
        super().__init__(f"<{name}>" + (f" {detail}" if detail else ""))
        self.name = name
        self.detail = detail
        self.thrown = thrown
        self.source: Optional[str] = None
        self.position: Optional[int] = None

    @property
    def zerror(self) -> str:
        """``$ZERROR``: ``<NAME>location *detail``; the terminal's direct mode has no location."""
        return f"<{self.name}>" + (f" {self.detail}" if self.detail else "")


class QuitSignal(Exception):
    """QUIT: leaves the innermost loop (FOR, WHILE, DO/WHILE), or the rest of the line."""


class ReturnSignal(Exception):
    """RETURN: leaves every block and loop; at the terminal, the rest of the line."""


class ContinueSignal(Exception):
    """CONTINUE: the innermost loop's next iteration."""


def syntax_error() -> ObjectScriptError:
    """``<SYNTAX>``: raised by the parser (before the line runs) and by argument checks."""
    return ObjectScriptError("SYNTAX")
