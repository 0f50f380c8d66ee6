"""Running commands: output, errors, namespaces, READ (docs/protocol.md §8, §9,
docs/protocol.md §11)."""

from __future__ import annotations

import threading

import pytest
from lite_terminal_helpers import wait_until

from adapters.lite_terminal import CommandResult, SessionClosed


def test_a_command_returns_its_output_and_metadata(sim, term):
    result = term.execute('write "hi"')
    assert isinstance(result, CommandResult)
    assert (result.command, result.output, result.status, result.error) == ('write "hi"', "hi", "ok", "")
    assert result.ok
    assert result.namespace == "USER"
    assert result.server_version == sim.config.version
    assert result.elapsed >= 0
    assert [c.input for c in sim.executed] == ['write "hi"']


def test_multi_line_output_and_multi_line_input(term):
    assert term.execute("for i=1:1:3 write i,!").output == "1\r\n2\r\n3\r\n"
    block = term.execute("set a=6\nset b=7\nwrite a*b")
    assert (block.status, block.output) == ("ok", "42")


def test_locals_survive_between_commands_of_one_session(term):
    term.execute("set x=5")
    assert term.execute("write x").output == "5"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_output_split_at_random_frame_boundaries_is_joined_verbatim(sim, term, seed):
    expected = term.execute("for i=1:1:150 write i,!")
    sim.configure(random_chunks_seed=seed)
    chunked = term.execute("for i=1:1:150 write i,!")
    assert chunked.raw_output == expected.raw_output
    assert chunked.output == expected.output


def test_one_char_frames_with_ansi_split_inside_sequences(sim, term):
    sim.configure(chunk_size=1)
    result = term.execute("write y")
    assert result.status == "error"
    assert result.error == "<UNDEFINED> *y"
    assert "\x1b[31;1m" in result.raw_output


def test_at_most_one_leading_crlf_is_stripped(sim, term):
    sim.configure(leading_crlf=True)
    result = term.execute('write "a"')
    assert result.raw_output.startswith("\r\n")
    assert result.output == "a"


def test_ansi_is_stripped_from_output_but_kept_in_raw_output(term):
    result = term.execute("write x")
    assert "\x1b[" in result.raw_output
    assert "\x1b" not in result.output
    assert result.output.endswith("<UNDEFINED> *x")


@pytest.mark.parametrize(
    "command, error",
    [
        ("write x", "<UNDEFINED> *x"),
        ("write 1/0", "<DIVIDE>"),
        ("do ^NoSuchRoutine", "<NOROUTINE>"),
        ('write "unterminated', "<SYNTAX>"),
    ],
)
def test_iris_errors_are_results_not_exceptions(term, command, error):
    result = term.execute(command)
    assert result.status == "error"
    assert result.error.startswith(error)
    assert term.execute("write 1").status == "ok"


def test_output_before_an_error_is_kept(term):
    result = term.execute('write "before",! write nope')
    assert result.status == "error"
    assert result.output.startswith("before\r\n")
    assert "<UNDEFINED>" in result.output


def test_namespace_follows_zn_from_the_ns_field(term):
    assert term.execute('zn "%SYS"').namespace == "%SYS"
    assert term.namespace == "%SYS"


def test_namespace_is_parsed_from_the_prompt_when_ns_is_absent(sim, term):
    sim.configure(prompt_ns=False, prompt_template="TL1:{ns}>")
    result = term.execute('zn "%SYS"')
    assert result.namespace == "%SYS"


def test_per_call_namespace_switches_first_with_its_own_zn(sim, term):
    result = term.execute("write $namespace", namespace="%SYS")
    assert (result.status, result.output, result.namespace) == ("ok", "%SYS", "%SYS")
    assert [c.input for c in sim.executed] == ['zn "%SYS"', "write $namespace"]
    assert sim.executed[-1].namespace == "%SYS"


def test_a_failed_namespace_switch_does_not_run_the_command(sim, term):
    result = term.execute("set ^Danger=1", namespace="NOPE")
    assert result.status == "error"
    assert "NOPE" in result.error and "not run" in result.error
    assert "set ^Danger=1" not in [c.input for c in sim.executed]
    assert term.namespace == "USER"


def test_read_frames_are_answered_from_input_lines(sim, term):
    result = term.execute('read "Name: ",n read "Age: ",a write !,n,"/",a', input_lines=["Ada", "36"])
    assert result.status == "ok"
    assert result.output.endswith("Ada/36")
    assert "Name: " in result.output


def test_running_out_of_input_interrupts_and_reports_it(sim, term):
    result = term.execute('read "Name: ",n write !,"got ",n')
    assert result.status == "error"
    assert "input" in result.error
    assert "got" not in result.output
    assert term.execute("write 2").output == "2"  # IRIS was not left blocked


def test_an_unexpected_read_is_answered_and_the_session_stays_usable(sim, term):
    sim.configure(unexpected_read_on="^write 3$")
    result = term.execute("write 3", input_lines=["ignored"])
    assert result.status == "ok"
    assert term.execute("write 4").output == "4"


def test_concurrent_callers_are_serialised(term):
    results = {}

    def worker(name):
        results[name] = [term.execute(f'write "{name}-{i}"') for i in range(15)]

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("A", "B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    for name, outputs in results.items():
        assert [r.output for r in outputs] == [f"{name}-{i}" for i in range(15)]
    assert len(results) == 3


def test_use_after_close_raises_session_closed(term):
    term.close()
    assert not term.connected
    with pytest.raises(SessionClosed):
        term.execute("write 1")
    with pytest.raises(SessionClosed):
        term.connect()
    term.close()  # idempotent


def test_context_manager_connects_and_closes(sim, make_terminal):
    with make_terminal() as term:
        assert term.connected
        term.execute("write 1")
    assert not term.connected
    wait_until(lambda: sim.open_terminals() == 0)


def test_input_lines_may_be_any_iterable(term):
    result = term.execute('read a read b write a+b', input_lines=(str(n) for n in (2, 3)))
    assert (result.status, result.output) == ("ok", "5")


def test_a_non_string_command_is_a_terminal_error_not_a_crash(term):
    from adapters.lite_terminal import TerminalError

    with pytest.raises(TerminalError):
        term.execute(42)  # type: ignore[arg-type]
    with pytest.raises(TerminalError):
        term.execute("read x", input_lines=[1])  # type: ignore[list-item]
    assert term.execute("write 1").output == "1"


def test_large_output_over_several_natural_batches_is_complete(sim, term):
    sim.configure(natural_batch_chars=512)
    result = term.execute("for i=1:1:3000 write i,!")
    assert result.status == "ok"
    assert result.output == "".join(f"{i}\r\n" for i in range(1, 3001))


def test_the_fast_result_constructor_fills_every_field_of_the_dataclass():
    import dataclasses

    from adapters.lite_terminal.client import _RESULT_FIELDS, _make_result

    assert [f.name for f in dataclasses.fields(CommandResult)] == list(_RESULT_FIELDS) + ["ran"]
    values = ("c", "o", "r", "ok", "", "USER", 0.5, "v", 3, "w")
    assert _make_result(*values) == CommandResult(*values)
