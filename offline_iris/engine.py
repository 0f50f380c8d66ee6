"""The production engine: what Ens does around the generated stubs (docs/pyprod-runtime.md §8.3).

This module holds the engine's state and its entry points; the work is done by one module per job:

* ``lifecycle``    start/stop, start order, job threads        * ``host_factory`` host objects and settings
* ``dispatch``     SendRequest, headers, response delivery      * ``workers``      job thread loops
* ``operations``   BO MessageMap and ReplyCodeActions          * ``processes``    BP contexts, OnResponse
* ``file_adapter`` EnsLib.File.InboundAdapter                   * ``options``      behaviour switches

The parts never import this module: they take the engine as an argument typed with
``ports.EngineView`` (hosts and stubs reach it as ``hooks.EngineHooks`` through ``Namespace.engine``),
so imports run one way, from here to the parts (``tests/offline_iris/test_imports.py`` keeps it so).

Isolation is weaker than IRIS: all items share one Python process, so module globals and pyprod's class
registries are shared across hosts; :meth:`Engine.note_module` records which modules more than one item
imports and warns about it (docs/pyprod-runtime.md §3 "A faithful emulator must not let hosts share state").
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from . import lifecycle
from . import status as st
from .alerts import alert_on_error, send_alert
from .config_objects import ProductionConfigMethods
from .director import DirectorMethods
from .dispatch import send_request
from .file_adapter import FileInboundMixin
from .host_factory import HostFactory, run_oninit
from .hosts import AdapterMixin, OperationMixin, ProcessMixin, ServiceMixin
from .http_adapter import HTTPInboundMixin
from .items import Item, Reply, Work, is_running
from .namespace import Namespace
from .options import Options, ProductionError
from .passthrough import PassthroughServiceMixin
from .production import ProductionDef
from .stubs import stub_methods
from .tcp_adapters import TextLineInboundMixin, TextLineOutboundMixin


def own_line(text: str, category: type) -> str:
    """``text`` so that the warning prints on a line of its own: pyprod's loader replaces
    ``warnings.formatwarning`` for the whole process with one that adds no line end, which glued this
    warning to the next output; the active formatter is asked, so Python's own is left as it is."""
    shown = warnings.formatwarning(text, category, "", 0)
    return text if shown.endswith("\n") else text + "\n"


