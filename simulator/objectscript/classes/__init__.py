"""The registry of simulated classes: ``##class(Name)`` and ``$SYSTEM.Name`` resolve here.

Each module in this package defines ``CLASSES``, a list of ``ClassDef``, and is listed in ``_MODULES``
below: adding a class is one small module and one line here (docs/simulator-objectscript.md §6). The
registry is built when this package is imported, in this explicit order, so nothing is loaded lazily.
"""

from __future__ import annotations

from typing import Dict, Optional

from ..objects import ClassDef
from . import dynamic, exception, mirror, namespace, obj, process, status, version

_MODULES = (dynamic, exception, mirror, namespace, obj, process, status, version)

_BY_NAME: Dict[str, ClassDef] = {}
_BY_UPPER: Dict[str, ClassDef] = {}


def register(cls: ClassDef) -> None:
    _BY_NAME[cls.name] = cls
    _BY_UPPER[cls.name.upper()] = cls


for _module in _MODULES:
    for _cls in _module.CLASSES:
        register(_cls)


def lookup(name: str, system: bool = False) -> Optional[ClassDef]:
    """The class called ``name`` (exact, as ``##class`` needs; any case for ``$SYSTEM.Name``)."""
    if system:
        return _BY_UPPER.get(name.upper())
    return _BY_NAME.get(name)


def names() -> list:
    return sorted(_BY_NAME)
