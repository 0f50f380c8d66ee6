"""The testing fixtures a user's own tests get with ``pytest_plugins = ["offline_iris.pytest_plugin"]``
in their top-level conftest (pytest allows ``pytest_plugins`` only there; importing the fixtures, as here,
works in any conftest)."""

from offline_iris.pytest_plugin import (  # noqa: F401
    lite_terminal_password,
    lite_terminal_server,
    production_tester,
)
