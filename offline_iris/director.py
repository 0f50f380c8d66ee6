"""``Ens.Director`` class methods (docs/pyprod-runtime.md §4, §8.1), backed by the offline engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from . import status as st
from .items import TROUBLED, is_running
from .production import parse_production_xml

if TYPE_CHECKING:
    from .ports import EngineView


def lb(*items: Any) -> str:
    """``$LB`` of short strings, in the byte layout ``director.list_all_productions`` parses
    (docs/pyprod-runtime.md §4): each element is chr(len+2) + "\\x01" + text."""
    out = []
    for it in items:
        s = "" if it is None else str(it)
        out.append(chr(len(s) + 2) + "\x01" + s)
    return "".join(out)


class DirectorMethods:
    def __init__(self, engine: EngineView) -> None:
        self._engine = engine

    def _prod_def(self, name: str) -> Any:
        cdef = self._engine.ns.registry.get(name)
        xml = cdef.xdata.get("ProductionDefinition")
        if not xml:
            raise ValueError(f"{name} has no XData ProductionDefinition")
        return parse_production_xml(xml)

    def StartProduction(self, pProductionName: Optional[str] = None) -> Any:  # noqa: N802,N803
        eng = self._engine
        name = pProductionName or (eng.production.name if eng.production else "")
        if not name:
            return st.ErrorStatus(5001, "no production name given and none was run before")
        try:
            return eng.start(self._prod_def(name))
        except Exception as e:
            return st.ErrorStatus(5001, str(e))

    def StopProduction(self, pTimeout: Any = 10, pForce: Any = 0) -> Any:  # noqa: N802,N803
        return self._engine.stop(float(pTimeout or 10))

    def RestartProduction(self, pTimeout: Any = 10, pForce: Any = 0) -> Any:  # noqa: N802,N803
        eng = self._engine
        if eng.production is None:
            return st.ErrorStatus(5001, "no production to restart")
        prod = eng.production
        eng.stop(float(pTimeout or 10))
        return eng.start(prod)

    def UpdateProduction(self, pTimeout: Any = 10, pForce: Any = 0, pCalledByScheduleHandler: Any = 0) -> Any:  # noqa: N802,N803
        """Offline: restart so that items pick up changed settings (IRIS restarts changed items only)."""
        return self.RestartProduction(pTimeout, pForce)

    def CleanProduction(self, pKillAppDataToo: Any = 0) -> Any:  # noqa: N802,N803
        if is_running(self._engine.state):
            return st.ErrorStatus(5001, "CleanProduction: the production is running")
        return 1

    def EnableConfigItem(self, pConfigItemName: str, pEnable: Any = 1, pDoUpdate: Any = 1) -> Any:  # noqa: N802,N803
        eng = self._engine
        item = eng.item_by(pConfigItemName)
        if item is None:
            return st.ErrorStatus("<Ens>ErrConfigItemNotFound", f"{pConfigItemName}")
        item.defn.enabled = bool(int(pEnable))
        if int(pDoUpdate or 0) and is_running(eng.state):
            return self.UpdateProduction()
        return 1

    def GetProductionStatus(
        self,
        pProductionName: Any = None,
        pState: Any = None,
        pLockTimeout: Any = 10,  # noqa: N802,N803
        pSkipLockIfRunning: Any = 0,
    ) -> Any:  # noqa: N803
        eng = self._engine
        if pProductionName is not None:
            pProductionName.value = eng.production.name if (is_running(eng.state) and eng.production) else ""
        if pState is not None:
            pState.value = eng.state
        return 1

    def GetProductionSummary(self, pInfo: Any, pNamespace: Any = None) -> Any:  # noqa: N802,N803
        eng = self._engine
        for name in eng.ns.registry.classes:
            if eng.ns.registry.kind(name) == "Production" and not eng.ns.registry.get(name).builtin:
                running = is_running(eng.state) and eng.production is not None and eng.production.name == name
                fields = [("Troubled" if eng.state == TROUBLED else "Running") if running else "Stopped"]
                if eng.last_start and (running or eng.last_stop):
                    fields.append(eng.last_start)
                if eng.last_stop and not running:
                    fields.append(eng.last_stop)
                pInfo.value[name] = lb(*fields)
        return 1

    def CreateBusinessService(self, pConfigName: str, pService: Any) -> Any:  # noqa: N802,N803
        status, host = self._engine.create_business_service(pConfigName)
        if host is not None and pService is not None:
            pService.value = host
        return status

    def GetActiveProductionName(self) -> str:  # noqa: N802
        """The production that runs (or ran last) in this namespace, "" when none."""
        prod = self._engine.production
        return prod.name if prod is not None else ""

    def IsProductionRunning(self, pProductionName: Any = None) -> int:  # noqa: N802,N803
        return 1 if is_running(self._engine.state) else 0
