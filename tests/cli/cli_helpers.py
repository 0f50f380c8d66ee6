"""Shared helpers of the command line tests (a uniquely named module: every test folder has a conftest).

The CLI runs as people and scripts run it: ``python -m adapters.lite_terminal`` in a subprocess of its own
(new session, no controlling terminal unless a test gives it one), against the simulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from loopback import free_port  # noqa: F401 - the one copy, re-exported for the tests here
from waiting import wait_until  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Pw-c1i-83d"  # distinctive, so "never in a message" assertions cannot pass by accident
USERS = {"_SYSTEM": PASSWORD, "ops": "Ops-pw-5150"}
CLI = [sys.executable, "-m", "adapters.lite_terminal"]


def cli_env(password: Optional[str] = PASSWORD, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IRIS_PASSWORD", "NO_COLOR")}
    env["PYTHONPATH"] = str(ROOT)
    if password is not None:
        env["IRIS_PASSWORD"] = password
    env.update(extra)
    return env


def sim_args(sim, *args: str) -> List[str]:
    return ["--host", f"{sim.host}:{sim.port}", "--connect-timeout", "3", *args]


def run(*args: str, password: Optional[str] = PASSWORD, stdin_text: Optional[str] = None,
        env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """The CLI in a new session without a terminal, as under cron or CI."""
    return subprocess.run([*CLI, *args], cwd=cwd or ROOT, env=env or cli_env(password), input=stdin_text,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, start_new_session=True)


def json_lines(done: subprocess.CompletedProcess) -> List[dict]:
    return [json.loads(line) for line in done.stdout.splitlines()]
