"""The hooks the command line needs from ``LiteTerminal.execute``: output chunks as they arrive (streaming),
a READ answered by a person (interactive mode), and a stop event (Ctrl-C) that interrupts and keeps the
session."""

from __future__ import annotations

import threading

import pytest
from cli_helpers import PASSWORD

from adapters.lite_terminal import LiteTerminal


def terminal(sim) -> LiteTerminal:
    return LiteTerminal(sim.host, sim.port, "_SYSTEM", PASSWORD, connect_timeout=3, response_timeout=10)


def test_on_output_sees_the_first_chunk_while_the_command_still_runs(sim):
    chunks, running_then = [], []

    def seen(text: str) -> None:
        chunks.append(text)
        running_then.append(len(sim.command_spans) == 0)  # the simulator records a span when a command ends

    with terminal(sim) as term:
        result = term.execute('write "start",! hang 0.5 write "end"', on_output=seen)
    assert result.status == "ok"
    assert running_then[0] is True  # the first chunk came before the command ended
    assert "".join(chunks) == result.raw_output  # every chunk, raw, in order


def test_on_output_sees_everything_even_past_max_output_chars(sim):
    chunks = []
    with terminal(sim) as term:
        result = term.execute('write $translate($justify("",5000)," ","x")', max_output_chars=100,
                              on_output=chunks.append)
    assert len(result.output) <= 100 and result.output_dropped > 0
    assert "".join(chunks).count("x") == 5000


def test_without_on_output_nothing_changes(sim):
    with terminal(sim) as term:
        assert term.execute("write 6*7").output == "42"


# -------------------------------------------------------------------------------------------- on_read


def test_on_read_answers_a_read_once_input_lines_are_used_up(sim):
    asked = []

    def answer() -> str:
        asked.append(True)
        return "Ada"

    with terminal(sim) as term:
        result = term.execute('read "A? ",a,!,"B? ",b write !,a,"+",b', input_lines=["1"], on_read=answer)
    assert result.status == "ok", result
    assert result.output.endswith("1+Ada") and asked == [True]


@pytest.mark.parametrize("answer", [None, "two\r\nlines", "esc\x1bape", "sep\u2028x", "lone \ud800"])
def test_on_read_none_or_not_one_line_interrupts_the_read_and_never_sends_it(sim, answer):
    with terminal(sim) as term:
        result = term.execute('read x write "got:",x', on_read=lambda: answer)
        assert result.status == "error" and "READ" in result.error
        assert "got:" not in result.output
        assert term.execute("write 5").output == "5"  # the same session goes on
    assert len(sim.executed) >= 2 and len({c.session for c in sim.executed}) == 1


# -------------------------------------------------------------------------------------------- stop


def test_setting_stop_interrupts_the_command_and_keeps_the_session(sim):
    stop = threading.Event()

    def seen(text: str) -> None:
        if "started" in text:
            stop.set()  # as a Ctrl-C handler would, once the command is under way

    with terminal(sim) as term:
        term.execute("set kept=42")
        result = term.execute('write "started",! hang 30 write "never"', on_output=seen, stop=stop)
        assert result.status == "interrupted", result
        assert "<INTERRUPT>" in result.error and "never" not in result.output
        assert result.elapsed < 20  # not the hang: bounded by the interrupt
        assert term.execute("write kept").output == "42"  # the same session, its locals kept
    assert len({c.session for c in sim.executed}) == 1


def test_stop_at_a_read_interrupts_it(sim):
    stop = threading.Event()

    def answer():
        stop.set()  # Ctrl-C while the person was asked for a line
        return None

    with terminal(sim) as term:
        result = term.execute('read x write "got"', on_read=answer, stop=stop)
        assert result.status == "interrupted" and "got" not in result.output
        assert term.execute("write 1").output == "1"


def test_stop_set_before_the_command_ran_interrupts_it_at_once(sim):
    """Set before sending, the interrupt can reach the server before the client's mark line ran: IRIS's
    <INTERRUPT> is then set aside as coming before the command, and the outcome is still ``interrupted``
    (never ``ok`` for a command that did not run). Repeated: which case comes is a race."""
    with terminal(sim) as term:
        for _ in range(10):
            stop = threading.Event()
            stop.set()
            result = term.execute("hang 30", stop=stop)
            assert result.status == "interrupted" and result.elapsed < 20, result
        assert term.execute("write 2").output == "2"
