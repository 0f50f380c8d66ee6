"""TerminalProduction on the offline runtime, pointed at a simulator: shared by the folders that run the whole
production (tests/production, tests/security, tests/policy). Imported by name (``from terminal_production
import ...``): tests/ is on the path because its conftest.py lives there."""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import replace
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from offline_iris import LoadReport, OfflineIRIS
from offline_iris.testing import LITE_TERMINAL_MODULES

PRODUCTION = "LiteTerminal.TerminalProduction"
OP, BP, SVC = "Terminal Operation", "Terminal Process", "Terminal Command Service"
SCHED, FILES = "Scheduled Commands", "Command Files"
Overrides = Dict[Tuple[str, str, str], Any]


class _FirstLoad:
    """What the real pyprod loader did in a fresh runtime: the class texts it sent to LoadStream (in order),
    the .cls files it wrote to ``<workdir>/cls`` and its reports."""

    def __init__(self, runtime: OfflineIRIS) -> None:
        self.workdir = runtime.workdir
        self.texts: List[str] = [text for _name, text in runtime.ns.loaded_texts]
        folder = os.path.join(runtime.workdir, "cls")
        self.files: Dict[str, bytes] = {}
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as generated:
                self.files[name] = generated.read()
        self.reports: List[LoadReport] = list(runtime.load_reports)

    def replay(self, runtime: OfflineIRIS) -> None:
        folder = os.path.join(runtime.workdir, "cls")
        os.makedirs(folder, exist_ok=True)
        for name, data in self.files.items():
            with open(os.path.join(folder, name), "wb") as generated:
                generated.write(data)
        for text in self.texts:  # the same LoadStream path the loader takes, in its order
            runtime.load_cls(text)
        runtime.load_reports.extend(replace(r, output=r.output.replace(self.workdir, runtime.workdir))
                                    for r in self.reports)


#: Per process and module list: the first runtime runs the real loader, later ones replay what it did.
_FIRST_LOADS: Dict[Tuple[str, ...], _FirstLoad] = {}


@contextlib.contextmanager
def offline_iris(workdir: Any, modules: Sequence[str] = LITE_TERMINAL_MODULES) -> Iterator[OfflineIRIS]:
    """A fresh offline IRIS with ``modules`` (ours by default) loaded, none of them with a loader warning.

    The first runtime of a test process runs the real pyprod loader (module mode, as load.sh does); later
    ones get exactly what it produced (the same class texts through the same ``$system.OBJ`` load path, the
    same .cls files and reports), without pyprod's ~0.07 s of AST walks per module: the tests that use this
    exercise the production, and tests/offline_iris and tests/production/test_load_sh.py exercise the loader.
    Each runtime still has its own namespace, store, credentials and workdir."""
    with OfflineIRIS(workdir=workdir) as runtime:
        first = _FIRST_LOADS.get(tuple(modules))
        if first is None:
            gc.collect()  # an earlier test's unclosed socket warns now, not inside the load (which records)
            reports = runtime.load(list(modules))
            assert all(not r.warnings for r in reports), [r.warnings for r in reports]
            _FIRST_LOADS[tuple(modules)] = _FirstLoad(runtime)
        else:
            first.replay(runtime)
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
