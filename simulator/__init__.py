"""A protocol-faithful IRIS "Lite Terminal" server for tests (no IRIS needed).

``from simulator import Simulator, SimulatorConfig, ExecutedCommand``. The names are loaded lazily so that
importing a sub-package (``offline_iris``) does not pull in aiohttp.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Simulator", "SimulatorConfig", "ExecutedCommand"]


def __getattr__(name: str) -> Any:
    if name == "Simulator":
        from .harness import Simulator

        return Simulator
    if name in ("SimulatorConfig", "ExecutedCommand"):
        from . import config

        return getattr(config, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
