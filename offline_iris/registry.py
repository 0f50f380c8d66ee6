"""The namespace's class dictionary: built-in Ens classes plus classes loaded from ``.cls`` text.

It answers what IRIS's ``%Dictionary`` answers for pyprod (docs/pyprod-runtime.md §8.1:
``CompiledProperty._ExistsId``, ``CompiledMethod._ExistsId``, ``CompiledParameter._OpenId``) and what
the engine needs: inheritance (``%Extends``), merged properties and the effective SETTINGS list.
"""

from __future__ import annotations

import threading
from typing import Dict, FrozenSet, List, Optional

from .builtins import builtin_classes
from .clsparse import ClassDef, MethodDef, ParamDef, PropDef, parse_cls
from .errors import OfflineIRISError


class ClassNotFound(OfflineIRISError, LookupError):
    """Like IRIS's ``<CLASS DOES NOT EXIST>`` error."""


class ClassRegistry:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.classes: Dict[str, ClassDef] = {c.name: c for c in builtin_classes()}
        self.loaded_order: List[str] = []
        # derived answers, cleared whenever a class is (re)loaded (every message asks them several times)
        self._mro_cache: Dict[str, List[ClassDef]] = {}
        self._ancestors: Dict[str, FrozenSet[str]] = {}
        self._properties: Dict[str, Dict[str, PropDef]] = {}
        self._kinds: Dict[str, str] = {}

    # -- loading ---------------------------------------------------------------------------------
    def load_text(self, text: str) -> ClassDef:
        """``$system.OBJ.LoadStream``/``Load``: parse and (re)compile one class (
        docs/pyprod-runtime.md §1.1)."""
        cdef = parse_cls(text)
        with self._lock:
            self.classes[cdef.name] = cdef
            self._mro_cache.clear()
            self._ancestors.clear()
            self._properties.clear()
            self._kinds.clear()
            if cdef.name not in self.loaded_order:
                self.loaded_order.append(cdef.name)
        return cdef

    # -- lookups ---------------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.classes

    def get(self, name: str) -> ClassDef:
        try:
            return self.classes[name]
        except KeyError:
            raise ClassNotFound(f"<CLASS DOES NOT EXIST> *{name}") from None

    def find(self, name: str) -> Optional[ClassDef]:
        return self.classes.get(name)

    def mro(self, name: str) -> List[ClassDef]:
        """Depth-first, primary-superclass-first linearisation (ObjectScript's rule)."""
        cached = self._mro_cache.get(name)
        if cached is not None:
            return cached
        out: List[ClassDef] = []
        seen = set()

        def walk(n: str) -> None:
            if n in seen:
                return
            seen.add(n)
            c = self.classes.get(n)
            if c is None:
                return
            out.append(c)
            for sup in c.extends:
                walk(sup)

        walk(name)
        if name in self.classes:
            self._mro_cache[name] = out
        return out

    def extends(self, name: str, base: str) -> bool:
        """``%Extends``: is ``name`` ``base`` or a subclass of it."""
        names = self._ancestors.get(name)
        if names is None:
            names = frozenset(c.name for c in self.mro(name))
            if name in self.classes:
                self._ancestors[name] = names
        return base in names

    def properties(self, name: str) -> Dict[str, PropDef]:
        """Merged properties, subclass definitions winning (a shared cached dict: do not change it)."""
        merged = self._properties.get(name)
        if merged is None:
            merged = {}
            for c in reversed(self.mro(name)):
                merged.update(c.properties)
            if name in self.classes:
                self._properties[name] = merged
        return merged

    def property(self, name: str, prop: str) -> Optional[PropDef]:
        return self.properties(name).get(prop)

    def parameter(self, name: str, param: str) -> Optional[ParamDef]:
        for c in self.mro(name):
            if param in c.parameters:
                return c.parameters[param]
        return None

    def method(self, name: str, meth: str) -> Optional[MethodDef]:
        for c in self.mro(name):
            if meth in c.methods:
                return c.methods[meth]
        return None

    def settings(self, name: str) -> Dict[str, str]:
        """Effective SETTINGS: name → category, inherited, ``-Name`` removes (docs/settings.md §1 grammar)."""
        out: Dict[str, str] = {}
        for c in reversed(self.mro(name)):
            for entry in c.own_settings:
                if entry.startswith("-"):
                    out.pop(entry[1:].split(":")[0], None)
                    continue
                parts = entry.split(":")
                out[parts[0]] = parts[1] if len(parts) > 1 else ""
        return out

    def kind(self, name: str) -> str:
        """Which Ens role a class plays (the first matching base in this order)."""
        cached = self._kinds.get(name)
        if cached is None:
            cached = self._kind(name)
            if name in self.classes:
                self._kinds[name] = cached
        return cached

    def _kind(self, name: str) -> str:
        for base, kind in (
            ("Ens.BusinessService", "BusinessService"),
            ("Ens.BusinessProcess", "BusinessProcess"),
            ("Ens.BusinessOperation", "BusinessOperation"),
            ("Ens.InboundAdapter", "InboundAdapter"),
            ("Ens.OutboundAdapter", "OutboundAdapter"),
            ("Ens.Production", "Production"),
            ("%Persistent", "Persistent"),
        ):
            if self.extends(name, base):
                return kind
        return "RegisteredObject"
