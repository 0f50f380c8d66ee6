"""Counts the pairs the ``duplicates`` tool lists by the area each side lies in, for issue 15's before and
after figures: ``duplicates --most 200 | python3 .ci/duplicate_areas.py``.

Areas: product (adapters, messages, productions, simulator, offline_iris), tests, other (examples, .ci, ...).
A pair is counted under ``product``, ``tests``, ``product~tests`` or ``other``; shape-only and boilerplate
pairs are counted apart, as the tool marks them.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

PRODUCT = ("adapters/", "messages/", "productions/", "simulator/", "offline_iris/")
ROW = re.compile(r"^D\d+ (\S+?):\d+-\d+ ~ (\S+?):\d+-\d+(.*)$")


def area(path: str) -> str:
    if path.startswith(PRODUCT):
        return "product"
    if path.startswith("tests/"):
        return "tests"
    return "other"


def main() -> int:
    counts: Counter = Counter()
    first = ""
    for line in sys.stdin:
        if not first:
            first = line.strip()
        m = ROW.match(line.strip())
        if not m:
            continue
        sides = sorted({area(m.group(1)), area(m.group(2))})
        key = "other" if "other" in sides else "~".join(sides)
        kind = "boilerplate" if "boilerplate" in m.group(3) else "shape" if "shape" in m.group(3) else "same"
        counts[(key, kind)] += 1
    print(first)
    for key in ("product", "tests", "product~tests", "other"):
        row = {kind: counts[(key, kind)] for kind in ("same", "shape", "boilerplate")}
        print(f"  {key}: {sum(row.values())} ({row['same']} identical, {row['shape']} same shape, "
              f"{row['boilerplate']} boilerplate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
