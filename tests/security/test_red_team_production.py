"""Red team through the whole offline production (service -> process -> operation -> simulator).

* An ``InputLines`` entry holding CR LF: a READ answer with a line end is a paste of several lines
  (docs/protocol.md §6.2), and what IRIS does with the lines after the first is not documented. It is
  ``invalid`` and nothing reaches the server.
* A request ``Namespace`` with a final line break (``%SYS\\n``) passed the namespace-name check (``$`` matches
  before a final ``\\n``) and was sent as ``zn "%SYS\\n"``, a two-line command.
* ``if 1 { h }``: the policy read ``h }`` as HANG with an empty argument; the simulator ran HALT and the
  request came back ``lost``. Denied now.
* The default session: the argumentless ``kill`` before each request removes local variables only; a
  process-private global (``^||name``) survives it (InterSystems, "Process-Private Globals": unaffected by
  argumentless KILL). ``StayConnected=0`` gives each request its own server process, so nothing survives.
"""

from __future__ import annotations

import json

import pytest
from security_helpers import OP, call, executed


@pytest.fixture
def running(rt, sim, start):
    start(sim)
    return rt


@pytest.mark.parametrize("lines", [['yes\r\nzn "%SYS"'], ["yes\nhalt"], ["a\u2028b"]])
def test_input_lines_with_a_line_end_are_invalid_and_nothing_is_sent(running, sim, lines):
    request = {"Command": 'read "Sure? ",a write a', "InputLines": lines}
    status, resp = call(running, json.dumps(request))
    assert resp.Status == "invalid" and "InputLines entry 1" in resp.Error
    assert "nothing was sent" in resp.Error
    assert executed(sim) == [] and sim.logins == 0


def test_input_lines_answer_reads_one_line_each(running, sim):
    request = {"Command": 'read a,b write a,"|",b', "InputLines": ["x\ty", "z"]}
    status, resp = call(running, json.dumps(request))
    assert (resp.Status, resp.Output.splitlines()[-1]) == ("ok", "x\ty|z")


@pytest.mark.parametrize("namespace", ["%SYS\n", "USER\n"])
def test_a_namespace_with_a_final_line_break_is_invalid_and_nothing_is_sent(running, sim, namespace):
    status, resp = call(running, json.dumps({"Command": "write $namespace", "Namespace": namespace}))
    assert resp.Status == "invalid" and "Namespace" in resp.Error
    assert executed(sim) == []


def test_with_stay_connected_0_not_even_a_process_private_global_reaches_the_next_request(rt, sim, start):
    start(sim, {(OP, "Adapter", "StayConnected"): "0"})
    assert call(rt, 'set ^||token="first caller",x=1 write "set"')[1].Status == "ok"
    _, resp = call(rt, 'write $get(^||token,"nothing"),"/",$get(x,"no x")')
    assert (resp.Status, resp.Output) == ("ok", "nothing/no x")
    assert sim.logins == 2  # one server process per request


@pytest.mark.parametrize("command", ["if 1 { h }", "try { h } catch { }", "while 1 { h }"])
def test_a_halt_closed_by_its_block_brace_is_denied_end_to_end(running, sim, command):
    """The policy read ``h }`` as HANG with an empty argument; the simulator ran HALT and the request came
    back ``lost`` (the server closed the terminal)."""
    status, resp = call(running, command)
    assert resp.Status == "denied" and "HALT" in resp.Error
    assert executed(sim) == []
