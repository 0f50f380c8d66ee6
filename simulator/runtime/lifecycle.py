"""Starting and stopping a production: item OnInit, job threads, teardown (docs/pyprod-runtime.md §4, §8.3).

Threads stand in for IRIS jobs: every BusinessProcess/BusinessOperation gets one worker thread (PoolSize is
honoured as 1: each host handles one message at a time); a BusinessService with an inbound adapter gets one
polling thread. An adapterless service has no job: it runs in its caller (docs/pyprod-runtime.md §3).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, List

from . import status as st
from .host_factory import run_oninit
from .items import TARGET_KINDS, Item
from .options import ProductionError
from .production import ProductionDef
from .store import now
from .workers import run_inbound_adapter, run_queue

if TYPE_CHECKING:
    from .ports import EngineView

_KIND_RANK = {"BusinessOperation": 0, "BusinessProcess": 1}  # then services (Options.targets_first, [I])


def start_order(items: Iterable[Item], targets_first: bool) -> List[Item]:
    """Operations, then processes, then services (definition order within a kind); or definition order."""
    ordered = list(items)
    if targets_first:
        ordered.sort(key=lambda item: _KIND_RANK.get(item.kind, 2))  # stable: keeps definition order
    return ordered


def start_production(engine: EngineView, prod: ProductionDef) -> Any:
    """Ens.Director.StartProduction: an error status if one is running; ProductionError if it cannot start."""
    if engine.state == 1:
        return st.ErrorStatus(5001, f"Production '{engine.production.name}' is already running")
    for d in prod.items:
        if d.class_name not in engine.ns.registry:
            raise ProductionError(f"<CLASS DOES NOT EXIST> {d.class_name} (item {d.name})")
    engine.production = prod
    engine.items = {d.name: Item(defn=d, kind=engine.ns.registry.kind(d.class_name)) for d in prod.items}
    engine.hosts.problems = []
    engine.state = 1
    engine.last_start = now()
    order = start_order(engine.items.values(), engine.options.targets_first)
    try:
        if engine.options.targets_first:
            # each item's job runs before the next kind starts, so a service's OnInit or first poll
            # finds its targets running (as IRIS starts them, see Options.targets_first)
            for item in order:
                if item.defn.enabled:
                    _start_item(engine, item)
                    _start_thread(engine, item)
        else:
            for item in order:
                if item.defn.enabled:
                    _start_item(engine, item)
            # every queue exists before any inbound adapter polls (messages sent during startup
            # must not hit a not-yet-started target)
            for item in order:
                _start_thread(engine, item)
    except ProductionError:
        stop_production(engine)
        raise
    return 1


def _start_item(engine: EngineView, item: Item) -> None:
    """Build the host and run OnInit (host first unless ``adapter_oninit_first``); an error status
    leaves the item not started, with an Event Log error (docs/pyprod-runtime.md §8.3 Startup 5)."""
    with engine.job_context(item.name):
        item.host = engine.make_host(item)
        item.adapter = item.host._o_props.get("Adapter") or None
        pair = [item.host, item.adapter]
        for obj in reversed(pair) if engine.options.adapter_oninit_first else pair:
            if obj is None:
                continue
            status = run_oninit(obj)
            if st.is_error(status):
                item.error = st.error_text(status)
                engine.ns.log(
                    "Error",
                    item.defn.class_name,
                    "OnInit",
                    f"Item '{item.name}' failed to start: {item.error}",
                )
                return
    item.started = True


def _start_thread(engine: EngineView, item: Item) -> None:
    if not item.started:
        return
    if item.kind in TARGET_KINDS:
        target: Any = run_queue
    elif (
        item.kind == "BusinessService"
        and item.adapter is not None
        and engine.ns.registry.extends(item.adapter._o_cdef.name, "Ens.InboundAdapter")
    ):
        target = run_inbound_adapter
    else:
        return
    item.thread = threading.Thread(target=target, args=(engine, item), name=f"job:{item.name}", daemon=True)
    item.thread.start()


def stop_production(engine: EngineView, timeout: float = 10.0) -> Any:
    """Stop services, then processes, then operations (the start order reversed, [I] as for starting),
    then OnTearDown adapter and host. Each kind's jobs are signalled and joined (one shared deadline)
    before the next kind is signalled, so a job that is stopping can finish the sync call it is making:
    its targets are still running and answer it. Signalling every job at once let an operation stop with
    a process's sync request still queued, and the process (and the service calling it) then waited for
    a reply that never came until the deadline ran out."""
    if engine.state != 1:
        return 1
    deadline = time.monotonic() + timeout
    for group_kind in _STOP_ORDER:
        group = [item for item in engine.items.values() if _stop_group(item.kind) == group_kind]
        for item in group:
            item.stop.set()
            item.queue.put(None)
        for item in group:
            if item.thread is not None:
                item.thread.join(max(0.0, deadline - time.monotonic()))
    for item in engine.items.values():
        if not item.started:
            continue
        with engine.job_context(item.name):
            for obj in (item.adapter, item.host):
                fn = getattr(obj, "OnTearDown", None) if obj is not None else None
                if callable(fn):
                    fn()
        item.started = False
    engine.state = 2
    engine.last_stop = now()
    return 1


_STOP_ORDER = ("other", "BusinessProcess", "BusinessOperation")  # services (and anything else) first


def _stop_group(kind: str) -> str:
    return kind if kind in _STOP_ORDER else "other"
