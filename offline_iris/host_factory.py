"""Building a config item's host object: defaults, production settings, adapter, links (
docs/pyprod-runtime.md §8.3).

Used at start for every item, for every primary request of a BusinessProcess (a persistent host per
request, docs/pyprod-runtime.md §3) and by ``Ens.Director.CreateBusinessService``.
"""

from __future__ import annotations

from typing import Any, List

from .items import Item
from .namespace import Namespace
from .options import Options, ProductionError


def coerce_setting(ptype: str, value: str) -> Any:
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


class HostFactory:
    """Makes host objects; settings that do not apply are reported per ``Options.unknown_setting``."""

    def __init__(self, ns: Namespace, options: Options) -> None:
        self.ns = ns
        self.options = options
        self.problems: List[str] = []  # settings that did not apply since the last start

    def _problem(self, msg: str) -> None:
        self.problems.append(msg)
        if self.options.unknown_setting == "error":
            raise ProductionError(msg)
        self.ns.log("Warning", "Ens.Config.Item", "ApplySettings", msg)

    def _apply(self, item: Item, obj: Any, target: str, name: str, value: str) -> None:
        cls = obj._o_cdef.name
        prop = self.ns.registry.property(cls, name)
        listed = name in self.ns.registry.settings(cls)
        if prop is None or (self.options.settings_require_listing and not listed):
            self._problem(
                f"Setting {target}:{name} of item '{item.name}' does not exist in class {cls}; "
                "it is not applied"
            )
            return
        setattr(obj, name, coerce_setting(prop.type, value))

    def make_host(self, item: Item) -> Any:
        """docs/pyprod-runtime.md §8.3 Startup 1-3: defaults, Host settings, adapter + Adapter settings,
        links."""
        host = self.ns.new(item.defn.class_name)
        host._o_set_raw("%ConfigName", item.name)
        for target, name, value in item.defn.settings:
            if target == "Host":
                self._apply(item, host, target, name, value)
        adapter_param = self.ns.registry.parameter(item.defn.class_name, "ADAPTER")
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
                    self._problem(f"Item '{item.name}' has Adapter setting {name} but class has no ADAPTER")
        return host


def run_oninit(obj: Any) -> Any:
    """OnInit when the class has one (docs/pyprod-runtime.md §8.3 Startup 4), else OK."""
    fn = getattr(obj, "OnInit", None)
    return fn() if callable(fn) else 1
