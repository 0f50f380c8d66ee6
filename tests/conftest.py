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


#: The files that take longest from start to end (seconds of wall time on Python 3.11 in one process,
#: tests/benchmarks/cpu_profile.py; most of it waiting on timeouts, polls and subprocesses), longest first.
#: tests/run.sh spreads whole files over its workers in collection order (``--dist loadfile
#: --no-loadscope-reorder``): these start first, so no worker begins a 30-second file when the others are
#: nearly done. A file missing here runs after them, in the usual order.
LONGEST_FILES = (
    "tests/hostile/test_results_never_mix.py",  # 34 s
    "tests/security/test_file_service.py",  # 24 s
    "tests/client/test_cli.py",  # 23 s
    "tests/hostile/test_bounds.py",  # 18 s
    "tests/hostile/test_attribution.py",  # 14 s
    "tests/cli/test_interactive.py",  # 13 s
    "tests/production/test_e2e_production.py",  # 11 s
    "tests/production/test_load_sh.py",  # 10 s
    "tests/faults/test_fault_matrix.py",  # 10 s
    "tests/client/test_redirects.py",  # 8 s
    "tests/security/test_routes.py",  # 8 s
    "tests/security/test_visual_trace_page.py",  # 8 s
    "tests/load/test_load.py",  # 8 s
    "tests/client/test_credentials.py",  # 6 s
    "tests/fleet/test_fleet_production.py",  # 6 s
    "tests/http/test_http_service.py",  # 6 s
    "tests/http/test_http_hostile.py",  # 5 s
)


def pytest_collection_modifyitems(items) -> None:
    """The files of LONGEST_FILES first, longest first; every other item keeps its place after them."""
    rank = {name: index for index, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
