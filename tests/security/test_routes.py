"""One enforcement point (issue 21, item 1; docs/security.md §10): every route from every service of the
default production to any operation passes the Terminal Process's policy with the Terminal Process's
settings.

The Terminal Process is set to AllowPatterns ``^WRITE\\b``, AllowedNamespaces ``USER`` and no target but its
default (Terminal Operation); the Terminal Fleet Process keeps its wide-open defaults (both operations, the
default DenyPatterns only). Then a command the policy refuses, a namespace it refuses and a target it
refuses are sent along every route: service -> process -> operation and service -> fleet -> operations, for
the adapterless, scheduled and file services. None may reach an operation or the server; an allowed
control request on the same route does, so the route is real.

The services are read from TerminalProduction's definition (productions/terminal.py), so a service added
there (an HTTP service, a TCP one) is a test case at once and fails until ROUTES says how to drive it.
"""

from __future__ import annotations

import ast
import json
import pathlib
from typing import Any, Callable, Dict, List, Tuple

import pytest
from http_helpers import post, start_http_production
from security_helpers import BP, FILES, OP, PASSWORD, SCHED, SVC, WAIT, call, executed

ROOT = pathlib.Path(__file__).resolve().parents[2]
OP2 = "Terminal Operation 2"
FLEET = "Terminal Fleet Process"
RESTRICTED = {(BP, "Host", "AllowPatterns"): r"^WRITE\b", (BP, "Host", "AllowedNamespaces"): "USER",
              (BP, "Host", "AllowedTargets"): ""}
#: (what is refused, command, namespace, target): each is refused by the Terminal Process's settings
DENIED = [
    ("AllowPatterns", "set ^x=1", "", OP),
    ("DenyPatterns", 'zn "%SYS"', "", OP),
    ("AllowedNamespaces", "write $namespace", "%SYS", OP),
    ("AllowedTargets", "write 1", "", OP2),
]
ALLOWED = ("control", "write 42", "", OP)


def production_services() -> List[Tuple[str, str]]:
    """``(name, class)`` of every ServiceItem in TerminalProduction, read from the source."""
    tree = ast.parse((ROOT / "productions" / "terminal.py").read_text(encoding="utf-8"))
    production = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TerminalProduction")
    found = []
    for node in ast.walk(production):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ServiceItem":
            found.append((node.args[0].value, node.args[1].value))
    return found


def _reached_an_operation(rt) -> List[str]:
    return [f"{h['SourceConfigName']} -> {h['TargetConfigName']}" for h in rt.messages()
            if h["TargetConfigName"] in (OP, OP2)]


# --- how to send one request along each route of a service -------------------------------------------------

def adapterless(rt, sim, start, inbox_unused, command, namespace, target, fleet):
    start(sim, RESTRICTED)
    request: Dict[str, Any] = {"Command": command, "Namespace": namespace}
    if fleet:
        request["Targets"] = target
    elif target != OP:
        request["Target"] = target
    _, response = call(rt, json.dumps(request))
    return response.Status


def scheduled(rt, sim, start, inbox_unused, command, namespace, target, fleet):
    settings = dict(RESTRICTED)
    settings.update({(SCHED, "Adapter", "Commands"): command, (SCHED, "Adapter", "CallInterval"): "0.1",
                     (SCHED, "Host", "Namespace"): namespace})
    if fleet:
        settings[(SCHED, "Host", "Targets")] = target
    elif target != OP:
        pytest.skip("a scheduled single request has no target of its own (it goes to the process's Target)")
    start(sim, settings)
    rt.wait_for(lambda: any(h["TargetConfigName"] == SCHED or (h["SourceConfigName"] == BP and
                                                                h["TargetConfigName"] == SCHED)
                            for h in rt.messages()) or executed(sim), timeout=WAIT)
    rt.wait_for(lambda: any(h["SourceConfigName"] in (BP, FLEET) and h["Type"] == 2 and
                            h["TargetConfigName"] in (SCHED, BP) for h in rt.messages()), timeout=WAIT)
    return "done"


