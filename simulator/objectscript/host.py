"""``Host``: what the terminal processes of one simulated server share.

Globals (one ``Store`` per namespace) and the classes ``$SYSTEM.OBJ.Load`` brought in live as long as the
simulator does; ``settings`` reads the server's live configuration (``SimulatorConfig``), so switches changed
with ``Simulator.configure`` apply to the next command.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Set, Tuple

from .storage import Store


class Host:
    def __init__(self, settings: Optional[Callable[[], Any]] = None) -> None:
        self._settings = settings
        self.globals: Dict[str, Store] = {}
        self.loaded: Dict[str, Set[str]] = {}
        #: LOCK's table: (namespace or "" for a local name, name, subscripts) -> (job, count)
        self.locks: Dict[Tuple[str, str, Tuple[str, ...]], Tuple[int, int]] = {}

    def setting(self, name: str, default: Any) -> Any:
        config = self._settings() if self._settings is not None else None
        return getattr(config, name, default)

    def globals_of(self, namespace: str) -> Store:
        store = self.globals.get(namespace)
        if store is None:
            store = self.globals[namespace] = Store()
        return store
