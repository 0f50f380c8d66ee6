"""The command policy through the whole production: each spelling below is answered ``denied``, leaves an
Event Log warning of the Terminal Process naming the reason, and never reaches the server (``sim.executed``)
nor the operation (no message to it). Allowed look-alikes do run.
"""

import json

import pytest
from security_helpers import BP, OP, call, executed, warnings_of

DENIED = [
    's $namespace="%SYS"',
    'SET $NAMESPACE = "%SYS"',
    's $zns="%SYS"',
    'zn\t"%SYS"',
    's\t$namespace="%SYS"',
    'write 1\r\nzn "%SYS"',
    'write 1\nzn "%SYS"',
    '  . . zn "%SYS"',
    'write 1 write 2 zn "%SYS"',
    'x "zn ""%SYS"""',
    'set x=1 /* note */ zn "%SYS"',
    'w $zu(5,"%SYS")',
    "write 1 h",
]


@pytest.fixture
def running(rt, sim, start):
    start(sim)
    return rt


@pytest.mark.parametrize("command", DENIED)
def test_a_disguised_namespace_switch_or_halt_is_denied_end_to_end(running, sim, command):
    rt = running
    status, resp = call(rt, command)
    assert status == 1 and resp.Status == "denied" and "DenyPatterns" in resp.Error
    assert resp.Output == "" and resp.Command == command
    assert executed(sim) == [] and sim.logins == 0
    assert not any(h["TargetConfigName"] == OP for h in rt.messages())
    warnings = [w for w in warnings_of(rt, BP) if w.startswith("denied command")]
    assert len(warnings) == 1 and "DenyPatterns" in warnings[0]


def test_a_denied_json_request_in_a_named_session_never_opens_the_session(running, sim):
    status, resp = call(running, json.dumps({"Command": 'S $NAMESPACE = "%SYS"', "Session": "s1"}))
    assert resp.Status == "denied" and resp.Session == "s1"
    assert sim.open_terminals() == 0 and executed(sim) == []


@pytest.mark.parametrize("command", ["write $namespace", 'if $namespace = "USER" write "yes"',
                                     'write "zn ""%SYS"""', "h 0"])
def test_look_alikes_still_run(running, sim, command):
    status, resp = call(running, command)
    assert resp.Status != "denied", resp.Error  # (the simulator may still reject a spelling as <SYNTAX>)
    assert executed(sim) == [command]


def test_allowed_namespaces_limits_the_request_namespace_field(rt, sim, start):
    """DenyPatterns stops a *command* from switching namespace; the request's Namespace field is the other
    way in, and AllowedNamespaces closes it (empty allows any namespace the IRIS user may use)."""
    start(sim, {(BP, "Host", "AllowedNamespaces"): "USER"})
    _, resp = call(rt, json.dumps({"Command": "write $namespace", "Namespace": "%SYS"}))
    assert resp.Status == "denied" and "AllowedNamespaces" in resp.Error and executed(sim) == []
    assert any("AllowedNamespaces" in w for w in warnings_of(rt, BP))
    _, resp = call(rt, json.dumps({"Command": "write $namespace", "Namespace": "user"}))
    assert (resp.Status, resp.Output) == ("ok", "USER")
    _, resp = call(rt, "write 1")  # no Namespace field: the operation's Namespace setting
    assert resp.Status == "ok"


def test_without_allowed_namespaces_the_namespace_field_is_the_iris_users_business(rt, sim, start):
    start(sim)
    _, resp = call(rt, json.dumps({"Command": "write $namespace", "Namespace": "%SYS"}))
    assert (resp.Status, resp.Output) == ("ok", "%SYS")
