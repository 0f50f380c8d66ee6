"""Methods the Ens base classes give host and adapter objects (what pyprod calls on ``$this``).

docs/pyprod-runtime.md §2.2 fixes the argument counts per host kind:
BS ``SendRequestSync(target, req, respRef, timeout, desc, handlingRef)`` (6) / ``SendRequestAsync(target,
req, desc)``; BP ``SendRequestSync`` (5) / ``SendRequestAsync(target, req, responseRequired, completionKey,
desc)``; BO ``SendRequestSync`` (5) / ``SendRequestAsync(target, req, desc)``. Extra arguments fail like an
ObjectScript ``<PARAMETER>`` error (a Python ``TypeError``). Output refs stay ``None`` when there is no
response (docs/pyprod-runtime.md §2.2 "Emulator choice").
"""

from __future__ import annotations

from typing import Any

from . import status as st
from .hooks import EngineHooks


def _engine(obj: Any) -> EngineHooks:
    eng = obj._o_ns.engine
    if eng is None:
        raise RuntimeError("no offline production engine attached")
    return eng


def _set(ref: Any, value: Any) -> None:
    if ref is not None and hasattr(ref, "value") and value is not None:
        ref.value = value


def _send_sync(host: Any, target: Any, request: Any, response_ref: Any, timeout: Any, description: Any
               ) -> Any:
    """SendRequestSync for every host kind: the status, and the response (if any) put in ``response_ref``."""
    status, response = _engine(host).send(host, target, request, True, timeout, description)
    _set(response_ref, response)
    return status


class ServiceMixin:
    """Ens.BusinessService."""

    @property
    def _SessionId(self) -> Any:  # noqa: N802  %SessionId: the session ProcessInput's first send started
        return self._o_ns.context.session_id or ""

    def ProcessInput(self, pInput: Any, pOutput: Any = None, pHint: Any = None) -> Any:  # noqa: N802,N803
        return _engine(self).process_input(self, pInput, pOutput, pHint)

    def OnProcessInput(self, pInput: Any, pOutput: Any = None) -> Any:  # noqa: N802,N803
        return st.ErrorStatus(5001, f"{self._o_cdef.name} does not implement OnProcessInput")

    def SendRequestSync(
        self,
        pTargetDispatchName: Any,
        pRequest: Any,
        pResponse: Any = None,  # noqa: N802,N803
        pTimeout: Any = -1,
        pDescription: Any = "",
        pSendSyncHandling: Any = None,
    ) -> Any:  # noqa: N803
        return _send_sync(self, pTargetDispatchName, pRequest, pResponse, pTimeout, pDescription)

    def SendRequestAsync(self, pTargetDispatchName: Any, pRequest: Any, pDescription: Any = "") -> Any:  # noqa: N802,N803
        return _engine(self).send(self, pTargetDispatchName, pRequest, False, -1, pDescription)[0]


class ProcessMixin:
    """Ens.BusinessProcess."""

    def SendRequestSync(
        self,
        pTargetDispatchName: Any,
        pRequest: Any,
        pResponse: Any = None,  # noqa: N802,N803
        pTimeout: Any = -1,
        pDescription: Any = "",
    ) -> Any:  # noqa: N803
        return _send_sync(self, pTargetDispatchName, pRequest, pResponse, pTimeout, pDescription)

    def SendRequestAsync(
        self,
        pTargetDispatchName: Any,
        pRequest: Any,
        pResponseRequired: Any = 1,  # noqa: N802,N803
        pCompletionKey: Any = "",
        pDescription: Any = "",
    ) -> Any:  # noqa: N803
        return _engine(self).send(
            self,
            pTargetDispatchName,
            pRequest,
            False,
            -1,
            pDescription,
            response_required=bool(int(pResponseRequired or 0)),
            completion_key=pCompletionKey,
        )[0]


class OperationMixin:
    """Ens.BusinessOperation."""

    # docs/pyprod-runtime.md §2.2: a BO sends sync like a BusinessProcess (5 arguments) and async like a
    # BusinessService (3 arguments).
    SendRequestSync = ProcessMixin.SendRequestSync
    SendRequestAsync = ServiceMixin.SendRequestAsync


class AdapterMixin:
    """Ens.Adapter: setting ``Credentials`` runs ``CredentialsSet``, which opens ``%CredentialsObj``
    from ``Ens.Config.Credentials`` (docs/settings.md §6). A missing ID leaves ``%CredentialsObj`` =
    ``""``."""

    def CredentialsSet(self, pInVal: Any) -> Any:  # noqa: N802,N803
        self._o_props["Credentials"] = pInVal
        obj = self._o_ns.class_methods["Ens.Config.Credentials"]._OpenId(pInVal) if pInVal else None
        self._o_props["%CredentialsObj"] = "" if obj is None else obj
        return 1
