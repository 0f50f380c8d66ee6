"""Constants and small helpers shared by the tests that run the whole production for security
(tests/security, tests/policy): imported by name, not from conftest; tests/ is on the path because its
conftest.py lives there."""

from __future__ import annotations

import json
import os
from typing import Any, List, Tuple

from terminal_production import BP, FILES, OP, SCHED, SVC  # noqa: F401  (re-exported for the tests)

#: Distinctive, so "it appears nowhere" is a meaningful search; the wrong one is a mistyped store entry.
PASSWORD = "Kumquat-Secret-7731-zx"
WRONG_PASSWORD = "Guava-Wrong-4417-qy"
SECRETS = (PASSWORD, WRONG_PASSWORD)
WAIT = 15.0  # seconds: upper bound for any wait, so nothing can hang


def call(rt: Any, command_or_json: str) -> Tuple[Any, Any]:
    """The adapterless service, as ObjectScript or director.create_business_service would call it."""
    svc = rt.create_business_service(SVC)
    status, raw = svc.process_input(command_or_json)
    return status, rt.to_python(raw)


def executed(sim: Any) -> List[str]:
    return [e.input for e in sim.executed]


def warnings_of(rt: Any, config_name: str = "") -> List[str]:
    return [e["Text"] for e in rt.event_log("Warning") if not config_name or e["ConfigName"] == config_name]


def everything_the_runtime_kept(rt: Any) -> List[str]:
    """Trace, Event Log, every message header and body, Python errors with tracebacks (as text)."""
    texts = [rt.trace_text(), json.dumps(rt.event_log(), default=str)]
    for header in rt.messages():
        texts.append(json.dumps(header, default=str))
        texts.append(json.dumps(rt.body(header), default=str))
    for err in rt.python_errors:
        texts.append(f"{err['exception']!r} {err['exception']} {err['traceback']}")
    return texts


def files_under(folder: str) -> List[Tuple[str, bytes]]:
    """Every file below ``folder`` with its bytes (the SQLite store, its journal, generated classes, ...)."""
    found = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    found.append((path, f.read()))
    return found
