"""%Status values as embedded Python sees them.

docs/pyprod-runtime.md §2.4: ``Status.OK()`` is the int ``1``; ``iris.system.Status.Error(5001, t)`` is an
encoded %Status that is a *truthy* string (so callers must test ``str(s) == "1"``). We model an error
status as a ``str`` subclass whose text starts with ``"0 "`` and which carries the code and message.
"""

from __future__ import annotations

from typing import Any

OK = 1


class ErrorStatus(str):
    """An error %Status: truthy, never equal to ``1``/``"1"``, carries ``code`` and ``text``."""

    code: int
    text: str

    def __new__(cls, code: int, text: Any = "") -> ErrorStatus:
        text = str(text)
        obj = super().__new__(cls, f"0 ERROR #{int(code)}: {text}")
        obj.code = int(code)
        obj.text = text
        return obj

    def error_text(self) -> str:
        return f"ERROR #{self.code}: {self.text}"


def is_ok(status: Any) -> bool:
    """$$$ISOK: the int 1 or the string "1" (docs/pyprod-runtime.md §2.4). ``None``/"" (a callback that
    returned nothing) is *not* OK — docs/pyprod-runtime.md §2.1: "Returning None gives an ObjectScript status
    of "". Treat that as an error"."""
    if isinstance(status, ErrorStatus):
        return False
    if isinstance(status, bool):
        return bool(status)
    if isinstance(status, int):
        return status == 1
    if isinstance(status, str):
        return status == "1"
    return False


def is_error(status: Any) -> bool:
    return not is_ok(status)


def error_text(status: Any) -> str:
    """$system.Status.GetErrorText: ``""`` for an OK status."""
    if is_ok(status):
        return ""
    if isinstance(status, ErrorStatus):
        return status.error_text()
    if status is None or status == "":
        return "ERROR: empty %Status (the callback returned nothing; docs/pyprod-runtime.md §2.1)"
    return f"ERROR: {status}"


def as_status(value: Any) -> Any:
    """Normalise what a stub returns: ``None``/"" become an error (docs/pyprod-runtime.md §2.1)."""
    if value is None or value == "":
        return ErrorStatus(5001, "the callback returned no %Status (None); return Status.OK()")
    return value


class StatusAPI:
    """``iris.system.Status`` (docs/pyprod-runtime.md §8.1): Error / IsError / IsOK / GetErrorText / OK."""

    @staticmethod
    def Error(code: int, *texts: Any) -> ErrorStatus:  # noqa: N802 - IRIS name
        return ErrorStatus(code, " ".join(str(t) for t in texts))

    @staticmethod
    def OK() -> int:  # noqa: N802
        return OK

    @staticmethod
    def IsOK(status: Any) -> int:  # noqa: N802
        return 1 if is_ok(status) else 0

    @staticmethod
    def IsError(status: Any) -> int:  # noqa: N802
        return 0 if is_ok(status) else 1

    @staticmethod
    def GetErrorText(status: Any) -> str:  # noqa: N802
        return error_text(status)
