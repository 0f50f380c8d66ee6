"""Benchmark: the Lite Terminal client against the simulator (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_client.py [--rounds 20] [--batch 100] [--fresh 200]
                                                       [--sizes 10,50,400] [--limit 100000]

Against one simulator started in a separate process (so the server does not share our GIL):

1. round trip of the client versus a bare ``websocket-client`` send/receive loop, **interleaved**: the
   same command alternately through a kept ``LiteTerminal`` session, through a bare websocket-client
   connection of its own (login, upgrade, handshake done by hand), and through that bare connection behind
   the client's mark line (docs/protocol.md §15.3), in ``--rounds`` rounds of ``--batch`` commands each, so
   all see the same machine load; prints the medians, their ratios, and the client's own overhead per
   command in µs apart from the mark's;
2. commands per second with a new login and socket per command, the community script's way;
3. peak RSS of a client that receives 10, 50 and 400 MB of output with ``max_output_chars=--limit``,
   each size in a fresh subprocess (``ru_maxrss`` is a high-water mark per process), against the same
   client's resident size before the command.

``--in-process`` runs (1) against a simulator in this process instead (its event loop thread shares our
GIL, so every µs of client work and of the mark's interpretation is on the same clock). It prints figures
and ratios; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple

import requests
import websocket

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from adapters.lite_terminal import LiteTerminal  # noqa: E402

USER, PASSWORD = "_SYSTEM", "SYS"
CHUNK = 8000  # characters per write in the big-output command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU seconds process ``pid`` has used so far, all its threads: the scheduler's nanosecond count
    (/proc/PID/task/*/sched) where the kernel gives it, else user + system ticks (/proc/PID/stat)."""
    total, found = 0.0, False
    for sched in Path(f"/proc/{pid}/task").glob("*/sched"):
        try:
            for line in sched.read_text().splitlines():
                if line.startswith("se.sum_exec_runtime"):
                    total += float(line.split(":")[1]) / 1000  # milliseconds
                    found = True
                    break
        except OSError:
            continue
    if found:
        return total
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def simulator_process() -> Iterator[Tuple[int, int]]:
    """Run ``python -m simulator`` on a free loopback port and wait until it answers; (port, pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.head(f"http://127.0.0.1:{port}/api/atelier/", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"simulator did not start: {proc.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.05)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def recv_until_prompt(ws: websocket.WebSocket) -> str:
    """Read frames until the next ``prompt``; return the joined output (what a bare loop does)."""
    out: List[str] = []
    while True:
        frame = json.loads(ws.recv())
        kind = frame.get("type")
        if kind == "output":
            out.append(frame["text"])
        elif kind == "prompt":
            return "".join(out)
        elif kind == "error":
            raise RuntimeError(frame.get("text"))


def bare_connection(port: int) -> Tuple[websocket.WebSocket, requests.Session]:
    """Login, upgrade, ``init``/``config``/first ``prompt`` by hand with websocket-client."""
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    info = session.get(f"{base}/api/atelier/", auth=(USER, PASSWORD), timeout=10).json()
    api = info["result"]["content"]["api"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/api/atelier/v{api}/%25SYS/terminal", cookie=cookie, timeout=10
    )
    json.loads(ws.recv())  # init
    ws.send(json.dumps({"type": "config", "namespace": "USER", "rawMode": False}))
    recv_until_prompt(ws)
    return ws, session


def community_way(port: int, command: str) -> str:
    """One command with a fresh login and socket, as the community article's script does."""
    ws, session = bare_connection(port)
    try:
        ws.send(json.dumps({"type": "prompt", "input": command}))
        return recv_until_prompt(ws)
    finally:
        ws.close()
        session.close()


def describe(laps: List[float]) -> str:
    ordered = sorted(laps)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6
    return f"p50 {p50:8.0f} us   p99 {p99:8.0f} us"


def check(output: str, i: int) -> None:
    if output.strip() != str(i):
        raise SystemExit(f"wrong output for command {i}: {output!r}")


MARK = 'write "LT-0badc0de-",$increment(^||LiteTerminal),!\r\n'  # the client's mark line (protocol.MARK_LINE)


