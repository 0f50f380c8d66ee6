"""Fixtures for the Lite Terminal client tests: a simulator per test and a terminal factory.

Every network wait is bounded by small timeouts, so a broken build fails fast instead of hanging.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator, List

import pytest

from adapters.lite_terminal import LiteTerminal
from simulator import Simulator, SimulatorConfig

PASSWORD = "Pw-7f3a9c"  # distinctive, so "never in a message" assertions cannot pass by accident
USERS = {"_SYSTEM": PASSWORD}


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


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll ``condition`` (a bounded wait for server-side effects, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)
