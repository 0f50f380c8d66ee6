"""SQLite persistence shaped like ``Ens.MessageHeader``, message bodies and ``Ens.Util.Log``.

Column names follow IRIS so that ``intersystems_pyprod.director.get_host_messages`` (see
docs/pyprod-runtime.md §4: ``SELECT TOP ? ID, TimeCreated, SourceConfigName, TargetConfigName, Status,
SessionId, MessageBodyClassName, MessageBodyId FROM Ens.MessageHeader WHERE ... ORDER BY TimeCreated DESC``)
runs unchanged through :mod:`.sql`. Status numbers are ``Ens.DataType.MessageStatus`` (VALUELIST 1..9 =
Created, Queued, Delivered, Discarded, Suspended, Deferred, Aborted, Error, Completed); log types are
``Ens.DataType.LogType`` (1 Assert, 2 Error, 3 Warning, 4 Info, 5 Trace, 6 Alert) [unverified].
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import sqlite3
import threading
from typing import Any, Dict, Iterator, List, Optional

STATUS = {
    1: "Created",
    2: "Queued",
    3: "Delivered",
    4: "Discarded",
    5: "Suspended",
    6: "Deferred",
    7: "Aborted",
    8: "Error",
    9: "Completed",
}
CREATED, QUEUED, DELIVERED, DISCARDED, SUSPENDED, DEFERRED, ABORTED, ERROR, COMPLETED = range(1, 10)
LOG_TYPES = {1: "Assert", 2: "Error", 3: "Warning", 4: "Info", 5: "Trace", 6: "Alert"}
LOG_TYPE_IDS = {v: k for k, v in LOG_TYPES.items()}
TYPE_REQUEST, TYPE_RESPONSE = 1, 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS Ens_MessageHeader (
  ID INTEGER PRIMARY KEY AUTOINCREMENT,
  TimeCreated TEXT, TimeProcessed TEXT, SessionId INTEGER,
  SourceConfigName TEXT, TargetConfigName TEXT, SourceBusinessType TEXT, TargetBusinessType TEXT,
  MessageBodyClassName TEXT, MessageBodyId TEXT, Status INTEGER, IsError INTEGER DEFAULT 0,
  ErrorStatus TEXT DEFAULT '', Type INTEGER, CorrespondingMessageId INTEGER, Description TEXT DEFAULT '',
  Priority INTEGER, ReturnQueueName TEXT DEFAULT '', Seq INTEGER
);
CREATE TABLE IF NOT EXISTS MessageBody (
  ClassName TEXT, ID TEXT, SerializedStream TEXT, StreamIsBinary INTEGER, Columns TEXT,
  PRIMARY KEY (ClassName, ID)
);
CREATE TABLE IF NOT EXISTS Ens_Util_Log (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, TimeLogged TEXT, Type INTEGER, ConfigName TEXT, Job TEXT,
  SessionId INTEGER, SourceClass TEXT, SourceMethod TEXT, Text TEXT, Seq INTEGER
);
"""


