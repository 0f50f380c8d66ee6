"""Fixtures every test folder shares. pytest hands them to tests by name: never import this module
(each test folder has a ``conftest`` of its own, and a bare ``import conftest`` picks any of them)."""

from __future__ import annotations

import gc
from typing import Callable, Dict

import pytest
import trustme


@pytest.fixture(scope="session")
def make_tls_files(tmp_path_factory) -> Callable[..., Dict[str, str]]:
    """``make_tls_files(*hostnames)``: a private CA and a server certificate for ``hostnames``, as PEM files
    (keys ``ca``, ``cert`` with its chain, ``key``), in a fresh folder."""

    def make(*hostnames: str) -> Dict[str, str]:
        ca = trustme.CA()
        cert = ca.issue_cert(*hostnames)
        folder = tmp_path_factory.mktemp("tls")
        paths = {name: str(folder / f"{name}.pem") for name in ("ca", "cert", "key")}
        ca.cert_pem.write_to_path(paths["ca"])
        cert.private_key_pem.write_to_path(paths["key"])
        with open(paths["cert"], "wb") as chain:
            chain.write(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        return paths

    return make


@pytest.fixture(scope="session")
def tls_files(make_tls_files) -> Dict[str, str]:
    """A certificate for 127.0.0.1 and localhost, where the simulators listen."""
    return make_tls_files("127.0.0.1", "localhost")


def pytest_collection_finish(session) -> None:
    """Move everything collection made (test modules, their imports, the items) to the collector's permanent
    generation: it lives until the end of the run, and a full collection (the fixtures' ``gc.collect()``
    before a load, or one the interpreter starts) then walks only what the tests made, not ~130,000 objects
    each time (tests/benchmarks/cpu_profile.py measured a third of the CPU of the production tests in the
    collector before)."""
    gc.collect()
    gc.freeze()
