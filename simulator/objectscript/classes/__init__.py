"""The registry of simulated classes: ``##class(Name)`` and ``$SYSTEM.Name`` resolve here.

Each module in this package defines ``CLASSES``, a list of ``ClassDef``; every module is picked up, so adding
a class is one small module (docs/simulator-objectscript.md §6).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import Dict, Optional

from ..objects import ClassDef

_BY_NAME: Dict[str, ClassDef] = {}
_BY_UPPER: Dict[str, ClassDef] = {}
#: Several simulators (one event-loop thread each) may look up their first class at the same moment: the
#: registry is filled once, under this lock, and nobody reads it half filled.
_LOAD_LOCK = threading.Lock()
_loaded = False


def _load() -> None:
    global _loaded
    with _LOAD_LOCK:
        if _loaded:
            return
        for module_info in pkgutil.iter_modules(__path__):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            for cls in getattr(module, "CLASSES", ()):
                register(cls)
        _loaded = True


def register(cls: ClassDef) -> None:
    _BY_NAME[cls.name] = cls
    _BY_UPPER[cls.name.upper()] = cls


def lookup(name: str, system: bool = False) -> Optional[ClassDef]:
    """The class called ``name`` (exact, as ``##class`` needs; any case for ``$SYSTEM.Name``)."""
    if not _loaded:
        _load()
    if system:
        return _BY_UPPER.get(name.upper())
    return _BY_NAME.get(name)


def names() -> list:
    if not _loaded:
        _load()
    return sorted(_BY_NAME)
