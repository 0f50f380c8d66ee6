"""Red team, secrets: the code paths added for issues 8 and 9 keep the password out of every text.

test_secrets.py searches for ASCII passwords. Here the passwords are not Latin-1 (one also holds a line
break, so it cannot be sent at all), and every search also looks for the JSON-escaped form (``\\u0132``:
the Event Log dump, message bodies and ``--json`` escape non-ASCII) and for any 5-character piece, so "no
part of it" is what is checked. The paths: a password refused before sending (``invalid``), the default
session's ``kill`` reset failing in an unknown namespace (``unreachable``), MaxSessions reached, the
credentials entry deleted while running, an invalid request field, and the CLI's ``--json`` output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from security_helpers import OP, call, everything_the_runtime_kept, files_under

ROOT = Path(__file__).resolve().parents[2]
#: Not Latin-1, so a str() of bytes, a JSON dump or a URL would each show it differently.
GOOD = "Yak\u0132Walnut-\u4e2d9981-\u00e6"
#: Holds a line break: Basic auth cannot carry it, so it is refused before anything is sent.
UNSENDABLE = "Zebra\u00a7Quince\n4412-\u03a9mega"


def pieces(secret: str):
    """Every 5-character piece of ``secret``, verbatim, JSON-escaped and Python-escaped."""
    found = set()
    for i in range(len(secret) - 4):
        piece = secret[i:i + 5]
        found |= {piece, json.dumps(piece)[1:-1], piece.encode("unicode_escape").decode("ascii")}
    return found


def leaks(text, secrets=(GOOD, UNSENDABLE)):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return sorted({p for s in secrets for p in pieces(s) if p in text})


def run_requests(rt):
    statuses = []
    for request in ["write 1", "write 2", {"Command": "write 3", "Namespace": "NOPE"},
                    {"Command": "write 4", "Session": "a"}, {"Command": "write 5", "Session": "b"},
                    {"Command": "write 6", "Namespace": "BAD NS"},
                    {"Command": "write 7", "InputLines": ["a\nb"]}]:
        text = request if isinstance(request, str) else json.dumps(request)
        statuses.append(call(rt, text)[1].Status)
    return statuses


def test_new_failure_paths_keep_a_non_latin1_password_out_of_everything(rt, make_sim, start, capfd):
    sim = make_sim(users={"_SYSTEM": GOOD})
    overrides = {(OP, "Adapter", "MaxSessions"): "1"}

    start(sim, overrides, password=UNSENDABLE)
    assert run_requests(rt) == ["invalid"] * 5 + ["invalid", "invalid"]
    rt.stop_production()

    start(sim, overrides, password=GOOD)
    assert run_requests(rt) == ["ok", "ok", "unreachable", "ok", "unreachable", "invalid", "invalid"]
    rt.credentials.delete("LiteTerminal")
    assert call(rt, json.dumps({"Command": "write 8", "Session": "c"}))[1].Status == "unreachable"
    rt.stop_production()

    kept = everything_the_runtime_kept(rt)
    assert sum(GOOD in t or json.dumps(GOOD)[1:-1] in t for t in kept) == 0
    assert [leaks(t) for t in kept if leaks(t)] == []
    stored = [(path, leaks(data)) for path, data in files_under(str(rt.workdir)) if leaks(data)]
    assert stored == []
    out, err = capfd.readouterr()
    assert leaks(out + err) == []


def test_the_cli_json_output_holds_no_part_of_the_password(make_sim):
    sim = make_sim(users={"_SYSTEM": GOOD})
    outputs = []
    for secret in (GOOD, UNSENDABLE, GOOD[::-1]):  # right, unsendable, wrong
        env = {k: v for k, v in os.environ.items() if k != "IRIS_PASSWORD"}
        env.update(PYTHONPATH=str(ROOT), IRIS_PASSWORD=secret)
        done = subprocess.run(
            [sys.executable, "-m", "adapters.lite_terminal", "--verbose", "--json", "--user", "_SYSTEM",
             "--host", sim.host, "--port", str(sim.port), "--connect-timeout", "3",
             "write 1", "write nope", 'zn "NOPE"'],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        outputs.append((done.returncode, [json.loads(line)["Status"] for line in done.stdout.splitlines()],
                        leaks(done.stdout + done.stderr, (GOOD, UNSENDABLE, GOOD[::-1]))))
    assert outputs == [
        (1, ["ok", "error", "error"], []),
        (2, ["invalid", "invalid", "invalid"], []),
        (3, ["unreachable", "skipped", "skipped"], []),
    ], outputs
