"""``%Status`` values: ``"1"`` for success, else ``"0 "`` followed by a ``$LISTBUILD`` of the errors.

The encoding follows IRIS's shape (an error status is a string starting with 0, so ``if sc`` and
``$SYSTEM.Status.IsOK(sc)`` read it as false); the message texts are IRIS's ``ERROR #n: text`` catalogue
entries the simulator needs (docs/simulator-objectscript.md §7).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from . import lists
from .values import to_str

OK = "1"

#: The messages the simulated classes produce; ``%1``… are the parameters.
MESSAGES = {
    83: "Error code = %1",
    5001: "%1",
    5002: "ObjectScript error: %1",
    5011: "Routine '%1' does not exist",
    5012: "File '%1' does not exist",
    5351: "Class '%1' does not exist",
}

ErrorEntry = Tuple[int, Tuple[str, ...]]


def listbuild(items: Sequence[str]) -> str:
    return lists.build(items)


def listparse(text: str) -> Optional[List[str]]:
    """The elements of a ``$LISTBUILD`` string as text; None when it is not one."""
    items = lists.parse(text)
    return None if items is None else ["" if item is None else to_str(item) for item in items]


def error_status(code: int, *params: str) -> str:
    """An error %Status for catalogue message ``code`` with its parameters."""
    return combine([(code, tuple(params))])


def combine(entries: Sequence[ErrorEntry]) -> str:
    return "0 " + listbuild([listbuild([str(code), *params]) for code, params in entries])


def errors_of(status: str) -> List[ErrorEntry]:
    """The (code, parameters) entries of an error status; [] for a success status or a non-status."""
    if not status.startswith("0 "):
        return []
    outer = listparse(status[2:])
    if not outer:
        return []
    entries: List[ErrorEntry] = []
    for item in outer:
        inner = listparse(item)
        if inner and inner[0].isdigit():
            entries.append((int(inner[0]), tuple(inner[1:])))
    return entries


def message(code: int, params: Sequence[str]) -> str:
    """``ERROR #5351: Class 'X' does not exist``."""
    text = MESSAGES.get(code, "%1")
    for index, param in reversed(list(enumerate(params, 1))):
        text = text.replace(f"%{index}", param)
    return f"ERROR #{code}: {text}"


def error_text(status: str) -> str:
    """``$SYSTEM.Status.GetErrorText``: the messages joined by CRLF; "" for a success status."""
    return "\r\n".join(message(code, params) for code, params in errors_of(status))
