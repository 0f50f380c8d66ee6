"""Benchmark: the Lite Terminal client against the simulator (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_client.py [--commands 2000] [--fresh 200] [--bare 2000]

Measured side by side in one run, against one simulator started in a separate process (so the server does
not share this process's GIL):

1. commands per second through one kept ``LiteTerminal`` session;
2. commands per second with a new login and socket per command, the community script's way
   (``GET /api/atelier/`` with Basic auth, upgrade, ``init``/``config``/``prompt``, one command, close);
3. the client's round trip per command versus a bare ``websocket-client`` send/receive loop on the same
   socket (the client's overhead: state machine, ANSI stripping, error classification).

It prints figures and ratios; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def simulator_process() -> Iterator[int]:
    """Run ``python -m simulator`` on a free loopback port and wait until it answers."""
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
        yield port
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


def community_way(port: int, command: str) -> str:
    """One command with a fresh login and socket, as the community article's script does."""
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    info = session.get(f"{base}/api/atelier/", auth=(USER, PASSWORD), timeout=10).json()
    api = info["result"]["content"]["api"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/api/atelier/v{api}/%25SYS/terminal", cookie=cookie, timeout=10
    )
    try:
        json.loads(ws.recv())  # init
        ws.send(json.dumps({"type": "config", "namespace": "USER", "rawMode": False}))
        recv_until_prompt(ws)
        ws.send(json.dumps({"type": "prompt", "input": command}))
        return recv_until_prompt(ws)
    finally:
        ws.close()
        session.close()


def timed(n: int, fn) -> Tuple[float, List[float]]:  # noqa: ANN001
    """Run ``fn(i)`` n times; return total seconds and per-call seconds."""
    laps: List[float] = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        laps.append(time.perf_counter() - t0)
    return time.perf_counter() - start, laps


def describe(laps: List[float]) -> str:
    ordered = sorted(laps)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6
    return f"p50 {p50:8.0f} us   p99 {p99:8.0f} us"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=2000, help="commands through the kept session")
    parser.add_argument("--fresh", type=int, default=200, help="commands with a new login+socket each")
    parser.add_argument("--bare", type=int, default=2000, help="round trips of the bare loop")
    args = parser.parse_args()

    with simulator_process() as port:
        with LiteTerminal("127.0.0.1", port, username=USER, password=PASSWORD, namespace="USER") as term:
            for i in range(50):  # warm up both paths
                term.execute(f"write {i}")
            kept_total, kept_laps = timed(
                args.commands, lambda i: check(term.execute(f"write {i}").output, i)
            )

            ws = term._transport._ws  # the same socket, driven bare (benchmark only: a private attribute)

            def bare(i: int) -> None:
                ws.send(json.dumps({"type": "prompt", "input": f"write {i}"}))
                check(recv_until_prompt(ws), i)

            bare_total, bare_laps = timed(args.bare, bare)

        community_way(port, "write 0")  # warm up
        fresh_total, fresh_laps = timed(args.fresh, lambda i: check(community_way(port, f"write {i}"), i))

    kept_rate = args.commands / kept_total
    fresh_rate = args.fresh / fresh_total
    bare_rate = args.bare / bare_total
    kept_p50, bare_p50 = statistics.median(kept_laps), statistics.median(bare_laps)
    uname = os.uname()
    rows = [
        ("kept LiteTerminal session", kept_rate, "commands/s", kept_laps, args.commands),
        ("new login+socket per command", fresh_rate, "commands/s", fresh_laps, args.fresh),
        ("bare websocket-client loop", bare_rate, "round trips/s", bare_laps, args.bare),
    ]
    print(f"Python {sys.version.split()[0]} on {uname.sysname} {uname.machine}; simulator in a subprocess")
    for name, rate, unit, laps, n in rows:
        print(f"{name:<30} {rate:9.1f} {unit:<14} {describe(laps)}   (n={n})")
    print(f"ratio kept / new-per-command:   {kept_rate / fresh_rate:6.1f}x faster")
    print(
        f"client round trip / bare loop:  {kept_p50 / bare_p50:6.2f}x "
        f"(median {kept_p50 * 1e6:.0f} us vs {bare_p50 * 1e6:.0f} us)"
    )
    return 0


def check(output: str, i: int) -> None:
    if output.strip() != str(i):
        raise SystemExit(f"wrong output for command {i}: {output!r}")


if __name__ == "__main__":
    sys.exit(main())
