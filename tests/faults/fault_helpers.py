"""Runs a fault case through the client or the offline production, and checks the shared invariants.

A uniquely named module (not ``conftest``) so other test folders can import it unambiguously.

Invariants (``check_invariants``), checked after every case in both modes:

* nothing outside the ``TerminalError`` tree escaped the client (the runner records, never swallows, others);
* no host crashed: no Python exception in any production callback, no engine "internal error";
* every request ended as a response message, and the operation's response carries an error status exactly
  when the outcome is not ``ok`` (so ReplyCodeActions and alerts see every failure);
* the simulator's execution log shows no command executed more often than the test sent it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from fault_cases import Action, Expect, FaultCase, Step
from loopback import free_port
from waiting import wait_until

from adapters.lite_terminal import LiteTerminal, TerminalError
from adapters.lite_terminal.client import SYNC_COMMAND
from offline_iris.testing import LITE_TERMINAL_MODULES
from simulator import Simulator, SimulatorConfig

PASSWORD = "Fault-Pw-5e1b"  # distinctive, so "never in a message" checks cannot pass by accident
USER = "_SYSTEM"
HEALTH = 'write "alive"'  # the recovery step's command
BASE = SimulatorConfig()

PRODUCTION = "LiteTerminal.TerminalProduction"
MODULES = list(LITE_TERMINAL_MODULES)
OP, SVC = "Terminal Operation", "Terminal Command Service"
SCHED, FILES = "Scheduled Commands", "Command Files"


def is_sync_marker(command: str) -> bool:
    """The marker command the client sends to get a session back in step (not a command of the test)."""
    return command.startswith(SYNC_COMMAND.split("{", 1)[0])


# ----------------------------------------------------------------------------------------------- servers ---
@dataclass
class Target:
    host: str
    port: int
    sim: Optional[Simulator] = None
    tls_ca: Optional[str] = None


@contextlib.contextmanager
def fault_server(case: FaultCase, tls_files: Dict[str, str]) -> Iterator[Target]:
    """The server a case talks to: a simulator with the case's switches, or no server at all."""
    if case.server == "refused":
        yield Target("127.0.0.1", free_port())
        return
    if case.server == "unknown-host":
        yield Target("no-such-host.invalid", 52773)  # RFC 6761: .invalid never resolves
        return
    config = SimulatorConfig(users={USER: PASSWORD}, **case.sim)
    tls = case.server == "tls-wrong-host"
    if tls:
        config = config.replace(tls_certfile=tls_files["cert"], tls_keyfile=tls_files["key"])
    with Simulator(config) as sim:
        yield Target(sim.host, sim.port, sim, tls_files["ca"] if tls else None)


def apply(sim: Optional[Simulator], action: Action) -> None:
    assert sim is not None, "server actions need a simulator"
    if action.kind == "configure":
        sim.configure(**action.switches)
    elif action.kind == "restart":
        sim.drop_connections()
        wait_until(lambda: sim.open_terminals() == 0)
    elif action.kind == "idle_close":
        sim.configure(idle_close_after=0.2, **action.switches)
        wait_until(lambda: sim.open_terminals() == 0)
        sim.configure(idle_close_after=None, idle_close_code=BASE.idle_close_code)
    else:  # pragma: no cover - a typo in the table
        raise ValueError(action.kind)


def reset_switches(sim: Simulator, case: FaultCase) -> None:
    """Every switch the case touched back to its default: the fault is gone, the clients are not."""
    names = set(case.sim)
    for step in case.steps:
        for action in step.before:
            names.update(action.switches)
    sim.configure(**{name: getattr(BASE, name) for name in names})


# ------------------------------------------------------------------------------------------- observation ---
@dataclass
class Observed:
    """What one step produced, in either mode."""

    command: str
    status: Optional[str] = None  # CommandResult.status / response Status
    raised: Optional[BaseException] = None  # client mode: the exception (TerminalError or a foreign one)
    error: str = ""
    output: str = ""
    truncated: bool = False
    op_is_error: Optional[bool] = None  # production: the operation's response header IsError
    answered: bool = True  # production: the service returned a response message


