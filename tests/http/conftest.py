"""Fixtures for the HTTP service tests: the offline runtime with TerminalProduction loaded, a simulator, and
``start(...)`` that runs the production with "Terminal HTTP Service" enabled on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from http_helpers import PASSWORD, SECRET, start_http_production  # noqa: E402
from production_fixtures import quiet_shared_module_warnings, rt  # noqa: E402,F401

from simulator import Simulator, SimulatorConfig  # noqa: E402


def pytest_collection_modifyitems(items):
    quiet_shared_module_warnings(items, HERE)


@pytest.fixture
def sim():
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as server:
        yield server


@pytest.fixture
def start(rt, sim):  # noqa: F811  (rt: the fixture imported above)
    """start(host=None, adapter=None, secret=SECRET) -> the HTTP service's base URL (secret None: no
    credentials entry)."""
    started = []

    def _start(host=None, adapter=None, secret=SECRET, other=None):
        port = start_http_production(rt, sim, PASSWORD, host, adapter, secret=secret, other=other)
        started.append(port)
        return f"http://127.0.0.1:{port}/"

    yield _start
    if started:
        with contextlib.suppress(Exception):
            rt.stop_production()
