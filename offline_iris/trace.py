"""A terminal rendering of the message trace (what IRIS's Message Viewer / Visual Trace list shows:
time, session, source → target, body class, status, error), with each body's Column properties."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .store import STATUS, Store


def _body_summary(store: Store, h: Dict[str, Any], width: int) -> List[str]:
    b = store.body(h["MessageBodyClassName"], h["MessageBodyId"])
    if b is None:
        return []
    lines = []
    cols = {k: v for k, v in b["Columns"].items() if v not in ("", None)}
    if cols:
        lines.append("      columns: " + ", ".join(f"{k}={v!r}" for k, v in cols.items()))
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
