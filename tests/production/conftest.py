"""The public testing fixture (offline_iris/pytest_plugin.py), as a user's own tests would get it."""

from offline_iris.pytest_plugin import production_tester  # noqa: F401
