"""Namespaces and state per request (issue 8 item 3), through the whole production on the simulator.

A request's Namespace must be an IRIS namespace name (1-64 characters, a letter or % first, then letters,
digits, - or _) and is never pasted into ``zn`` unchecked; on the default session a request's namespace and
locals never reach the next request; a named session is the one way to share state.
"""

import json

import pytest

from offline_iris.testing import LITE_TERMINAL_MODULES
from simulator import Simulator, SimulatorConfig

PASSWORD = "ns-test-password"
PRODUCTION = "LiteTerminal.TerminalProduction"
OP, SVC = "Terminal Operation", "Terminal Command Service"


@pytest.fixture
def sim():
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as server:
        yield server


@pytest.fixture
def tester(production_tester, sim, tmp_path):
    production_tester.load(*LITE_TERMINAL_MODULES)
    production_tester.set_credentials("LiteTerminal", "_SYSTEM", PASSWORD)
    (tmp_path / "in").mkdir()
    production_tester.start(PRODUCTION, settings={
        (OP, "Adapter", "Server"): sim.host, (OP, "Adapter", "Port"): sim.port,
        ("Command Files", "Adapter", "FilePath"): str(tmp_path / "in"),
        ("Command Files", "Adapter", "ArchivePath"): "",
        ("Scheduled Commands", "Adapter", "Commands"): ""}, disabled=["Terminal Operation 2"])
    return production_tester


def call(tester, **request):
    return tester.call(SVC, json.dumps(request))[1]


def executed(sim):
    return [e.input for e in sim.executed]


@pytest.mark.parametrize("namespace", ['%SYS"\r\nhalt', "USER\nhalt", "US ER", "1USER", "A" * 65, 'X" halt "',
                                       "%SYS\u2028halt"])
def test_a_namespace_that_is_not_a_namespace_name_is_invalid_and_nothing_is_sent(tester, sim, namespace):
    response = call(tester, Command="write 1", Namespace=namespace)
    assert response.Status in ("invalid", "denied"), response.Error  # the policy may refuse it first
    assert not any("halt" in c.lower() or "zn" in c.lower() for c in executed(sim))
    assert executed(sim) == []


def test_a_request_sent_straight_to_the_operation_with_a_bad_namespace_is_invalid(tester, sim):
    from messages.terminal import TerminalCommandRequest

    status, response = tester.send(OP, TerminalCommandRequest(Command="write 1", Namespace='%SYS"\r\nhalt'))
    assert response.Status == "invalid" and "is not a valid IRIS namespace name" in response.Error
    assert "nothing was sent" in response.Error and executed(sim) == []
    assert tester.status_text(status).startswith("ERROR #5001: LiteTerminal invalid: Namespace ")


def test_a_namespace_never_carries_over_to_the_next_request(tester, sim):
    first = call(tester, Command="write $namespace", Namespace="%SYS")
    second = call(tester, Command="write $namespace")
    assert (first.Status, first.Output, first.Namespace) == ("ok", "%SYS", "%SYS")
    assert (second.Status, second.Output, second.Namespace) == ("ok", "USER", "USER")


def test_the_default_session_shares_no_locals_between_requests(tester, sim):
    assert call(tester, Command='set secret="from the first requester"').Status == "ok"
    second = call(tester, Command="write secret")
    assert second.Status == "error" and "<UNDEFINED>" in second.Error
    assert sim.open_terminals() == 1  # still one kept session: reset, not reconnected


def test_a_named_session_keeps_locals_and_still_takes_each_requests_namespace(tester, sim):
    call(tester, Command="set x=41", Session="calc", Namespace="%SYS")
    same = call(tester, Command="write x+1,\" \",$namespace", Session="calc")
    assert (same.Status, same.Output) == ("ok", "42 USER")


def test_an_unknown_namespace_is_unreachable_and_the_command_is_not_run(tester, sim):
    call(tester, Command="write 1")
    response = call(tester, Command='write "ran"', Namespace="NOSUCHNS")
    assert response.Status == "unreachable" and "NOSUCHNS" in response.Error
    assert 'write "ran"' not in executed(sim)
