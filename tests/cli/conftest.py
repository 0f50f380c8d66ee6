"""Fixtures of the command line tests: simulators with the test users."""

from __future__ import annotations

from typing import Callable, Iterator, List

import pytest
from cli_helpers import USERS

from simulator import Simulator, SimulatorConfig


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(users=USERS)) as simulator:
        yield simulator


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """``make_sim(**config)``: more simulators, each stopped after the test."""
    started: List[Simulator] = []

    def make(**changes: object) -> Simulator:
        simulator = Simulator(SimulatorConfig(users=USERS, **changes)).start()  # type: ignore[arg-type]
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()
