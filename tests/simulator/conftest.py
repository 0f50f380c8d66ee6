"""Fixtures for the simulator tests; the wire helpers live in sim_wire.py (a unique module name)."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest
from sim_wire import Term, connect, cookie_header, login

from simulator import Simulator, SimulatorConfig


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig()) as running:
        yield running



@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    started: List[Simulator] = []

    def make(**switches: Any) -> Simulator:
        running = Simulator(SimulatorConfig(**switches)).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()



@pytest.fixture
def open_terminal() -> Iterator[Callable[..., Term]]:
    """Log in, upgrade with the cookies, read ``init``, send ``config``, wait for the first prompt."""
    opened: List[Term] = []

    def open_(sim: Simulator, namespace: str = "USER", raw: bool = False) -> Term:
        term = connect(sim, cookie=cookie_header(login(sim)))
        opened.append(term)
        assert term.recv()["type"] == "init"
        term.configure(namespace, raw)
        return term

    yield open_
    for term in opened:
        term.ws.close(timeout=0.2)
