"""Reading pyprod / IRIS %Status values from Python (docs/pyprod-runtime.md §2.4).

``Status.OK()`` is the int ``1``; an error status is a truthy encoded string, so ``if status:`` is wrong.
"""

from __future__ import annotations

from typing import Any, List


def is_ok(status: Any) -> bool:
    return str(status) == "1"


def status_text(status: Any) -> str:
    """Readable text of an error %Status (``$system.Status.GetErrorText``), else the raw value."""
    try:
        import iris

        text = iris.system.Status.GetErrorText(status)
        if text:
            return str(text)
    except Exception:  # noqa: BLE001  best effort: fall back to the raw value
        pass
    return str(status)


def error_codes(status: Any) -> List[str]:
    """The error codes of an error %Status (``$SYSTEM.Status.GetErrorCodes``): ``["5001"]`` for a
    ``Status.ERROR``, ``["<Ens>ErrBusinessDispatchNameNotRegistered"]`` for a target that is not running;
    ``[]`` for OK or when they cannot be read. A fact of the status, unlike its text."""
    if is_ok(status):
        return []
    try:
        import iris

        codes = iris.system.Status.GetErrorCodes(status)
    except Exception:  # noqa: BLE001  no iris module (plain tests) or not a %Status: no codes known
        return []
    return [code.strip() for code in str(codes or "").split(",") if code.strip()]
