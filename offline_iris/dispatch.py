"""SendRequestSync/Async and message completion: headers, queues, replies (docs/pyprod-runtime.md §8.2, §8.3).

A request becomes an ``Ens.MessageHeader`` row and a ``Work`` entry on the target's queue; the target's
job completes it, which records the response header and wakes the sync caller or queues the response
back to the BusinessProcess that is waiting for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple

from . import status as st
from .alerts import alert_on_error
from .hosts import ProcessMixin
from .items import TARGET_KINDS, Item, Reply, Work, is_running
from .objects import IRISObject
from .store import COMPLETED, ERROR, QUEUED, TYPE_REQUEST, TYPE_RESPONSE, now

if TYPE_CHECKING:
    from .ports import EngineView


def send_request(
    engine: EngineView,
    sender: Any,
    target: str,
    req: Any,
    sync: bool,
    timeout: Any,
    description: Any,
    response_required: bool = True,
    completion_key: Any = "",
) -> Tuple[Any, Any]:
    """Queue ``req`` for ``target``; sync: wait for ``(status, response)``, async: ``(1, None)``."""
    ns = engine.ns
    ctx = ns.context
    source = sender._o_props.get("%ConfigName") or ctx.config_name or "?"
    if not isinstance(req, IRISObject) or not ns.registry.extends(req._o_cdef.name, "%Persistent"):
        # docs/pyprod-runtime.md §8.2: a Python object that is not an IRIS persistent object is rejected
        return st.ErrorStatus(
            5001, f"request to '{target}' is not a persistent IRIS object: {type(req).__name__}"
        ), None
    item = engine.items.get(str(target))
    if not is_running(engine.state) or item is None or not item.defn.enabled or not item.started:
        return st.ErrorStatus(
            "<Ens>ErrBusinessDispatchNameNotRegistered", f"'{target}' is not a running config item"
        ), None
    if item.kind not in TARGET_KINDS:
        return st.ErrorStatus(5001, f"target '{target}' is a {item.kind}; it has no queue"), None
    with ns.store.transaction():  # the body and its header: one commit per message
        req._Save()
        hid = ns.store.new_header(
            SessionId=ctx.session_id,
            SourceConfigName=source,
            TargetConfigName=item.name,
            SourceBusinessType=ns.registry.kind(sender._o_cdef.name),
            TargetBusinessType=item.kind,
            MessageBodyClassName=req._o_cdef.name,
            MessageBodyId=str(req._o_id),
            Status=QUEUED,
            Type=TYPE_REQUEST,
            Description=str(description or ""),
            Priority=2 if sync else 6,
            ReturnQueueName=source,
        )
    if ctx.session_id is None:
        ctx.session_id = hid
    work = Work("request", hid, ns.reopen(req), source, ctx.session_id)
    if sync:
        work.reply = Reply(item.name, hid)
        engine.open_replies.add(work.reply)
    elif response_required and isinstance(sender, ProcessMixin):
        bp = getattr(sender, "_o_bpctx", None)
        if bp is not None:
            bp.pending += 1
            work.bp_waiting = bp
            work.completion_key = completion_key
            work.call_request = work.body
    item.queue.put(work)
    if not sync:
        return 1, None
    wait = float(timeout) if timeout not in (None, "", -1, "-1") else -1
    if wait < 0:
        wait = engine.options.max_sync_wait
    reply = work.reply  # the stop may detach it from the work (the request stays queued without a caller)
    if not reply.event.wait(wait):  # first answer wins: a response after this is dropped
        reply.set(
            st.ErrorStatus("<Ens>ErrRequestTimeout", f"no response from '{target}' within {wait}s"), None
        )
    engine.open_replies.discard(reply)
    return reply.status, reply.response


def complete(
    engine: EngineView, item: Item, work: Work, status: Any, response: Any, final_state: Optional[int] = None
) -> None:
    """Close a request's header, record the response header, and deliver the response to its caller."""
    ns = engine.ns
    with ns.store.transaction():  # request closed, response body and header: one commit
        out = _complete_rows(engine, item, work, status, response, final_state)
    alert_on_error(engine, item.host, status)
    _answer(engine, item.name, work, status, out)


def _answer(engine: EngineView, source: str, work: Work, status: Any, out: Any) -> None:
    """Hand the outcome to whoever waits: the sync caller, or the BusinessProcess that made the call."""
    if work.reply is not None:
        keep = st.is_ok(status) or engine.options.sync_error_reply != "none"
        work.reply.set(status, out if keep else None)
    elif work.bp_waiting is not None:
        bp = work.bp_waiting
        deliver(
            engine,
            bp.item.name,
            Work(
                "response",
                bp.work.header_id,
                None,
                source,
                work.session,
                bp_ctx=bp,
                completion_key=work.completion_key,
                call_request=work.call_request,
                call_response="" if out is None else out,
                call_status=status,
            ),
        )


def deliver(engine: EngineView, name: str, work: Work) -> None:
    """Queue ``work`` at config item ``name`` (looked up by name: the item may have been restarted since
    the work was created); while the production is stopped, it waits in ``engine.kept`` for the next start."""
    target = engine.items.get(name)
    if is_running(engine.state) and target is not None and target.started and not target.stop.is_set():
        target.queue.put(work)
    else:
        engine.kept.setdefault(name, []).append(work)


def fail_queued(engine: EngineView, name: str, work: Work, text: str) -> None:
    """A kept request whose target is gone at the next start: its header ends in Error with ``text``,
    an Event Log error says so, and its caller gets the error (a waiting BusinessProcess: OnError, or
    OnResponse with no response, per ``Options.async_error_delivery``)."""
    ns = engine.ns
    status = st.ErrorStatus(5001, text)
    ns.store.update_header(
        work.header_id, Status=ERROR, IsError=1, ErrorStatus=st.error_text(status), TimeProcessed=now()
    )
    ns.log("Error", "Ens.Queue", "Restore", f"Message {work.header_id} queued for '{name}': {text}")
    _answer(engine, name, work, status, None)


def _complete_rows(
    engine: EngineView, item: Item, work: Work, status: Any, response: Any, final_state: Optional[int]
) -> Any:
    ns = engine.ns
    ok = st.is_ok(status)
    ns.store.update_header(
        work.header_id,
        Status=final_state or (COMPLETED if ok else ERROR),
        IsError=0 if ok else 1,
        ErrorStatus="" if ok else st.error_text(status),
        TimeProcessed=now(),
    )
    if not ok:
        ns.log(
            "Error",
            item.defn.class_name,
            "MessageHeaderHandler",
            f"Message {work.header_id} from '{work.source}' failed: {st.error_text(status)}",
        )
    out = None
    if isinstance(response, IRISObject) and ns.registry.extends(response._o_cdef.name, "%Persistent"):
        response._Save()
        wants_reply = work.reply is not None or work.bp_waiting is not None
        ns.store.new_header(
            SessionId=work.session,
            SourceConfigName=item.name,
            TargetConfigName=work.source,
            SourceBusinessType=item.kind,
            MessageBodyClassName=response._o_cdef.name,
            MessageBodyId=str(response._o_id),
            Status=COMPLETED if wants_reply else 4,
            Type=TYPE_RESPONSE,
            CorrespondingMessageId=work.header_id,
            IsError=0 if ok else 1,
            ErrorStatus="" if ok else st.error_text(status),
            TimeProcessed=now(),
        )
        out = ns.reopen(response)
    return out
