"""Data lookup tables: ``Ens.Util.FunctionSet`` ``Lookup``/``Exists`` and ``Ens.Util.LookupTable``
(docs/offline-runtime.md §27).

IRIS keeps them in the global ``^Ens.LookupTable(table, key) = value``; the portal's Data Lookup Tables
page and ``Ens.Util.LookupTable`` (``%UpdateValue``, ``%RemoveValue``, ``%ClearTable``, ``%ExistsTable``)
edit them, and rules, transforms and code read them with ``Ens.Util.FunctionSet.Lookup`` and ``Exists``.
Here they live in memory for the namespace's life (not in the SQLite store).
"""

from __future__ import annotations

import threading
from typing import Any, Dict

from . import status as st

MAX_KEY = 255  # KeyName MAXLEN
MAX_VALUE = 32000  # DataValue MAXLEN


class LookupTables:
    """``^Ens.LookupTable``: table → key → value. Thread-safe."""

    def __init__(self) -> None:
        self._tables: Dict[str, Dict[str, str]] = {}
        self._lock = threading.Lock()

    def set(self, table: str, key: str, value: str) -> None:
        with self._lock:
            self._tables.setdefault(str(table), {})[str(key)] = str(value)

    def get(self, table: str, key: str) -> Any:
        """The value, or None when the key is not in the table."""
        with self._lock:
            return self._tables.get(str(table), {}).get(str(key))

    def remove(self, table: str, key: str) -> bool:
        with self._lock:
            rows = self._tables.get(str(table))
            if rows is None or str(key) not in rows:
                return False
            del rows[str(key)]
            if not rows:
                del self._tables[str(table)]
            return True

    def clear(self, table: str) -> None:
        with self._lock:
            self._tables.pop(str(table), None)

    def exists(self, table: str) -> bool:
        with self._lock:
            return str(table) in self._tables


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class FunctionSetMethods:
    """``Ens.Util.FunctionSet`` class methods, with IRIS's rules for empty arguments."""

    def __init__(self, tables: LookupTables) -> None:
        self._tables = tables

    def Lookup(self, table: Any = "", value: Any = "", default: Any = "",  # noqa: N802
               defaultOnEmptyInput: Any = 0) -> Any:  # noqa: N803
        table, value = _text(table), _text(value)
        if table and value:
            found = self._tables.get(table, value)
            return default if found is None else found
        flags = int(defaultOnEmptyInput or 0)
        if (not table and not flags % 2) or (not value and not (flags // 2) % 2):
            return ""
        return default

    def Exists(self, table: Any = "", value: Any = "") -> int:  # noqa: N802
        table, value = _text(table), _text(value)
        if not table or not value:
            return 0
        return 0 if self._tables.get(table, value) is None else 1


class LookupTableMethods:
    """``Ens.Util.LookupTable`` class methods (``%`` spelled ``_`` from Python)."""

    def __init__(self, tables: LookupTables) -> None:
        self._tables = tables

    def _UpdateValue(self, pTableName: Any = "", pKeyName: Any = "", pNewValue: Any = "",  # noqa: N802,N803
                     pCreate: Any = 1) -> Any:  # noqa: N803
        table, key, value = _text(pTableName), _text(pKeyName), _text(pNewValue)
        if not table:
            return st.ErrorStatus(5659, "Property 'TableName' required")
        if not key:
            return st.ErrorStatus(5659, "Property 'KeyName' required")
        if len(key) > MAX_KEY or len(value) > MAX_VALUE:
            return st.ErrorStatus(7201, f"key over {MAX_KEY} or value over {MAX_VALUE} characters")
        if not int(pCreate or 0) and self._tables.get(table, key) is None:
            return st.ErrorStatus(5809, f"Object to load not found, Ens.Util.LookupTable ID '{table}||{key}'")
        self._tables.set(table, key, value)
        return 1

    def _RemoveValue(self, pTableName: Any = "", pKeyName: Any = "") -> Any:  # noqa: N802,N803
        table, key = _text(pTableName), _text(pKeyName)
        if not table or not key:
            return st.ErrorStatus(5659, "Property 'TableName' and 'KeyName' required")
        if not self._tables.remove(table, key):
            return st.ErrorStatus(5810, f"Object to delete not found: '{table}||{key}'")
        return 1

    def _ClearTable(self, pTable: Any) -> None:  # noqa: N802,N803
        self._tables.clear(_text(pTable))

    def _ExistsTable(self, pTable: Any, *rest: Any) -> int:  # noqa: N802,N803
        return 1 if self._tables.exists(_text(pTable)) else 0
