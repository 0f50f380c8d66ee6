"""Output as it arrives: the first line is on stdout while the command still runs, on one server and on a
fleet (``host: `` per line), Ctrl-C keeps what was written, and ``--json`` stays whole documents."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time

from cli_helpers import CLI, ROOT, cli_env, run, sim_args, wait_until


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], cwd=ROOT, env=cli_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def read_until(proc: subprocess.Popen, wanted: bytes, timeout: float = 15.0) -> bytes:
    """Bytes from the CLI's stdout until ``wanted`` has come (a bounded wait for an event)."""
    seen, deadline = b"", time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} not seen; got {seen!r}"
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 4096)
            assert chunk, f"stdout closed before {wanted!r}; got {seen!r}"
            seen += chunk
    return seen


def stop(proc: subprocess.Popen) -> tuple:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    return out, err


def test_the_first_line_is_written_while_the_command_still_runs(sim):
    proc = start(*sim_args(sim, 'write "first",! hang 30 write "never"'))
    try:
        seen = read_until(proc, b"first\n")
        assert proc.poll() is None and sim.command_spans == []  # the command has not ended
        out, err = stop(proc)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert (seen + out).decode() == "first\n"  # Ctrl-C kept what was written
    assert b"stopped: Ctrl-C" in err and b"Traceback" not in err


def test_an_unfinished_line_is_shown_at_once(sim):
    proc = start(*sim_args(sim, 'write "Working... " hang 30'))
    try:
        seen = read_until(proc, b"Working... ")
        assert sim.command_spans == []
        out, _err = stop(proc)
    finally:
        proc.kill()
    assert (seen + out).decode() == "Working... \n"  # the line is ended when the program stops


def test_a_fleet_prefixes_each_line_with_its_server_as_it_arrives(sim, make_sim):
    other = make_sim()
    proc = start("--host", f"{sim.host}:{sim.port}", "--host", f"{other.host}:{other.port}",
                 "--connect-timeout", "3", 'write "first",! hang 30')
    try:
        seen = read_until(proc, f"{other.host}:{other.port}: first\n".encode())
        seen += read_until(proc, f"{sim.host}:{sim.port}: first\n".encode()) if \
            f"{sim.host}:{sim.port}: first".encode() not in seen else b""
        assert sim.command_spans == [] and other.command_spans == []
        out, err = stop(proc)
    finally:
        proc.kill()
    lines = sorted((seen + out).decode().splitlines())
    assert lines == sorted([f"{sim.host}:{sim.port}: first", f"{other.host}:{other.port}: first"])
    assert proc.returncode == 130


def test_json_is_written_as_whole_documents_only(sim):
    proc = start(*sim_args(sim, "--json", 'write "a",! hang 30'))
    try:
        wait_until(lambda: len(sim.executed) == 1)
        out, _err = stop(proc)
    finally:
        proc.kill()
    assert out == b""  # nothing half-written: a JSON document is written when its command ends
    done = run(*sim_args(sim, "--json", 'write "a",! hang 0.2 write "b"', "write 2"))
    first, second = [json.loads(line) for line in done.stdout.splitlines()]
    assert first["Output"] == "a\r\nb" and second["Output"] == "2"


def test_max_output_chars_limits_what_is_shown_and_says_so(sim):
    done = run(*sim_args(sim, "--max-output-chars", "100", 'write $translate($justify("",500)," ","x")'))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "x" * 100 + "\n"
    assert done.stderr == "note: 400 characters of output not shown (--max-output-chars)\n"