@dataclass
class Run:
    observations: List[Observed] = field(default_factory=list)
    sent: List[str] = field(default_factory=list)


def _output_matches(check: Any, output: str) -> bool:
    if callable(check):
        return bool(check(output))
    return re.fullmatch(check, output, re.DOTALL) is not None


def check_step(seen: Observed, expect: Expect, production: bool) -> None:
    """The exact outcome of one step. The production answers a client that raised with Status
    "unreachable" when the command was never delivered (connect, login, namespace), else "lost"."""
    where = f"{'production' if production else 'client'} step {seen.command!r}"
    assert seen.answered, f"{where}: no response message"
    if expect.raises is not None:
        if production:
            from adapters.lite_terminal.errors import NOT_DELIVERED

            wanted = "unreachable" if issubclass(expect.raises, NOT_DELIVERED) else "lost"
            assert seen.status == wanted, f"{where}: {seen.status} {seen.error}"
            assert seen.error.startswith(expect.raises.__name__ + " from "), f"{where}: {seen.error}"
        else:
            assert isinstance(seen.raised, expect.raises), f"{where}: got {seen.raised!r} / {seen.status}"
    else:
        assert seen.raised is None, f"{where}: raised {seen.raised!r}"
        assert seen.status == expect.status, f"{where}: {seen.status} ({seen.error})"
    if expect.error:
        assert re.search(expect.error, seen.error, re.DOTALL), f"{where}: error {seen.error!r}"
    elif expect.status == "ok":
        assert seen.error == "", f"{where}: error {seen.error!r}"
    if expect.output is not None:
        assert _output_matches(expect.output, seen.output), f"{where}: output {seen.output[:200]!r}"
    if production:
        assert seen.truncated == expect.truncated, f"{where}: OutputTruncated={seen.truncated}"
        # the operation's reply is an error status exactly when the outcome is not ok
        if seen.op_is_error is not None:
            assert seen.op_is_error == (seen.status != "ok"), f"{where}: IsError={seen.op_is_error}"


def check_invariants(case: FaultCase, target: Target, run: Run, rt: Any = None) -> None:
    """The invariants shared by every case and mode (module docstring)."""
    for seen in run.observations:
        if seen.raised is not None:
            escaped = type(seen.raised).__name__
            assert isinstance(seen.raised, TerminalError), f"{seen.command!r}: {escaped} escaped the tree"
        assert PASSWORD not in seen.error and PASSWORD not in seen.output
    if target.sim is not None:  # the client's own resynchronisation markers are not commands
        executed = [e.input for e in target.sim.executed if not is_sync_marker(e.input)]
        if rt is not None:  # the production resets its default session before each later request
            from adapters.terminal_core import DEFAULT_SESSION_RESET

            executed = [c for c in executed if c != DEFAULT_SESSION_RESET]
        for command in set(executed):
            assert executed.count(command) <= run.sent.count(command), f"{command!r} executed twice"
        assert set(executed) <= set(run.sent), f"commands nobody sent: {set(executed) - set(run.sent)}"
        if case.logins is not None:
            assert target.sim.logins == case.logins, f"logins {target.sim.logins} != {case.logins}"
    if rt is not None:
        assert rt.python_errors == [], rt.python_errors
        assert not [e for e in rt.event_log("Error") if "internal error" in e["Text"]]
        headers = rt.messages()
        answered = {h["CorrespondingMessageId"] for h in headers if h["TypeName"] == "Response"}
        for h in headers:
            if h["TypeName"] == "Request":
                assert h["ID"] in answered or h["IsError"], f"request {h['ID']} to {h['TargetConfigName']} " \
                                                          "has neither a response nor an error status"


