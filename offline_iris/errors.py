"""The offline runtime's exceptions, under one base (docs/offline-runtime.md §1).

::

    OfflineIRISError                 root: anything the offline IRIS runtime raises on purpose
    ├── MaxStringError               <MAXSTRING>: over IRIS's longest string (docs/offline-runtime.md §25)
    ├── ProductionError              a production cannot be started, stopped or driven as asked
    ├── LoadError                    a module or class could not be loaded
    ├── ClassNotFound                no class of that name is loaded
    └── ClsParseError                a .cls source the runtime cannot read

Each also keeps the built-in base callers may already catch (RuntimeError, LookupError, ValueError).
"""

from __future__ import annotations

#: IRIS's longest string, in characters (docs/offline-runtime.md §25).
IRIS_MAX_STRING = 3_641_144


class OfflineIRISError(Exception):
    """Root of the exceptions the offline runtime raises on purpose."""


class MaxStringError(OfflineIRISError, RuntimeError):
    """``<MAXSTRING>``: IRIS cannot hold a string this long (an IRISProperty, a message property)."""


def iris_length(text: str) -> int:
    """Characters ``text`` takes in an IRIS string (UTF-16 code units: outside the BMP a character is 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def check_string(value: object, where: str) -> None:
    """Raise :class:`MaxStringError` when ``value`` is a string IRIS could not hold."""
    if isinstance(value, str) and len(value) > IRIS_MAX_STRING // 2 and iris_length(value) > IRIS_MAX_STRING:
        raise MaxStringError(
            f"<MAXSTRING> {where}: {iris_length(value):,} characters, IRIS's longest string is "
            f"{IRIS_MAX_STRING:,} (docs/offline-runtime.md §25)")
