"""Fixtures of the fleet tests: an offline IRIS with the components loaded, and a production starter."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from fleet_helpers import MODULES, PASSWORD, fleet_production_xml
from terminal_production import offline_iris

from offline_iris import OfflineIRIS


@pytest.fixture
def rt(tmp_path) -> Iterator[OfflineIRIS]:
    with offline_iris(tmp_path / "iris", MODULES) as runtime:
        runtime.credentials.set("LiteTerminal", "_SYSTEM", PASSWORD)
        yield runtime


@pytest.fixture
def start(rt):
    """start(operations, fleet=..., check=..., check_adapter=...) starts a fleet production; stopped after."""
    started = []

    def _start(
        operations: Dict[str, Tuple[str, int]],
        fleet: Optional[Dict[str, Any]] = None,
        check: Optional[Dict[str, Any]] = None,
        check_adapter: Optional[Dict[str, Any]] = None,
        extra_items: str = "",
        operation_adapter: Optional[Dict[str, Any]] = None,
    ) -> None:
        rt.start_production(xml=fleet_production_xml(operations, fleet, check, check_adapter, extra_items,
                                                     operation_adapter))
        started.append(1)

    yield _start
    if started:
        rt.stop_production()
