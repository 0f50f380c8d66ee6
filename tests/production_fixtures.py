"""Fixtures of the folders that run TerminalProduction against simulators for security (tests/security,
tests/policy): the offline IRIS runtime with our modules loaded, simulators (plain or TLS with a trustme CA),
and ``start(...)`` that points the production at one of them.

A conftest.py takes them with ``from production_fixtures import make_sim, rt, sim, start``; pytest finds
fixtures by name in the conftest's namespace. The simulators' user ``_SYSTEM`` and the credentials entry hold
``security_helpers.PASSWORD``, the distinctive password the leak searches look for.
"""

from __future__ import annotations

import contextlib
import os

import pytest
from security_helpers import OP, PASSWORD
from terminal_production import offline_iris, start_terminal_production

from simulator import Simulator, SimulatorConfig


def quiet_shared_module_warnings(items, folder: str) -> None:
    """The runtime warns that several items import productions.terminal (or adapters.terminal_outbound, with
    two operations) in one process (IRIS gives each job its own copy). Those modules keep only constants
    (each adapter keeps its state on its own instance), so sharing them changes nothing in the tests below
    ``folder``."""
    for item in items:
        if str(item.fspath).startswith(folder + os.sep):
            for module in ("productions.terminal", "adapters.terminal_outbound"):
                item.add_marker(pytest.mark.filterwarnings(f"ignore:offline IRIS. module '{module}'"))


@pytest.fixture
def rt(tmp_path):
    with offline_iris(tmp_path / "iris") as runtime:
        yield runtime


@pytest.fixture
def make_sim():
    """make_sim(tls_files=None, **config) -> a running simulator whose user _SYSTEM has PASSWORD."""
    with contextlib.ExitStack() as stack:

        def _make(tls_files=None, **config):
            if tls_files:
                config.update(tls_certfile=tls_files["cert"], tls_keyfile=tls_files["key"])
            config.setdefault("users", {"_SYSTEM": PASSWORD})
            return stack.enter_context(Simulator(SimulatorConfig(**config)))

        yield _make


@pytest.fixture
def sim(make_sim):
    return make_sim()


@pytest.fixture
def start(rt, tmp_path):
    """start(sim, overrides=None, password=PASSWORD) runs TerminalProduction against ``sim``."""
    inbox, done = tmp_path / "in", tmp_path / "done"
    inbox.mkdir(exist_ok=True)  # a test may put files there before the production starts
    done.mkdir(exist_ok=True)
    started = []

    def _start(sim, overrides=None, password=PASSWORD):
        quick = {(OP, "Adapter", "ConnectTimeout"): "3"}
        start_terminal_production(rt, sim, inbox, done, {**quick, **(overrides or {})}, password)
        started.append(1)
        return inbox, done

    yield _start
    if started:
        rt.stop_production()
