"""A terminal rendering of the message trace (what IRIS's Message Viewer / Visual Trace list shows:
time, session, source → target, body class, status, error), with each body's Column properties."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .store import STATUS, Store


def as_typed(value: Any) -> str:
    """A column as the user typed it: text quoted, its backslashes single (not Python's repr, which showed a
    pattern ``^(HALT)\\b`` as ``'^(HALT)\\\\b'``), control characters escaped so a value stays on its line."""
    if not isinstance(value, str):
        return str(value)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        value = "".join(c if 32 <= ord(c) != 127 else c.encode("unicode_escape").decode("ascii")
                        for c in value)
    return f"'{value}'"


def _body_summary(store: Store, h: Dict[str, Any], width: int) -> List[str]:
    b = store.body(h["MessageBodyClassName"], h["MessageBodyId"])
    if b is None:
        return []
    lines = []
    cols = {k: v for k, v in b["Columns"].items() if v not in ("", None)}
    if cols:
        lines.append("      columns: " + ", ".join(f"{k}={as_typed(v)}" for k, v in cols.items()))
    data = b["SerializedStream"] or ""
    if data and not b["StreamIsBinary"]:
        try:
            data = json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            pass
        if len(data) > width:
            data = data[: width - 3] + "..."
        lines.append("      body:    " + data)
    elif data:
        lines.append(f"      body:    <binary {len(data) // 2} bytes>")
    return lines


def render(store: Store, session: Optional[int] = None, width: int = 100) -> str:
    headers = store.headers(session)
    if not headers:
        return "(no messages)"
    out: List[str] = []
    current = None
    for h in headers:
        if h["SessionId"] != current:
            current = h["SessionId"]
            out.append(f"Session {current}")
        arrow = "→"
        kind = "Request " if h["Type"] == 1 else "Response"
        status = STATUS.get(h["Status"], str(h["Status"]))
        err = "  ERROR" if h["IsError"] else ""
        out.append(
            f"  #{h['ID']:<4} {h['TimeCreated']}  {kind} {h['SourceConfigName']} {arrow} "
            f"{h['TargetConfigName']}  [{h['MessageBodyClassName']} #{h['MessageBodyId']}]  "
            f"{status}{err}"
        )
        if h["Description"]:
            out.append(f"      descr:   {h['Description']}")
        if h["IsError"] and h["ErrorStatus"]:
            out.append(f"      error:   {h['ErrorStatus']}")
        out.extend(_body_summary(store, h, width))
    return "\n".join(out)
