"""The real-IRIS suite: skipped unless a real IRIS is named (docs/offline-runtime.md §24).

    LITE_TERMINAL_IRIS_URL        http://host:52773 (or https://host/prefix) of the IRIS web server
    LITE_TERMINAL_IRIS_USER       an IRIS user allowed to use /api/atelier
    LITE_TERMINAL_IRIS_PASSWORD   its password
    LITE_TERMINAL_IRIS_NAMESPACE  an interoperability-enabled namespace (default USER)
    LITE_TERMINAL_IRIS_VERIFY     0 to skip TLS verification for https (default: verify)

With IRISINSTALLDIR (and IRISUSERNAME, IRISPASSWORD, IRISNAMESPACE, as load.sh wants) also set, and this
checkout on the IRIS machine, the production tests load the package with load.sh, start the production and
drive it. Nothing here has been run against a real IRIS by us: no IRIS exists where it was written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class RealIris:
    host: str
    port: int
    tls: bool
    path_prefix: str
    username: str
    password: str
    namespace: str
    verify: bool

    def client(self, **kw):
        from adapters.lite_terminal import LiteTerminal

        return LiteTerminal(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            namespace=kw.pop("namespace", self.namespace),
            tls=self.tls,
            verify=self.verify,
            path_prefix=self.path_prefix,
            **kw,
        )


def _real_iris():
    url = os.environ.get("LITE_TERMINAL_IRIS_URL", "")
    user = os.environ.get("LITE_TERMINAL_IRIS_USER", "")
    password = os.environ.get("LITE_TERMINAL_IRIS_PASSWORD", "")
    if not (url and user and password):
        return None
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    return RealIris(
        host=parts.hostname or "localhost",
        port=parts.port or (443 if tls else 80),
        tls=tls,
        path_prefix=parts.path.rstrip("/"),
        username=user,
        password=password,
        namespace=os.environ.get("LITE_TERMINAL_IRIS_NAMESPACE", "USER"),
        verify=os.environ.get("LITE_TERMINAL_IRIS_VERIFY", "1") != "0",
    )


@pytest.fixture(scope="session")
def real_iris():
    iris = _real_iris()
    if iris is None:
        pytest.skip("no real IRIS: set LITE_TERMINAL_IRIS_URL, _USER and _PASSWORD (tests/iris/conftest.py)")
    return iris


@pytest.fixture(scope="session")
def iris_install(real_iris):
    """The local IRIS installation load.sh loads into (IRISINSTALLDIR and load.sh's variables)."""
    needed = ("IRISINSTALLDIR", "IRISUSERNAME", "IRISPASSWORD", "IRISNAMESPACE")
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        pytest.skip("production tests need " + ", ".join(missing))
    return os.environ["IRISINSTALLDIR"]
