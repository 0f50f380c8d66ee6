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
    from offline_iris import OfflineIRIS

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with OfflineIRIS(workdir=tmp) as rt:
            rt.load(["toy.msgs", "toy.adapters", "toy.hosts"], source_root=TOY_ROOT)
            rt.start_production("Toy.ToyProduction")
            svc = rt.engine.item_by("Direct")
            svc.host.target = "SyncRouter"  # the service's IRISProperty `target`

            for _ in range(20):  # warm up
                rt.send_sync("Direct", "warm")
            commits_before = rt.ns.store.commits
            start = time.perf_counter()
            for i in range(messages):
                status, resp = rt.send_sync("Direct", f"m{i}")
                if status != 1:
                    raise SystemExit(f"message {i} failed: {status}")
            elapsed = time.perf_counter() - start
            commits = rt.ns.store.commits - commits_before
            n_headers = len(rt.messages())
            hops = {(m["SourceConfigName"], m["TargetConfigName"]) for m in rt.messages()}
            if ("SyncRouter", "Echo") not in hops:
                raise SystemExit("the commands did not go through the process")
            rt.stop_production()
    rate = messages / elapsed
    print(f"{messages} commands service -> process -> operation (sync, store on disk): {elapsed:.2f} s")
    print(f"  {rate:.0f} commands/s  ({1000 * elapsed / messages:.2f} ms each; target >= 500/s)")
    print(f"  {4 * rate:.0f} messages/s (each command is 2 requests + 2 responses, each body + header)")
    print(f"  {commits / messages:.1f} commits per command ({n_headers} message headers in the store)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    run(args.messages)


if __name__ == "__main__":
    main()