# ---------------------------------------------------------------------------------------------- runners ---
def client_options(case: FaultCase, target: Target) -> Dict[str, Any]:
    options: Dict[str, Any] = {"username": USER, "password": PASSWORD, "namespace": "USER",
                               "connect_timeout": 2.0, "response_timeout": 5.0}
    if target.tls_ca:
        options.update(tls=True, verify=target.tls_ca)
    options.update(case.options)
    return options


def run_client(case: FaultCase, target: Target) -> Run:
    """All steps on ONE LiteTerminal (a long-lived session), then the recovery step."""
    run = Run()
    terminal = LiteTerminal(target.host, target.port, **client_options(case, target))
    try:
        for step in _steps_with_recovery(case, target):
            run.sent.append(step.command)
            seen = Observed(step.command)
            try:
                result = terminal.execute(step.command)
            except Exception as exc:  # noqa: BLE001 - recorded; check_invariants fails on foreign ones
                seen.raised, seen.error = exc, str(exc)
            else:
                seen.status, seen.error, seen.output = result.status, result.error, result.output
            run.observations.append(seen)
            check_step(seen, step.expect, production=False)
    finally:
        terminal.close()
    return run


def _steps_with_recovery(case: FaultCase, target: Target) -> Iterator[Step]:
    for step in case.steps:
        for action in step.before:
            apply(target.sim, action)
        yield step
    if case.recovers:
        assert target.sim is not None
        reset_switches(target.sim, case)
        yield Step(HEALTH, Expect(status="ok", output="alive"))


def production_overrides(case: FaultCase, target: Target, folder: Path) -> Dict[Any, str]:
    options = client_options(case, target)
    inbox, done = folder / "in", folder / "done"
    inbox.mkdir(exist_ok=True)
    done.mkdir(exist_ok=True)
    overrides = {
        (OP, "Adapter", "Server"): target.host,
        (OP, "Adapter", "Port"): str(target.port),
        (OP, "Adapter", "Namespace"): options["namespace"],
        (OP, "Adapter", "ConnectTimeout"): str(options["connect_timeout"]),
        (OP, "Adapter", "ResponseTimeout"): str(options["response_timeout"]),
        (OP, "Adapter", "StayConnected"): "-1",  # keep the session: faults hit a long-lived session
        (SCHED, "Adapter", "Commands"): "",
        (FILES, "Adapter", "FilePath"): str(inbox),
        (FILES, "Adapter", "ArchivePath"): str(done),
    }
    if options.get("tls"):
        overrides[(OP, "Adapter", "UseTLS")] = "1"
        overrides[(OP, "Adapter", "CAFile")] = str(options["verify"])
    return overrides


def run_production(case: FaultCase, target: Target, rt: Any, folder: Path) -> Run:
    """Each step as one adapterless service call through process, operation, adapter and client."""
    rt.credentials.set("LiteTerminal", USER, client_options(case, target)["password"])
    rt.start_production(PRODUCTION, overrides=production_overrides(case, target, folder))
    run = Run()
    try:
        for step in _steps_with_recovery(case, target):
            run.sent.append(step.command)
            known = {h["ID"] for h in rt.messages()}
            service = rt.create_business_service(SVC)
            status, raw = service.process_input(step.command)
            response = rt.to_python(raw)
            seen = Observed(step.command, answered=response is not None)
            if response is not None:
                seen.status, seen.error = str(response.Status), str(response.Error)
                seen.output, seen.truncated = str(response.Output), bool(int(response.OutputTruncated or 0))
            replies = [h for h in rt.messages() if h["ID"] not in known and h["SourceConfigName"] == OP
                       and h["TypeName"] == "Response"]
            if replies:
                seen.op_is_error = bool(replies[-1]["IsError"])
            run.observations.append(seen)
            check_step(seen, step.production or step.expect, production=True)
    finally:
        rt.stop_production()
    return run