def now() -> str:
    """IRIS %TimeStamp text with milliseconds (UTC, as TimeCreated is stored in UTC)."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class Store:
    """One SQLite database per namespace, shared by every job thread (one connection, one lock).

    Writes that belong to one message (its body, its header, the session id; or a completion: the request
    header's final state, the response body and its header) go through :meth:`transaction`, so a message
    costs one commit, not one per row. The journal is a write-ahead log with ``synchronous=NORMAL``: a
    commit survives a crash of this process, not a power cut (IRIS journals too; this is a test stand-in).
    """

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        for table in ("Ens_MessageHeader", "Ens_Util_Log"):  # a store file written before Seq existed
            columns = [r[1] for r in self.db.execute(f"PRAGMA table_info({table})")]
            if "Seq" not in columns:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN Seq INTEGER")
        self._depth = 0
        # one order across headers and Event Log entries (the Visual Trace interleaves them)
        self._seq = max(
            int(self.db.execute(f"SELECT COALESCE(MAX(Seq), 0) FROM {table}").fetchone()[0])
            for table in ("Ens_MessageHeader", "Ens_Util_Log")
        )
        self.commits = 0  # how many transactions were committed (the benchmark prints it per message)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside (from this thread; others wait) commit together, or not at all."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self.db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.db.execute("COMMIT")
                self.commits += 1

    def _write(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        """One statement; outside a transaction it is its own (counted) commit."""
        with self.lock:
            cur = self.db.execute(sql, args)
            if self._depth == 0:
                self.commits += 1
            return cur

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- headers ---------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def new_header(self, **cols: Any) -> int:
        cols.setdefault("TimeCreated", now())
        with self.transaction():
            cols["Seq"] = self._next_seq()
            keys = ", ".join(cols)
            marks = ", ".join("?" for _ in cols)
            cur = self.db.execute(
                f"INSERT INTO Ens_MessageHeader ({keys}) VALUES ({marks})", list(cols.values())
            )
            hid = int(cur.lastrowid)
            if cols.get("SessionId") is None:
                self.db.execute("UPDATE Ens_MessageHeader SET SessionId=? WHERE ID=?", (hid, hid))
            return hid

    def update_header(self, hid: int, **cols: Any) -> None:
        if not cols:
            return
        sets = ", ".join(f"{k}=?" for k in cols)
        self._write(f"UPDATE Ens_MessageHeader SET {sets} WHERE ID=?", list(cols.values()) + [hid])

    def header(self, hid: int) -> Optional[Dict[str, Any]]:
        with self.lock:
            row = self.db.execute("SELECT * FROM Ens_MessageHeader WHERE ID=?", (hid,)).fetchone()
        return dict(row) if row else None

    def headers(self, session: Optional[int] = None) -> List[Dict[str, Any]]:
        q = "SELECT * FROM Ens_MessageHeader"
        args: List[Any] = []
        if session is not None:
            q += " WHERE SessionId=?"
            args.append(session)
        with self.lock:
            return [dict(r) for r in self.db.execute(q + " ORDER BY ID", args).fetchall()]

    # -- bodies ----------------------------------------------------------------------------------
    def save_body(
        self, class_name: str, oid: str, stream: Any, binary: bool, columns: Dict[str, Any]
    ) -> None:
        if isinstance(stream, bytes):
            stream = stream.hex()
        self._write(
            "INSERT OR REPLACE INTO MessageBody VALUES (?,?,?,?,?)",
            (class_name, str(oid), stream, int(binary), json.dumps(columns, default=str)),
        )

    def body(self, class_name: str, oid: Any) -> Optional[Dict[str, Any]]:
        with self.lock:
            row = self.db.execute(
                "SELECT * FROM MessageBody WHERE ClassName=? AND ID=?", (class_name, str(oid))
            ).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["Columns"] = json.loads(d["Columns"] or "{}")
        return d

    # -- event log -------------------------------------------------------------------------------
    def log(
        self,
        type_id: int,
        config_name: str,
        job: str,
        session: Optional[int],
        src_class: str,
        src_method: str,
        text: str,
    ) -> int:
        with self.lock:
            cur = self._write(
                "INSERT INTO Ens_Util_Log (TimeLogged, Type, ConfigName, Job, SessionId, SourceClass, "
                "SourceMethod, Text, Seq) VALUES (?,?,?,?,?,?,?,?,?)",
                (now(), type_id, config_name, job, session, src_class, src_method, text, self._next_seq()),
            )
            return int(cur.lastrowid)

    def log_entries(self, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        q = "SELECT * FROM Ens_Util_Log"
        args: List[Any] = []
        if kind is not None:
            q += " WHERE Type=?"
            args.append(LOG_TYPE_IDS[kind] if isinstance(kind, str) else int(kind))
        with self.lock:
            rows = [dict(r) for r in self.db.execute(q + " ORDER BY ID", args).fetchall()]
        for r in rows:
            r["TypeName"] = LOG_TYPES.get(r["Type"], str(r["Type"]))
        return rows
