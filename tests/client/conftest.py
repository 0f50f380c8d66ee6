"""Fixtures for the Lite Terminal client tests: a simulator per test and a terminal factory.

Every network wait is bounded by small timeouts, so a broken build fails fast instead of hanging.
"""

from __future__ import annotations

from typing import Callable, Iterator, List

import pytest
from lite_terminal_helpers import PASSWORD, USERS

from adapters.lite_terminal import LiteTerminal
from simulator import Simulator, SimulatorConfig


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(users=USERS)) as simulator:
        yield simulator


@pytest.fixture
def make_terminal(sim: Simulator) -> Iterator[Callable[..., LiteTerminal]]:
    made: List[LiteTerminal] = []

    def factory(**overrides: object) -> LiteTerminal:
        options = dict(username="_SYSTEM", password=PASSWORD, namespace="USER", connect_timeout=3.0,
                       response_timeout=5.0)
        options.update(overrides)
        terminal = LiteTerminal(sim.host, sim.port, **options)  # type: ignore[arg-type]
        made.append(terminal)
        return terminal

    yield factory
    for terminal in made:
        terminal.close()


@pytest.fixture
def term(make_terminal: Callable[..., LiteTerminal]) -> LiteTerminal:
    terminal = make_terminal()
    terminal.connect()
    return terminal

