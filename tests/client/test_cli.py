"""``python -m adapters.lite_terminal``: a command line for people and for scripts (docs/cli.md).

Most tests run the real module in a subprocess against the simulator (stdin, tty, warnings and exit
statuses are process-level behaviour); the exit-status table is checked in-process as well.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from lite_terminal_helpers import PASSWORD, USERS, wait_until
from loopback import free_port

from adapters.lite_terminal.__main__ import (
    EXIT_CTRL_C,
    EXIT_INCOMPLETE,
    EXIT_IRIS_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    MAX_COMMAND_CHARS,
    exit_code,
)
from simulator import Simulator, SimulatorConfig

ROOT = Path(__file__).resolve().parents[2]


def cli_env(password=PASSWORD):
    env = {k: v for k, v in os.environ.items() if k != "IRIS_PASSWORD"}
    env["PYTHONPATH"] = str(ROOT)
    if password is not None:
        env["IRIS_PASSWORD"] = password
    return env


def cli_args(sim, *args, port=None):
    return [sys.executable, "-m", "adapters.lite_terminal", "--host", sim.host,
            "--port", str(port or sim.port), "--user", "_SYSTEM", "--connect-timeout", "3", *args]


def run_cli(sim, *args, password=PASSWORD, port=None, stdin_text=None):
    """The CLI in a new session: no controlling terminal, as under cron or CI."""
    return subprocess.run(cli_args(sim, *args, port=port), cwd=ROOT, env=cli_env(password),
                          input=stdin_text, stdin=None if stdin_text is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, start_new_session=True)


def json_lines(done):
    return [json.loads(line) for line in done.stdout.splitlines()]


# -------------------------------------------------------------------------------------------- basics


def test_prints_output_and_exits_zero(sim):
    done = run_cli(sim, "--namespace", "USER", "write $zv")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip() == sim.config.version
    assert done.stderr == ""


def test_several_commands_share_one_session(sim):
    done = run_cli(sim, "set x=41", "write x+1", 'write "!"')
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.split() == ["42", "!"]
    assert sim.logins == 1
    assert len({c.session for c in sim.executed}) == 1


def test_an_iris_error_is_printed_once_on_stderr_and_exits_one(sim):
    done = run_cli(sim, "write 1 write nope", "write 2")
    assert done.returncode == EXIT_IRIS_ERROR
    assert done.stdout.split() == ["1", "2"]  # later commands still run; the error line is not on stdout
    assert done.stderr == "error: <UNDEFINED> *nope\n"


def test_prefix_option(sim):
    sim.configure(path_prefix="/iris")
    done = run_cli(sim, "--prefix", "iris", "write 5")
    assert (done.returncode, done.stdout.strip()) == (EXIT_OK, "5")


# -------------------------------------------------------------------------------------------- command sources


def test_dash_reads_one_multi_line_command_from_stdin(sim):
    done = run_cli(sim, "-", stdin_text="set x=6\nwrite x*7\n")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip() == "42"
    (block,) = sim.executed  # one command: a block of two lines
    assert block.input.splitlines() == ["set x=6", "write x*7"]


def test_file_reads_a_command_and_strips_a_utf8_bom(sim, tmp_path):
    script = tmp_path / "check.cos"
    script.write_bytes("\ufeffwrite \"Grüße\"\r\n".encode())
    done = run_cli(sim, "--file", str(script))
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip() == "Grüße"


def test_several_files_run_in_order_on_one_session(sim, tmp_path):
    (tmp_path / "a").write_text("set y=2\n")
    (tmp_path / "b").write_text("write y*21\n")
    done = run_cli(sim, "-f", str(tmp_path / "a"), "--file", str(tmp_path / "b"))
    assert (done.returncode, done.stdout.strip()) == (EXIT_OK, "42")


@pytest.mark.parametrize("setup, args, message", [
    (lambda d: None, ["--file", "{d}/missing"], "No such file"),
    (lambda d: (d / "bin").write_bytes(b"write \xff\xfe"), ["--file", "{d}/bin"], "not UTF-8"),
    (lambda d: (d / "blank").write_text(" \n\n"), ["--file", "{d}/blank"], "blank: the file is empty"),
    (lambda d: None, ["write 1", " "], "COMMAND 2 is empty"),
    (lambda d: (d / "x").write_text("write 1"), ["--file", "{d}/x", "write 2"], "not both"),
    (lambda d: None, [], "no command given"),
    (lambda d: None, ["-", "-"], "can be given once"),
    (lambda d: None, ["--insecure", "--ca-file", "x.pem", "write 1"], "exclude each other"),
])
def test_bad_command_input_is_a_usage_error_and_nothing_is_sent(sim, tmp_path, setup, args, message):
    setup(tmp_path)
    done = run_cli(sim, *[a.format(d=tmp_path) for a in args], stdin_text="")
    assert done.returncode == EXIT_USAGE
    assert message in done.stderr and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr
    assert sim.logins == 0 and sim.executed == []


def test_stdin_longer_than_the_limit_is_refused_before_connecting(sim):
    done = run_cli(sim, "-", stdin_text="w" * (MAX_COMMAND_CHARS + 1))
    assert done.returncode == EXIT_USAGE
    assert "longer than" in done.stderr
    assert sim.logins == 0


@pytest.mark.parametrize("args", [["--port", "notaport"], ["--port", "70000"], ["--timeout", "nan"],
                                  ["--connect-timeout", "inf"], ["--max-output-chars", "-1"],
                                  ["--host", "http://iris.example"], ["--host", "iris.example:99999"],
                                  ["--host", "[::1"], ["--host", "[iris]:1"], ["--host", "a:b:c"],
                                  ["--host", "iris.example/iris"], ["--host", ""], ["--host", "a b"],
                                  ["--host", "user@iris.example"]])
def test_bad_option_values_exit_two(sim, args):
    done = run_cli(sim, *args, "write 1")
    assert done.returncode == EXIT_USAGE
    assert "usage:" in done.stderr and sim.logins == 0


# -------------------------------------------------------------------------------------------- READ answers


def test_input_answers_reads_in_order(sim):
    done = run_cli(sim, "--input", "Ada", "-i", "42",
                   'read "Name? ",n read "Age? ",a write !,"Hi ",n," (",a,")"')
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines()[-1] == "Hi Ada (42)"


def test_a_read_without_input_fails_the_command(sim):
    done = run_cli(sim, "read x")
    assert done.returncode == EXIT_IRIS_ERROR
    assert "READ" in done.stderr


# -------------------------------------------------------------------------------------------- JSON


def test_json_prints_one_object_per_command_with_the_response_fields(sim):
    done = run_cli(sim, "--json", "set x=1", 'write "café ",x', "write nope")
    assert done.returncode == EXIT_IRIS_ERROR
    assert done.stderr == ""  # the error is in the JSON, not printed again
    first, second, third = json_lines(done)
    assert set(second) == {"Command", "Server", "Status", "Output", "Error", "Namespace", "ElapsedMs",
                           "ServerVersion", "OutputDropped"}
    assert second["Output"] == "café 1" and second["Status"] == "ok" and second["Error"] == ""
    assert second["Command"] == 'write "café ",x'
    assert second["Server"] == f"{sim.host}:{sim.port}" and second["Namespace"] == "USER"
    assert second["ServerVersion"] == sim.config.version
    assert isinstance(second["ElapsedMs"], int) and second["OutputDropped"] == 0
    assert (third["Status"], third["Error"]) == ("error", "<UNDEFINED> *nope")
    assert done.stdout.isascii()  # \\u escapes: readable whatever the consumer's locale


def test_json_unreachable_then_skipped_exits_three(sim):
    done = run_cli(sim, "--json", "write 1", "write 2", port=free_port())
    assert done.returncode == EXIT_UNREACHABLE
    first, second = json_lines(done)
    assert first["Status"] == "unreachable" and "refused" in first["Error"]
    assert second["Status"] == "skipped" and "not run" in second["Error"]


def test_max_output_chars_keeps_the_ends_and_counts_the_rest(sim):
    done = run_cli(sim, "--json", "--max-output-chars", "100", 'write $translate($justify("",500)," ","x")')
    (response,) = json_lines(done)
    assert response["Status"] == "ok", response
    assert len(response["Output"]) <= 100
    assert response["OutputDropped"] == 500 - len(response["Output"])


# -------------------------------------------------------------------------------------------- failures


def test_a_timeout_exits_four_and_the_next_command_still_runs(sim):
    done = run_cli(sim, "--timeout", "0.3", "hang 10", "write 7")
    assert done.returncode == EXIT_INCOMPLETE
    assert done.stderr.startswith("timeout: ")
    assert done.stdout.split()[-1] == "7"


def test_a_lost_command_exits_four_and_the_rest_are_skipped(sim):
    sim.configure(close_mid_output_on="boom")
    done = run_cli(sim, 'write "boom"', "write 3")
    assert done.returncode == EXIT_INCOMPLETE
    assert "lost: " in done.stderr and "may or may not have run" in done.stderr
    assert "skipped: not run" in done.stderr
    assert [c.input for c in sim.executed] == ['write "boom"']


def test_wrong_password_exits_three_without_traceback_or_password(sim):
    done = run_cli(sim, "write 1", password="not-" + PASSWORD)
    assert done.returncode == EXIT_UNREACHABLE
    assert done.stderr.startswith("unreachable: ") and "401" in done.stderr
    assert "Traceback" not in done.stderr
    assert PASSWORD not in done.stderr + done.stdout


def test_connection_refused_exits_three(sim):
    done = run_cli(sim, "write 1", port=free_port())
    assert done.returncode == EXIT_UNREACHABLE
    assert done.stderr.startswith("unreachable: ") and "refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_ctrl_c_exits_130_without_traceback(sim):
    env = dict(cli_env(), PYTHONFAULTHANDLER="1")  # SIGABRT prints every thread's stack, for the failure
    proc = subprocess.Popen(cli_args(sim, "hang 20"), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_until(lambda: len(sim.executed) == 1, timeout=15)
        threads = _thread_names(proc.pid)
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            signals = _signal_state(proc.pid)  # SIGINT is bit 1 (value 2): pending, blocked, ignored, caught?
            proc.send_signal(signal.SIGABRT)
            err = proc.communicate(timeout=15)[1]
            pytest.fail(f"still running 15 s after SIGINT (threads when it was sent: {threads}; signal masks "
                        f"then: {signals}); where it was:\n{err}")
    finally:
        proc.kill()
    assert proc.returncode == EXIT_CTRL_C
    assert "Traceback" not in err and "Ctrl-C" in err


def test_ctrl_c_ends_the_program_within_its_bound_even_when_the_interrupt_is_lost():
    """A KeyboardInterrupt raised inside a finalizer is only reported by Python, and the main thread may then
    sit in a blocking read: the watcher ends the process anyway. Simulated by a handler that swallows it."""
    child = (
        "import signal, sys, time\n"
        "from adapters.lite_terminal.__main__ import end_within_bound_after_ctrl_c\n"
        "end_within_bound_after_ctrl_c()\n"
        "signal.signal(signal.SIGINT, lambda *_: None)  # the interrupt is lost\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", child], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == EXIT_CTRL_C
    assert "stopped: Ctrl-C (ended after 3 s)" in err and "Traceback" not in err


def _thread_names(pid: int):
    """The process's threads as the kernel lists them (which threads could take a process signal)."""
    try:
        tasks = sorted(os.listdir(f"/proc/{pid}/task"))
        return [Path(f"/proc/{pid}/task/{task}/comm").read_text().strip() for task in tasks]
    except OSError:
        return "unknown (no /proc)"


