"""The production engine: what Ens does around the generated stubs (research pyprod.md §8.3).

Threads stand in for IRIS jobs: every config item gets one worker thread (PoolSize is honoured as 1:
each host handles one message at a time). An inbound adapter's OnTask loop runs in its service's
thread. An adapterless service made by ``CreateBusinessService`` runs in the caller's thread (research
§3). Isolation is weaker than IRIS: all items share one Python process, so module globals and pyprod's
class registries are shared across hosts; :meth:`Engine.note_module` records which modules more than
one item imports and warns about it (research §3 "A faithful harness must not let hosts share state").
"""

from __future__ import annotations

import fnmatch
import os
import queue
import shutil
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from . import status as st
from .hosts import AdapterMixin, OperationMixin, ProcessMixin, ServiceMixin
from .namespace import Namespace
from .objects import IRISObject
from .production import ItemDef, ProductionDef
from .store import COMPLETED, DELIVERED, ERROR, QUEUED, SUSPENDED, TYPE_REQUEST, TYPE_RESPONSE
from .streams import FileCharacterStream
from .stubs import stub_methods


class ProductionError(RuntimeError):
    """Starting a production failed (bad definition, or ``unknown_setting="error"``)."""


@dataclass
class Options:
    """Switches for behaviour the research leaves open ([unverified] / silent)."""

    unknown_setting: str = "warn"  # "warn": Event Log warning, not applied; "error": refuse to start
    settings_require_listing: bool = False  # also reject properties missing from SETTINGS
    adapter_oninit_first: bool = False  # run the adapter's OnInit before the host's
    max_sync_wait: float = 30.0  # cap for SendRequestSync timeout -1 (so tests cannot hang)
    max_retry_seconds: float = 30.0  # cap for E=R retries when FailureTimeout is -1
    warn_shared_modules: bool = True


class Reply:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.status: Any = None
        self.response: Any = None

    def set(self, status: Any, response: Any) -> None:
        self.status, self.response = status, response
        self.event.set()


@dataclass
class BPContext:
    """One primary request inside a BusinessProcess: its persistent host object (research §3)."""

    item: Item
    host: Any
    work: Work
    response: Any = None
    pending: int = 0


@dataclass
class Work:
    kind: str  # "request" | "response"
    header_id: int
    body: Any
    source: str
    session: int
    reply: Optional[Reply] = None
    bp_waiting: Optional[BPContext] = None  # async BP call with response required
    completion_key: Any = ""
    call_request: Any = None
    call_response: Any = None
    bp_ctx: Optional[BPContext] = None


@dataclass
class Item:
    defn: ItemDef
    kind: str
    host: Any = None
    adapter: Any = None
    queue: queue.Queue[Optional[Work]] = field(default_factory=queue.Queue)
    thread: Optional[threading.Thread] = None
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    started: bool = False
    error: str = ""

    @property
    def name(self) -> str:
        return self.defn.name


def _coerce(ptype: str, value: str) -> Any:
    """Setting text → property value by declared type [unverified: IRIS keeps what XML gives]."""
    t = ptype.rsplit(".", 1)[-1].lower()
    v = value.strip()
    if t in ("%integer", "%boolean", "integer", "boolean"):
        if v.lower() in ("true", "false"):
            return 1 if v.lower() == "true" else 0
        try:
            return int(v)
        except ValueError:
            return value
    if t in ("%numeric", "%decimal", "%double", "numeric"):
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return value
    return value


def parse_reply_code_actions(text: str) -> List[Tuple[str, str]]:
    """``E=F,E*timeout=R,E#5001=W`` → [(code, actions)] (peers.md §2)."""
    out = []
    for part in str(text or "").split(","):
        if "=" in part:
            code, _, act = part.strip().partition("=")
            out.append((code.strip(), act.strip().upper()))
    return out


def match_reply_code(rules: List[Tuple[str, str]], status: Any) -> str:
    text = st.error_text(status)
    code = getattr(status, "code", None)
    for c, act in rules:
        if c == "E":
            return act
        if c.startswith("E#") and code is not None and c[2:].strip() == str(code):
            return act
        if c.startswith("E*") and c[2:] and c[2:] in text:
            return act
    return ""