class Engine:
    """One namespace's production engine: at most one production runs at a time (
    docs/pyprod-runtime.md §4)."""

    def __init__(self, ns: Namespace, options: Optional[Options] = None) -> None:
        self.ns = ns
        self.options = options or Options()
        self.items: Dict[str, Item] = {}
        self.production: Optional[ProductionDef] = None
        self.state = 2  # 1 running, 2 stopped (docs/pyprod-runtime.md §4)
        self.last_start = ""
        self.last_stop = ""
        self.python_errors: List[Dict[str, Any]] = []
        # Messages still queued when the production stopped, per config item name, delivered at the next
        # start (IRIS keeps its queues across restarts); sync callers still waiting, answered at stop.
        self.kept: Dict[str, List[Work]] = {}
        self.open_replies: Set[Reply] = set()
        self.module_users: Dict[str, Set[str]] = {}
        self._warned_modules: Set[str] = set()
        self.hosts = HostFactory(ns, self.options)
        ns.numeric_initials = self.options.numeric_initials
        ns.engine = self
        ns.mixins.update(
            {
                "Ens.BusinessService": ServiceMixin,
                "Ens.BusinessProcess": ProcessMixin,
                "Ens.BusinessOperation": OperationMixin,
                "Ens.Adapter": AdapterMixin,
                "EnsLib.File.InboundAdapter": FileInboundMixin,
                "EnsLib.File.PassthroughService": PassthroughServiceMixin,
                "EnsLib.TCP.TextLineInboundAdapter": TextLineInboundMixin,
                "EnsLib.TCP.TextLineOutboundAdapter": TextLineOutboundMixin,
                "EnsLib.HTTP.InboundAdapter": HTTPInboundMixin,
            }
        )
        ns.setters["Ens.Adapter"] = {"Credentials": "CredentialsSet"}
        ns.type_extras.append(stub_methods)
        ns.class_methods["Ens.Director"] = DirectorMethods(self)
        ns.class_methods["Ens.Config.Production"] = ProductionConfigMethods(self)

    @property
    def setting_problems(self) -> List[str]:
        """Settings that did not apply since the last start (also in the Event Log as warnings)."""
        return self.hosts.problems

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
        """docs/pyprod-runtime.md §3/§7.8: modules are per job in IRIS, shared here; warn once per module."""
        name = host._o_props.get("%ConfigName") or self.ns.context.config_name
        users = self.module_users.setdefault(module, set())
        users.add(str(name))
        if self.options.warn_shared_modules and len(users) > 1 and module not in self._warned_modules:
            self._warned_modules.add(module)
            text = (f"offline IRIS: module {module!r} is imported by several config items "
                    f"({', '.join(sorted(users))}); IRIS gives each job its own copy, here module "
                    "globals are shared")
            warnings.warn(own_line(text, RuntimeWarning), RuntimeWarning, stacklevel=2)

    def alert(self, text: str) -> None:
        """IRISLog.Alert / LogAlert: the Event Log entry is written by the caller; this sends it on."""
        send_alert(self, text)

    # -- job context (what $this job is: config name, session, header) ---------------------------
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

    @contextlib.contextmanager
    def job_context(
        self, name: str, session: Optional[int] = None, header: Optional[int] = None
    ) -> Iterator[None]:
        """Run as config item ``name`` (restores the caller's context afterwards)."""
        saved = self._enter(name, session, header)
        try:
            yield
        finally:
            self._leave(saved)

    # -- production ------------------------------------------------------------------------------
    def make_host(self, item: Item) -> Any:
        """docs/pyprod-runtime.md §8.3 Startup 1-3: defaults, Host settings, adapter + Adapter settings,
        links."""
        return self.hosts.make_host(item)

    def start(self, prod: ProductionDef) -> Any:
        return lifecycle.start_production(self, prod)

    def stop(self, timeout: float = 10.0) -> Any:
        return lifecycle.stop_production(self, timeout)

    def item_by(self, name: str) -> Optional[Item]:
        """A config item by name, else by class name."""
        if name in self.items:
            return self.items[name]
        for it in self.items.values():
            if it.defn.class_name == name:
                return it
        return None

    # -- entry points for hosts ------------------------------------------------------------------
    def process_input(self, host: Any, pInput: Any, pOutput: Any, pHint: Any) -> Any:  # noqa: N803
        """Ens.BusinessService.ProcessInput: a new session per call (docs/pyprod-runtime.md §8.3
        BusinessService)."""
        name = host._o_props.get("%ConfigName") or ""
        with self.job_context(name, None, None):
            out = pOutput if pOutput is not None else None
            status = host.OnProcessInput(pInput, out)
            alert_on_error(self, host, status)
            return status

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
        """SendRequestSync/Async from any host (see ``dispatch.send_request``)."""
        return send_request(
            self, sender, target, req, sync, timeout, description, response_required, completion_key
        )

    def create_business_service(self, name: str) -> Tuple[Any, Any]:
        """Ens.Director.CreateBusinessService: a new instance in the caller, settings, OnInit
        (docs/pyprod-runtime.md §3)."""
        item = self.item_by(name)
        if not is_running(self.state) or item is None or not item.defn.enabled:
            return st.ErrorStatus(
                "<Ens>ErrConfigItemNotFound", f"'{name}' is not an enabled item of the running production"
            ), None
        with self.job_context(item.name):
            host = self.make_host(item)
            status = run_oninit(host)
        if st.is_error(status):
            return status, None
        return 1, host


__all__ = ["Engine", "Options", "ProductionError", "Callable"]