def _signal_state(pid: int) -> str:
    """The kernel's signal masks of the process (SigPnd/ShdPnd: pending, SigBlk, SigIgn, SigCgt)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "unknown (no /proc)"
    return " ".join(line.replace("\t", "=") for line in lines if line.startswith(("SigPnd", "ShdPnd", "Sig")))


# -------------------------------------------------------------------------------------------- password


def test_no_password_and_no_terminal_fails_clearly_without_warnings(sim):
    done = run_cli(sim, "-", password=None, stdin_text="write 1\n")  # stdin is the command, not a password
    assert done.returncode == EXIT_USAGE
    assert done.stderr == "error: no password: set IRIS_PASSWORD (there is no terminal to prompt on)\n"
    assert sim.logins == 0


def test_an_empty_iris_password_is_refused(sim):
    done = run_cli(sim, "write 1", password="")
    assert (done.returncode, done.stderr) == (EXIT_USAGE, "error: IRIS_PASSWORD is set but empty\n")


def test_the_password_is_read_from_the_terminal_while_the_command_comes_from_stdin(sim):
    master, slave = os.openpty()
    reader, writer = os.pipe()

    def take_the_terminal():  # runs in the child after setsid: the pty becomes its controlling terminal
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(cli_args(sim, "-"), cwd=ROOT, env=cli_env(None), stdin=reader,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=take_the_terminal, pass_fds=(slave,))
    os.close(slave)
    os.close(reader)
    try:
        os.write(writer, b"write 8*8\n")
        os.close(writer)
        seen, deadline = b"", time.monotonic() + 15
        while b"IRIS password:" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 1024)
        assert b"IRIS password:" in seen
        os.write(master, PASSWORD.encode() + b"\n")
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == EXIT_OK, err
    assert out.strip() == "64"
    assert PASSWORD not in out + err


# -------------------------------------------------------------------------------------------- help, table


def test_help_shows_defaults_and_exit_statuses(sim):
    done = run_cli(sim, "--help")
    assert done.returncode == EXIT_OK
    text = " ".join(done.stdout.split())
    for default in ("(default: localhost)", "(default: 52773)", "(default: USER)", "(default: _SYSTEM)",
                    "(default: 30 s; interactive: no limit)", "(default: 10 s)", "(default: 1000000)",
                    "(default: auto)"):
        assert default in text
    for code, words in ((EXIT_OK, "every command ok"), (EXIT_IRIS_ERROR, "IRIS error"), (EXIT_USAGE, "usage"),
                        (EXIT_UNREACHABLE, "unreachable"), (EXIT_INCOMPLETE, "timeout, interrupted or lost"),
                        (EXIT_CTRL_C, "Ctrl-C")):
        assert any(line.strip().startswith(f"{code} ") and words in line for line in done.stdout.splitlines())


@pytest.mark.parametrize("statuses, code", [
    ([], EXIT_OK), (["ok", "ok"], EXIT_OK), (["ok", "error", "ok"], EXIT_IRIS_ERROR),
    (["invalid"], EXIT_USAGE), (["unreachable", "skipped"], EXIT_UNREACHABLE),
    (["error", "timeout"], EXIT_INCOMPLETE), (["interrupted"], EXIT_INCOMPLETE),
    (["lost", "skipped"], EXIT_INCOMPLETE), (["timeout", "unreachable"], EXIT_INCOMPLETE),
    (["something-new"], EXIT_INCOMPLETE),
])
def test_the_exit_status_is_the_highest_that_applies(statuses, code):
    assert exit_code(statuses) == code


# -------------------------------------------------------------------------------------------- refusals


def test_a_command_the_client_refuses_is_invalid_and_never_sent(sim, tmp_path):
    # a vertical tab or U+2028 would let the client and the command policy read different lines
    (tmp_path / "vt").write_text("write 1\x0bhalt\n")
    done = run_cli(sim, "--json", "--file", str(tmp_path / "vt"))
    assert done.returncode == EXIT_USAGE
    (response,) = json_lines(done)
    assert response["Status"] == "invalid" and "U+000B" in response["Error"]
    assert sim.executed == [] and sim.logins == 0


def test_settings_the_client_refuses_give_invalid_for_every_command(sim):
    done = run_cli(sim, "--json", "--timeout", "1e300", "write 1", "write 2")
    assert done.returncode == EXIT_USAGE, done.stderr
    assert [r["Status"] for r in json_lines(done)] == ["invalid", "invalid"]
    assert "Traceback" not in done.stderr and sim.executed == []


# -------------------------------------------------------------------------------------------- several servers


def fleet_cli(*args, password=PASSWORD, stdin_text=None):
    command = [sys.executable, "-m", "adapters.lite_terminal", "--user", "_SYSTEM", "--connect-timeout", "3",
               *args]
    return subprocess.run(command, cwd=ROOT, env=cli_env(password), input=stdin_text,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, start_new_session=True)


@pytest.fixture
def second_sim():
    with Simulator(SimulatorConfig(users=USERS)) as simulator:
        yield simulator


def test_one_command_on_two_servers_prints_identical_output_once(sim, second_sim):
    done = fleet_cli("--group", "--host", f"{sim.host}:{sim.port}", "--host",
                     f"{second_sim.host}:{second_sim.port}", "write 6*7")
    assert done.returncode == EXIT_OK, done.stderr
    lines = done.stdout.splitlines()
    assert lines.count("  42") == 1  # one group for both servers, its output indented
    assert lines[0] == lines[2] == "-" * 16
    assert str(sim.port) in lines[1] and str(second_sim.port) in lines[1]
    assert done.stderr.startswith("write 6*7: 2 targets: 2 ok")
    assert len(sim.executed) == len(second_sim.executed) == 1


def test_a_server_that_is_down_is_its_own_group_and_exits_three(sim):
    down = free_port()
    done = fleet_cli("--group", "--host", f"{sim.host}:{sim.port}", "--host", f"127.0.0.1:{down}", "write 1")
    assert done.returncode == EXIT_UNREACHABLE
    assert f"127.0.0.1:{down} (unreachable)" in done.stdout and "refused" in done.stdout
    assert "ConnectError" not in done.stdout + done.stderr  # the same words as for one server
    assert "1 ok, 1 unreachable" in done.stderr


def test_fleet_json_is_one_fleet_response_per_command(sim, second_sim):
    done = fleet_cli("--json", "--host", f"{sim.host}:{sim.port}", "--host",
                     f"{second_sim.host}:{second_sim.port}", "write 1", "write nope")
    assert done.returncode == EXIT_IRIS_ERROR
    first, second = json_lines(done)
    assert set(first) >= {"Command", "Status", "Counts", "Results", "Groups", "ElapsedMs"}
    assert (first["Status"], second["Status"]) == ("ok", "failed")
    assert [r["Status"] for r in second["Results"]] == ["error", "error"]
    assert second["Results"][0]["Error"] == "<UNDEFINED> *nope"


def test_hosts_file_with_comments_and_the_port_default(sim, second_sim, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text(f"# our servers\n{sim.host}:{sim.port}   # first\n\n{second_sim.host}\n")
    done = fleet_cli("--hosts-file", str(hosts), "--port", str(second_sim.port), "--json", "write 2")
    assert done.returncode == EXIT_OK, done.stderr
    (result,) = json_lines(done)
    # named as the file names them; the port from --port where the line has none
    assert [r["Target"] for r in result["Results"]] == [f"{sim.host}:{sim.port}", second_sim.host]
    assert [r["Server"] for r in result["Results"]] == [f"{sim.host}:{sim.port}", second_sim.host]
    assert [r["Status"] for r in result["Results"]] == ["ok", "ok"]


@pytest.mark.parametrize("content, message", [
    ("iris1\nhttp://iris2\n", "line 2: the host is not a host name"),
    ("# nothing\n\n", "no servers in it"),
    ("iris1:1972\niris1:1972\n", "line 2: this host is already listed in the same group (servers given"),
    ("iris1:1972\nIRIS1.:1972\n", "servers given twice: iris1:1972 and IRIS1.:1972"),
])
def test_a_bad_hosts_file_is_a_usage_error(tmp_path, content, message):
    hosts = tmp_path / "hosts"
    hosts.write_text(content)
    done = fleet_cli("--hosts-file", str(hosts), "write 1")
    assert done.returncode == EXIT_USAGE
    assert message in done.stderr


def test_max_errors_skips_the_servers_not_yet_started():
    down = [f"127.0.0.1:{free_port()}" for _ in range(3)]
    done = fleet_cli("--json", "--max-concurrency", "1", "--max-errors", "1",
                     *[arg for host in down for arg in ("--host", host)], "write 1")
    assert done.returncode == EXIT_UNREACHABLE
    (result,) = json_lines(done)
    assert [r["Status"] for r in result["Results"]] == ["unreachable", "skipped", "skipped"]


def test_expect_turns_an_unexpected_output_into_a_mismatch(sim):
    ok = run_cli(sim, "--expect", "^4[0-9]$", "write 42")
    assert ok.returncode == EXIT_OK, ok.stderr
    bad = run_cli(sim, "--json", "--expect", "^4[0-9]$", "write 7")
    assert bad.returncode == EXIT_IRIS_ERROR
    (response,) = json_lines(bad)
    assert response["Status"] == "mismatch" and response["Output"] == "7"
    broken = run_cli(sim, "--expect", "(", "write 1")
    assert broken.returncode == EXIT_USAGE and "--expect" in broken.stderr and sim.logins == 2
