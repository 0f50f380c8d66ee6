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
        complete(engine, item, work, status, bp.response)


def handle_process_response(engine: EngineView, item: Item, work: Work) -> None:
    """OnResponse for one async reply; the primary request completes with the last one (or an error)."""
    bp = work.bp_ctx
    assert bp is not None
    bp.pending -= 1
    r = ref(bp.response)
    status = st.as_status(
        bp.host.OnResponse(bp.work.body, r, work.call_request, work.call_response, work.completion_key)
    )
    bp.response = r.value
    if st.is_error(status) or bp.pending <= 0:
        complete(engine, item, bp.work, status, bp.response)
