"""Starting and stopping a production: item OnInit, job threads, teardown (docs/pyprod-runtime.md §4, §8.3).

Threads stand in for IRIS jobs: every BusinessProcess/BusinessOperation gets one worker thread (PoolSize is
honoured as 1: each host handles one message at a time); a BusinessService with an inbound adapter gets one
polling thread. An adapterless service has no job: it runs in its caller (docs/pyprod-runtime.md §3).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, List

from . import status as st
from .dispatch import fail_queued
from .host_factory import run_oninit
from .items import TARGET_KINDS, TROUBLED, Item, is_running
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
    if is_running(engine.state):
        return st.ErrorStatus(5001, f"Production '{engine.production.name}' is already running")
    for d in prod.items:
        if d.class_name not in engine.ns.registry:
            raise ProductionError(f"<CLASS DOES NOT EXIST> {d.class_name} (item {d.name})")
    engine.production = prod
    engine.items = {d.name: Item(defn=d, kind=engine.ns.registry.kind(d.class_name)) for d in prod.items}
    engine.hosts.problems = []
    engine.state = 1
    engine.last_start = now()
    _restore_queues(engine)
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
    failed = [item for item in order if item.defn.enabled and not item.started]
    for item in failed:
        _fail_kept(engine, item.name, f"config item '{item.name}' did not start: {item.error}")
    if failed and engine.options.start_failure_state == "troubled":
        engine.state = TROUBLED
    return 1


def _restore_queues(engine: EngineView) -> None:
    """Messages kept at the last stop go back on their item's queue, ahead of anything new; those
    whose item is no longer in the production (or is disabled) end in Error."""
    kept, engine.kept = engine.kept, {}
    for name, works in kept.items():
        item = engine.items.get(name)
        if item is not None and item.defn.enabled:
            for work in works:
                item.queue.put(work)
        else:
            for work in works:
                fail_queued(engine, name, work, f"config item '{name}' is not in the restarted production")


def _fail_kept(engine: EngineView, name: str, text: str) -> None:
    """An item that did not start cannot deliver what was kept for it: those messages end in Error."""
    for work in _drain(engine.items[name].queue):
        fail_queued(engine, name, work, text)


def _drain(q: queue.Queue) -> List[Any]:
    """Everything queued now, in order, without the None a stop puts in to wake the job."""
    works = []
    while True:
        try:
            work = q.get_nowait()
        except queue.Empty:
            return works
        if work is not None:
            works.append(work)


def _start_item(engine: EngineView, item: Item) -> None:
    """Build the host and run OnInit (host first unless ``adapter_oninit_first``). An error status, or a
    host that cannot be built (its adapter class does not exist), leaves the item not running, with an
    Event Log error naming the item (docs/pyprod-runtime.md §8.3 Startup 5); the other items start."""
    with engine.job_context(item.name):
        try:
            item.host = engine.make_host(item)
        except ProductionError:
            raise
        except Exception as e:  # e.g. ClassNotFound for the ADAPTER parameter's class
            _not_started(engine, item, f"{e}")
            return
        item.adapter = item.host._o_props.get("Adapter") or None
        pair = [item.host, item.adapter]
        for obj in reversed(pair) if engine.options.adapter_oninit_first else pair:
            if obj is None:
                continue
            status = run_oninit(obj)
            if st.is_error(status):
                _not_started(engine, item, st.error_text(status))
                return
    item.started = True


def _not_started(engine: EngineView, item: Item, error: str) -> None:
    item.error = error
    engine.ns.log(
        "Error",
        item.defn.class_name,
        "OnInit",
        f"Item '{item.name}' failed to start and is not running: {error}",
    )


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
    if not is_running(engine.state):
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
    _keep_queues(engine)
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


def _keep_queues(engine: EngineView) -> None:
    """What is still queued stays queued (header status Queued) and is delivered at the next start, as
    IRIS keeps its queues. A sync caller cannot wait across a restart: it is answered now with an error
    that says the request is kept; at the next start the response has no waiting caller. Any other sync
    caller still waiting (its request was being handled when the jobs stopped) is answered the same way,
    so no caller waits out its own timeout."""
    for item in engine.items.values():
        works = list(item.leftover) + _drain(item.queue)
        item.leftover.clear()
        for work in works:
            if work.reply is not None:
                work.reply.set(
                    st.ErrorStatus(
                        "<Ens>ErrProductionStopped",
                        f"the production stopped while message "
                        f"{work.header_id} was queued for '{item.name}'; it stays queued and is delivered "
                        "after the next start",
                    ),
                    None,
                )
                engine.open_replies.discard(work.reply)
                work.reply = None
            engine.kept.setdefault(item.name, []).append(work)
    for reply in list(engine.open_replies):
        reply.set(
            st.ErrorStatus(
                "<Ens>ErrProductionStopped",
                f"the production stopped before '{reply.target}' answered "
                f"message {reply.header_id}",
            ),
            None,
        )
        engine.open_replies.discard(reply)


_STOP_ORDER = ("other", "BusinessProcess", "BusinessOperation")  # services (and anything else) first


def _stop_group(kind: str) -> str:
    return kind if kind in _STOP_ORDER else "other"
