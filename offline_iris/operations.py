"""A BusinessOperation handling one request: MessageMap dispatch and ReplyCodeActions (
docs/pyprod-runtime.md §8.3)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Optional, Tuple

from . import status as st
from .dispatch import complete
from .iris_module import ref
from .items import Item, Work
from .reply_codes import match_reply_code, parse_reply_code_actions
from .store import DELIVERED, SUSPENDED

if TYPE_CHECKING:
    from .ports import EngineView


def _handler_name(engine: EngineView, item: Item, req: Any) -> Optional[str]:
    """MessageMap by %Extends in order (the nearest class that has a map), else OnMessage."""
    registry = engine.ns.registry
    for c in registry.mro(item.defn.class_name):
        mm = c.message_map
        if mm:
            for mtype, meth in mm:
                if registry.extends(req._o_cdef.name, mtype):
                    return meth
            break
    if (
        callable(getattr(item.host, "OnMessage", None))
        and registry.method(item.defn.class_name, "OnMessage") is not None
    ):
        return "OnMessage"
    return None


def _call_handler(engine: EngineView, item: Item, req: Any) -> Tuple[Any, Any]:
    meth = _handler_name(engine, item, req)
    if meth is None:
        return st.ErrorStatus(
            "<Ens>ErrNoHandler",
            f"no MessageMap entry or OnMessage in "
            f"{item.defn.class_name} for {req._o_cdef.name} [wording unverified]",
        ), None
    fn = getattr(item.host, meth, None)
    if not callable(fn):
        return st.ErrorStatus(5001, f"<METHOD DOES NOT EXIST> {meth},{item.defn.class_name}"), None
    r = ref()
    status = st.as_status(fn(req, r))
    return status, r.value


def _retry_limit(engine: EngineView, host: Any) -> float:
    """FailureTimeout (default 15; -1 forever) capped by ``Options.max_retry_seconds``."""
    ft = float(host._o_props.get("FailureTimeout") if host._o_props.get("FailureTimeout") != "" else 15)
    cap = engine.options.max_retry_seconds
    return cap if ft < 0 else min(ft, cap)


def handle_operation_request(engine: EngineView, item: Item, work: Work) -> None:
    """Call the handler; on error apply ReplyCodeActions (R retry, W warn, D disable, S suspend, C/F)."""
    engine.ns.store.update_header(work.header_id, Status=DELIVERED)
    host = item.host
    start = time.monotonic()
    final_state = None
    disable = False
    while True:
        status, resp = _call_handler(engine, item, work.body)
        if st.is_ok(status):
            break
        rules = parse_reply_code_actions(host._o_props.get("ReplyCodeActions", ""))
        actions = match_reply_code(rules, status)
        if "R" in actions and not item.stop.is_set():
            interval = max(0.0, float(host._o_props.get("RetryInterval") or 0))
            if time.monotonic() - start + interval <= _retry_limit(engine, host):
                engine.ns.log(
                    "Warning",
                    item.defn.class_name,
                    "Retry",
                    f"Retrying message {work.header_id} in {interval}s: {st.error_text(status)}",
                )
                if item.stop.wait(interval):
                    break
                continue
        if "W" in actions:
            engine.ns.log("Warning", item.defn.class_name, "ReplyCodeActions", st.error_text(status))
        if "D" in actions:
            disable = True
        if "S" in actions:
            final_state = SUSPENDED
        elif "C" in actions or (actions and set(actions) <= {"W"}):
            status = 1  # W alone: warn and treat as completed [unverified]
        break
    complete(engine, item, work, status, resp, final_state)
    if disable:
        item.defn.enabled = False
        item.stop.set()
