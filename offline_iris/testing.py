"""Test your own production without IRIS: the stable testing API over the offline runtime.

This module is the public, documented way to use ``offline_iris`` from your tests
(docs/testing.md §1). Its names and signatures stay stable; everything else in
``offline_iris`` may change. What the runtime emulates, and how faithfully, is in
docs/offline-runtime.md.

::

    from offline_iris.testing import ProductionTester, LITE_TERMINAL_MODULES

    with ProductionTester() as t:
        t.load(*LITE_TERMINAL_MODULES, "mypkg.myhosts", "mypkg.myproduction")
        t.set_credentials("LiteTerminal", "_SYSTEM", "secret")
        t.start("MyPkg.MyProduction", settings={("Terminal Operation", "Adapter", "Port"): 52773})
        status, response = t.call("My Service", "write 1")
        assert t.is_ok(status) and response.Status == "ok"
        print(t.trace())
        t.write_visual_trace("visual-trace.html")   # the same as a picture, to open in a browser
        assert not t.event_log("Error")

The pytest plugin ``offline_iris.pytest_plugin`` gives the same object as the ``production_tester``
fixture, and a Lite Terminal server as ``lite_terminal_server``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from delivery.components import MODULES

from .options import Options, ProductionError
from .production import apply_overrides, parse_production_xml
from .runtime import LoadError, OfflineIRIS

__all__ = [
    "LITE_TERMINAL_MODULES",
    "ItemState",
    "LogEntry",
    "LoadError",
    "ProductionError",
    "ProductionTester",
]

#: This package's modules with pyprod classes, in the order they must be loaded (messages, adapters,
#: hosts); load your own modules after them.
LITE_TERMINAL_MODULES = MODULES  # delivery/components.py: the one list

#: A setting override: (config item name, "Host" or "Adapter", setting name) -> value.
SettingKey = Tuple[str, str, str]


@dataclass(frozen=True)
class ItemState:
    """One config item of the running production, as the Production Configuration page shows it."""

    name: str
    class_name: str
    enabled: bool
    running: bool
    error: str  # why it did not start ("" when it runs or is disabled)


@dataclass(frozen=True)
class LogEntry:
    """One Event Log entry."""

    type: str  # Assert, Error, Warning, Info, Trace or Alert
    item: str  # config item name ("" when none)
    source_class: str
    source_method: str
    text: str


class ProductionTester:
    """An offline IRIS namespace for one test: load modules, start a production, call it, inspect it.

    Use it as a context manager; leaving the block stops the production and removes the fake ``iris``
    module. ``workdir`` (default: a new temporary folder) holds the message store.
    """

    def __init__(self, workdir: Optional[Any] = None, *, options: Optional[Options] = None) -> None:
        self._runtime = OfflineIRIS(workdir or tempfile.mkdtemp(prefix="production-tester-"),
                                    options=options or Options())
        self._entered = False

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> ProductionTester:
        self._runtime.__enter__()
        self._entered = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self._entered = False
        self._runtime.__exit__(*exc)

    @property
    def runtime(self) -> OfflineIRIS:
        """The underlying OfflineIRIS, for what this API does not cover (not part of the stable API)."""
        return self._runtime

    @property
    def workdir(self) -> str:
        return self._runtime.workdir

    # -- loading ---------------------------------------------------------------------------------
    def load(self, *modules: str, source_root: Optional[str] = None) -> List[str]:
        """Load modules with the real pyprod loader, in module mode, in the order given (ours first).

        Returns the IRIS classes generated. Raises ``LoadError`` when the loader fails or warns (a
        warning from pyprod's loader means a class IRIS would not compile as intended).
        """
        if not modules:
            raise ValueError("name at least one module, e.g. load(*LITE_TERMINAL_MODULES, 'mypkg.hosts')")
        classes: List[str] = []
        try:
            reports = self._runtime.load(list(modules), source_root=source_root)
        except LoadError:
            raise
        except Exception as exc:  # the loader imports the module: any import-time error
            raise LoadError(f"pyprod's loader could not load {', '.join(modules)}: "
                            f"{type(exc).__name__}: {exc}") from exc
        for report in reports:
            if report.warnings:
                raise LoadError(f"pyprod's loader warned for {report.module}: {'; '.join(report.warnings)}")
            classes.extend(report.classes)
        return classes

    # -- credentials -----------------------------------------------------------------------------
    def set_credentials(self, credentials_id: str, username: str, password: str) -> None:
        """Create or replace an entry of Interoperability > Configure > Credentials."""
        self._runtime.credentials.set(credentials_id, username, password)

    def delete_credentials(self, credentials_id: str) -> None:
        self._runtime.credentials.delete(credentials_id)

    # -- SSL/TLS configurations ------------------------------------------------------------------
    def set_ssl_config(self, name: str, **properties: Any) -> None:
        """Create or replace a named SSL/TLS configuration (System Administration > Security > SSL/TLS
        Configurations), e.g. ``set_ssl_config("LT", CAFile=ca, VerifyPeer=1)``; properties as
        ``Security.SSLConfigs`` names them (docs/offline-runtime.md §29)."""
        self._runtime.ns.ssl_configs.set(name, **properties)

    def delete_ssl_config(self, name: str) -> None:
        self._runtime.ns.ssl_configs.delete(name)

    # -- production ------------------------------------------------------------------------------
    def start(
        self,
        production: str,
        settings: Optional[Mapping[SettingKey, Any]] = None,
        disabled: Iterable[str] = (),
    ) -> None:
        """Start a loaded production class, with setting overrides and items disabled.

        An item whose settings it refuses does not start (see :meth:`items` and :meth:`event_log`), as in
        IRIS; the production still starts. ``ProductionError`` only when it cannot start at all (unknown
        class, unknown item in ``settings`` or ``disabled``, a production already running).
        """
        try:
            view = self._runtime.classes[production]
        except Exception:  # noqa: BLE001  the registry's own "no such class" error
            raise ProductionError(f"no production class {production!r} is loaded") from None
        xml = view.xdata.get("ProductionDefinition")
        if not xml:
            raise ProductionError(f"{production} has no production definition (XData ProductionDefinition)")
        overrides = {key: _setting_text(value) for key, value in (settings or {}).items()}
        try:
            prod = apply_overrides(parse_production_xml(xml), overrides)
        except KeyError as exc:
            raise ProductionError(f"settings name an item that is not in {production}: {exc}") from None
        for name in disabled:
            item = prod.item(name)
            if item is None:
                raise ProductionError(f"cannot disable {name!r}: no such item in {production}")
            item.enabled = False
        status = self._runtime.engine.start(prod)
        if status != 1:
            raise ProductionError(self.status_text(status))

    def stop(self, timeout: float = 10.0) -> None:
        self._runtime.stop_production(timeout)

    def items(self) -> Dict[str, ItemState]:
        """Every config item of the current production, by name."""
        out = {}
        for name, item in self._runtime.engine.items.items():
            out[name] = ItemState(name, item.defn.class_name, bool(item.defn.enabled), bool(item.started),
                                  str(getattr(item, "error", "") or ""))
        return out

    # -- calling ---------------------------------------------------------------------------------
    def call(self, service: str, value: Any) -> Tuple[Any, Any]:
        """Call a business service as ``Ens.Director.CreateBusinessService`` + ``ProcessInput`` would.

        ``value`` is what the service's ``on_process_input`` receives (a string, a message). Returns
        ``(status, response)``; the response is converted to its pyprod message class when its module is
        loaded, else None when the service gave none.
        """
        item = self._runtime.engine.item_by(service)
        adapter = getattr(item.host, "Adapter", None) if item is not None and item.host is not None else None
        if adapter not in (None, ""):
            return self._runtime.send_sync(service, value)  # a service with an adapter: its own job
        svc = self._runtime.create_business_service(service)
        result = svc.process_input(value)
        status, response = (result[0], result[1] if len(result) > 1 else None) \
            if isinstance(result, (tuple, list)) else (result, None)
        return status, self._runtime.to_python(response)

    def send(self, target: str, request: Any, timeout: float = 10.0) -> Tuple[Any, Any]:
        """Send a request to a process or operation, as the Management Portal's testing service does."""
        return self._runtime.send_sync(target, request, timeout)

    # -- statuses --------------------------------------------------------------------------------
    @staticmethod
    def is_ok(status: Any) -> bool:
        """True for an OK %Status (``1``). An error %Status is a truthy string: never test ``if status``."""
        return str(status) == "1"

    @staticmethod
    def status_text(status: Any) -> str:
        """``""`` for OK, else the error text as ``$system.Status.GetErrorText`` gives it."""
        if str(status) == "1":
            return ""
        text = getattr(status, "error_text", None)
        return str(text() if callable(text) else status)

    # -- inspection ------------------------------------------------------------------------------
    def event_log(self, kind: Optional[str] = None) -> List[LogEntry]:
        """The Event Log, oldest first; ``kind`` one of Assert, Error, Warning, Info, Trace, Alert."""
        return [
            LogEntry(str(e.get("TypeName", "")), str(e.get("ConfigName") or ""),
                     str(e.get("SourceClass") or ""), str(e.get("SourceMethod") or ""),
                     str(e.get("Text") or ""))
            for e in self._runtime.event_log(kind)
        ]

    def messages(self) -> List[Dict[str, Any]]:
        """Message headers (Ens.MessageHeader columns) with the body's JSON under ``"body"``."""
        rows = []
        for header in self._runtime.messages():
            row = dict(header)
            row["body"] = self._runtime.body(header).get("json", {})
            rows.append(row)
        return rows

    def trace(self) -> str:
        """The message trace as text, one hop per line, as the Visual Trace lists it."""
        return self._runtime.trace_text()

    def write_visual_trace(self, path: Any, sessions: Optional[Iterable[int]] = None, title: str = "") -> str:
        """Write the Visual Trace as a picture: one self-contained HTML page, a diagram per session (arrows
        for messages, Event Log entries beside them; click one for its body) (docs/offline-runtime.md §23).

        ``sessions`` limits it to those session IDs (default: all). Creates the page's folder when missing;
        returns the page's absolute path. Call it after the calls you want to see (or in a ``finally``)."""
        target = os.path.abspath(os.fspath(path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        chosen = None if sessions is None else [int(s) for s in sessions]
        return self._runtime.write_visual_trace(target, chosen, title or "ProductionTester")

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Poll ``predicate`` until it returns something true (returned), or raise TimeoutError."""
        return self._runtime.wait_for(predicate, timeout=timeout)


def _setting_text(value: Any) -> str:
    """A setting value as the production XML holds it: text; booleans as 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
