"""A BusinessProcess: a persistent host per primary request, a fresh Python object per callback
(docs/pyprod-runtime.md §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import status as st
from .dispatch import complete
from .iris_module import ref
from .items import BPContext, Item, Work
from .store import DELIVERED

if TYPE_CHECKING:
    from .ports import EngineView


def handle_process_request(engine: EngineView, item: Item, work: Work) -> None:
    """OnRequest on a new host object; complete now unless async calls are pending (then OnResponse)."""
    engine.ns.store.update_header(work.header_id, Status=DELIVERED)
    host = engine.make_host(item)
    bp = BPContext(item=item, host=host, work=work)
    host._o_bpctx = bp
    r = ref()
    status = (
        st.as_status(host.OnRequest(work.body, r))
        if callable(getattr(host, "OnRequest", None))
        else st.ErrorStatus(5001, f"{item.defn.class_name} has no OnRequest")
    )
    bp.response = r.value
    if st.is_error(status) or bp.pending == 0:
        _finish(engine, item, bp, status)


def handle_process_response(engine: EngineView, item: Item, work: Work) -> None:
    """One async reply: OnResponse, or for an error reply the inherited OnError
    (``Options.async_error_delivery``); the primary request completes when nothing is pending any more,
    or at once on an error status."""
    bp = work.bp_ctx
    assert bp is not None
    bp.pending -= 1
    if bp.done:  # the process already ended (an error closed it down): nobody handles this reply
        return
    if st.is_error(work.call_status) and engine.options.async_error_delivery == "on_error":
        # pyprod generates no OnError stub; Ens.BusinessProcess's own OnError returns the error it is given
        _finish(engine, item, bp, work.call_status)
        return
    r = ref(bp.response)
    status = st.as_status(
        bp.host.OnResponse(bp.work.body, r, work.call_request, work.call_response, work.completion_key)
    )
    bp.response = r.value
    if st.is_error(status) or bp.pending <= 0:
        _finish(engine, item, bp, status)


def _finish(engine: EngineView, item: Item, bp: BPContext, status: object) -> None:
    bp.done = True
    complete(engine, item, bp.work, status, bp.response)
