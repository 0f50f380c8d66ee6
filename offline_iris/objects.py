"""Emulated IRIS objects as embedded Python sees them.

docs/pyprod-runtime.md §8.2: ``type(obj).__module__ == "iris." + package`` and ``type(obj).__name__ ==
ClassName`` (``_createmessage`` keys on it); unknown attributes raise ``AttributeError``; Column
properties live under PascalCase names with the InitialExpression (string form for %VarString) or ``""``
as initial value; ``SerializedStream`` is settable; ``chunksFromIRIS`` behaves as the generated method.
``%Name`` members are spelled ``_Name`` from Python.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable, Dict, Optional, Tuple, Type

from .clsparse import ClassDef
from .errors import check_string
from .streams import GlobalBinaryStream, GlobalCharacterStream, _Stream, python_bytes


def iris_name(py_name: str) -> str:
    """``_ConfigName`` → ``%ConfigName`` (embedded Python spelling of ``%`` members)."""
    return "%" + py_name[1:] if py_name.startswith("_") and not py_name.startswith("__") else py_name


_CANONICAL_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_CANONICAL_DEC = re.compile(r"-?([1-9][0-9]*)?\.[0-9]*[1-9]\Z")


def canonical_number(value: Any) -> Any:
    """A string in ObjectScript's canonical number form (``45``, ``-3``, ``.5``; not ``045``, ``+1``,
    ``1.50``, ``-0``) as an int or float; any other value unchanged."""
    if not isinstance(value, str) or value == "-0":
        return value
    if _CANONICAL_INT.match(value):
        return int(value)
    if _CANONICAL_DEC.match(value):
        return float(value)
    return value


def initial_value(ptype: str, has_initial: bool, initial: Any, numeric_initials: bool = True) -> Any:
    """Initial value of a property: the InitialExpression, else ``""`` (docs/pyprod-runtime.md §8.2, §2.2).

    With ``numeric_initials`` (``Options.numeric_initials``, default on) an InitialExpression that is a
    canonical number reads back in Python as a number even when the property is a %VarString: pyprod's
    QuickStart ``IRISProperty(default=45)`` generates ``%VarString [InitialExpression = "45"]`` and on real
    IRIS its ``self.prop_setting_1 += 1`` works (docs/offline-runtime.md §14).
    """
    if not has_initial:
        return ""
    return canonical_number(initial) if numeric_initials else initial


class IRISObject:
    """Base of every emulated instance. Properties are kept per IRIS name in ``_o_props``."""

    _o_cdef: ClassDef
    _o_ns: Any  # the owning namespace.Namespace (not imported: namespace imports this module)
    _o_setters: Dict[str, str] = {}

    def __init__(self) -> None:
        numeric = getattr(self._o_ns, "numeric_initials", True)
        cls = type(self)
        initials = cls.__dict__.get("_o_initials")
        if initials is None or initials[0] != numeric:  # once per type (a class load makes new types)
            initials = (numeric, {
                name: initial_value(p.type, p.has_initial, p.initial, numeric)
                for name, p in self._o_ns.registry.properties(self._o_cdef.name).items()
            })
            cls._o_initials = initials
        object.__setattr__(self, "_o_props", dict(initials[1]))
        object.__setattr__(self, "_o_id", None)
        object.__setattr__(self, "_o_lock", threading.RLock())

    # -- property access -------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_o_"):
            raise AttributeError(name)
        props = object.__getattribute__(self, "_o_props")
        key = iris_name(name)
        if key in props:
            return props[key]
        raise AttributeError(f"<PROPERTY DOES NOT EXIST> *{name},{self._o_cdef.name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_o_"):
            object.__setattr__(self, name, value)
            return
        key = iris_name(name)
        props = object.__getattribute__(self, "_o_props")
        if key not in props:
            raise AttributeError(f"<PROPERTY DOES NOT EXIST> *{name},{self._o_cdef.name}")
        setter = self._o_setters.get(key)
        if setter is not None:
            getattr(self, setter)(value)
            return
        check_string(value, f"{self._o_cdef.name}.{key}")
        props[key] = value

    def _o_set_raw(self, key: str, value: Any) -> None:
        check_string(value, f"{self._o_cdef.name}.{key}")
        self._o_props[key] = value

    # -- %Library methods ------------------------------------------------------------------------
    def _ClassName(self, full: int = 0) -> str:  # noqa: N802 - IRIS name
        return self._o_cdef.name if full else self._o_cdef.short_name

    def _Extends(self, name: str) -> int:  # noqa: N802
        return 1 if self._o_ns.registry.extends(self._o_cdef.name, name) else 0

    def _IsA(self, name: str) -> int:  # noqa: N802
        return self._Extends(name)

    def _Id(self) -> Any:  # noqa: N802
        return "" if self._o_id is None else self._o_id

    def _Save(self) -> int:  # noqa: N802
        if not self._o_ns.registry.extends(self._o_cdef.name, "%Persistent"):
            from .status import ErrorStatus

            return ErrorStatus(5001, f"{self._o_cdef.name} is not persistent")
        self._o_ns.save(self)
        return 1

    # -- snapshot --------------------------------------------------------------------------------
    def _o_snapshot(self) -> Dict[str, Any]:
        snap = {}
        for k, v in self._o_props.items():
            snap[k] = v.copy() if isinstance(v, _Stream) else v
        return snap

    def __repr__(self) -> str:
        cols = ", ".join(
            f"{k}={v!r}"
            for k, v in self._o_props.items()
            if not isinstance(v, IRISObject) and k not in ("Password",)
        )
        return f"<{self._o_cdef.name} id={self._o_id!r} {cols}>"


class MessageMixin:
    """Behaviour of the generated message classes (docs/pyprod-runtime.md §1.4 / §8.2)."""

    def chunksFromIRIS(self, iteration: int, chunkSize: int = 1048576) -> Any:  # noqa: N802
        stream = self._o_props.get("SerializedStream")
        binary = self._o_ns.registry.property(self._o_cdef.name, "SerializedStream")
        is_binary = binary is not None and binary.type == "%Stream.GlobalBinary"
        if not isinstance(stream, _Stream):
            return b"" if is_binary else ""
        if int(iteration) == 0:
            stream.Rewind()
        if stream.AtEnd:
            return python_bytes("") if is_binary else ""
        chunk = stream.Read(chunkSize)
        return python_bytes(chunk) if is_binary else chunk

    def _GetContentType(self) -> str:  # noqa: N802
        stream = self._o_props.get("SerializedStream")
        if isinstance(stream, GlobalCharacterStream) and stream.Size > 0:
            return "application/json"
        return ""


class CredentialsMixin:
    """``Ens.Config.Credentials``: never show the password (docs/security.md §6)."""

    def __repr__(self) -> str:
        return f"<Ens.Config.Credentials id={self._o_id!r} Username={self._o_props.get('Username')!r}>"


TypeFactory = Callable[[Any, ClassDef], Tuple[type, ...]]


def build_type(
    ns: Any,
    cdef: ClassDef,
    mixins: Tuple[type, ...],
    extra: Optional[Dict[str, Any]] = None,
    setters: Optional[Dict[str, str]] = None,
) -> Type[IRISObject]:
    """Create the Python type ``iris.<Pkg>.<Cls>`` for one IRIS class (docs/pyprod-runtime.md §8.2)."""
    attrs: Dict[str, Any] = {
        "__module__": "iris." + cdef.package,
        "__qualname__": cdef.short_name,
        "_o_cdef": cdef,
        "_o_ns": ns,
        "_o_setters": dict(setters or {}),
    }
    attrs.update(extra or {})
    return type(cdef.short_name, tuple(mixins) + (IRISObject,), attrs)


def new_stream(binary: bool) -> _Stream:
    return GlobalBinaryStream() if binary else GlobalCharacterStream()