def files(rt, sim, start, inbox_unused, command, namespace, target, fleet):
    if fleet or target != OP:
        pytest.skip("a command file has no targets of its own (it goes to the process's Target)")
    inbox, _ = start(sim, {**RESTRICTED, (FILES, "Host", "Namespace"): namespace})
    (inbox / "job.cos").write_text(command + "\n")
    rt.wait_for(lambda: any(h["SourceConfigName"] == BP and h["Type"] == 2 for h in rt.messages()),
                timeout=WAIT)
    return "done"


def http(rt, sim, start_unused, inbox_unused, command, namespace, target, fleet):
    """A signed ad hoc POST (AllowCommands=1) to Terminal HTTP Service, which sends to its Target."""
    if not fleet and target != OP:
        pytest.skip("an HTTP request has no Target field (it goes to the service's Target)")
    port = start_http_production(rt, sim, PASSWORD, host={"AllowCommands": 1}, other=RESTRICTED)
    body: Dict[str, Any] = {"Command": command}
    if namespace:
        body["Namespace"] = namespace
    if fleet:
        body["Targets"] = [target]
    answer = post(f"http://127.0.0.1:{port}/", body)
    return str(answer.json().get("Status") or answer.status_code)


#: Service class -> how to drive it. A service class missing here fails the test: add its driver.
ROUTES: Dict[str, Callable[..., str]] = {
    "LiteTerminal.TerminalCommandService": adapterless,
    "LiteTerminal.ScheduledCommandService": scheduled,
    "LiteTerminal.CommandFileService": files,
    "LiteTerminal.TerminalHTTPService": http,
}
SERVICES = production_services()


def test_the_production_definition_is_read():
    assert (SVC, "LiteTerminal.TerminalCommandService") in SERVICES
    assert (SCHED, "LiteTerminal.ScheduledCommandService") in SERVICES
    assert (FILES, "LiteTerminal.CommandFileService") in SERVICES


@pytest.mark.parametrize("fleet", [False, True], ids=["via-process", "via-fleet"])
@pytest.mark.parametrize("case", DENIED, ids=[c[0] for c in DENIED])
@pytest.mark.parametrize("service, cls", SERVICES, ids=[s for s, _ in SERVICES])
def test_a_refused_request_reaches_no_operation_on_any_route(rt, sim, start, service, cls, case, fleet):
    assert cls in ROUTES, f"service {service} ({cls}) has no route driver: add one to ROUTES"
    _, command, namespace, target = case
    status = ROUTES[cls](rt, sim, start, None, command, namespace, target, fleet)
    assert status in ("denied", "invalid", "done"), status
    assert _reached_an_operation(rt) == [], f"{service}: a refused request got through"
    assert executed(sim) == [] and sim.logins == 0
    assert any("denied" in e["Text"] for e in rt.event_log("Warning") if e["ConfigName"] == BP), \
        "the Terminal Process did not log the refusal"


@pytest.mark.parametrize("fleet", [False, True], ids=["via-process", "via-fleet"])
@pytest.mark.parametrize("service, cls", SERVICES, ids=[s for s, _ in SERVICES])
def test_an_allowed_request_on_the_same_route_does_run(rt, sim, start, service, cls, fleet):
    assert cls in ROUTES, f"service {service} ({cls}) has no route driver: add one to ROUTES"
    _, command, namespace, target = ALLOWED
    ROUTES[cls](rt, sim, start, None, command, namespace, target, fleet)
    rt.wait_for(lambda: command in executed(sim), timeout=WAIT)
    via = [h["SourceConfigName"] for h in rt.messages() if h["TargetConfigName"] == OP and h["Type"] == 1]
    assert via and set(via) <= ({FLEET} if fleet else {BP}), via
    if fleet:  # the fleet got it from the Terminal Process, never straight from the service
        sources = {h["SourceConfigName"] for h in rt.messages() if h["TargetConfigName"] == FLEET
                   and h["Type"] == 1}
        assert sources == {BP}, sources
