"""Benchmark: one command on a fleet of simulated IRIS servers through the production (not a test).

    .venv/bin/python tests/benchmarks/bench_fleet.py [--servers 50] [--concurrency 10] [--hang 0.2]
        [--rounds 3]

``--servers`` Lite Terminal simulators run in a separate process (so the servers do not share this
process's GIL, as real IRIS servers would not); this process runs the offline IRIS runtime with the real
components: a TerminalFleetProcess and one TerminalCommandOperation per server. It measures

1. one command on one server: a FleetCommandRequest with a single target, through the same process;
2. the same command on all servers with MaxConcurrency ``--concurrency``;

and prints the wall time of (2) as a ratio to (1), against the target 1.3 x ceil(servers/concurrency),
first with cold operations (each logs in on its first command) and then warm (sessions kept). The command
is ``hang <--hang>`` followed by a write, i.e. a command that takes a known time on the server, and also
``write $zversion``, where per-message overhead dominates. It also checks that every per-server request
and response is in the trace and reports how many commands the servers saw running at once.
Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fleet"))

from fleet_helpers import FLEET, MODULES, PASSWORD, USERS, fleet_production_xml  # noqa: E402

SERVERS_SCRIPT = """
import json, sys
from simulator import Simulator, SimulatorConfig
from simulator.harness import peak_concurrency
sims = [Simulator(SimulatorConfig(users=%r)).start() for _ in range(int(sys.argv[1]))]
print(json.dumps([[s.host, s.port] for s in sims]), flush=True)
for line in sys.stdin:  # "spans": report how many commands ran at once since the last report
    spans = [span for s in sims for span in s.command_spans]
    print(json.dumps({"commands": len(spans), "peak": peak_concurrency(spans)}), flush=True)
for s in sims:
    s.stop()
"""


class Servers:
    """The simulated fleet in its own process."""

    def __init__(self, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVERS_SCRIPT % (USERS,), str(count)], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        self.addresses: List[Tuple[str, int]] = [tuple(a) for a in json.loads(self.proc.stdout.readline())]

    def spans(self) -> Dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("spans\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def run_fleet(rt: Any, command: str, targets: List[str], concurrency: int) -> Tuple[float, Any]:
    from messages.fleet import FleetCommandRequest

    request = FleetCommandRequest(Command=command, Targets=",".join(targets), MaxConcurrency=str(concurrency))
    began = time.perf_counter()
    status, response = rt.send_sync(FLEET, request, timeout=600)
    elapsed = time.perf_counter() - began
    if status != 1 or response is None or response.Status != "ok":
        raise SystemExit(f"fleet run failed: {status} {getattr(response, 'Counts', None)}")
    return elapsed, response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--hang", type=float, default=0.2, help="seconds the command hangs on the server")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds to average")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="offline IRIS: module")
    from offline_iris import OfflineIRIS

    waves = math.ceil(args.servers / args.concurrency)
    target_ratio = 1.3 * waves
    servers = Servers(args.servers)
    names = [f"iris{i + 1}" for i in range(args.servers)]
    print(f"{args.servers} simulated servers (separate process), MaxConcurrency {args.concurrency}: "
          f"{waves} waves; target ratio <= 1.3 x {waves} = {target_ratio:.1f}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as work, \
                OfflineIRIS(workdir=os.path.join(work, "iris")) as rt:
            rt.load(MODULES)
            rt.credentials.set("LiteTerminal", "_SYSTEM", PASSWORD)
            rt.start_production(xml=fleet_production_xml(dict(zip(names, servers.addresses)),
                                                         {"MaxConcurrency": str(args.concurrency)}))
            try:
                for first, command in enumerate((f'hang {args.hang} write "up"', "write $zversion")):
                    print(f"\ncommand: {command}")
                    single_cold, _ = run_fleet(rt, command, names[:1], 1)
                    servers.spans()
                    fleet_cold, resp = run_fleet(rt, command, names, args.concurrency)
                    report = servers.spans()
                    label = "cold" if first == 0 else "first"  # cold: every operation logs in first
                    print(f"  {label:5} one server {single_cold * 1000:7.1f} ms   {args.servers} servers "
                          f"{fleet_cold * 1000:7.1f} ms   ratio {fleet_cold / single_cold:5.2f}   "
                          f"(peak {report['peak']} at once on the servers, {resp.PeakConcurrency} in flight)")
                    singles, fleets = [], []
                    for _ in range(args.rounds):
                        singles.append(run_fleet(rt, command, names[:1], 1)[0])
                        fleets.append(run_fleet(rt, command, names, args.concurrency)[0])
                    single, fleet = sum(singles) / len(singles), sum(fleets) / len(fleets)
                    verdict = "meets" if fleet / single <= target_ratio else "MISSES"
                    print(f"  warm  one server {single * 1000:7.1f} ms   {args.servers} servers "
                          f"{fleet * 1000:7.1f} ms   ratio {fleet / single:5.2f}   {verdict} the target "
                          f"({args.rounds} rounds averaged)")
                fleet_runs = [h for h in rt.messages()
                              if h["MessageBodyClassName"] == "LiteTerminal.FleetCommandRequest"]
                last = fleet_runs[-1]["SessionId"]
                hops = [h for h in rt.messages(last)
                        if h["MessageBodyClassName"].startswith("LiteTerminal.TerminalCommand")]
                requests = {h["TargetConfigName"] for h in hops if h["TypeName"] == "Request"}
                responses = {h["SourceConfigName"] for h in hops if h["TypeName"] == "Response"}
                every = "all" if requests == responses == set(names) else "NOT all"
                print(f"\ntrace of the last fleet run: {len(requests)} per-server requests and "
                      f"{len(responses)} responses ({every} {args.servers} servers)")
            finally:
                rt.stop_production()
    finally:
        servers.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
