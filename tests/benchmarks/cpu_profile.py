"""Where the test suite spends CPU (not wall time): a pytest plugin plus a report (not part of the test run).

Record, in one process (no xdist workers, so every figure belongs to one test):

    PYTHONPATH=tests/benchmarks .venv/bin/python -m pytest -q -p cpu_profile -p no:xdist [paths]

then print the report (it also prints at the end of the run):

    .venv/bin/python tests/benchmarks/cpu_profile.py [--top 60] [cpu-profile.json]

For each test phase (setup, call, teardown) it records ``time.process_time()`` of the pytest process (all its
threads: in-process simulators and runtimes count for the test that drives them) and the CPU of finished child
processes (``RUSAGE_CHILDREN``: a subprocess counts when it is reaped, so a module fixture's server counts at
its teardown). Fixture setups are recorded as well (a fixture's figure includes the fixtures it requests that
were not set up yet). Collection (imports of every test module) is measured on its own, and the CPU spent in
the cyclic garbage collector (``gc.callbacks``) in all. It prints figures; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from collections import defaultdict
from typing import Dict, List

import pytest

OUT = os.environ.get("CPU_PROFILE_OUT", "cpu-profile.json")


def _cpu() -> tuple:
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own, kids.ru_utime + kids.ru_stime, time.perf_counter(), _GC.seconds


class _GcClock:
    """CPU spent in the cyclic garbage collector (gc.callbacks), per generation and in all."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.by_generation = [0.0, 0.0, 0.0]
        self.runs = [0, 0, 0]
        self._started = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            spent = time.process_time() - self._started
            self.seconds += spent
            self.by_generation[info["generation"]] += spent
            self.runs[info["generation"]] += 1


_GC = _GcClock()


class _Recorder:
    def __init__(self) -> None:
        self.tests: Dict[str, Dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.fixtures: List[dict] = []
        self.collect = [0.0, 0.0, 0.0, 0.0]
        self.start = _cpu()

    def _add(self, key: str, phase: str, before: tuple) -> None:
        after = _cpu()
        entry = self.tests[key]
        entry[phase + "_own"] += after[0] - before[0]
        entry[phase + "_kids"] += after[1] - before[1]
        entry[phase + "_wall"] += after[2] - before[2]
        entry[phase + "_gc"] += after[3] - before[3]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self, session):
        before = _cpu()
        yield
        after = _cpu()
        self.collect = [after[i] - before[i] for i in range(4)]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        before = _cpu()
        yield
        self._add(item.nodeid, "setup", before)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        before = _cpu()
        yield
        self._add(item.nodeid, "call", before)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item):
        before = _cpu()
        yield
        self._add(item.nodeid, "teardown", before)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        before = _cpu()
        yield
        after = _cpu()
        self.fixtures.append({
            "name": fixturedef.argname,
            "scope": fixturedef.scope,
            "where": request.node.nodeid,
            "own": after[0] - before[0],
            "kids": after[1] - before[1],
            "wall": after[2] - before[2],
            "gc": after[3] - before[3],
        })

    def pytest_sessionfinish(self, session):
        end = _cpu()
        data = {
            "python": sys.version.split()[0],
            "total": {"own": end[0] - self.start[0], "kids": end[1] - self.start[1],
                      "wall": end[2] - self.start[2]},
            "collect": dict(zip(("own", "kids", "wall", "gc"), self.collect)),
            "gc": {"seconds": _GC.seconds, "by_generation": _GC.by_generation, "runs": _GC.runs},
            "tests": {key: dict(value) for key, value in self.tests.items()},
            "fixtures": self.fixtures,
        }
        with open(OUT, "w", encoding="utf-8") as out:
            json.dump(data, out)

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("=", f"CPU profile ({OUT})")
        terminalreporter.write(report(OUT, top=40))


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller or a plain run, never an xdist worker
        config.pluginmanager.register(_Recorder(), "cpu_profile_recorder")


def _cpu_of(entry: dict, phase: str) -> float:
    return entry.get(phase + "_own", 0.0) + entry.get(phase + "_kids", 0.0)


def report(path: str, top: int = 60) -> str:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    lines = []
    total, collect = data["total"], data["collect"]
    lines.append(f"python {data['python']}: total CPU {total['own'] + total['kids']:.1f} s"
                 f" (own {total['own']:.1f} + children {total['kids']:.1f}), wall {total['wall']:.1f} s;"
                 f" collection CPU {collect['own'] + collect['kids']:.1f} s")
    if "gc" in data:
        spent = "/".join(f"{seconds:.1f}" for seconds in data["gc"]["by_generation"])
        runs = "/".join(str(n) for n in data["gc"]["runs"])
        lines.append(f"garbage collector: {data['gc']['seconds']:.1f} s CPU in all"
                     f" (generations 0/1/2: {spent} s in {runs} runs)")
    rows = []
    per_file: Dict[str, List[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for key, entry in data["tests"].items():
        cpu = sum(_cpu_of(entry, phase) for phase in ("setup", "call", "teardown"))
        kids = sum(entry.get(phase + "_kids", 0.0) for phase in ("setup", "call", "teardown"))
        wall = sum(entry.get(phase + "_wall", 0.0) for phase in ("setup", "call", "teardown"))
        rows.append((cpu, kids, wall, key))
        totals = per_file[key.split("::")[0]]
        totals[0] += cpu
        totals[1] += kids
        totals[2] += wall
        totals[3] += 1
    accounted = sum(row[0] for row in rows)
    lines.append(f"tests: {len(rows)}, CPU in test phases {accounted:.1f} s")
    lines.append("\nfiles by CPU (cpu s, of it children, wall s, tests):")
    for name, (cpu, kids, wall, count) in sorted(per_file.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"  {cpu:7.2f} {kids:7.2f} {wall:7.2f} {count:5d}  {name}")
    lines.append("\ntests by CPU (cpu s, of it children, wall s):")
    for cpu, kids, wall, key in sorted(rows, reverse=True)[:top]:
        lines.append(f"  {cpu:7.2f} {kids:7.2f} {wall:7.2f}  {key}")
    per_fixture: Dict[tuple, List[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for fix in data["fixtures"]:
        totals = per_fixture[(fix["name"], fix["scope"])]
        totals[0] += fix["own"] + fix["kids"]
        totals[1] += fix["wall"]
        totals[2] += 1
    lines.append("\nfixture setups by CPU (cpu s, wall s, setups, name[scope]):")
    for (name, scope), (cpu, wall, count) in sorted(per_fixture.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"  {cpu:7.2f} {wall:7.2f} {count:5d}  {name}[{scope}]")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=OUT)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    sys.stdout.write(report(args.path, args.top))


if __name__ == "__main__":
    main()