def round_trips(port: int, rounds: int, batch: int, server_pid: int = 0) -> None:
    """Three paths, interleaved in every round: the client; a bare loop sending the command alone; a bare
    loop sending the command behind the same mark line the client sends (docs/protocol.md §15.3), so the
    server's share of the mark and the client's own overhead are told apart."""
    laps: List[List[float]] = [[], [], []]
    cpu: List[List[float]] = [[], [], []]  # this process's CPU seconds per command, per batch and path
    server = [0.0, 0.0, 0.0]  # the simulator's CPU seconds per path, summed over the rounds
    ws, session = bare_connection(port)
    clock = time.perf_counter

    def bare(i: int, prefix: str) -> str:
        ws.send(json.dumps({"type": "prompt", "input": f"{prefix}write {i}"}))
        out = recv_until_prompt(ws)
        return out[out.index("\r\n") + 2:] if prefix else out

    with LiteTerminal("127.0.0.1", port, username=USER, password=PASSWORD, namespace="USER") as term:
        paths = (lambda i: term.execute(f"write {i}").output, lambda i: bare(i, ""), lambda i: bare(i, MARK))
        for i in range(100):  # warm up every path
            for path in paths:
                check(path(i), i)
        for r in range(rounds):
            order = [(r + k) % 3 for k in range(3)]  # rotate which path goes first in a round
            for which in order:
                path, lap = paths[which], laps[which]
                c0, s0 = time.process_time(), cpu_seconds(server_pid)
                for i in range(batch):
                    t0 = clock()
                    output = path(i)
                    lap.append(clock() - t0)
                    check(output, i)
                cpu[which].append((time.process_time() - c0) / batch)
                server[which] += cpu_seconds(server_pid) - s0
    ws.close()
    session.close()
    client, plain, marked = (statistics.median(lap) for lap in laps)
    names = ("kept LiteTerminal session", "bare websocket-client loop", "bare loop + the client's mark")
    for name, lap in zip(names, laps):
        print(f"{name:30} {1 / statistics.mean(lap):9.1f} commands/s     {describe(lap)}   (n={len(lap)})")
    print(f"client round trip / bare loop:  {client / plain:6.2f}x median ({client * 1e6:.0f} us vs "
          f"{plain * 1e6:.0f} us), {statistics.mean(laps[0]) / statistics.mean(laps[1]):.2f}x mean; "
          f"interleaved, {rounds} rounds of {batch}")
    print(f"per command: client overhead {(client - marked) * 1e6:+.0f} us over the marked bare loop; "
          f"the mark itself {(marked - plain) * 1e6:+.0f} us (server + bytes); client / marked bare loop "
          f"{client / marked:.2f}x")
    own, plain_cpu, marked_cpu = (statistics.median(batches) * 1e6 for batches in cpu)
    print(f"client-side CPU per command (median of the batches): client {own:.0f} us, bare loop "
          f"{plain_cpu:.0f} us, marked bare loop {marked_cpu:.0f} us (the client's own work: "
          f"{own - marked_cpu:+.0f} us per command, {own / plain_cpu:.2f}x the bare loop's)")
    if server_pid:
        per = [total / (rounds * batch) * 1e6 for total in server]
        print(f"simulator CPU per command (/proc, all rounds): client {per[0]:.0f} us, "
              f"bare loop {per[1]:.0f} us, marked bare loop {per[2]:.0f} us "
              f"(the mark's server share: {per[2] - per[1]:+.0f} us)")


def fresh_per_command(port: int, n: int) -> None:
    community_way(port, "write 0")  # warm up
    laps = []
    for i in range(n):
        t0 = time.perf_counter()
        check(community_way(port, f"write {i}"), i)
        laps.append(time.perf_counter() - t0)
    print(f"new login+socket per command   {n / sum(laps):9.1f} commands/s     {describe(laps)}   (n={n})")


def rss_child(port: int, megabytes: int, limit: int) -> None:
    """In a fresh process: connect, note the peak RSS, receive ``megabytes`` MB, print both peaks (KiB)."""
    writes = megabytes * 1024 * 1024 // CHUNK
    with LiteTerminal("127.0.0.1", port, username=USER, password=PASSWORD, response_timeout=600) as term:
        term.execute(f'set s=$justify("",{CHUNK}) write $length(s)')
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        result = term.execute(f'set s=$justify("",{CHUNK}) for i=1:1:{writes} {{ write s }}',
                              max_output_chars=limit)
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kept = len(result.output)
    print(json.dumps({"before": before, "after": after, "status": result.status, "kept": kept,
                      "dropped": result.output_dropped, "seconds": seconds}))


def peak_rss(port: int, sizes: List[int], limit: int) -> None:
    print(f"peak RSS with max_output_chars={limit} (each size in a fresh process; KiB = ru_maxrss):")
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--rss-child", str(size), "--port", str(port),
                               "--limit", str(limit)], capture_output=True, text=True, cwd=ROOT,
                              timeout=1800)
        if done.returncode != 0:
            print(f"  {size:4d} MB: child failed: {done.stderr[-500:]}")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        growth = (figures["after"] - figures["before"]) / 1024
        print(f"  {size:4d} MB output: peak {figures['after'] / 1024:7.1f} MiB, before the command "
              f"{figures['before'] / 1024:7.1f} MiB, growth {growth:6.1f} MiB; kept {figures['kept']} chars, "
              f"dropped {figures['dropped']}; status {figures['status']}; {figures['seconds']:.1f} s "
              f"({size / figures['seconds']:.0f} MB/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds")
    parser.add_argument("--batch", type=int, default=100, help="commands per path per round")
    parser.add_argument("--fresh", type=int, default=200, help="commands with a new login+socket each")
    parser.add_argument("--sizes", default="10,50,400", help="MB of output for the peak-RSS runs ('' = skip)")
    parser.add_argument("--limit", type=int, default=100000, help="max_output_chars for the RSS runs")
    parser.add_argument("--in-process", action="store_true",
                        help="round trips against a simulator in this process (sharing our GIL)")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        rss_child(args.port, args.rss_child, args.limit)
        return 0

    uname = os.uname()
    if args.in_process:
        from simulator import Simulator, SimulatorConfig

        print(f"Python {sys.version.split()[0]} on {uname.sysname} {uname.machine}; simulator in-process")
        with Simulator(SimulatorConfig()) as sim:
            round_trips(sim.port, args.rounds, args.batch)
        return 0
    print(f"Python {sys.version.split()[0]} on {uname.sysname} {uname.machine}; simulator in a subprocess")
    with simulator_process() as (port, pid):
        round_trips(port, args.rounds, args.batch, pid)
        if args.fresh:
            fresh_per_command(port, args.fresh)
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        if sizes:
            peak_rss(port, sizes, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
