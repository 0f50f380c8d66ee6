"""Fixtures for the simulator tests; the wire helpers live in sim_wire.py (a unique module name)."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest
import websocket
from sim_wire import OPENED, Term, connect, cookie_header, login

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

    def open_(sim: Simulator, namespace: str = "USER", raw: bool = False) -> Term:
        term = connect(sim, cookie=cookie_header(login(sim)))
        assert term.recv()["type"] == "init"
        term.configure(namespace, raw)
        return term

    yield open_  # closed by close_client_sockets


@pytest.fixture(autouse=True)
def close_client_sockets() -> Iterator[None]:
    """Close every client socket and HTTP session a test opened (no close handshake: it may be gone)."""
    yield
    while OPENED:
        opened = OPENED.pop()
        if isinstance(opened, websocket.WebSocket):
            opened.shutdown()
        else:
            opened.close()
