"""The small interfaces the runtime's parts depend on, instead of on the engine module.

``engine.Engine`` is the one implementation. Lifecycle, dispatch, workers, the operation and process
handlers and ``Ens.Director`` receive the engine as an argument typed with :class:`EngineView`; the
namespace and the host mixins reach it through ``Namespace.engine``, typed with ``hooks.EngineHooks``.
So no part imports ``engine`` and ``engine`` imports its parts: the dependency runs one way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ContextManager, Dict, List, Optional, Protocol, Set, Tuple

from .hooks import EngineHooks

if TYPE_CHECKING:
    from .host_factory import HostFactory
    from .items import Item, Reply, Work
    from .namespace import Namespace
    from .options import Options
    from .production import ProductionDef


class EngineView(EngineHooks, Protocol):
    """The engine's state and services as its parts see them."""

    ns: Namespace
    options: Options
    items: Dict[str, Item]
    production: Optional[ProductionDef]
    state: int
    last_start: str
    last_stop: str
    hosts: HostFactory
    python_errors: List[Dict[str, Any]]
    kept: Dict[str, List[Work]]
    open_replies: Set[Reply]

    def make_host(self, item: Item) -> Any: ...

    def job_context(
        self, name: str, session: Optional[int] = None, header: Optional[int] = None
    ) -> ContextManager[None]: ...

    def item_by(self, name: str) -> Optional[Item]: ...

    def start(self, prod: ProductionDef) -> Any: ...

    def stop(self, timeout: float = 10.0) -> Any: ...

    def create_business_service(self, name: str) -> Tuple[Any, Any]: ...
