"""One-off long run of the policy-versus-interpreter differential (not part of the test run).

    .venv/bin/python tests/benchmarks/policy_fuzz.py [--examples 200000] [--seed 17] [--show 20]

Draws commands (half wrapped payloads, half free token soup) from tests/language_forms.py (issue
17's language: whitespace variants, JSON literals, $LIST, NEW, LOCK, $ETRAP, indirection, XECUTE strings,
postconditionals around every payload that switches namespace or HALTs) and, for each the policy allows
under DEFAULT_DENY, runs it in the simulator's interpreter: a finding is an allowed command that entered
another namespace or halted. Prints the counts, the rate, and the distinct findings (grouped by the policy's
reading); exits 1 when there are findings.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import language_forms  # noqa: E402

from adapters.lite_terminal.lines import UnsafeCommandText, command_lines  # noqa: E402
from productions.policy import DEFAULT_DENY, check_command, normalize  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--all", action="store_true", help="count the known holes as findings too")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts = collections.Counter()
    findings = collections.OrderedDict()
    started = time.monotonic()
    for _ in range(args.examples):
        soup = rng.random() < 0.5
        command = language_forms.random_soup(rng) if soup else language_forms.random_command(rng)
        counts["generated"] += 1
        try:
            lines = command_lines(command)
        except UnsafeCommandText:
            counts["unsafe text (refused by the client)"] += 1
            continue
        if not check_command(command, deny_patterns=DEFAULT_DENY).allowed:
            counts["denied by the policy"] += 1
            continue
        counts["allowed by the policy"] += 1
        if language_forms.reached_a_denied_capability("\r\n".join(lines)):
            if language_forms.known_hole(command) and not args.all:
                counts["known holes (test_fuzz_findings.py)"] += 1
                continue
            counts["FINDINGS: allowed and reached"] += 1
            key = tuple(normalize(command))
            findings.setdefault(key, command)
    took = time.monotonic() - started
    for name, value in counts.items():
        print(f"{name:40s} {value:>10,d}")
    print(f"{'seconds':40s} {took:>10.1f}   ({args.examples / took:,.0f} commands/s)")
    print(f"distinct findings: {len(findings)}")
    for key, command in list(findings.items())[: args.show]:
        print(f"  {command!r}\n      policy read: {list(key)}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
