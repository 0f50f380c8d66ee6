"""``OfflineIRIS``: the public façade (fake ``iris`` + class registry + engine + store + trace)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

from . import iris_module, trace, visual_trace
from .clsparse import ClassDef
from .engine import Engine
from .errors import OfflineIRISError
from .namespace import Namespace
from .objects import IRISObject
from .options import Options, ProductionError
from .production import Override, apply_overrides, parse_production_xml
from .store import LOG_TYPES, STATUS


class LoadError(OfflineIRISError, RuntimeError):
    """The pyprod loader exited (import or syntax error in the module; docs/pyprod-runtime.md §1.1)."""


@dataclass
class LoadReport:
    module: str
    classes: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    output: str = ""


class ClassView:
    """A loaded class as IRIS would compile it: own definition plus inherited members."""

    def __init__(self, ns: Namespace, cdef: ClassDef) -> None:
        self._ns, self.cdef = ns, cdef
        self.name = cdef.name
        self.extends = cdef.extends
        self.source = cdef.source

    @property
    def settings(self) -> Dict[str, str]:
        return self._ns.registry.settings(self.name)

    @property
    def properties(self) -> Dict[str, Any]:
        return dict(self._ns.registry.properties(self.name))

    @property
    def parameters(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for c in reversed(self._ns.registry.mro(self.name)):
            out.update(c.parameters)
        return out

    @property
    def methods(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for c in reversed(self._ns.registry.mro(self.name)):
            out.update(c.methods)
        return out

    @property
    def message_map(self) -> List[Any]:
        for c in self._ns.registry.mro(self.name):
            if c.message_map:
                return c.message_map
        return []

    @property
    def xdata(self) -> Dict[str, str]:
        return self.cdef.xdata

    def __repr__(self) -> str:
        return f"<ClassView {self.name} extends {self.extends}>"


class _Classes(Mapping):
    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def __getitem__(self, name: str) -> ClassView:
        return ClassView(self._ns, self._ns.registry.get(name))

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ns.registry.classes))

    def __len__(self) -> int:
        return len(self._ns.registry.classes)


class OfflineIRIS:
    """Context manager: installs the fake ``iris`` module on enter, removes it (and the sys.path
    entries pyprod appended) on exit. docs/offline-runtime.md says what each part emulates."""

    def __init__(
        self, workdir: Optional[Any] = None, *, options: Optional[Options] = None, **option_kw: Any
    ) -> None:
        self.workdir = str(workdir) if workdir is not None else tempfile.mkdtemp(prefix="offline-iris-")
        os.makedirs(self.workdir, exist_ok=True)
        self.options = options or Options(**option_kw)
        self.ns: Optional[Namespace] = None
        self.engine: Optional[Engine] = None
        self._saved_path: List[str] = []
        self.load_reports: List[LoadReport] = []

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> OfflineIRIS:
        self.ns = Namespace(os.path.join(self.workdir, "iris.sqlite3"))
        self.engine = Engine(self.ns, self.options)
        iris_module.install(self.ns)
        self._saved_path = list(sys.path)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.engine is not None:
                self.engine.stop()
        finally:
            iris_module.uninstall()
            added = [p for p in sys.path if p not in self._saved_path]
            for p in added:
                while p in sys.path:
                    sys.path.remove(p)
            pc = sys.modules.get("intersystems_pyprod._production_connector")
            if pc is not None:
                for p in added:
                    pc._seen_path.discard(p)
            if self.ns is not None:
                self.ns.store.close()

    # -- loading ---------------------------------------------------------------------------------
    def load(
        self, modules: Sequence[str], source_root: Optional[str] = None, manual: bool = False
    ) -> List[LoadReport]:
        """Run the real pyprod loader in module mode for each module (docs/pyprod-runtime.md §1.1, §7.1).

        Default (``manual=False``): the loader sends every class through ``$system.OBJ.LoadStream``,
        in its own order, exactly as it does against IRIS, so a Production's setting validation sees
        the hosts compiled just before it. ``manual=True`` adds ``--manual``: components are only
        written to ``-o`` and registered afterwards (Production classes still go through LoadStream,
        the docs/pyprod-runtime.md §1.1 bug), so a Production in the same module validates against nothing, as
        in IRIS.
        """
        from intersystems_pyprod import _parser

        reports = []
        outdir = os.path.join(self.workdir, "cls")
        for mod in modules:
            _parser._visited_paths.clear()  # one CLI invocation per module = a fresh process
            _parser._visited_paths_msgs.clear()
            argv = ["-m", mod, "-o", outdir]
            if manual:
                argv.append("--manual")
            if source_root:
                argv += ["-s", source_root]
            before = len(self.ns.loaded_texts)
            buf = io.StringIO()
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buf):
                warnings.simplefilter("always")
                try:
                    _parser.main(argv)
                except SystemExit as e:
                    raise LoadError(
                        f"pyprod loader failed for {mod} (exit {e.code}):\n{buf.getvalue()}"
                    ) from None
            out = buf.getvalue()
            if manual:
                for path in re.findall(r"Generated (\S+\.cls)", out):
                    with open(path, encoding="utf-8") as f:
                        self.ns.load_class_text(f.read())
            rep = LoadReport(
                mod,
                [n for n, _ in self.ns.loaded_texts[before:]],
                [str(w.message).strip() for w in caught],
                out,
            )
            reports.append(rep)
        self.load_reports.extend(reports)
        return reports

    def load_cls(self, text: str) -> str:
        """Load one hand-written class (like ``$system.OBJ.Load``)."""
        return self.ns.load_class_text(text)

    @property
    def classes(self) -> Mapping[str, ClassView]:
        return _Classes(self.ns)

    @property
    def credentials(self) -> Any:
        return self.ns.credentials

    @property
    def lookup_tables(self) -> Any:
        """``^Ens.LookupTable``: ``set(table, key, value)``, ``get``, ``remove``, ``clear``
        (docs/offline-runtime.md §27)."""
        return self.ns.lookup_tables

    # -- production ------------------------------------------------------------------------------
    def start_production(
        self, name: Optional[str] = None, *, xml: Optional[str] = None, overrides: Optional[Override] = None
    ) -> Any:
        """Start from a loaded Production class (its generated XData) or from production XML."""
        if xml is None:
            if name is None:
                raise ValueError("give a production class name or xml=")
            xml = self.ns.registry.get(name).xdata.get("ProductionDefinition")
            if not xml:
                raise ProductionError(f"{name} has no XData ProductionDefinition")
        prod = apply_overrides(parse_production_xml(xml), overrides)
        status = self.engine.start(prod)
        if status != 1:
            raise ProductionError(str(status))
        return status

    def stop_production(self, timeout: float = 10.0) -> Any:
        return self.engine.stop(timeout)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            time.sleep(interval)

    def run_for(self, seconds: float) -> None:
        time.sleep(seconds)

    # -- sending ---------------------------------------------------------------------------------
    @staticmethod
    def _to_iris(obj: Any) -> Any:
        if getattr(obj, "_fullname", None):
            obj.update_iris_message_object()
            return obj.iris_message_object
        return obj

    @staticmethod
    def to_python(obj: Any) -> Any:
        """An IRIS message body → its pyprod message when its module is imported (
        docs/pyprod-runtime.md §2.3)."""
        if not isinstance(obj, IRISObject):
            return obj
        from intersystems_pyprod._production_connector import BaseClass

        return BaseClass._createmessage(None, obj)

    def send_sync(self, target: str, request: Any, timeout: float = 10.0) -> tuple:
        """Like the Testing Service: a sync request to a BP/BO from ``EnsLib.Testing.Service``; for a
        business service, ``ProcessInput(request)`` in the caller. Returns ``(status, response)`` with
        the response converted to its pyprod message class when possible."""
        from .iris_module import ref

        item = self.engine.item_by(target)
        if item is None:
            raise KeyError(f"no config item {target!r}")
        if item.kind == "BusinessService":
            out = ref()
            with item.lock:
                status = item.host.ProcessInput(self._to_iris(request), out)
            return status, self.to_python(out.value)
        tester = self.ns.new("Ens.BusinessService")
        tester._o_set_raw("%ConfigName", "EnsLib.Testing.Service")
        saved = self.engine._enter("EnsLib.Testing.Service")
        try:
            status, resp = self.engine.send(tester, target, self._to_iris(request), True, timeout, "")
        finally:
            self.engine._leave(saved)
        return status, self.to_python(resp)

    def create_business_service(self, name: str) -> Any:
        """What ``Ens.Director.CreateBusinessService`` returns (via pyprod's director wrapper)."""
        from intersystems_pyprod import director

        status, svc = director.create_business_service(name)
        if status != 1:
            raise ProductionError(str(status))
        return svc

    # -- inspection ------------------------------------------------------------------------------
    def messages(self, session: Optional[int] = None) -> List[Dict[str, Any]]:
        rows = self.ns.store.headers(session)
        for r in rows:
            r["StatusName"] = STATUS.get(r["Status"], str(r["Status"]))
            r["TypeName"] = "Request" if r["Type"] == 1 else "Response"
        return rows

    def body(self, header: Dict[str, Any]) -> Dict[str, Any]:
        import json

        b = self.ns.store.body(header["MessageBodyClassName"], header["MessageBodyId"]) or {}
        if b and not b.get("StreamIsBinary") and b.get("SerializedStream"):
            try:
                b["json"] = json.loads(b["SerializedStream"])
            except ValueError:
                pass
        return b

    def event_log(self, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        if kind is not None and kind not in LOG_TYPES.values():
            raise ValueError(f"kind must be one of {sorted(LOG_TYPES.values())}")
        return self.ns.store.log_entries(kind)

    def trace_text(self, session: Optional[int] = None) -> str:
        return trace.render(self.ns.store, session)

    def visual_trace_html(self, sessions: Optional[Sequence[int]] = None, title: str = "") -> str:
        """The Visual Trace of ``sessions`` (default: all) as one self-contained HTML page with inline SVG."""
        kinds = {name: item.kind for name, item in self.engine.items.items()}
        return visual_trace.render_html(self.ns.store, sessions, kinds, title)

    def write_visual_trace(self, path: str, sessions: Optional[Sequence[int]] = None, title: str = "") -> str:
        """Write :meth:`visual_trace_html` to ``path`` (UTF-8); returns the absolute path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.visual_trace_html(sessions, title))
        return os.path.abspath(path)

    @property
    def python_errors(self) -> List[Dict[str, Any]]:
        return self.engine.python_errors
