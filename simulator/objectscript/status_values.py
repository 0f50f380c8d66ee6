"""``%Status`` values: ``"1"`` for success, else ``"0 "`` followed by a ``$LISTBUILD`` of the errors.

The encoding follows IRIS's shape (an error status is a string starting with 0, so ``if sc`` and
``$SYSTEM.Status.IsOK(sc)`` read it as false); the message texts are IRIS's ``ERROR #n: text`` catalogue
entries the simulator needs (docs/simulator-objectscript.md §7).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

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


def _lb_item(text: str) -> str:
    """One ``$LISTBUILD`` element: length, type (1 = 8-bit string, 2 = UTF-16LE), data."""
    if all(ord(c) < 256 for c in text):
        kind, data = "\x01", text
    else:
        kind, data = "\x02", text.encode("utf-16-le").decode("latin-1")
    size = len(data) + 2
    if size < 256:
        return chr(size) + kind + data
    size += 2  # the long form: a 0 byte, two length bytes
    return "\x00" + chr(size & 0xFF) + chr(size >> 8 & 0xFF) + kind + data


def listbuild(items: Sequence[str]) -> str:
    return "".join(_lb_item(item) for item in items)


def listparse(text: str) -> Optional[List[str]]:
    """The elements of a ``$LISTBUILD`` string as built by ``listbuild``; None when it is not one."""
    items, pos = [], 0
    while pos < len(text):
        size = ord(text[pos])
        head = 1
        if size == 0:
            if pos + 3 > len(text):
                return None
            size = ord(text[pos + 1]) | ord(text[pos + 2]) << 8
            head = 3
        if size < head + 1 or pos + size > len(text):
            return None
        kind, data = text[pos + head], text[pos + head + 1 : pos + size]
        if kind == "\x02":
            data = data.encode("latin-1").decode("utf-16-le", errors="replace")
        elif kind != "\x01":
            return None
        items.append(data)
        pos += size
    return items


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
