"""The fake embedded-Python ``iris`` module (docs/pyprod-runtime.md §8.1).

There is exactly one module object (pyprod binds ``import iris`` once, at import time,
docs/pyprod-runtime.md §1.3), so installing a new runtime swaps its *backend* (a
:class:`~.namespace.Namespace`), never the module.

Usable on its own, e.g. to run the real pyprod loader offline::

    from offline_iris.iris_module import install, uninstall
    ns = install()            # a fresh in-memory Namespace; sys.modules["iris"] is the fake
    ...                       # intersystems_pyprod._parser.main([...]); ns.registry.classes
    uninstall()

Package/class proxies: ``iris.Pkg.Cls`` / ``getattr(iris, "a.b").Cls`` / ``iris.cls("Pkg.Cls")``;
``%`` is spelled ``_`` (``iris._Stream.GlobalCharacter``). An unknown class raises ``AttributeError``
(IRIS raises rather than returning a proxy, docs/pyprod-runtime.md §8.1).
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any, Dict, FrozenSet, Optional

from .namespace import Namespace
from .objects import iris_name
from .ssl_configs import ProcessAPI
from .status import StatusAPI
from .stubs import objectscript_error


class ref:  # noqa: N801 - the IRIS name
    """``iris.ref(value=None)``: a by-reference argument; ``None`` = undefined (
    docs/pyprod-runtime.md §2.2)."""

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"iris.ref({self.value!r})"


class arrayref:  # noqa: N801
    """``iris.arrayref()``: ``.value`` is a dict subscript → value (docs/pyprod-runtime.md §8.1)."""

    def __init__(self, value: Optional[Dict[Any, Any]] = None) -> None:
        self.value = {} if value is None else value


class _System:
    Status = StatusAPI
    Process = ProcessAPI


def _pct(name: str) -> str:
    """Python spelling → IRIS spelling of one name segment: ``_Stream`` → ``%Stream``."""
    return "%" + name[1:] if name.startswith("_") and not name.startswith("__") else name


class ClassProxy:
    """``iris.Pkg.Cls``: class methods (``_New``, ``_OpenId``, ``_ExistsId`` and built-in class
    methods such as ``Ens.Director.StartProduction``)."""

    def __init__(self, ns: Namespace, name: str) -> None:
        self._ns = ns
        self._name = name

    def _New(self, *args: Any) -> Any:  # noqa: N802
        return self._ns.new(self._name)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        provider = self._ns.class_methods.get(self._name)
        if provider is not None and hasattr(provider, attr):
            return getattr(provider, attr)
        if attr == "_OpenId":
            return lambda oid, *rest: self._ns.open(self._name, oid)
        if attr == "_ExistsId":
            return lambda oid: 0 if self._ns.open(self._name, oid) is None else 1
        meth = self._ns.registry.find(self._name) and self._ns.registry.method(self._name, iris_name(attr))
        if meth and meth.classmethod:
            cdef = self._ns.registry.get(self._name)
            return lambda *a, **k: _class_method_error(self._ns, cdef, meth)
        raise AttributeError(f"<METHOD DOES NOT EXIST> *{attr},{self._name}")

    def __repr__(self) -> str:
        return f"<iris class {self._name}>"


def _class_method_error(ns: Namespace, cdef: Any, meth: Any) -> Any:
    status = objectscript_error(cdef, meth)
    ns.log("Error", cdef.name, meth.name, status.error_text())
    return status


class PackageProxy:
    """``iris.Pkg``: resolves to a sub-package or a class; unknown names raise (
    docs/pyprod-runtime.md §8.1)."""

    def __init__(self, ns: Namespace, name: str) -> None:
        self._ns = ns
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _resolve(self._ns, f"{self._name}.{_pct(attr)}")

    def __repr__(self) -> str:
        return f"<iris package {self._name}>"


def _resolve(ns: Namespace, full: str) -> Any:
    if ns.is_class(full):
        return ClassProxy(ns, full)
    if full in _packages(ns):
        return PackageProxy(ns, full)
    raise AttributeError(f"<CLASS DOES NOT EXIST> *{full}")


def _packages(ns: Namespace) -> FrozenSet[str]:
    """Every package name with a class (or class-method provider) under it: ``A`` and ``A.B`` for ``A.B.C``.

    Kept on the namespace and rebuilt when a class name is added (names are never taken away), so the
    ``iris.Pkg.Class`` lookup each message makes does not scan every class name.
    """
    key = (len(ns.registry.classes), len(ns.class_methods))
    cached = getattr(ns, "_package_names", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    packages = set()
    for name in list(ns.registry.classes) + list(ns.class_methods):
        parts = name.split(".")
        for end in range(1, len(parts)):
            packages.add(".".join(parts[:end]))
    frozen = frozenset(packages)
    ns._package_names = (key, frozen)
    return frozen


class IrisModule(types.ModuleType):
    """The module object installed as ``sys.modules["iris"]``."""

    system = _System
    ref = ref
    arrayref = arrayref

    def __init__(self) -> None:
        super().__init__("iris", __doc__)
        self.__dict__["_backend"] = None

    @property
    def backend(self) -> Namespace:
        ns = self.__dict__.get("_backend")
        if ns is None:
            raise RuntimeError(
                "the fake iris module has no backend: call offline_iris.iris_module.install()"
            )
        return ns

    @property
    def sql(self) -> Any:
        return self.backend.sql

    def cls(self, name: str) -> ClassProxy:
        ns = self.backend
        if not ns.is_class(name):
            raise RuntimeError(f"<CLASS DOES NOT EXIST> *{name}")
        return ClassProxy(ns, name)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _resolve(self.backend, _pct(attr))


IRIS = IrisModule()
_install_lock = threading.Lock()
_saved: Dict[str, Any] = {}


def install(ns: Optional[Namespace] = None) -> Namespace:
    """Put the fake module in ``sys.modules["iris"]`` with ``ns`` (or a fresh Namespace) behind it."""
    with _install_lock:
        if ns is None:
            ns = Namespace()
        current = sys.modules.get("iris")
        if current is not IRIS and "iris" not in _saved:
            _saved["iris"] = current
        sys.modules["iris"] = IRIS
        IRIS.__dict__["_backend"] = ns
        return ns


def uninstall() -> None:
    """Detach the backend and restore whatever ``iris`` was there before (normally nothing)."""
    with _install_lock:
        IRIS.__dict__["_backend"] = None
        prev = _saved.pop("iris", None)
        if prev is None:
            if sys.modules.get("iris") is IRIS:
                del sys.modules["iris"]
        else:
            sys.modules["iris"] = prev


def current() -> Optional[Namespace]:
    return IRIS.__dict__.get("_backend")
