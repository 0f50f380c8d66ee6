"""One emulated IRIS namespace: classes, objects, persistence, event log, credentials.

This is the backend behind the fake ``iris`` module (:mod:`.iris_module`). It can be used on its own
(enough for the real pyprod loader, docs/pyprod-runtime.md §1.3) or with the production engine attached
(:mod:`.engine`), which provides ``Ens.Director`` and the host behaviour.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import status as st
from .hooks import EngineHooks
from .lookup import FunctionSetMethods, LookupTableMethods, LookupTables
from .objects import CredentialsMixin, IRISObject, MessageMixin, build_type
from .registry import ClassNotFound, ClassRegistry
from .sql import SQL
from .ssl_configs import SSLConfigMethods, SSLConfigs
from .store import LOG_TYPE_IDS, Store
from .streams import (
    FileCharacterStream,
    GlobalBinaryStream,
    GlobalCharacterStream,
    LegacyGlobalBinaryStream,
    LegacyGlobalCharacterStream,
    _Stream,
    python_bytes,
)


class Context(threading.local):
    """Who is running: stands in for the IRIS job (docs/pyprod-runtime.md §8.1: log entries are "attributed to
    the current config item/job")."""

    config_name: str = ""
    job: str = ""
    session_id: Optional[int] = None
    header_id: Optional[int] = None


class Credentials:
    """``Ens.Config.Credentials`` table: ID → (Username, Password). Passwords are never logged,
    stored in the SQLite file, or shown in a repr (docs/security.md §6)."""

    def __init__(self) -> None:
        self._items: Dict[str, Tuple[str, str]] = {}
        self._lock = threading.Lock()

    def set(self, cred_id: str, username: str, password: str) -> None:
        with self._lock:
            self._items[str(cred_id)] = (str(username), str(password))

    def delete(self, cred_id: str) -> None:
        with self._lock:
            self._items.pop(str(cred_id), None)

    def get(self, cred_id: str) -> Optional[Tuple[str, str]]:
        with self._lock:
            return self._items.get(str(cred_id))

    def ids(self) -> List[str]:
        with self._lock:
            return sorted(self._items)

    def __repr__(self) -> str:
        return f"<Credentials ids={self.ids()!r}>"


class Namespace:
    def __init__(self, db_path: str = ":memory:") -> None:
        self.registry = ClassRegistry()
        self.store = Store(db_path)
        self.sql = SQL(self.store)
        self.context = Context()
        self.credentials = Credentials()
        self.lookup_tables = LookupTables()  # ^Ens.LookupTable (docs/offline-runtime.md §27)
        self.ssl_configs = SSLConfigs()
        self.numeric_initials = True  # Options.numeric_initials (see objects.initial_value)
        self.engine: Optional[EngineHooks] = None  # set by the engine when a production runtime is attached
        self.loaded_texts: List[Tuple[str, str]] = []  # (class name, text) in LoadStream order
        self.load_listeners: List[Callable[[str, str], None]] = []
        self._types: Dict[str, type] = {}
        self._types_src: Dict[str, int] = {}
        self._ids: Dict[str, itertools.count] = {}
        self._snapshots: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self._lock = threading.RLock()
        # mixins per built-in class (hosts/adapters add theirs; docs/pyprod-runtime.md §8.3)
        self.mixins: Dict[str, type] = {
            "Ens.MessageBody": MessageMixin,
            "Ens.Config.Credentials": CredentialsMixin,
        }
        self.setters: Dict[str, Dict[str, str]] = {}
        self.type_extras: List[Callable[[Namespace, Any], Dict[str, Any]]] = []
        self.class_methods: Dict[str, Any] = {
            "Ens.Util.Log": LogMethods(self),
            "%SYSTEM.OBJ": ObjMethods(self),
            "%SYS.Python": PythonMethods(),
            "%Dictionary.CompiledProperty": DictProperty(self),
            "%Dictionary.CompiledMethod": DictMethod(self),
            "%Dictionary.CompiledParameter": DictParameter(self),
            "%Dictionary.CompiledClass": DictClass(self),
            "Ens.Config.Credentials": CredentialsMethods(self),
            "Ens.Util.FunctionSet": FunctionSetMethods(self.lookup_tables),
            "Ens.Util.LookupTable": LookupTableMethods(self.lookup_tables),
            "Security.SSLConfigs": SSLConfigMethods(self.ssl_configs),
            "Ens.Director": NoDirector(),
        }

    # -- classes and objects ---------------------------------------------------------------------
    def load_class_text(self, text: str) -> str:
        cdef = self.registry.load_text(text)
        with self._lock:
            self._types.pop(cdef.name, None)
            self._types.clear()  # subclasses may depend on it
            self.loaded_texts.append((cdef.name, text))
        for cb in list(self.load_listeners):
            cb(cdef.name, text)
        return cdef.name

    def is_class(self, name: str) -> bool:
        return name in self.registry or name in self.class_methods or name in _STREAM_TYPES

    def type_for(self, name: str) -> type:
        with self._lock:
            t = self._types.get(name)
            if t is not None:
                return t
            cdef = self.registry.get(name)
            mixins = []
            for c in self.registry.mro(name):
                mx = self.mixins.get(c.name)
                if mx is not None and mx not in mixins:
                    mixins.append(mx)
            setters: Dict[str, str] = {}
            for c in reversed(self.registry.mro(name)):
                setters.update(self.setters.get(c.name, {}))
            extra: Dict[str, Any] = {}
            for fn in self.type_extras:
                extra.update(fn(self, cdef))
            t = build_type(self, cdef, tuple(mixins), extra, setters)
            self._types[name] = t
            return t

    def new(self, name: str) -> Any:
        """``##class(X).%New()``; streams are plain Python stream objects."""
        if name in _STREAM_TYPES:
            return _STREAM_TYPES[name]()
        t = self.type_for(name)
        obj = t()
        return obj

    def save(self, obj: IRISObject) -> Any:
        """``%Save``: assign an ID once, then snapshot the state (docs/pyprod-runtime.md §8.2 "On send,
        snapshot")."""
        cname = obj._o_cdef.name
        with self._lock:
            if obj._o_id is None:
                root = self._extent_root(cname)
                counter = self._ids.setdefault(root, itertools.count(1))
                obj._o_id = str(next(counter))
            snap = obj._o_snapshot()
        stream = snap.get("SerializedStream")
        data = stream.getvalue() if isinstance(stream, _Stream) else ""
        binary = isinstance(stream, GlobalBinaryStream)
        cols = {
            k: v
            for k, v in snap.items()
            if k != "SerializedStream" and not isinstance(v, (_Stream, IRISObject)) and not k.startswith("%")
        }
        if cname == "Ens.Config.Credentials":
            cols.pop("Password", None)
        self.store.save_body(cname, obj._o_id, data, binary, cols)
        with self._lock:
            self._snapshots[(cname, obj._o_id)] = snap
        return obj._o_id

    def _extent_root(self, name: str) -> str:
        """IDs are per extent: the top %Persistent class of the hierarchy."""
        mro = [c.name for c in self.registry.mro(name)]
        root = name
        for n in mro:
            if self.registry.extends(n, "%Persistent") and n not in (
                "%Persistent",
                "%Library.Persistent",
                "Ens.MessageBody",
                "Ens.Request",
                "Ens.Response",
            ):
                root = n
        return root

    def open(self, name: str, oid: Any) -> Any:
        """``%OpenId``: a *new* in-memory object from the last saved snapshot, or ``None``."""
        with self._lock:
            snap = self._snapshots.get((name, str(oid)))
        if snap is None:
            return None
        obj = self.new(name)
        for k, v in snap.items():
            obj._o_props[k] = v.copy() if isinstance(v, _Stream) else v
        obj._o_id = str(oid)
        return obj

    def reopen(self, obj: Any) -> Any:
        """What the receiving job sees: the saved body re-opened (not the sender's object)."""
        if isinstance(obj, IRISObject) and obj._o_id is not None:
            fresh = self.open(obj._o_cdef.name, obj._o_id)
            if fresh is not None:
                return fresh
        return obj

    # -- event log -------------------------------------------------------------------------------
    def log(self, kind: str, src_class: str, src_method: str, text: Any) -> int:
        ctx = self.context
        return self.store.log(
            LOG_TYPE_IDS[kind],
            ctx.config_name,
            ctx.job or threading.current_thread().name,
            ctx.session_id,
            str(src_class),
            str(src_method),
            str(text),
        )


# -- class-method providers ------------------------------------------------------------------------
class LogMethods:
    """``Ens.Util.Log`` (docs/pyprod-runtime.md §2.4, §8.1)."""

    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def LogInfo(self, cls: Any, method: Any, text: Any) -> int:  # noqa: N802
        return self._ns.log("Info", cls, method, text) and 1

    def LogWarning(self, cls: Any, method: Any, text: Any) -> int:  # noqa: N802
        return self._ns.log("Warning", cls, method, text) and 1

    def LogError(self, cls: Any, method: Any, text: Any) -> int:  # noqa: N802
        return self._ns.log("Error", cls, method, text) and 1

    def LogAssert(self, cls: Any, method: Any, text: Any) -> int:  # noqa: N802
        return self._ns.log("Assert", cls, method, text) and 1

    def LogAlert(self, cls: Any, method: Any, text: Any) -> int:  # noqa: N802
        """An Alert entry, and the alert goes to the production's ``Ens.Alert`` item when it has one."""
        self._ns.log("Alert", cls, method, text)
        if self._ns.engine is not None:
            self._ns.engine.alert(str(text))
        return 1

    def LogTrace(self, cls: Any, method: Any, text: Any, *rest: Any) -> int:  # noqa: N802
        return self._ns.log("Trace", cls, method, text) and 1

    def LogStatus(self, cls: Any, method: Any, status: Any) -> int:  # noqa: N802
        """An Error entry for an error status, else an Info entry (pyprod's QuickStart picture, entry [10]:
        ``IRISLog.Status`` of an OK value is white); the Info text "OK" is [unverified]."""
        if st.is_ok(status):
            return self._ns.log("Info", cls, method, "OK") and 1
        return self._ns.log("Error", cls, method, st.error_text(status)) and 1


class ObjMethods:
    """``$system.OBJ``: Load/LoadStream parse and register the class (docs/pyprod-runtime.md §8.1)."""

    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def LoadStream(self, stream: Any, flags: str = "ck", *rest: Any) -> Any:  # noqa: N802
        text = stream.getvalue() if isinstance(stream, _Stream) else str(stream)
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        try:
            self._ns.load_class_text(text)
        except Exception as e:  # compile error: an error status, like IRIS
            return st.ErrorStatus(5001, f"compile failed: {e}")
        return 1

    def Load(self, path: str, flags: str = "ck", *rest: Any) -> Any:  # noqa: N802
        with open(path, encoding="utf-8") as f:
            return self.LoadStream(GlobalCharacterStream(f.read()), flags)


class PythonMethods:
    """``##class(%SYS.Python)``."""

    @staticmethod
    def Bytes(x: Any) -> bytes:  # noqa: N802
        return python_bytes(x)

    @staticmethod
    def Import(name: str) -> Any:  # noqa: N802
        import importlib

        return importlib.import_module(name)


class DictProperty:
    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def _ExistsId(self, id_: str) -> int:  # noqa: N802
        cls, _, prop = str(id_).partition("||")
        return 1 if cls in self._ns.registry and self._ns.registry.property(cls, prop) is not None else 0


class DictMethod:
    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def _ExistsId(self, id_: str) -> int:  # noqa: N802
        cls, _, meth = str(id_).partition("||")
        if cls not in self._ns.registry:
            return 0
        if self._ns.registry.method(cls, meth) is not None:
            return 1
        t = self._ns.type_for(cls)
        return (
            1 if callable(getattr(t, meth, None)) or callable(getattr(t, "_" + meth.lstrip("%"), None)) else 0
        )


class _Default:
    def __init__(self, value: Any) -> None:
        self.Default = value


class DictParameter:
    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def _OpenId(self, id_: str) -> Any:  # noqa: N802
        cls, _, name = str(id_).partition("||")
        if cls not in self._ns.registry:
            return None
        p = self._ns.registry.parameter(cls, name)
        return None if p is None else _Default(p.value)

    def _ExistsId(self, id_: str) -> int:  # noqa: N802
        return 0 if self._OpenId(id_) is None else 1


class DictClass:
    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def _ExistsId(self, name: str) -> int:  # noqa: N802
        return 1 if name in self._ns.registry else 0


class CredentialsMethods:
    """``##class(Ens.Config.Credentials).%OpenId(id)`` → object with Username/Password, or ``None``
    (agreed contract; docs/settings.md §6)."""

    def __init__(self, ns: Namespace) -> None:
        self._ns = ns

    def _OpenId(self, cred_id: Any, *rest: Any) -> Any:  # noqa: N802
        item = self._ns.credentials.get(str(cred_id))
        if item is None:
            return None
        obj = self._ns.new("Ens.Config.Credentials")
        obj._o_set_raw("SystemName", str(cred_id))
        obj._o_set_raw("Username", item[0])
        obj._o_set_raw("Password", item[1])
        obj._o_id = str(cred_id)
        return obj

    def _ExistsId(self, cred_id: Any) -> int:  # noqa: N802
        return 1 if self._ns.credentials.get(str(cred_id)) is not None else 0


class NoDirector:
    """Ens.Director before an engine is attached: every call fails like a namespace without a
    production runtime."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(*a: Any, **k: Any) -> Any:
            return st.ErrorStatus(5001, f"Ens.Director.{name}: no offline production engine is attached")

        return fail


_STREAM_TYPES: Dict[str, Callable[[], Any]] = {
    "%Stream.GlobalCharacter": GlobalCharacterStream,
    "%Stream.GlobalBinary": GlobalBinaryStream,
    "%Library.FileCharacterStream": FileCharacterStream,
    "%Stream.FileCharacter": FileCharacterStream,
    "%Library.GlobalCharacterStream": LegacyGlobalCharacterStream,
    "%Library.GlobalBinaryStream": LegacyGlobalBinaryStream,
}

__all__ = ["Namespace", "ClassNotFound", "Context", "Credentials"]
