"""Commands over the socket: output, errors, READ, interrupt, HALT, colour, state (
docs/protocol.md §6-§11)."""

from __future__ import annotations

import time

import pytest
from sim_wire import connect, cookie_header, eventually, login

RED = "\u001b[31;1m"
RESET = "\u001b[0m"


def test_write_output_then_prompt(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run("w 42") == "42"  # docs/protocol.md §6.3: plain writes have no leading \r\n
    assert term.run('write "a""b",!,"c"_1') == 'a"b\r\nc1'
    assert term.run("w $zv") == sim.config.version


def test_set_and_locals_persist_on_the_socket_but_not_across_sockets(sim, open_terminal):
    first = open_terminal(sim)
    second = open_terminal(sim)
    assert first.run("set a=1,b=2") == ""
    assert first.run("w a+b") == "3"
    assert second.run("w a") == f"\r\n{RED}<UNDEFINED>{RESET} *a"


def test_each_socket_has_its_own_job_number(sim, open_terminal):
    jobs = {open_terminal(sim).run("w $job") for _ in range(3)}
    assert len(jobs) == 3 and all(job.isdigit() for job in jobs)


@pytest.mark.parametrize(
    ("command", "report"),
    [
        ("w 1/0", "<DIVIDE>"),
        ("w x", "<UNDEFINED> *x"),
        ("do ^NoSuchRoutine", "<NOROUTINE> *NoSuchRoutine"),
        ('zn "NOPE"', "<NAMESPACE> *NOPE"),
    ],
)
def test_errors_are_bold_red_on_a_fresh_line(sim, open_terminal, command, report):
    name, _, detail = report.partition(" ")
    expected = f"\r\n{RED}{name}{RESET}" + (f" {detail}" if detail else "")
    assert open_terminal(sim).run(command) == expected


def test_an_error_stops_the_rest_of_the_input_and_follows_output(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run('w "before" w y w "after"') == f"before\r\n{RED}<UNDEFINED>{RESET} *y"
    assert term.run('w "line",! w y') == f"line\r\n{RED}<UNDEFINED>{RESET} *y"


def test_a_syntax_error_anywhere_on_the_line_stops_the_whole_line(sim, open_terminal):
    assert open_terminal(sim).run('w "never" w (') == f'\r\nW "never" w (\r\n^\r\n{RED}<SYNTAX>{RESET}'


def test_syntax_errors_without_the_echo_when_switched_off(make_sim, open_terminal):
    sim = make_sim(syntax_echo=False)
    assert open_terminal(sim).run("frobnicate 1") == f"\r\n{RED}<SYNTAX>{RESET}"


def test_raw_mode_has_no_ansi(sim, open_terminal):
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    _, prompt = term.configure("USER", raw=True)
    assert prompt["text"] == "USER>"
    assert term.run("w x") == "\r\n<UNDEFINED> *x"


def test_prompt_without_ns_in_pre_2025_3_mode(make_sim, open_terminal):
    sim = make_sim(prompt_ns=False)
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    _, prompt = term.configure()
    assert prompt == {"type": "prompt", "text": "\u001b[1mUSER>\u001b[0m"}


def test_custom_prompt_template(make_sim, open_terminal):
    term = open_terminal(make_sim(prompt_template="TL1:{ns}>"))
    term.send(type="prompt", input='zn "%SYS"')
    _, prompt = term.until_prompt()
    assert prompt["text"] == "\u001b[1mTL1:%SYS>\u001b[0m" and prompt["ns"] == "%SYS"


@pytest.mark.parametrize("command", ['zn "%SYS"', 'znspace "%sys"', 'set $namespace="%SYS"'])
def test_namespace_change_shows_in_the_next_prompt(sim, open_terminal, command):
    term = open_terminal(sim)
    term.send(type="prompt", input=command)
    _, prompt = term.until_prompt()
    assert prompt["ns"] == "%SYS" and "%SYS>" in prompt["text"]
    assert term.run("w $namespace") == "%SYS"


def test_read_prompt_comes_as_output_then_a_read_frame(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="prompt", input='read "Name: ",n write !,"Hello ",n')
    assert term.recv() == {"type": "output", "text": "Name: "}
    assert term.recv() == {"type": "read"}
    term.send(type="read", input="Alice")
    output, _ = term.until_prompt()
    assert output == "\r\nHello Alice"


def test_several_reads_in_one_command(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run("r a,b w a_b", reads=["x", "y"]) == "xy"


def test_interrupt_during_hang_gives_interrupt_output_and_a_prompt(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="prompt", input='w "start" hang 30 w "never"')
    assert term.recv() == {"type": "output", "text": "start"}
    term.send(type="interrupt")
    output, prompt = term.until_prompt()
    assert output == f"\r\n{RED}<INTERRUPT>{RESET}"
    assert prompt["type"] == "prompt"
    assert term.run("w 1") == "1"  # the terminal is usable again


def test_interrupt_during_read(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="prompt", input="read x")
    assert term.recv() == {"type": "read"}
    term.send(type="interrupt")
    output, _ = term.until_prompt()
    assert output == f"\r\n{RED}<INTERRUPT>{RESET}"


def test_interrupt_in_a_busy_loop_without_output(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="prompt", input="for  set x=1")
    term.send(type="interrupt")
    output, _ = term.until_prompt()
    assert output == f"\r\n{RED}<INTERRUPT>{RESET}"


def test_interrupt_at_the_prompt_just_gives_a_new_prompt(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="interrupt")
    assert term.recv() == {"type": "prompt", "text": "\u001b[1mUSER>\u001b[0m", "ns": "USER"}


def test_halt_closes_with_1000(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="prompt", input="halt")
    assert term.close_frame() == 1000
    assert eventually(lambda: sim.open_terminals() == 0)


def test_h_without_argument_is_halt_and_halt_output_is_sent_first(make_sim, open_terminal):
    term = open_terminal(make_sim(halt_output="\r\nbye"))
    term.send(type="prompt", input="h")
    assert term.recv() == {"type": "output", "text": "\r\nbye"}
    assert term.close_frame() == 1000


def test_color_reply_keeps_lines_and_adds_sgr(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="color", input='w "x"\r\nset a=1')
    reply = term.recv()
    assert reply["type"] == "color"
    assert "\u001b[" in reply["text"]
    assert reply["text"].count("\r\n") == 1
    plain = reply["text"].replace(RESET, "")
    for code in ("\u001b[32m", "\u001b[34m"):
        plain = plain.replace(code, "")
    assert plain == 'w "x"\r\nset a=1'


def test_multi_line_input_runs_line_by_line_until_an_error(sim, open_terminal):
    term = open_terminal(sim)
    assert term.run('w 1\r\nw 2\r\nw zz\r\nw 3') == f"12\r\n{RED}<UNDEFINED>{RESET} *zz"


def test_for_loop_with_large_output_arrives_complete(sim, open_terminal):
    term = open_terminal(sim)
    output = term.run("for i=1:1:100000 w i,!")
    lines = output.split("\r\n")
    assert lines[0] == "1" and lines[99999] == "100000" and lines[100000] == ""


def test_leading_crlf_switch_prefixes_plain_writes_once(make_sim, open_terminal):
    term = open_terminal(make_sim(leading_crlf=True))
    assert term.run("w 42") == "\r\n42"
    assert term.run("w x") == f"\r\n{RED}<UNDEFINED>{RESET} *x"  # still only one \r\n before the error


def test_executed_log_records_every_input_once_in_order(sim, open_terminal):
    term = open_terminal(sim)
    term.run("set a=1")
    term.run('zn "%SYS"')
    term.run("w a")
    assert [(c.input, c.namespace) for c in sim.executed] == [
        ("set a=1", "USER"),
        ('zn "%SYS"', "USER"),
        ("w a", "%SYS"),
    ]
    assert len({c.session for c in sim.executed}) == 1


def test_unknown_types_non_json_and_binary_frames_are_ignored(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="readchar")
    term.ws.send("not json")
    term.ws.send_binary(b"\x00\x01")
    term.ws.send("[1, 2]")
    assert term.run("w 5") == "5"


def test_out_of_state_messages_are_ignored_by_default(sim, open_terminal):
    term = open_terminal(sim)
    term.send(type="read", input="nobody asked")
    term.send(type="prompt", input="hang 0.2 w 1")
    term.send(type="prompt", input='w "second"')  # busy: ignored, not queued
    output, _ = term.until_prompt()
    assert output == "1"
    assert [c.input for c in sim.executed] == ["hang 0.2 w 1"]


def test_out_of_state_error_mode_sends_error_and_closes(make_sim, open_terminal):
    term = open_terminal(make_sim(out_of_state="error"))
    term.send(type="read", input="nobody asked")
    assert term.recv()["type"] == "error"
    assert term.close_frame() == 1011


def test_a_prompt_before_config_is_out_of_state(make_sim):
    sim = make_sim(out_of_state="error")
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    term.send(type="prompt", input="w 1")
    assert term.recv()["type"] == "error"
    assert sim.executed == []


def test_a_busy_loop_leaves_other_threads_their_share_of_the_gil(sim, open_terminal):
    """The simulator's busy loop must not starve the test's thread: yielding to the event loop on every
    TICK released and retook the GIL so often that a waiting thread never got it (stalls of 10-80 s)."""
    term = open_terminal(sim)
    term.send(type="prompt", input="for  set x=1")
    started = time.monotonic()
    for _ in range(20):
        time.sleep(0.005)  # each wake-up needs the GIL back
    elapsed = time.monotonic() - started
    term.send(type="interrupt")
    output, _ = term.until_prompt()
    assert output == f"\r\n{RED}<INTERRUPT>{RESET}"
    assert elapsed < 2.0, f"the test thread waited {elapsed:.1f}s for the GIL"
