"""Fixtures for the security tests: the offline IRIS runtime with TerminalProduction loaded, simulators
(plain or TLS with a trustme CA), and ``start(...)`` that points the production at one of them
(tests/production_fixtures.py, shared with tests/policy)."""

from __future__ import annotations

import os

from production_fixtures import make_sim, quiet_shared_module_warnings, rt, sim, start  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    quiet_shared_module_warnings(items, HERE)
