"""Shared helpers of the fleet tests (a uniquely named module, not ``conftest``)."""

from __future__ import annotations

import contextlib
import socket
from typing import Any, Dict, Iterator, List, Optional

from simulator import Simulator, SimulatorConfig

PASSWORD = "Fleet-Pw-51c2e"  # distinctive, so "never in a message" checks cannot pass by accident
USERS = {"_SYSTEM": PASSWORD}
VERSION_A = "IRIS for UNIX (Ubuntu Server LTS for x86-64) 2025.3 (Build 226U) Wed Oct 1 2025 11:41:27 EDT"
VERSION_B = "IRIS for UNIX (Ubuntu Server LTS for x86-64) 2024.1 (Build 267U) Tue Apr 30 2024 16:06:39 EDT"


@contextlib.contextmanager
def simulators(
    count: int, overrides: Optional[Dict[int, Dict[str, Any]]] = None
) -> Iterator[List[Simulator]]:
    """``count`` simulated IRIS servers on loopback; ``overrides[i]`` changes server i's switches."""
    overrides = overrides or {}
    with contextlib.ExitStack() as stack:
        sims = [
            stack.enter_context(Simulator(SimulatorConfig(**{"users": USERS, **overrides.get(i, {})})))
            for i in range(count)
        ]
        yield sims


def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
