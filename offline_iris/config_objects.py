"""``Ens.Config.Production`` / ``Ens.Config.Item`` / ``Ens.Config.Setting`` as a running job reads them
(docs/offline-runtime.md §26): the definition of the production that runs, read-only.

``##class(Ens.Config.Production).%OpenId(name)``, then ``FindItemByConfigName(name, .status, 1)``, then
``.Settings``: a list collection (``Count()``, ``GetAt(i)`` from 1) of settings with ``Name``, ``Target``
(Host or Adapter) and ``Value``. These are the calls a public utility makes on IRIS
(https://github.com/evshvarov/production-settings, ``shvarov.i14y.Settings``).
``Ens.Director.GetActiveProductionName()`` names the production (director.py).
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:
    from .ports import EngineView


class ListOfObjects:
    """A %ListOfObjects: ``Count()`` and ``GetAt(i)``, 1-based."""

    def __init__(self, items: List[Any]) -> None:
        self._items = list(items)

    def Count(self) -> int:  # noqa: N802 - the IRIS name
        return len(self._items)

    def GetAt(self, index: Any) -> Any:  # noqa: N802
        i = int(index)
        return self._items[i - 1] if 1 <= i <= len(self._items) else ""


class ProductionConfig:
    """One production's definition as ``Ens.Config.Production`` shows it."""

    def __init__(self, prod: Any) -> None:
        self.Name = prod.name
        self._prod = prod

    def FindItemByConfigName(self, name: Any, status: Any = None, *rest: Any) -> Any:  # noqa: N802
        item = self._prod.item(str(name))
        if item is None:
            return ""
        settings = [types.SimpleNamespace(Target=t, Name=n, Value=v) for t, n, v in item.settings]
        return types.SimpleNamespace(Name=item.name, ClassName=item.class_name,
                                     Settings=ListOfObjects(settings))


class ProductionConfigMethods:
    """``##class(Ens.Config.Production)``: ``%OpenId`` of the production that runs (others are not kept)."""

    def __init__(self, engine: EngineView) -> None:
        self._engine = engine

    def _OpenId(self, name: Any, *rest: Any) -> Any:  # noqa: N802
        prod = self._engine.production
        return ProductionConfig(prod) if prod is not None and prod.name == str(name) else None
