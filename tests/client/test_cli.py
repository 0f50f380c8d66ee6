"""``python -m adapters.lite_terminal`` (README "The client"), run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lite_terminal_helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def run_cli(sim, *args, password=PASSWORD, port=None):
    env = {k: v for k, v in os.environ.items() if k != "IRIS_PASSWORD"}
    env["PYTHONPATH"] = str(ROOT)
    if password is not None:
        env["IRIS_PASSWORD"] = password
    command = [sys.executable, "-m", "adapters.lite_terminal", "--host", sim.host,
               "--port", str(port or sim.port), "--user", "_SYSTEM", "--connect-timeout", "3", *args]
    return subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True,
                          timeout=30)


def test_prints_output_and_exits_zero(sim):
    done = run_cli(sim, "--namespace", "USER", "write $zv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == sim.config.version


def test_several_commands_share_one_session(sim):
    done = run_cli(sim, "set x=41", "write x+1", 'write "!"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["42", "!"]
    assert sim.logins == 1
    assert len({c.session for c in sim.executed}) == 1


def test_an_iris_error_exits_one_and_explains_on_stderr(sim):
    done = run_cli(sim, "write nope", "write 2")
    assert done.returncode == 1
    assert "<UNDEFINED>" in done.stdout + done.stderr
    assert "error: <UNDEFINED> *nope" in done.stderr
    assert "2" in done.stdout.split()  # later commands still run


def test_a_timeout_exits_one(sim):
    done = run_cli(sim, "--timeout", "0.3", "hang 10")
    assert done.returncode == 1
    assert "timeout" in done.stderr


def test_wrong_password_exits_two_without_traceback_or_password(sim):
    done = run_cli(sim, "write 1", password="not-" + PASSWORD)
    assert done.returncode == 2
    assert "401" in done.stderr
    assert "Traceback" not in done.stderr
    assert PASSWORD not in done.stderr + done.stdout


def test_no_password_and_no_terminal_exits_two(sim):
    done = run_cli(sim, "write 1", password=None)
    assert done.returncode == 2
    assert "password" in done.stderr
    assert sim.logins == 0


def test_password_can_come_from_the_prompt(sim):
    # A new session has no controlling terminal, so getpass reads the typed line from stdin.
    env = {k: v for k, v in os.environ.items() if k != "IRIS_PASSWORD"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.lite_terminal", "--host", sim.host, "--port", str(sim.port),
         "write 8"],
        cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=30,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "8"
    assert PASSWORD not in done.stdout + done.stderr


def test_usage_errors_exit_two(sim):
    assert run_cli(sim).returncode == 2  # no command
    assert run_cli(sim, "--port", "notaport", "write 1").returncode == 2
    both = run_cli(sim, "--insecure", "--ca-file", "x.pem", "write 1")
    assert both.returncode == 2 and "exclude" in both.stderr


def test_connection_refused_exits_two(sim):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    done = run_cli(sim, "write 1", port=free)
    assert done.returncode == 2
    assert done.stderr.startswith("error:")
    assert "Traceback" not in done.stderr


def test_prefix_option(sim):
    sim.configure(path_prefix="/iris")
    done = run_cli(sim, "--prefix", "iris", "write 5")
    assert (done.returncode, done.stdout.strip()) == (0, "5")
