"""Red team, client arguments: a namespace or a READ answer that is more than one line is refused.

``execute(namespace=...)`` built ``zn "<namespace>"`` and sent it without the one-line rule of
adapters/lite_terminal/lines.py, so ``namespace='USER\\r\\nset ^pwned=1\\r\\n'`` put three lines on the wire,
the second a command of the caller's choosing that no policy saw. An ``input_lines`` entry holding CR LF is a
paste of several lines at a READ (docs/protocol.md §6.2); what IRIS does with the lines after the first is
not documented. Both are InvalidArgument now, before anything is sent.
"""

from __future__ import annotations

import pytest

from adapters.lite_terminal import InvalidArgument, LiteTerminal
from simulator import Simulator, SimulatorConfig


@pytest.fixture
def terminal():
    with Simulator(SimulatorConfig(users={"_SYSTEM": "pw"})) as sim:
        with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password="pw", connect_timeout=3) as term:
            yield sim, term


@pytest.mark.parametrize("namespace", ['USER\r\nset ^pwned=1\r\n', "%SYS\n", "USER\rhalt", "US\x00ER",
                                       "USER\u2028halt"])
def test_a_namespace_that_is_not_one_line_is_refused_before_sending(terminal, namespace):
    sim, term = terminal
    before = len(sim.executed)
    with pytest.raises(InvalidArgument):
        term.execute("write 1", namespace=namespace)
    assert len(sim.executed) == before


@pytest.mark.parametrize("line", ['yes\r\nzn "%SYS"', "a\nb", "a\rb", "x\x1b[2J", "a\u2028b"])
def test_an_input_line_that_is_not_one_line_is_refused_before_sending(terminal, line):
    sim, term = terminal
    before = len(sim.executed)
    with pytest.raises(InvalidArgument):
        term.execute('read "Sure? ",a', input_lines=[line])
    assert len(sim.executed) == before


def test_ordinary_namespaces_and_input_lines_still_work(terminal):
    _sim, term = terminal
    assert term.execute("write $namespace", namespace="%SYS").output == "%SYS"
    assert term.execute('read a write a', input_lines=["x\ty \u00e9"]).output.endswith("x\ty \u00e9")
