"""The production on a real IRIS: load.sh, start, one command through each trigger, the trace query
of docs/user-guide.md §6 (skipped without a real IRIS and IRISINSTALLDIR: tests/iris/conftest.py)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def driven(real_iris, iris_install):
    load = subprocess.run(["bash", "load.sh"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert load.returncode == 0, load.stdout[-3000:] + load.stderr[-3000:]
    irispython = os.path.join(iris_install, "bin", "irispython")
    env = dict(
        os.environ,
        LITE_TERMINAL_IRIS_USER=real_iris.username,
        LITE_TERMINAL_IRIS_PASSWORD=real_iris.password,
        PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    run = subprocess.run(
        [irispython if os.path.exists(irispython) else sys.executable, "tests/iris/drive_production.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert real_iris.password not in run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_production_starts_running(driven):
    assert driven["credentials"] == "1" and driven["start"] == "1" and driven["state"] == 1


def test_the_adapterless_service_runs_a_command(driven):
    assert driven["service_create"] == "1" and driven["service_call"] == "1"
    assert driven["service_reply"]["Status"] == "ok" and "via-service" in driven["service_reply"]["Output"]


def test_the_file_and_scheduled_services_run_their_commands(driven):
    assert driven["file_seen"] and driven["schedule_seen"]


def test_the_readme_trace_query_finds_every_command(driven):
    commands = " ".join(row[3] for row in driven["trace"])
    for marker in ("via-service", "via-file", "$zversion"):
        assert marker in commands
    assert driven["stop"] == "1"
