"""Third-party clients against the simulator: what a user of VS Code's Lite Terminal, Prism and a
compile-over-terminal sync tool sees (docs/third-party-clients.md). Drivers in third_party_drivers.py."""

from __future__ import annotations

import pytest
from third_party_drivers import CompileOverTerminal, PrismTerminal, VSCodeLiteTerminal, visible


@pytest.fixture
def server(make_sim):
    return make_sim(classes=("Demo.Hello",))


# -- VS Code Lite Terminal --
def test_vscode_colours_every_keystroke_and_runs_the_spaced_forms_of_issue_17(server):
    term = VSCodeLiteTerminal(server)
    line = 'set a = 1, b = 2 write a, " ", b'
    term.type(line)
    shown = term.enter()
    assert shown == ("1 2", "0", "USER")
    assert len(term.colored) == len(line)  # one colour answer per keystroke, none lost
    assert visible(term.colored[-1]) == line  # the redrawn input is the input


def test_vscode_shows_the_date_line_of_the_documentation_example(server):
    term = VSCodeLiteTerminal(server)
    term.type('Write "Now: ", $ZDATETIME($HOROLOG, 3, 1), !')
    shown = term.enter()
    assert shown.exit_code == "0" and shown.output.startswith("Now: 2") and shown.output.endswith("\r\n")


def test_vscode_sends_a_block_typed_over_several_lines_as_one_input(server):
    term = VSCodeLiteTerminal(server)
    for line, waits in (("for i = 1:1:3 {", True), ('  write i, " "', True), ("}", False)):
        term.type(line)
        shown = term.enter()
        assert (shown is None) == waits
    assert shown.output == "1 2 3 " and shown.exit_code == "0"


def test_vscode_json_and_list_forms(server):
    term = VSCodeLiteTerminal(server)
    term.type('write {"a":1}.%ToJSON(), " ", $listlength($listbuild(1, , 3))')
    assert term.enter().output == '{"a":1} 3'


def test_vscode_marks_an_error_as_a_failed_command(server):
    term = VSCodeLiteTerminal(server)
    term.type("write $list(\"not a list\", 1)")
    shown = term.enter()
    assert shown.exit_code == "1" and visible(shown.output) == "<LIST>"


def test_vscode_compile_of_a_suffixed_item_shows_the_compiler_log(server):
    term = VSCodeLiteTerminal(server)
    term.type('do $system.OBJ.CompileList("Demo.Hello.cls", "cuk")')
    shown = term.enter()
    assert "Compiling class Demo.Hello" in shown.output and "<SYNTAX>" not in shown.output
    assert shown.exit_code == "0"


def test_vscode_ctrl_c_stops_a_loop_without_an_exit_code(server):
    term = VSCodeLiteTerminal(server)
    term.start("for { }")
    shown = term.ctrl_c()
    assert visible(shown.output).endswith("<INTERRUPT>") and shown.exit_code == ""


def test_vscode_namespace_follows_a_spaced_switch(server):
    term = VSCodeLiteTerminal(server)
    term.type('set $namespace = "%SYS"')
    assert term.enter().namespace == "%SYS"


# -- Prism --
def test_prism_gets_the_output_of_a_spaced_command_on_a_fresh_process(server):
    prism = PrismTerminal(server)
    first = prism.execute("set x = 5 write x * 2")
    assert first["output"] == "10"
    assert prism.execute("write $data(x)")["output"] == "0"  # every call is a new process


def test_prism_users_see_the_error_codes_without_their_escape(server):
    result = PrismTerminal(server).execute("write 1/0")
    assert result["output"] == "\r\n[31;1m<DIVIDE>[0m"  # its control-character filter keeps the rest


def test_prism_joins_chunks_with_newlines_so_a_chunked_line_shows_broken(make_sim):
    sim = make_sim(chunk_size=4)
    result = PrismTerminal(sim).execute('write "abcdefgh"')
    assert result["output"] == "abcd\nefgh"  # what its user sees; the server sent one line


def test_prism_a_read_is_never_answered_so_the_tool_times_out(server):
    assert PrismTerminal(server, timeout=0.5).execute("read x") == {"timed_out": True}


# -- a sync tool compiling through the terminal (issue 17) --
def test_a_compile_of_a_known_class_is_reported_good(server):
    result = CompileOverTerminal(server).compile("Demo.Hello.cls")
    assert result["ok"] and "Compilation finished successfully" in result["log"]


def test_a_compile_of_a_missing_class_is_reported_bad_not_as_a_silent_success(server):
    result = CompileOverTerminal(server).compile("Demo.Missing.cls")
    assert not result["ok"] and "ERROR #5351: Class 'Demo.Missing' does not exist" in result["log"]


def test_a_routine_item_is_reported_missing(server):
    result = CompileOverTerminal(server).compile("MyRoutine.mac", "Demo.Hello.cls")
    assert not result["ok"] and "ERROR #5011" in result["log"]
    assert "Compiling class Demo.Hello" in result["log"]
