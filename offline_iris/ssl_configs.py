"""Named SSL/TLS configurations (``Security.SSLConfigs``) and the job's namespace (``%SYSTEM.Process``).

What the adapter's ``SSLConfig`` setting reads in IRIS (docs/settings.md §10, docs/offline-runtime.md §29):

* ``iris.system.Process.NameSpace()`` / ``SetNamespace(ns)``: the job's current namespace, per thread (a job);
  only the production's namespace and ``%SYS`` exist here, any other name raises as IRIS does (<NAMESPACE>);
* ``Security.SSLConfigs``: ``Exists(name)`` and ``_OpenId(name)``, **only while the job is in %SYS** (the
  class lives there); from any other namespace the call raises, as a class IRIS cannot find does. Names are
  case-sensitive. The objects carry the properties the adapter reads.

Configurations are created by a test with :meth:`SSLConfigs.set` (``ProductionTester.set_ssl_config``).
"""

from __future__ import annotations

import threading
import types
from typing import Any, Dict, List, Optional

#: The namespace a job starts in (the production's).
PRODUCTION_NAMESPACE = "USER"
SYS = "%SYS"

#: Properties of a configuration and the values a new one has here. Enabled=1 and Type=0 (client) are what a
#: client configuration needs; VerifyPeer=1 is our choice for tests (docs/offline-runtime.md §29), and the
#: TLS versions are empty here although a real configuration always has them.
DEFAULTS: Dict[str, Any] = {
    "Enabled": 1, "Type": 0, "VerifyPeer": 1, "CAFile": "", "CertificateFile": "", "PrivateKeyFile": "",
    "TLSMinVersion": "", "TLSMaxVersion": "",
}

_job = threading.local()


class ProcessAPI:
    """``iris.system.Process``: the namespace of the calling job."""

    @staticmethod
    def NameSpace() -> str:  # noqa: N802 - the IRIS name
        return getattr(_job, "namespace", PRODUCTION_NAMESPACE)

    @staticmethod
    def SetNamespace(namespace: Any) -> str:  # noqa: N802
        name = str(namespace).upper()
        if name not in (PRODUCTION_NAMESPACE, SYS):
            raise RuntimeError(f"<NAMESPACE> {namespace!r} does not exist (offline IRIS has "
                               f"{PRODUCTION_NAMESPACE} and {SYS})")
        _job.namespace = name
        return name


class SSLConfigs:
    """The instance's SSL/TLS configurations: name (case-sensitive) -> properties."""

    def __init__(self) -> None:
        self._items: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def set(self, name: str, **properties: Any) -> None:
        unknown = sorted(set(properties) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"Security.SSLConfigs has no property {', '.join(unknown)} here; "
                             f"known: {', '.join(DEFAULTS)}")
        with self._lock:
            self._items[str(name)] = dict(DEFAULTS, Name=str(name), **properties)

    def delete(self, name: str) -> None:
        with self._lock:
            self._items.pop(str(name), None)

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            item = self._items.get(str(name))
            return dict(item) if item is not None else None

    def names(self) -> List[str]:
        with self._lock:
            return sorted(self._items)


class SSLConfigMethods:
    """``##class(Security.SSLConfigs)`` class methods, callable from %SYS only."""

    def __init__(self, configs: SSLConfigs) -> None:
        self._configs = configs

    def _in_sys(self) -> None:
        if ProcessAPI.NameSpace() != SYS:
            raise RuntimeError(f"<CLASS DOES NOT EXIST> Security.SSLConfigs in namespace "
                               f"{ProcessAPI.NameSpace()} (the class lives in %SYS)")

    def Exists(self, name: Any, *refs: Any) -> int:  # noqa: N802
        self._in_sys()
        return 1 if self._configs.get(str(name)) is not None else 0

    def _OpenId(self, name: Any, *rest: Any) -> Any:  # noqa: N802
        self._in_sys()
        item = self._configs.get(str(name))
        return None if item is None else types.SimpleNamespace(**item)
