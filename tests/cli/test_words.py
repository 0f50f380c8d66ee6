"""The command line's own words: flags by their names, seconds rounded, error lines on stderr only, one
status vocabulary for one server and a fleet, the file named in file errors, a TLS/plain mismatch in one
line with its fix, and no server text that can start a line of its own."""

from __future__ import annotations

import pytest
from cli_helpers import free_port, json_lines, run, sim_args
from hypothesis import given
from hypothesis import strategies as st

from adapters.lite_terminal.render import status_line, words
from simulator import Simulator, SimulatorConfig


@pytest.mark.parametrize("client_text, cli_text", [
    ("no prompt within 9.99999939899999 s; the command was interrupted", "no prompt within 10 s;"),
    ("within 0.30000000000000004 s", "within 0.3 s"),
    ("the command asked for input (READ) but no input_lines were left", "no --input lines were left"),
    ("HTTP 404: no Atelier REST API there; check path_prefix and", "check --prefix and"),
    ("use verify=<CA bundle path> for a private CA, or verify=False",
     "use --ca-file <CA bundle> for a private CA, or --insecure"),
])
def test_client_texts_come_out_in_the_command_lines_words(client_text, cli_text):
    assert cli_text in words(client_text)


LINE_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@given(st.text(), st.sampled_from(LINE_BREAKS), st.text())
def test_a_status_line_is_one_line_whatever_the_server_said(before, brk, after):
    line = status_line("error", before + brk + "----------------\nforged (ok)" + after, server="iris1")
    assert line.endswith("\n") and line.count("\n") == 1
    assert len(line[:-1].splitlines()) == 1  # no character Python splits lines at, either


def test_a_read_with_no_input_left_fails_on_stderr_only(sim):
    done = run(*sim_args(sim, 'write "before",! read x'))
    assert done.returncode == 1
    assert done.stdout == "before\n"  # no <INTERRUPT> on stdout
    assert done.stderr == ("error: the command asked for input (READ) but no --input lines were left; it was "
                           "interrupted\n")


def test_an_empty_file_is_named(sim, tmp_path):
    (tmp_path / "empty.cos").write_text("\n  \n")
    done = run(*sim_args(sim, "--file", str(tmp_path / "empty.cos")))
    assert done.returncode == 2
    assert done.stderr == f"error: --file {tmp_path / 'empty.cos'}: the file is empty (only blanks)\n"
    assert sim.logins == 0


def test_unreachable_reads_the_same_for_one_server_and_a_fleet(sim):
    down = f"127.0.0.1:{free_port()}"
    alone = run("--host", down, "--connect-timeout", "3", "write 1")
    fleet = run("--host", down, "--host", f"{sim.host}:{sim.port}", "--connect-timeout", "3", "write 1")
    assert alone.stderr.startswith("unreachable: ") and "refused" in alone.stderr
    assert f"{down}: {alone.stderr}" in fleet.stderr  # the same line, with the server in front
    assert "ConnectError" not in fleet.stdout + fleet.stderr
    assert fleet.stdout == f"{sim.host}:{sim.port}: 1\n"


def test_every_json_result_has_its_server(sim, make_sim):
    other = make_sim()
    one = json_lines(run(*sim_args(sim, "--json", "write 1")))[0]
    fleet = json_lines(run("--host", f"{sim.host}:{sim.port}", "--host", f"{other.host}:{other.port}",
                           "--json", "write 1"))[0]
    assert one["Server"] == f"{sim.host}:{sim.port}"
    assert [r["Server"] for r in fleet["Results"]] == [f"{sim.host}:{sim.port}", f"{other.host}:{other.port}"]
    assert set(fleet["Results"][0]) >= set(one)  # the same fields as one server's result


def test_tls_against_a_plain_port_is_one_line_with_the_fix(sim):
    done = run(*sim_args(sim, "--tls", "write 1"))
    assert done.returncode == 3
    assert done.stderr == (f"unreachable: {sim.host}:{sim.port} speaks plain HTTP, not TLS: leave out "
                           "--tls/--ca-file/--insecure (tls=false in an inventory), or give the server's "
                           "HTTPS port; the command was not sent\n")
    assert sim.executed == []


def test_plain_http_against_a_tls_port_is_one_line_with_the_fix(tls_files):
    config = SimulatorConfig(users={"_SYSTEM": "x"}, tls_certfile=tls_files["cert"],
                             tls_keyfile=tls_files["key"])
    with Simulator(config) as tls_sim:
        done = run(*sim_args(tls_sim, "write 1"))
    assert done.returncode == 3
    assert done.stderr.startswith(f"unreachable: {tls_sim.host}:{tls_sim.port} speaks TLS (HTTPS): add --tls")
    assert done.stderr.count("\n") == 1 and "urllib3" not in done.stderr and "Pool" not in done.stderr


def test_a_server_error_text_cannot_imitate_a_group_block(sim, make_sim):
    other = make_sim()
    forged = 'write $char(13,10),"----------------",$char(13,10),"iris9 (ok)" write nope'
    done = run("--group", "--host", f"{sim.host}:{sim.port}", "--host", f"{other.host}:{other.port}", forged)
    lines = done.stdout.splitlines()
    rules = [n for n, line in enumerate(lines) if line == "-" * 16]
    assert rules == [0, 2]  # one block: output lines are indented, so none is a rule or a title
    assert all(line.startswith("  ") for line in lines[3:])


def test_help_shows_each_feature_with_an_example():
    done = run("--help")
    assert done.returncode == 0
    examples = done.stdout.split("examples:", 1)[1].split("interactive mode", 1)[0]
    for feature in ("--host iris1\n", "--json", "--input", "--inventory", "--limit", "--group",
                    "--output-dir", "--color=always"):
        assert feature in examples, feature
    for section in ("interactive mode", "inventory (", "password_env", "[web:vars]", "[prod:children]",
                    "exit status"):
        assert section in done.stdout, section
