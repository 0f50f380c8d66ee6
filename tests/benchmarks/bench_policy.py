"""Benchmark: how long the command policy takes to check a script (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_policy.py [--repeat 3]

A Command Files script may be up to MaxFileChars (1,000,000 by default) characters, and the policy reads it
before anything is sent, so its time must grow linearly with the text. For 100 KB, 300 KB and 1 MB it
prints the best of ``--repeat`` runs of ``check_command`` with the default DenyPatterns and an allow list
(every reading checked), for an ordinary script and for texts built to be slow: one line of blanks around
operators, thousands of ``$ZU(`` and ``$XECUTE("`` calls, deep parentheses, many XECUTE literals. Times are
wall-clock; the CPU column (with the allow list) is what a busy machine does not inflate, and its last column,
microseconds per KB, stays flat from 100 KB to 1 MB for a linear checker.

Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from productions.policy import DEFAULT_DENY, check_command  # noqa: E402

ALLOW = r"^(SET|WRITE|IF|FOR|DO|XECUTE|QUIT|KILL|ELSE)\b"
SIZES = {"100 KB": 100_000, "300 KB": 300_000, "1 MB": 1_000_000}

#: Every line different (the number), so no per-line shortcut could help.
ORDINARY_LINES = [
    'set total{n} = 0, count = 0  // running totals',
    'for i=1:1:{n} {{ set ^Data(i) = $piece(line, ",", i) * 2 }}',
    'if total > {n} {{ write "big: ", total, ! }} else {{ write "small", ! }}',
    'set x = $listbuild({n}, "two", 3.0), y=$lg(x,2)',
    'x "write ""inner {n}"", !"',
    'kill ^Tmp($job,{n}) quit:count>5',
    '/* a block comment */ do ##class(%SYSTEM.Process).Name({n})',
]


def fill(unit: Callable[[int], str], size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        piece = unit(i)
        parts.append(piece)
        total += len(piece)
        i += 1
    return "".join(parts)[:size]


SHAPES: Dict[str, Callable[[int], str]] = {
    "ordinary script": lambda size: fill(
        lambda i: ORDINARY_LINES[i % len(ORDINARY_LINES)].format(n=i) + "\n", size),
    "one line, blanks around operators": lambda size: "set x = 1" + fill(lambda i: " + 1", size - 9),
    "one line of blanks": lambda size: "write 1" + " " * (size - 9) + "=1",
    "many $ZU( calls": lambda size: "write " + fill(lambda i: "$zu(12,1)+", size - 7) + "1",
    "many $XECUTE literals": lambda size: "write " + fill(lambda i: '$xecute("q 1")+', size - 7) + "1",
    "many XECUTE literals": lambda size: fill(lambda i: f'x "write {i}"\n', size),
    "deep parentheses": lambda size: "write " + "(" * ((size - 7) // 2) + "1" + ")" * ((size - 7) // 2),
    "lines joined by operators": lambda size: "set x=1" + fill(lambda i: "\n+1", size - 7),
    "comments between operators": lambda size: "set x=1" + fill(lambda i: " /* c */ +1", size - 7),
}


def best(text: str, allow: str, repeat: int) -> Tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeat`` checks (CPU time is what other processes on a
    busy machine do not inflate)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        check_command(text, allow_patterns=allow, deny_patterns=DEFAULT_DENY)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'text':36} {'size':>7} {'deny only':>10} {'with allow':>11} {'CPU':>7} {'CPU us/KB':>9}")
    for shape, build in SHAPES.items():
        for label, size in SIZES.items():
            text = build(size)
            deny, _ = best(text, "", args.repeat)
            allow, cpu = best(text, ALLOW, args.repeat)
            per_kb = 1e6 * cpu / (len(text) / 1000)
            print(f"{shape:36} {label:>7} {deny:9.3f}s {allow:10.3f}s {cpu:6.3f}s {per_kb:9.0f}")


if __name__ == "__main__":
    main()
