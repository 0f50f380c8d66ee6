"""What is delivered into IRIS: one list, read by load.sh (tests check they agree), ``delivery.offline``
and the in-IRIS loader that IPM runs (``delivery.iris_load``, docs/install.md §2)."""

from __future__ import annotations

#: Modules holding pyprod classes, in load order: messages, then adapters, then hosts and productions
#: (docs/pyprod-runtime.md §7.1); productions.http_service before productions.terminal, whose production
#: names its service (docs/pyprod-runtime.md §1.5). The other modules are plain Python: nothing to generate.
MODULES = (
    "messages.terminal", "messages.fleet", "adapters.terminal_outbound", "adapters.inbound",
    "productions.fleet", "productions.http_service", "productions.terminal",
)

#: Every class those modules generate (full names).
CLASSES = (
    "LiteTerminal.TerminalCommandRequest", "LiteTerminal.TerminalCommandResponse",
    "LiteTerminal.FleetCommandRequest", "LiteTerminal.FleetCommandResponse",
    "LiteTerminal.TerminalFleetProcess",
    "LiteTerminal.TerminalOutboundAdapter", "LiteTerminal.ScheduledCommandAdapter",
    "LiteTerminal.TerminalCommandOperation", "LiteTerminal.TerminalCommandProcess",
    "LiteTerminal.TerminalCommandService", "LiteTerminal.ScheduledCommandService",
    "LiteTerminal.CommandFileService", "LiteTerminal.TerminalHTTPService", "LiteTerminal.TerminalProduction",
)

#: The production an install offers to start (module.xml declares it; docs/install.md §2).
DEFAULT_PRODUCTION = "LiteTerminal.TerminalProduction"

#: Python packages the generated classes import at run time from the folder they name (``_add_to_sys_path``).
PACKAGES = ("adapters", "messages", "productions")

#: Distributions the generated classes import inside IRIS; they go into the instance's Python (mgr/python).
#: requirements.txt holds the same names with pyproject.toml's version ranges (a test checks it).
DISTRIBUTIONS = ("intersystems-pyprod", "websocket-client", "requests", "urllib3")

if __name__ == "__main__":  # `python -m delivery.components modules|classes`: the lists for shell scripts
    import sys

    print("\n".join({"modules": MODULES, "classes": CLASSES}[sys.argv[1]]))
