"""``iris.sql``: just enough IRIS SQL on top of SQLite (docs/pyprod-runtime.md §8.1: ``iris.sql.prepare(sql)
.execute(*params)`` returning index-addressable rows, for ``director.get_host_messages``).

Translations: table names ``Ens.MessageHeader`` / ``Ens_Util.Log`` / ``Ens.Util.Log``; ``SELECT TOP n``
→ ``LIMIT`` (a ``TOP ?`` parameter moves to the end of the parameter list).
"""

from __future__ import annotations

import re
from typing import Any, List, Sequence

from .store import Store

_TABLES = [
    (re.compile(r"\bEns\.MessageHeader\b", re.I), "Ens_MessageHeader"),
    (re.compile(r"\bEns_Util\.Log\b", re.I), "Ens_Util_Log"),
    (re.compile(r"\bEns\.Util\.Log\b", re.I), "Ens_Util_Log"),
]
_TOP = re.compile(r"^\s*SELECT\s+TOP\s+(\?|\d+)\s+", re.I)
# TimeCreated has millisecond precision, so a request and its response often share it; IRIS walks its
# TimeCreated index, whose entries under one time are in ID order, so ties come out by ID in the same
# direction [our reading]. SQLite would return them in any order.
_ORDER_BY_TIME = re.compile(r"\bORDER\s+BY\s+(\w+\.)?(TimeCreated|TimeLogged)(\s+(?:ASC|DESC))?\s*$", re.I)


def translate(sql: str, params: Sequence[Any]) -> tuple:
    params = list(params)
    for rx, repl in _TABLES:
        sql = rx.sub(repl, sql)
    sql = _ORDER_BY_TIME.sub(
        lambda o: f"{o.group(0).rstrip()}, {o.group(1) or ''}ID{o.group(3) or ''}", sql.rstrip().rstrip(";")
    )
    m = _TOP.match(sql)
    if m:
        top = m.group(1)
        before = sql[: m.start(1)].count("?")
        sql = "SELECT " + sql[m.end() :]
        if top == "?":
            limit = params.pop(before)
        else:
            limit = int(top)
        sql = sql.rstrip().rstrip(";") + " LIMIT ?"
        params.append(int(limit))
    return sql, params


class Statement:
    def __init__(self, store: Store, sql: str) -> None:
        self._store = store
        self._sql = sql

    def execute(self, *params: Any) -> List[tuple]:
        sql, args = translate(self._sql, params)
        with self._store.lock:
            return [tuple(r) for r in self._store.db.execute(sql, args).fetchall()]


class SQL:
    def __init__(self, store: Store) -> None:
        self._store = store

    def prepare(self, sql: str) -> Statement:
        return Statement(self._store, sql)

    def exec(self, sql: str, *params: Any) -> List[tuple]:
        return Statement(self._store, sql).execute(*params)
