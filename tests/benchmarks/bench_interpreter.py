"""Benchmark: the simulator's ObjectScript interpreter alone (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_interpreter.py [--seconds 1.0]
    PYTHONPATH=<other checkout> .venv/bin/python tests/benchmarks/bench_interpreter.py   # compare a version

Runs each input repeatedly in one session for about ``--seconds`` and prints runs per second: compiled
inputs come from the cache (the load tests' common case), and the ``uncached`` rows make every input new so
parsing is measured too. Prints figures only; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import sys
import time

sys.path.insert(0, ".")

from simulator.objectscript import Session  # noqa: E402

INPUTS = [
    ("w 1", "w 1"),
    ("set/write", 'set x=1,y=2 write x+y," ",x_y'),
    ("spaced", 'set a = 1, b = 2 write a, " ", b'),
    ("loop 100", "for i=1:1:100 { set s=$g(s)+i }"),
    ("json", 'write {"a":1,"b":[1,2]}.%ToJSON()'),
    ("list", 'set l=$lb(1,"a",,2) write $ll(l),$lg(l,2)'),
]


def drain(session: Session, source: str) -> None:
    for _ in session.run(source):
        pass


def rate(source: str, seconds: float, uncached: bool) -> float:
    session = Session(1, "USER", ["USER", "%SYS"], "IRIS")
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        text = f"{source} ;{runs}" if uncached else source
        drain(session, text)
        runs += 1
    return runs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    for name, source in INPUTS:
        try:
            cached = rate(source, args.seconds, False)
            fresh = rate(source, args.seconds, True)
        except Exception as exc:  # an older interpreter without the feature
            print(f"{name:12s} not supported here ({type(exc).__name__})")
            continue
        print(f"{name:12s} cached {cached:>10,.0f}/s   uncached {fresh:>10,.0f}/s")


if __name__ == "__main__":
    main()
