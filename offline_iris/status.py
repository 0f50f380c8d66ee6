"""%Status values as embedded Python sees them.

docs/pyprod-runtime.md §2.4: ``Status.OK()`` is the int ``1``; ``iris.system.Status.Error(5001, t)`` is an
encoded %Status that is a *truthy* string (so callers must test ``str(s) == "1"``). We model an error
status as a ``str`` subclass whose text starts with ``"0 "`` and which carries the code and message.
"""

from __future__ import annotations

import re
from typing import Any, Union

OK = 1
_NUMERIC_PREFIX = re.compile(r"([+-]*)(\d+\.?\d*|\.\d+)(E[+-]?\d+)?", re.IGNORECASE)


class ErrorStatus(str):
    """An error %Status: truthy, never equal to ``1``/``"1"``, carries ``code`` and ``text``.

    ``code`` is a number (``5001``, IRIS's general error: text ``ERROR #5001: ...``) or a domain code such
    as ``"<Ens>ErrBusinessDispatchNameNotRegistered"`` (text ``ERROR <Ens>Err...: ...``), as
    ``$SYSTEM.Status.GetErrorCodes`` reports them."""

    code: Union[int, str]
    text: str

    def __new__(cls, code: Union[int, str], text: Any = "") -> ErrorStatus:
        text = str(text)
        number = isinstance(code, int) or str(code).isdigit()
        code = int(code) if number else str(code)
        shown = f"ERROR #{code}: {text}" if number else f"ERROR {code}: {text}"
        obj = super().__new__(cls, f"0 {shown}")
        obj.code = code
        obj.text = text
        return obj

    def error_text(self) -> str:
        return self[2:]


def _leading_number(text: str) -> float:
    """ObjectScript's numeric interpretation of a string (``+"5@%SYS.Python"`` is 5, ``+"abc"`` is 0)."""
    m = _NUMERIC_PREFIX.match(text)
    if not m:
        return 0.0
    sign = -1.0 if m.group(1).count("-") % 2 else 1.0
    try:
        return sign * float(m.group(2) + (m.group(3) or ""))
    except ValueError:
        return 0.0


def is_ok(status: Any) -> bool:
    """``$$$ISOK``, which is ObjectScript's ``''status``: a value is OK when its numeric value is not 0.

    How a Python value crosses into ObjectScript decides (docs/offline-runtime.md §13):
    an int/float/bool is a number; a str is read by its leading number (``"1"`` OK, ``"0 ERROR..."`` and
    ``""`` not); ``None`` becomes ``""`` (not OK: a callback that returned nothing); any other Python object
    (a tuple, a list, an IRIS object) arrives as an object reference ``"N@%SYS.Python"`` whose numeric
    value N is at least 1, so IRIS reads it as OK. That is why pyprod's QuickStart logs its ``(1, None)``
    tuple from the adapter wrapper as an Info entry on real IRIS, and why a ``(error, x)`` tuple is OK too.
    """
    if isinstance(status, ErrorStatus):
        return False
    if status is None:
        return False
    if isinstance(status, (bool, int, float)):
        return status != 0
    if isinstance(status, str):
        return _leading_number(status) != 0
    if isinstance(status, bytes):
        return _leading_number(status.decode("latin-1")) != 0
    return True  # an object reference


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
    return f"ERROR: {status!r} is not a %Status (its numeric value is 0)"


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

    @staticmethod
    def GetErrorCodes(status: Any) -> str:  # noqa: N802
        """The codes of an error status, comma-separated ("" for OK); a value that is not one of our
        statuses has none we can name."""
        return str(status.code) if isinstance(status, ErrorStatus) else ""
