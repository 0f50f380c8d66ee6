"""Only TerminalError escapes, and a bad argument is refused before anything is sent.

Before: a timeout of 1e10 or inf raised OverflowError, NaN and a lone surrogate escaped the tree (the
surrogate after the command was sent), ConnectTimeout 0 surfaced as a urllib3 ValueError.
"""

from __future__ import annotations

import math

import pytest
from hostile_peers import PASSWORD, USER

from adapters.lite_terminal import InvalidArgument, LiteTerminal, TerminalError
from adapters.lite_terminal.client import MAX_TIMEOUT
from simulator import Simulator, SimulatorConfig


@pytest.fixture
def sim():
    with Simulator(SimulatorConfig(users={USER: PASSWORD})) as simulator:
        yield simulator


@pytest.mark.parametrize("timeout", [1e10, math.inf, math.nan, True, "5", MAX_TIMEOUT * 2, [1]])
def test_a_timeout_that_is_not_a_finite_number_of_seconds_is_refused_before_sending(sim, timeout):
    term = LiteTerminal(sim.host, sim.port, USER, PASSWORD)
    with pytest.raises(InvalidArgument, match="timeout"):
        term.execute('write "never"', timeout=timeout)
    assert sim.logins == 0 and sim.executed == []  # not even connected


@pytest.mark.parametrize("name", ["connect_timeout", "response_timeout"])
@pytest.mark.parametrize("value", [1e10, math.inf, math.nan, "1"])
def test_constructor_timeouts_are_checked(sim, name, value):
    with pytest.raises(InvalidArgument, match=name):
        LiteTerminal(sim.host, sim.port, USER, PASSWORD, **{name: value})


def test_connect_timeout_zero_is_refused_and_negative_means_no_limit(sim):
    with pytest.raises(InvalidArgument, match="more than 0"):
        LiteTerminal(sim.host, sim.port, USER, PASSWORD, connect_timeout=0)
    with LiteTerminal(sim.host, sim.port, USER, PASSWORD, connect_timeout=-1, response_timeout=-1) as term:
        assert term.connect_timeout is None and term.response_timeout is None
        assert term.execute('write "ok"', timeout=0.0 + 5).output == "ok"
        assert term.execute('write "ok"', timeout=-1).output == "ok"


@pytest.mark.parametrize("command,lines", [("write \ud800", ()), ('read x write x', ("\udfff",)),
                                           ("write 1\x00", ()), (b"write 1", ()), ('read x', "abc")])
def test_text_the_protocol_cannot_carry_is_refused_before_sending(sim, command, lines):
    with LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        with pytest.raises(InvalidArgument) as refused:
            term.execute(command, input_lines=lines)
        assert refused.value.__context__ is None  # no chained copy of the text
        assert term.execute('write "still fine"').output == "still fine"
    assert [e.input for e in sim.executed] == ['write "still fine"']


@pytest.mark.parametrize("limit", [-1, 1.5, True, "10"])
def test_max_output_chars_must_be_a_whole_number_of_at_least_zero(sim, limit):
    term = LiteTerminal(sim.host, sim.port, USER, PASSWORD)
    with pytest.raises(InvalidArgument, match="max_output_chars"):
        term.execute("write 1", max_output_chars=limit)
    assert sim.logins == 0


@pytest.mark.parametrize("kwargs", [{"port": "x"}, {"port": 0}, {"port": 70000}, {"port": True},
                                    {"host": None}, {"namespace": 5}, {"max_frame_bytes": 10}])
def test_constructor_arguments_are_checked(sim, kwargs):
    options = dict(host=sim.host, port=sim.port, username=USER, password=PASSWORD)
    options.update(kwargs)
    with pytest.raises(InvalidArgument):
        LiteTerminal(**options)


def test_invalid_argument_is_a_terminal_error():
    assert issubclass(InvalidArgument, TerminalError)
