"""The ObjectScript additions over a real socket: multi-line blocks as VS Code sends them, globals shared by
the terminals of one server, mirror roles per server, compact JSON frames.

See docs/simulator-objectscript.md §2, §4, §6.6, §9."""

from __future__ import annotations

import json

import pytest
from sim_wire import connect, cookie_header, login

from simulator.__main__ import config_from_args
from simulator.terminal import encode_frame

RED = "\u001b[31;1m"
RESET = "\u001b[0m"


@pytest.mark.parametrize("separator", ["\r\n", "\n"], ids=["CRLF (VS Code)", "LF"])
def test_a_multi_line_block_in_one_prompt_frame(sim, open_terminal, separator):
    lines = ["set total=0", "for i=1:1:3 {", "    set total=total+i", "}", "write total"]
    assert open_terminal(sim).run(separator.join(lines)) == "6"


def test_try_catch_over_the_wire_keeps_the_session_usable(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run('try {\r\n  write 1/0\r\n} catch ex {\r\n  write ex.Name\r\n}') == "<DIVIDE>"
    assert term.run("write $zerror") == "<DIVIDE>"
    assert term.run('throw ##class(%Exception.General).%New("Oops")') == (
        f"\r\n{RED}<THROW>{RESET} *%Exception.General Oops"
    )


def test_globals_are_shared_by_the_terminals_of_one_server_and_outlive_them(sim, open_terminal):
    first = open_terminal(sim)
    first.run('set ^Counter=41,^Counter("by")="first"')
    first.close()
    second = open_terminal(sim)
    assert second.run("set ^Counter=^Counter+1 write ^Counter") == "42"
    assert second.run("zwrite ^Counter") == '^Counter=42\r\n^Counter("by")="first"\r\n'
    assert open_terminal(sim, "%SYS").run("write $data(^Counter)") == "0"  # another namespace


def test_globals_are_not_shared_between_servers(make_sim, open_terminal):
    one, two = make_sim(), make_sim()
    open_terminal(one).run("set ^Only=1")
    assert open_terminal(two).run("write $data(^Only)") == "0"


def test_mirror_role_per_simulated_server_and_live_reconfiguration(make_sim, open_terminal):
    primary = make_sim(mirror_member=True, mirror_primary=True, mirror_name="MIR")
    backup = make_sim(mirror_member=True, mirror_primary=False, mirror_name="MIR")
    check = 'write $SYSTEM.Mirror.IsMember(),",",$SYSTEM.Mirror.IsPrimary()'
    assert open_terminal(primary).run(check) == "1,1"
    term = open_terminal(backup)
    assert term.run(check) == "1,0"
    backup.configure(mirror_primary=True)  # a failover: the next command sees the new role
    assert term.run(check) == "1,1"


def test_compile_output_over_the_wire(make_sim, open_terminal):
    sim = make_sim(classes=("App.Main",))
    term = open_terminal(sim)
    out = term.run('do $system.OBJ.Compile("App.Main,No.Such")')
    assert "\r\nCompiling class App.Main" in out
    assert "\r\nERROR #5351: Class 'No.Such' does not exist" in out
    assert "Detected 1 errors during compilation" in out


def test_frames_are_compact_json_as_iris_sends_them(sim):
    term = connect(sim, cookie=cookie_header(login(sim)))
    raw_init = term.ws.recv()
    assert raw_init.startswith('{"type":"init","protocol":1,"version":"IRIS for UNIX')
    term.send(type="config", namespace="USER", rawMode=False)
    assert term.ws.recv() == '{"type":"prompt","text":"\\u001b[1mUSER>\\u001b[0m","ns":"USER"}'
    term.send(type="prompt", input='write "Grüße ""x""",$c(9)')
    assert term.ws.recv() == '{"type":"output","text":"Grüße \\"x\\"\\t"}'


def test_spaced_json_switch_and_unencodable_text():
    frame = {"type": "output", "text": "a\u001bé"}
    assert encode_frame(frame) == '{"type":"output","text":"a\\u001bé"}'
    assert encode_frame(frame, "spaced") == json.dumps(frame)
    lone = {"type": "output", "text": "\ud800"}  # $CHAR(55296): not valid UTF-8 on its own
    assert encode_frame(lone) == '{"type":"output","text":"\\ud800"}'
    assert json.loads(encode_frame(lone)) == lone


def test_a_lone_surrogate_does_not_break_the_socket(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run("write $char(55296)") == "\ud800"
    assert term.run("write 1") == "1"


def test_cli_switches_for_the_new_settings():
    config = config_from_args(["--mirror", "backup", "--classes", "A.B, C.D", "--loadable-files", "/x/A.cls"])
    assert (config.mirror_member, config.mirror_primary, config.mirror_name) == (True, False, "MIRROR")
    assert config.classes == ("A.B", "C.D") and config.loadable_files == ("/x/A.cls",)
    assert config.frame_json == "compact"
    plain = config_from_args([])
    assert (plain.mirror_member, plain.mirror_name, plain.classes) == (False, "", ())
    assert config_from_args(["--spaced-json"]).frame_json == "spaced"