class Engine:
    def __init__(self, ns: Namespace, options: Optional[Options] = None) -> None:
        self.ns = ns
        self.options = options or Options()
        self.items: Dict[str, Item] = {}
        self.production: Optional[ProductionDef] = None
        self.state = 2  # 1 running, 2 stopped (research §4)
        self.last_start = ""
        self.last_stop = ""
        self.python_errors: List[Dict[str, Any]] = []
        self.setting_problems: List[str] = []
        self.module_users: Dict[str, Set[str]] = {}
        self._warned_modules: Set[str] = set()
        ns.engine = self
        ns.mixins.update(
            {
                "Ens.BusinessService": ServiceMixin,
                "Ens.BusinessProcess": ProcessMixin,
                "Ens.BusinessOperation": OperationMixin,
                "Ens.Adapter": AdapterMixin,
                "EnsLib.File.InboundAdapter": FileInboundMixin,
            }
        )
        ns.setters["Ens.Adapter"] = {"Credentials": "CredentialsSet"}
        ns.type_extras.append(stub_methods)
        from .director import DirectorMethods

        ns.class_methods["Ens.Director"] = DirectorMethods(self)

    # -- hooks -----------------------------------------------------------------------------------
    def on_python_exception(self, host: Any, method: str, exc: BaseException, tb: str) -> None:
        self.python_errors.append(
            {
                "config_name": self.ns.context.config_name,
                "class": host._o_cdef.name,
                "method": method,
                "exception": exc,
                "traceback": tb,
            }
        )

    def note_module(self, host: Any, module: str) -> None:
        """research §3/§7.8: modules are per job in IRIS, shared here; warn once per module."""
        name = host._o_props.get("%ConfigName") or self.ns.context.config_name
        users = self.module_users.setdefault(module, set())
        users.add(str(name))
        if self.options.warn_shared_modules and len(users) > 1 and module not in self._warned_modules:
            self._warned_modules.add(module)
            warnings.warn(
                f"offline IRIS: module {module!r} is imported by several config items "
                f"({', '.join(sorted(users))}); IRIS gives each job its own copy, here module "
                "globals are shared",
                RuntimeWarning,
                stacklevel=2,
            )

    # -- context ---------------------------------------------------------------------------------
    def _enter(self, name: str, session: Optional[int] = None, header: Optional[int] = None) -> tuple:
        c = self.ns.context
        saved = (c.config_name, c.job, c.session_id, c.header_id)
        c.config_name, c.job, c.session_id, c.header_id = (
            name,
            threading.current_thread().name,
            session,
            header,
        )
        return saved

    def _leave(self, saved: tuple) -> None:
        c = self.ns.context
        c.config_name, c.job, c.session_id, c.header_id = saved

    # -- building hosts --------------------------------------------------------------------------
    def _apply(self, item: Item, obj: Any, target: str, name: str, value: str) -> None:
        cls = obj._o_cdef.name
        prop = self.ns.registry.property(cls, name)
        listed = name in self.ns.registry.settings(cls)
        if prop is None or (self.options.settings_require_listing and not listed):
            msg = (
                f"Setting {target}:{name} of item '{item.name}' does not exist in class {cls}; "
                "it is not applied"
            )
            self.setting_problems.append(msg)
            if self.options.unknown_setting == "error":
                raise ProductionError(msg)
            self.ns.log("Warning", "Ens.Config.Item", "ApplySettings", msg)
            return
        setattr(obj, name, _coerce(prop.type, value))

    def make_host(self, item: Item) -> Any:
        """research §8.3 Startup 1-3: defaults, Host settings, adapter + Adapter settings, links."""
        host = self.ns.new(item.defn.class_name)
        host._o_set_raw("%ConfigName", item.name)
        for target, name, value in item.defn.settings:
            if target == "Host":
                self._apply(item, host, target, name, value)
        adapter_param = self.ns.registry.parameter(item.defn.class_name, "ADAPTER")
        adapter = None
        if adapter_param is not None and str(adapter_param.value):
            adapter = self.ns.new(str(adapter_param.value))
            adapter._o_set_raw("BusinessHost", host)
            for target, name, value in item.defn.settings:
                if target == "Adapter":
                    self._apply(item, adapter, target, name, value)
            host._o_set_raw("Adapter", adapter)
        else:
            for target, name, _ in item.defn.settings:
                if target == "Adapter":
                    msg = f"Item '{item.name}' has Adapter setting {name} but class has no ADAPTER"
                    self.setting_problems.append(msg)
                    if self.options.unknown_setting == "error":
                        raise ProductionError(msg)
                    self.ns.log("Warning", "Ens.Config.Item", "ApplySettings", msg)
        return host

    def _oninit(self, obj: Any) -> Any:
        fn = getattr(obj, "OnInit", None)
        return fn() if callable(fn) else 1

    # -- start / stop ----------------------------------------------------------------------------
    def start(self, prod: ProductionDef) -> Any:
        if self.state == 1:
            return st.ErrorStatus(5001, f"Production '{self.production.name}' is already running")
        for d in prod.items:
            if d.class_name not in self.ns.registry:
                raise ProductionError(f"<CLASS DOES NOT EXIST> {d.class_name} (item {d.name})")
        self.production = prod
        self.items = {}
        self.setting_problems = []
        for d in prod.items:
            item = Item(defn=d, kind=self.ns.registry.kind(d.class_name))
            self.items[d.name] = item
        self.state = 1
        self.last_start = _now()
        try:
            for item in self.items.values():
                if item.defn.enabled:
                    self._start_item(item)
            # every queue exists before any inbound adapter polls (messages sent during startup
            # must not hit a not-yet-started target)
            for item in self.items.values():
                self._start_thread(item)
        except ProductionError:
            self.stop()
            raise
        return 1

    def _start_item(self, item: Item) -> None:
        saved = self._enter(item.name)
        try:
            item.host = self.make_host(item)
            item.adapter = item.host._o_props.get("Adapter") or None
            order = (
                [item.host, item.adapter]
                if not self.options.adapter_oninit_first
                else [item.adapter, item.host]
            )
            for obj in order:
                if obj is None:
                    continue
                status = self._oninit(obj)
                if st.is_error(status):
                    item.error = st.error_text(status)
                    self.ns.log(
                        "Error",
                        item.defn.class_name,
                        "OnInit",
                        f"Item '{item.name}' failed to start: {item.error}",
                    )
                    return
        finally:
            self._leave(saved)
        item.started = True

    def _start_thread(self, item: Item) -> None:
        if not item.started:
            return
        if item.kind in ("BusinessProcess", "BusinessOperation"):
            item.thread = threading.Thread(
                target=self._worker, args=(item,), name=f"job:{item.name}", daemon=True
            )
            item.thread.start()
        elif (
            item.kind == "BusinessService"
            and item.adapter is not None
            and self.ns.registry.extends(item.adapter._o_cdef.name, "Ens.InboundAdapter")
        ):
            item.thread = threading.Thread(
                target=self._inbound_loop, args=(item,), name=f"job:{item.name}", daemon=True
            )
            item.thread.start()

    def stop(self, timeout: float = 10.0) -> Any:
        if self.state != 1:
            return 1
        for item in self.items.values():
            item.stop.set()
            item.queue.put(None)
        deadline = time.monotonic() + timeout
        for item in self.items.values():
            if item.thread is not None:
                item.thread.join(max(0.0, deadline - time.monotonic()))
        for item in self.items.values():
            if not item.started:
                continue
            saved = self._enter(item.name)
            try:
                for obj in (item.adapter, item.host):
                    fn = getattr(obj, "OnTearDown", None) if obj is not None else None
                    if callable(fn):
                        fn()
            finally:
                self._leave(saved)
            item.started = False
        self.state = 2
        self.last_stop = _now()
        return 1

    def item_by(self, name: str) -> Optional[Item]:
        if name in self.items:
            return self.items[name]
        for it in self.items.values():
            if it.defn.class_name == name:
                return it
        return None

    # -- business service entry -----------------------------------------------------------------
    def process_input(self, host: Any, pInput: Any, pOutput: Any, pHint: Any) -> Any:  # noqa: N803
        """Ens.BusinessService.ProcessInput: a new session per call (research §8.3 BusinessService)."""
        name = host._o_props.get("%ConfigName") or ""
        saved = self._enter(name, None, None)
        try:
            out = pOutput if pOutput is not None else None
            return host.OnProcessInput(pInput, out)
        finally:
            self._leave(saved)

    # -- sending ---------------------------------------------------------------------------------
    def send(
        self,
        sender: Any,
        target: str,
        req: Any,
        sync: bool,
        timeout: Any,
        description: Any,
        response_required: bool = True,
        completion_key: Any = "",
    ) -> Tuple[Any, Any]:
        ctx = self.ns.context
        source = sender._o_props.get("%ConfigName") or ctx.config_name or "?"
        if not isinstance(req, IRISObject) or not self.ns.registry.extends(req._o_cdef.name, "%Persistent"):
            # research §8.2: a Python object that is not an IRIS persistent object is rejected
            return st.ErrorStatus(
                5001, f"request to '{target}' is not a persistent IRIS object: {type(req).__name__}"
            ), None
        item = self.items.get(str(target))
        if self.state != 1 or item is None or not item.defn.enabled or not item.started:
            return st.ErrorStatus(
                5001, f"<Ens>ErrBusinessDispatchNameNotRegistered: '{target}' is not a running config item"
            ), None
        if item.kind not in ("BusinessProcess", "BusinessOperation"):
            return st.ErrorStatus(5001, f"target '{target}' is a {item.kind}; it has no queue"), None
        req._Save()
        hid = self.ns.store.new_header(
            SessionId=ctx.session_id,
            SourceConfigName=source,
            TargetConfigName=item.name,
            SourceBusinessType=self.ns.registry.kind(sender._o_cdef.name),
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
        work = Work("request", hid, self.ns.reopen(req), source, ctx.session_id)
        if sync:
            work.reply = Reply()
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
            wait = self.options.max_sync_wait
        if not work.reply.event.wait(wait):
            return st.ErrorStatus(
                5001, f"<Ens>ErrRequestTimeout: no response from '{target}' within {wait}s"
            ), None
        return work.reply.status, work.reply.response

    # -- worker ----------------------------------------------------------------------------------
    def _worker(self, item: Item) -> None:
        while True:
            work = item.queue.get()
            if work is None or item.stop.is_set():
                break
            with item.lock:
                saved = self._enter(item.name, work.session, work.header_id)
                try:
                    if item.kind == "BusinessOperation":
                        self._bo(item, work)
                    elif work.kind == "request":
                        self._bp_request(item, work)
                    else:
                        self._bp_response(item, work)
                except Exception as e:  # engine bug guard: never kill the job thread silently
                    self.ns.log("Error", "OfflineEngine", "worker", f"internal error: {e!r}")
                    if work.reply is not None:
                        work.reply.set(st.ErrorStatus(5001, f"internal error: {e!r}"), None)
                finally:
                    self._leave(saved)

    def _complete(
        self, item: Item, work: Work, status: Any, response: Any, final_state: Optional[int] = None
    ) -> None:
        ok = st.is_ok(status)
        self.ns.store.update_header(
            work.header_id,
            Status=final_state or (COMPLETED if ok else ERROR),
            IsError=0 if ok else 1,
            ErrorStatus="" if ok else st.error_text(status),
            TimeProcessed=_now(),
        )
        if not ok:
            self.ns.log(
                "Error",
                item.defn.class_name,
                "MessageHeaderHandler",
                f"Message {work.header_id} from '{work.source}' failed: {st.error_text(status)}",
            )
        out = None
        if isinstance(response, IRISObject) and self.ns.registry.extends(
            response._o_cdef.name, "%Persistent"
        ):
            response._Save()
            wants_reply = work.reply is not None or work.bp_waiting is not None
            self.ns.store.new_header(
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
                TimeProcessed=_now(),
            )
            out = self.ns.reopen(response)
        if work.reply is not None:
            work.reply.set(status, out)
        elif work.bp_waiting is not None:
            bp = work.bp_waiting
            bp.item.queue.put(
                Work(
                    "response",
                    bp.work.header_id,
                    None,
                    item.name,
                    work.session,
                    bp_ctx=bp,
                    completion_key=work.completion_key,
                    call_request=work.call_request,
                    call_response="" if out is None else out,
                )
            )

    # BusinessOperation: MessageMap by %Extends in order, else OnMessage (research §8.3)
    def _bo_handler(self, item: Item, req: Any) -> Optional[str]:
        for c in self.ns.registry.mro(item.defn.class_name):
            mm = c.message_map
            if mm:
                for mtype, meth in mm:
                    if self.ns.registry.extends(req._o_cdef.name, mtype):
                        return meth
                break
        if (
            callable(getattr(item.host, "OnMessage", None))
            and self.ns.registry.method(item.defn.class_name, "OnMessage") is not None
        ):
            return "OnMessage"
        return None

    def _bo_call(self, item: Item, req: Any) -> Tuple[Any, Any]:
        meth = self._bo_handler(item, req)
        if meth is None:
            return st.ErrorStatus(
                5001,
                f"<Ens>ErrNoHandler: no MessageMap entry or OnMessage in "
                f"{item.defn.class_name} for {req._o_cdef.name} [wording unverified]",
            ), None
        fn = getattr(item.host, meth, None)
        if not callable(fn):
            return st.ErrorStatus(5001, f"<METHOD DOES NOT EXIST> {meth},{item.defn.class_name}"), None
        from .iris_module import ref

        r = ref()
        status = st.as_status(fn(req, r))
        return status, r.value

    def _bo(self, item: Item, work: Work) -> None:
        self.ns.store.update_header(work.header_id, Status=DELIVERED)
        host = item.host
        start = time.monotonic()
        final_state = None
        disable = False
        while True:
            status, resp = self._bo_call(item, work.body)
            if st.is_ok(status):
                break
            actions = match_reply_code(
                parse_reply_code_actions(host._o_props.get("ReplyCodeActions", "")), status
            )
            if "R" in actions and not item.stop.is_set():
                interval = max(0.0, float(host._o_props.get("RetryInterval") or 0))
                ft = float(
                    host._o_props.get("FailureTimeout") if host._o_props.get("FailureTimeout") != "" else 15
                )
                limit = self.options.max_retry_seconds if ft < 0 else min(ft, self.options.max_retry_seconds)
                if time.monotonic() - start + interval <= limit:
                    self.ns.log(
                        "Warning",
                        item.defn.class_name,
                        "Retry",
                        f"Retrying message {work.header_id} in {interval}s: {st.error_text(status)}",
                    )
                    if item.stop.wait(interval):
                        break
                    continue
            if "W" in actions:
                self.ns.log("Warning", item.defn.class_name, "ReplyCodeActions", st.error_text(status))
            if "D" in actions:
                disable = True
            if "S" in actions:
                final_state = SUSPENDED
            elif "C" in actions or (actions and set(actions) <= {"W"}):
                status = 1  # W alone: warn and treat as completed [unverified]
            break
        self._complete(item, work, status, resp, final_state)
        if disable:
            item.defn.enabled = False
            item.stop.set()

    # BusinessProcess: persistent host per primary request, fresh Python object per callback (§3)
    def _bp_request(self, item: Item, work: Work) -> None:
        self.ns.store.update_header(work.header_id, Status=DELIVERED)
        host = self.make_host(item)
        bp = BPContext(item=item, host=host, work=work)
        host._o_bpctx = bp
        from .iris_module import ref

        r = ref()
        status = (
            st.as_status(host.OnRequest(work.body, r))
            if callable(getattr(host, "OnRequest", None))
            else st.ErrorStatus(5001, f"{item.defn.class_name} has no OnRequest")
        )
        bp.response = r.value
        if st.is_error(status) or bp.pending == 0:
            self._complete(item, work, status, bp.response)

    def _bp_response(self, item: Item, work: Work) -> None:
        bp = work.bp_ctx
        assert bp is not None
        bp.pending -= 1
        from .iris_module import ref

        r = ref(bp.response)
        status = st.as_status(
            bp.host.OnResponse(bp.work.body, r, work.call_request, work.call_response, work.completion_key)
        )
        bp.response = r.value
        if st.is_error(status) or bp.pending <= 0:
            self._complete(item, bp.work, status, bp.response)

    # -- inbound adapters ------------------------------------------------------------------------
    def _inbound_loop(self, item: Item) -> None:
        """OnTask every CallInterval seconds, minimum 0.1 (peers.md §2)."""
        adapter = item.adapter
        while not item.stop.is_set():
            with item.lock:
                saved = self._enter(item.name)
                try:
                    status = adapter.OnTask() if callable(getattr(adapter, "OnTask", None)) else 1
                    if st.is_error(status):
                        self.ns.log("Error", adapter._o_cdef.name, "OnTask", st.error_text(status))
                except Exception as e:
                    self.ns.log("Error", adapter._o_cdef.name, "OnTask", f"internal error: {e!r}")
                finally:
                    self._leave(saved)
            try:
                interval = max(0.1, float(adapter._o_props.get("CallInterval") or 5))
            except (TypeError, ValueError):
                interval = 5.0
            item.stop.wait(interval)

    def create_business_service(self, name: str) -> Tuple[Any, Any]:
        """Ens.Director.CreateBusinessService: a new instance in the caller, settings, OnInit (§3)."""
        item = self.item_by(name)
        if self.state != 1 or item is None or not item.defn.enabled:
            return st.ErrorStatus(
                5001, f"<Ens>ErrConfigItemNotFound: '{name}' is not an enabled item of the running production"
            ), None
        saved = self._enter(item.name)
        try:
            host = self.make_host(item)
            status = self._oninit(host)
        finally:
            self._leave(saved)
        if st.is_error(status):
            return status, None
        return 1, host


def _now() -> str:
    from .store import now

    return now()


class FileInboundMixin:
    """EnsLib.File.InboundAdapter (brief contract; [unverified] details): every file in FilePath that
    matches FileSpec (``;``-separated globs) → ``BusinessHost.ProcessInput(stream)``, then moved to
    ArchivePath or deleted. WorkPath, when set, holds the file while it is processed."""

    def OnTask(self) -> Any:  # noqa: N802
        from .iris_module import ref

        path = str(self._o_props.get("FilePath") or "")
        if not path or not os.path.isdir(path):
            return 1
        specs = [s for s in str(self._o_props.get("FileSpec") or "*").replace(",", ";").split(";") if s]
        names = sorted(
            n
            for n in os.listdir(path)
            if os.path.isfile(os.path.join(path, n)) and any(fnmatch.fnmatch(n, s) for s in specs)
        )
        charset = str(self._o_props.get("Charset") or "Default")
        for n in names:
            full = os.path.join(path, n)
            work = str(self._o_props.get("WorkPath") or "")
            current = full
            if work:
                os.makedirs(work, exist_ok=True)
                current = os.path.join(work, n)
                shutil.move(full, current)
            with open(current, "rb") as f:
                raw = f.read()
            if charset.lower() == "binary":
                data: Any = raw
            else:
                enc = "utf-8" if charset.lower() in ("default", "", "native") else charset
                data = raw.decode(enc, errors="replace")
            stream = FileCharacterStream(data, filename=full)
            self.BusinessHost.ProcessInput(stream, ref(""), ref(""))
            archive = str(self._o_props.get("ArchivePath") or "")
            if archive:
                os.makedirs(archive, exist_ok=True)
                dest = os.path.join(archive, n)
                if os.path.exists(dest):
                    dest += time.strftime("_%Y-%m-%d_%H.%M.%S")
                shutil.move(current, dest)
            else:
                os.remove(current)
        return 1


__all__ = ["Engine", "Options", "ProductionError", "Callable"]
