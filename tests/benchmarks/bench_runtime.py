"""Messages per second through the offline runtime: service -> process -> operation, store on disk.

Each command is one adapterless-service call (``ProcessInput`` in the caller) that sends a request
synchronously to a BusinessProcess, which sends it synchronously to a BusinessOperation whose outbound
adapter answers; the response travels back the same way. That is 2 requests, 2 responses, 4 bodies and
their headers in the SQLite message store (a file in a temporary folder, as ``./load.sh --simulator`` uses).

    .venv/bin/python tests/benchmarks/bench_runtime.py [--messages N]

Prints the figure the issue asks for (target: >= 500 messages per second) and the store's cost per message.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOY_ROOT = os.path.join(ROOT, "tests", "runtime")
sys.path[:0] = [ROOT, TOY_ROOT]


def run(messages: int) -> float:
    from simulator.runtime import OfflineIRIS

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with OfflineIRIS(workdir=tmp) as rt:
            rt.load(["toy.msgs", "toy.adapters", "toy.hosts"], source_root=TOY_ROOT)
            rt.start_production("Toy.ToyProduction")
            svc = rt.engine.item_by("Direct")
            svc.host._o_set_raw("Target", "SyncRouter")

            for _ in range(20):  # warm up
                rt.send_sync("Direct", "warm")
            start = time.perf_counter()
            for i in range(messages):
                status, resp = rt.send_sync("Direct", f"m{i}")
                if status != 1:
                    raise SystemExit(f"message {i} failed: {status}")
            elapsed = time.perf_counter() - start
            n_headers = len(rt.messages())
            rt.stop_production()
    rate = messages / elapsed
    print(f"{messages} messages service -> process -> operation (sync, store on disk): {elapsed:.2f} s")
    print(f"  {rate:.0f} messages/s  ({1000 * elapsed / messages:.2f} ms per message; target >= 500/s)")
    print(f"  {n_headers} message headers written")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    run(args.messages)


if __name__ == "__main__":
    main()
