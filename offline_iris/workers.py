"""The job threads' loops: a queue worker for processes/operations, a poll loop for inbound adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import status as st
from .items import Item
from .operations import handle_operation_request
from .processes import handle_process_request, handle_process_response

if TYPE_CHECKING:
    from .ports import EngineView


def run_queue(engine: EngineView, item: Item) -> None:
    """One message at a time, in the item's job context, until ``None`` or the stop flag."""
    while True:
        work = item.queue.get()
        if work is None:
            break
        if item.stop.is_set():  # stopping: the message stays queued (lifecycle keeps it for the next start)
            item.leftover.append(work)
            break
        with item.lock, engine.job_context(item.name, work.session, work.header_id):
            try:
                if item.kind == "BusinessOperation":
                    handle_operation_request(engine, item, work)
                elif work.kind == "request":
                    handle_process_request(engine, item, work)
                else:
                    handle_process_response(engine, item, work)
            except Exception as e:  # engine bug guard: never kill the job thread silently
                engine.ns.log("Error", "OfflineEngine", "worker", f"internal error: {e!r}")
                if work.reply is not None:
                    work.reply.set(st.ErrorStatus(5001, f"internal error: {e!r}"), None)


def run_inbound_adapter(engine: EngineView, item: Item) -> None:
    """OnTask every CallInterval seconds, minimum 0.1 (docs/settings.md §5)."""
    adapter = item.adapter
    adapter._o_stop = item.stop  # an OnTask that waits (EnsLib.File's ConfirmComplete=Size) ends at a stop
    while not item.stop.is_set():
        with item.lock, engine.job_context(item.name):
            try:
                status = adapter.OnTask() if callable(getattr(adapter, "OnTask", None)) else 1
                if st.is_error(status):
                    engine.ns.log("Error", adapter._o_cdef.name, "OnTask", st.error_text(status))
            except Exception as e:
                engine.ns.log("Error", adapter._o_cdef.name, "OnTask", f"internal error: {e!r}")
        if getattr(type(adapter), "_o_blocks_in_ontask", False):
            continue  # the adapter's OnTask waited for activity itself (e.g. a TCP listener)
        try:
            interval = max(0.1, float(adapter._o_props.get("CallInterval") or 5))
        except (TypeError, ValueError):
            interval = 5.0
        item.stop.wait(interval)
