"""Fixtures for the policy tests that run the whole production (test_through_the_production.py): the same
offline IRIS, simulators and ``start(...)`` as tests/security (tests/production_fixtures.py)."""

from __future__ import annotations

import os

from production_fixtures import make_sim, quiet_shared_module_warnings, rt, sim, start  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    quiet_shared_module_warnings(items, HERE)
