"""Shared helpers of the fleet tests (a uniquely named module, not ``conftest``)."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, List, Optional, Tuple
from xml.sax.saxutils import escape

from loopback import free_port as closed_port  # noqa: F401  (the fleet tests import it from here)

from offline_iris.testing import LITE_TERMINAL_MODULES
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


# --- the production on the offline runtime ------------------------------------------------------------------

MODULES = list(LITE_TERMINAL_MODULES)
FLEET = "Terminal Fleet Process"
CHECK = "Fleet Check"


def _setting(target: str, name: str, value: Any) -> str:
    return f'<Setting Target="{target}" Name="{escape(name)}">{escape(str(value))}</Setting>'


def fleet_production_xml(
    operations: Dict[str, Tuple[str, int]],
    fleet: Optional[Dict[str, Any]] = None,
    check: Optional[Dict[str, Any]] = None,
    check_adapter: Optional[Dict[str, Any]] = None,
    extra_items: str = "",
    operation_adapter: Optional[Dict[str, Any]] = None,
) -> str:
    """A production with the fleet process, one TerminalCommandOperation per ``name: (host, port)`` (its
    adapter settings plus ``operation_adapter``), and, when ``check`` is given, a ScheduledCommandService
    named CHECK with those host settings."""
    fleet_settings = {"Targets": ",".join(operations)}
    fleet_settings.update(fleet or {})
    items = [
        f'<Item Name="{FLEET}" ClassName="LiteTerminal.TerminalFleetProcess" PoolSize="1" Enabled="true">'
        + "".join(_setting("Host", k, v) for k, v in fleet_settings.items()) + "</Item>"
    ]
    for name, (host, port) in operations.items():
        adapter = {"Server": host, "Port": port, "Credentials": "LiteTerminal", "Namespace": "USER",
                   "ConnectTimeout": 3, "ResponseTimeout": 10}
        adapter.update(operation_adapter or {})
        items.append(
            f'<Item Name="{escape(name)}" ClassName="LiteTerminal.TerminalCommandOperation" PoolSize="1" '
            'Enabled="true">' + "".join(_setting("Adapter", k, v) for k, v in adapter.items()) + "</Item>"
        )
    if check is not None:
        host_settings = {"Target": FLEET}  # no Terminal Process here: straight to the fleet
        host_settings.update(check)
        items.append(
            f'<Item Name="{CHECK}" ClassName="LiteTerminal.ScheduledCommandService" PoolSize="1" '
            'Enabled="true">' + "".join(_setting("Host", k, v) for k, v in host_settings.items())
            + "".join(_setting("Adapter", k, v) for k, v in (check_adapter or {}).items()) + "</Item>"
        )
    items.append(extra_items)
    return f'<Production Name="LiteTerminal.FleetTest" TestingEnabled="true">{"".join(items)}</Production>'


def per_target_headers(rt: Any) -> List[Dict[str, Any]]:
    """Headers of the TerminalCommandRequests and responses between the fleet process and operations."""
    return [h for h in rt.messages() if h["MessageBodyClassName"].startswith("LiteTerminal.TerminalCommand")
            and FLEET in (h["SourceConfigName"], h["TargetConfigName"])]
