"""TerminalProduction on the offline runtime, pointed at a simulator: shared by the folders that run the whole
production (tests/production, tests/security, tests/policy). Imported by name (``from terminal_production
import ...``): tests/ is on the path because its conftest.py lives there."""

from __future__ import annotations

import contextlib
import gc
from typing import Any, Dict, Iterator, Optional, Tuple

from offline_iris import OfflineIRIS
from offline_iris.testing import LITE_TERMINAL_MODULES

PRODUCTION = "LiteTerminal.TerminalProduction"
OP, BP, SVC = "Terminal Operation", "Terminal Process", "Terminal Command Service"
SCHED, FILES = "Scheduled Commands", "Command Files"
Overrides = Dict[Tuple[str, str, str], Any]


@contextlib.contextmanager
def offline_iris(workdir: Any) -> Iterator[OfflineIRIS]:
    """A fresh offline IRIS with our modules loaded, none of them with a loader warning."""
    with OfflineIRIS(workdir=workdir) as runtime:
        gc.collect()  # an earlier test's unclosed socket warns now, not inside the load
        reports = runtime.load(list(LITE_TERMINAL_MODULES))
        assert all(not r.warnings for r in reports), [r.warnings for r in reports]
        yield runtime


def start_terminal_production(rt: OfflineIRIS, sim: Any, inbox: Any, done: Any,
                              overrides: Optional[Overrides] = None, password: Optional[str] = None) -> None:
    """Start TerminalProduction with its operation on ``sim``, the Credentials entry "LiteTerminal" holding
    ``_SYSTEM``/``password`` (none when ``password`` is None), Command Files polling ``inbox`` every 0.1 s,
    waiting 1 s for a file's size to settle and archiving to ``done``, and the scheduled commands quiet;
    ``overrides`` win."""
    rt.credentials.delete("LiteTerminal")
    if password is not None:
        rt.credentials.set("LiteTerminal", "_SYSTEM", password)
    settings: Overrides = {
        (OP, "Adapter", "Server"): sim.host,
        (OP, "Adapter", "Port"): str(sim.port),
        (SCHED, "Adapter", "Commands"): "",  # quiet unless a test schedules something
        (FILES, "Adapter", "FilePath"): str(inbox),
        (FILES, "Adapter", "ArchivePath"): str(done),
        (FILES, "Adapter", "CallInterval"): "0.1",
        # ConfirmComplete=Size waits 1 s per file, not 2: still a whole second, so a file the service left
        # empty and a test then writes is always seen as modified (docs/offline-runtime.md §8.1)
        (FILES, "Adapter", "FileAccessTimeout"): "1",
    }
    settings.update(overrides or {})
    rt.start_production(PRODUCTION, overrides=settings)
