"""Benchmark: the command line's streaming and stop hooks against the simulator (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_cli.py [--rounds 50]

1. how soon the first output chunk of ``write "first",! hang 30`` reaches ``on_output`` after the command
   was sent (what a person at the CLI waits for the first line);
2. how long from setting ``stop`` (Ctrl-C in the interactive mode) until ``execute`` returns
   ``interrupted`` on the same session, set from the output hook (no poll) and from another thread after
   0.05 s (as a signal handler does: the running command looks at ``stop`` every ``client.STOP_POLL`` s).

It prints figures and ratios; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from adapters.lite_terminal import LiteTerminal  # noqa: E402
from adapters.lite_terminal.client import STOP_POLL  # noqa: E402
from simulator import Simulator, SimulatorConfig  # noqa: E402

PASSWORD = "bench-pw"


def run(rounds: int) -> None:
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as sim:
        term = LiteTerminal(sim.host, sim.port, "_SYSTEM", PASSWORD, connect_timeout=3, response_timeout=None)
        term.connect()
        firsts, hooked, threaded = [], [], []
        for _ in range(rounds):
            stop, seen = threading.Event(), {}
            sent = time.monotonic()

            def first(text: str, stop=stop, seen=seen) -> None:  # noqa: ANN001
                if "first" in text and "at" not in seen:
                    seen["at"] = time.monotonic()
                    stop.set()

            result = term.execute('write "first",! hang 30', on_output=first, stop=stop)
            assert result.status == "interrupted", result
            firsts.append(seen["at"] - sent)
            hooked.append(time.monotonic() - seen["at"])
            stop = threading.Event()
            timer = threading.Timer(0.05, stop.set)
            timer.start()
            began = time.monotonic()
            result = term.execute("hang 30", stop=stop)
            assert result.status == "interrupted", result
            threaded.append(time.monotonic() - began - 0.05)
        term.close()
    ms = 1000.0
    print(f"rounds: {rounds}")
    print(f"first chunk after sending:       median {statistics.median(firsts) * ms:7.1f} ms   "
          f"max {max(firsts) * ms:7.1f} ms")
    print(f"stop set in the output hook:     median {statistics.median(hooked) * ms:7.1f} ms   "
          f"max {max(hooked) * ms:7.1f} ms")
    print(f"stop set from another thread:    median {statistics.median(threaded) * ms:7.1f} ms   "
          f"max {max(threaded) * ms:7.1f} ms   (poll every {STOP_POLL * ms:.0f} ms; "
          f"ratio to the poll: {statistics.median(threaded) / STOP_POLL:.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    run(parser.parse_args().rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
