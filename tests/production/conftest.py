"""The public testing fixture (simulator/runtime/pytest_plugin.py), as a user's own tests would get it."""

from simulator.runtime.pytest_plugin import production_tester  # noqa: F401
