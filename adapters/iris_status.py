"""Reading pyprod / IRIS %Status values from Python (docs/pyprod-runtime.md §2.4).

``Status.OK()`` is the int ``1``; an error status is a truthy encoded string, so ``if status:`` is wrong.
"""

from __future__ import annotations

from typing import Any


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
