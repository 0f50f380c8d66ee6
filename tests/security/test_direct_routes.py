"""No route skips the policy (docs/security.md §10): a request that reaches a Terminal Operation or the
Terminal Fleet Process without passing the Terminal Process still meets a policy decision.

The senders enumerated below are the ones the Terminal Process never sees: the Management Portal's Testing
Service sending to each operation or to the fleet process, a service whose Target points straight at an
operation (what a host of your own does), and the Terminal Process or fleet process loosened while the
operation keeps its own settings. For each, a command, a namespace and an allow-list refusal are sent; none
may log in or run on the server, the operation answers ``denied`` with the reason and the Event Log says so;
an allowed control request on the same sender runs, so the sender is real.

The test cases of tests/security/test_routes.py (every service through the Terminal Process) keep passing
with the operation's default policy, which is the Terminal Process's default.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Tuple

import pytest
from security_helpers import BP, OP, SVC, WAIT, call, executed

from adapters.iris_status import is_ok, status_text

OP2 = "Terminal Operation 2"
FLEET = "Terminal Fleet Process"
#: The operations' own policy: WRITE only, namespace USER (DenyPatterns keeps its default).
OPERATIONS_RESTRICTED = {
    **{(op, "Host", "AllowPatterns"): r"^WRITE\b" for op in (OP, OP2)},
    **{(op, "Host", "AllowedNamespaces"): "USER" for op in (OP, OP2)},
}
#: Everything in front of the operations wide open: only the operations can refuse.
EVERYTHING_ELSE_OPEN = {
    (BP, "Host", "DenyPatterns"): "", (BP, "Host", "AllowedTargets"): f"{OP},{OP2}",
    (FLEET, "Host", "DenyPatterns"): "", (FLEET, "Host", "Targets"): f"{OP},{OP2}",
}
#: (what refuses it, command, namespace): each is refused by the operations' own settings (the default
#: DenyPatterns included) and by nothing else.
DENIED = [
    ("AllowPatterns", "set ^x=1", ""),
    ("DenyPatterns", 'zn "%SYS"', ""),
    ("DenyPatterns-halt", "halt", ""),
    ("DenyPatterns-namespace-variable", 'set $namespace="%SYS"', ""),
    ("AllowedNamespaces", "write $namespace", "%SYS"),
]
ALLOWED = ("control", "write 42", "")


def new_request(**fields: Any) -> Any:
    """A TerminalCommandRequest (the message module needs the runtime's iris module: imported here)."""
    from messages.terminal import TerminalCommandRequest

    return TerminalCommandRequest(**fields)


def new_fleet_request(**fields: Any) -> Any:
    from messages.fleet import FleetCommandRequest

    return FleetCommandRequest(**fields)


def outcome(status: Any, response: Any = None) -> Tuple[str, str]:
    """``productions.terminal.outcome``: how a host of your own reads a call's result."""
    from productions.terminal import outcome as read

    return read(status, response)


def _start(start, sim, extra: Dict[Tuple[str, str, str], Any]) -> None:
    both_on_sim = {(OP2, "Adapter", "Server"): sim.host, (OP2, "Adapter", "Port"): str(sim.port),
                   (OP2, "Adapter", "Credentials"): "LiteTerminal", (OP2, "Adapter", "ConnectTimeout"): "3"}
    start(sim, {**both_on_sim, **OPERATIONS_RESTRICTED, **EVERYTHING_ELSE_OPEN, **extra})


# --- the senders the Terminal Process never sees ----------------------------------------------------------

def sent_by_testing_service(target: str) -> Callable[..., Tuple[str, str]]:
    """The Management Portal's Testing Service: a TerminalCommandRequest straight to ``target``."""
    def send(rt, sim, start, command, namespace, make_sim):
        _start(start, sim, {})
        status, response = rt.send_sync(target, new_request(Command=command, Namespace=namespace))
        return outcome(status, response)
    return send


def sent_by_testing_service_fleet(rt, sim, start, command, namespace, make_sim):
    """The Testing Service sending a fleet request straight to the fleet process (its policy wide open);
    the second operation on a second server (one server twice is refused before anything runs)."""
    sim2 = make_sim()
    _start(start, sim, {(OP2, "Adapter", "Server"): sim2.host, (OP2, "Adapter", "Port"): str(sim2.port)})
    status, response = rt.send_sync(FLEET, new_fleet_request(Command=command, Namespace=namespace,
                                                              Targets=f"{OP},{OP2}"))
    words = {r["Status"] for r in response.Results}
    assert len(words) == 1, response.Results  # both operations decide alike
    word = words.pop()
    assert executed(sim2) == ([command] if word == "ok" else []) and (word == "ok" or sim2.logins == 0)
    return word, " ".join(r["Error"] for r in response.Results)


def service_aimed_at_the_operation(rt, sim, start, command, namespace, make_sim):
    """A service whose Target is the operation itself, as a host of your own would send."""
    _start(start, sim, {(SVC, "Host", "Target"): OP})
    status, response = call(rt, new_request(Command=command, Namespace=namespace))
    return outcome(status, response)


def through_a_loosened_process(rt, sim, start, command, namespace, make_sim):
    """Through the Terminal Process with its policy emptied: the operation's own settings still decide."""
    _start(start, sim, {})
    status, response = call(rt, new_request(Command=command, Namespace=namespace))
    return outcome(status, response)


SENDERS: Dict[str, Callable[..., Tuple[str, str]]] = {
    "testing-service-to-operation": sent_by_testing_service(OP),
    "testing-service-to-operation-2": sent_by_testing_service(OP2),
    "testing-service-to-fleet": sent_by_testing_service_fleet,
    "service-aimed-at-operation": service_aimed_at_the_operation,
    "loosened-terminal-process": through_a_loosened_process,
}


@pytest.mark.parametrize("case", DENIED, ids=[c[0] for c in DENIED])
@pytest.mark.parametrize("sender", SENDERS, ids=list(SENDERS))
def test_a_refused_request_is_denied_by_the_operation_on_every_direct_route(rt, sim, start, make_sim, sender,
                                                                             case):
    why, command, namespace = case
    status, error = SENDERS[sender](rt, sim, start, command, namespace, make_sim)
    assert status == "denied", (status, error)
    assert why.split("-")[0] in error and "the policy settings of Terminal Operation" in error, error
    assert executed(sim) == [] and sim.logins == 0, "a refused request reached the server"
    refusals = [e for e in rt.event_log("Warning") if e["ConfigName"] in (OP, OP2) and "denied" in e["Text"]]
    assert refusals, "the operation did not log its refusal"


@pytest.mark.parametrize("sender", SENDERS, ids=list(SENDERS))
def test_an_allowed_request_on_the_same_direct_route_runs(rt, sim, start, make_sim, sender):
    _, command, namespace = ALLOWED
    status, error = SENDERS[sender](rt, sim, start, command, namespace, make_sim)
    assert status == "ok", (status, error)
    assert command in executed(sim)


def test_the_refusal_is_traced_as_the_operations_denied_response(rt, sim, start):
    _start(start, sim, {})
    status, response = rt.send_sync(OP, new_request(Command='zn "%SYS"', FailuresInResponse=1))
    assert is_ok(status)  # FailuresInResponse: the refusal travels in the response
    assert response.Status == "denied" and "DenyPatterns" in response.Error
    replies = [h for h in rt.messages() if h["SourceConfigName"] == OP and h["Type"] == 2]
    traced = [json.loads(rt.body(h)["SerializedStream"]) for h in replies]
    assert traced and traced[-1]["Status"] == "denied" and "DenyPatterns" in traced[-1]["Error"], traced
    assert sim.logins == 0


def test_an_error_status_says_denied_in_its_fixed_header(rt, sim, start):
    """Without FailuresInResponse the refusal is an error %Status ``LiteTerminal denied: ...`` (the header
    ReplyCodeActions and outcome() read), as for every other status that is not ok."""
    _start(start, sim, {})
    status, _response = rt.send_sync(OP, new_request(Command="halt"))
    assert outcome(status)[0] == "denied"
    assert "LiteTerminal denied: matches DenyPatterns" in status_text(status)


def test_a_user_who_loosens_only_the_process_still_meets_the_operations_default(rt, sim, start):
    """The effective policy on a route is the intersection: the operation keeps its default DenyPatterns
    when only the Terminal Process's is emptied (docs/security.md §10)."""
    start(sim, {(BP, "Host", "DenyPatterns"): ""})
    _, response = call(rt, 'zn "%SYS"')
    assert response.Status == "denied" and "the policy settings of Terminal Operation" in response.Error
    assert sim.logins == 0
    start_again = {(BP, "Host", "DenyPatterns"): "", (OP, "Host", "DenyPatterns"): ""}
    rt.stop_production()
    start(sim, start_again)
    _, response = call(rt, 'zn "%SYS"')
    rt.wait_for(lambda: executed(sim), timeout=WAIT)
    assert response.Status == "ok", response.Error  # loosened on both: it runs



def test_a_message_of_another_type_sent_to_an_operation_runs_nothing(rt, sim, start):
    """Only a TerminalCommandRequest reaches the policy and the adapter (the operation's MessageMap); a
    fleet request or a plain string sent to an operation is refused by the runtime and runs nothing."""
    _start(start, sim, {})
    status, _ = rt.send_sync(OP, new_fleet_request(Command='zn "%SYS"', Targets=OP))
    assert not is_ok(status)
    assert executed(sim) == [] and sim.logins == 0
