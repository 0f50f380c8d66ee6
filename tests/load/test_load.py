"""Load: one long session and eight parallel sessions; every result is its own, and resources stay flat.

"A production runs unattended for months": 10,000 commands on one session, and 8 sessions x 1,000 commands
(an operation with PoolSize 8), each command printing a unique token. Checked: every result carries exactly
its own token (no output crosses commands or sessions), and this process's open file descriptors, threads
and RSS do not grow between a warm-up point and the end beyond a small bound. The simulator runs in a
subprocess (``python -m simulator``) so its memory is not counted.

Sizes: ``LITE_TERMINAL_LOAD_SCALE`` multiplies the full sizes above (1 = full, the default: about 7 s for
this folder on a laptop-class machine, well inside CI's minute; use e.g. 0.1 on a very slow runner or 10 for
a soak run). Bounds are on resources and correctness only, never on time.
"""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import psutil
import pytest

from adapters.lite_terminal import LiteTerminal

pytestmark = [pytest.mark.load, pytest.mark.timeout(900)]

SCALE = float(os.environ.get("LITE_TERMINAL_LOAD_SCALE", "1"))
ONE_SESSION = max(200, int(10_000 * SCALE))
SESSIONS = 8
PER_SESSION = max(50, int(1_000 * SCALE))
WARMUP = 100  # commands per session before the baseline: caches, pools and the allocator settle
#: The eight sessions warm up for half their commands: with eight threads the allocator's high-water mark
#: depends on how the threads happen to interleave (a busy machine, tests/run.sh's parallel workers), and
#: settles only after a few hundred commands each. A leak of 1 KB per command still adds 4 MiB after that.
PARALLEL_WARMUP = PER_SESSION // 2

PASSWORD = "Load-Pw-93c1"
ROOT = Path(__file__).resolve().parents[2]

# Growth allowed between the warm-up baseline and the end. A leak of one socket or thread per command, or
# of a few hundred bytes per command, is far above these at full size.
MAX_FD_GROWTH = 2
MAX_THREAD_GROWTH = 0
MAX_RSS_GROWTH = 2 * 1024 * 1024  # RSS was flat to 0.1 MiB in every run; a 1 KB-per-command leak exceeds it


@dataclass
class Server:
    host: str
    port: int


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """``python -m simulator --port 0`` in a subprocess; its first line names the port it got."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--password", PASSWORD],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.search(r"http://([\d.]+):(\d+)/", line)
        assert match, f"simulator did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        yield Server(match.group(1), int(match.group(2)))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@dataclass(frozen=True)
class Usage:
    fds: int
    threads: int
    rss: int


def usage() -> Usage:
    gc.collect()
    me = psutil.Process()
    return Usage(me.num_fds(), me.num_threads(), me.memory_info().rss)


def terminal(server: Server) -> LiteTerminal:
    return LiteTerminal(server.host, server.port, "_SYSTEM", PASSWORD, connect_timeout=10,
                        response_timeout=30)


def run_tokens(term: LiteTerminal, prefix: str, start: int, stop: int, failures: List[str]) -> None:
    """Each command writes a unique token; its result must be exactly that token, status ok."""
    for i in range(start, stop):
        token = f"{prefix}-{i}"
        result = term.execute(f'write "{token}"')
        if result.status != "ok" or result.output != token:
            failures.append(f"{token}: {result.status} {result.output[:80]!r} {result.error[:80]!r}")


def report(name: str, commands: int, before: Usage, after: Usage) -> None:
    print(f"\n{name}: {commands} commands; fds {before.fds}->{after.fds}, threads {before.threads}->"
          f"{after.threads}, RSS {before.rss / 2**20:.1f}->{after.rss / 2**20:.1f} MiB")


def assert_flat(before: Usage, after: Usage) -> None:
    assert after.fds - before.fds <= MAX_FD_GROWTH, (before, after)
    assert after.threads - before.threads <= MAX_THREAD_GROWTH, (before, after)
    assert after.rss - before.rss <= MAX_RSS_GROWTH, (before, after)


def test_one_session_runs_10000_commands_each_with_its_own_output(server):
    failures: List[str] = []
    with terminal(server) as term:
        run_tokens(term, "one", 0, WARMUP, failures)
        before = usage()
        run_tokens(term, "one", WARMUP, ONE_SESSION, failures)
        after = usage()
    assert failures == []
    report("one session", ONE_SESSION, before, after)
    assert_flat(before, after)


def test_eight_sessions_at_once_each_run_1000_commands_with_their_own_output(server):
    failures: List[str] = []
    terms = [terminal(server) for _ in range(SESSIONS)]
    warmed = threading.Barrier(SESSIONS + 1, timeout=300)
    measured = threading.Barrier(SESSIONS + 1, timeout=300)
    release = threading.Event()  # workers stay alive until the end measurement is taken

    def worker(n: int) -> None:
        try:
            run_tokens(terms[n], f"s{n}", 0, PARALLEL_WARMUP, failures)
        finally:
            warmed.wait()
        try:
            run_tokens(terms[n], f"s{n}", PARALLEL_WARMUP, PER_SESSION, failures)
        finally:
            measured.wait()
            release.wait(300)

    threads = [threading.Thread(target=worker, args=(n,), name=f"load-{n}") for n in range(SESSIONS)]
    try:
        for t in threads:
            t.start()
        warmed.wait()
        before = usage()  # all 8 sessions open and warm, all 8 worker threads alive
        measured.wait()
        after = usage()  # same threads, same sessions, 8 x (PER_SESSION - PARALLEL_WARMUP) commands later
        release.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        release.set()
        for term in terms:
            term.close()
    assert failures == []
    assert not any(t.is_alive() for t in threads)
    report("8 sessions", SESSIONS * PER_SESSION, before, after)
    assert_flat(before, after)
    # every session really was its own server process: tokens never crossed sessions (checked above)
