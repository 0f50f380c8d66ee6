"""pytest fixtures to test your own production without IRIS (docs/testing.md §1).

Enable it in your ``conftest.py``::

    pytest_plugins = ["offline_iris.pytest_plugin"]

Fixtures:

* ``production_tester``: a :class:`offline_iris.testing.ProductionTester` in the test's temporary folder,
  entered for the test and closed after it (the production is stopped);
* ``lite_terminal_server``: a Lite Terminal simulator on 127.0.0.1 with user ``_SYSTEM`` and the password
  ``lite_terminal_password`` gives; point an operation at ``server.host`` / ``server.port``.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .testing import ProductionTester


@pytest.fixture
def production_tester(tmp_path: Any) -> Iterator[ProductionTester]:
    with ProductionTester(tmp_path / "offline-iris") as tester:
        yield tester


@pytest.fixture
def lite_terminal_password() -> str:
    """The simulator's password for ``_SYSTEM`` (override this fixture to choose another)."""
    return "sim-password-for-tests"


@pytest.fixture
def lite_terminal_server(lite_terminal_password: str) -> Iterator[Any]:
    from simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(users={"_SYSTEM": lite_terminal_password})) as server:
        yield server
