"""The hooks the command line needs from ``LiteTerminal.execute``: output chunks as they arrive."""

from __future__ import annotations

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
