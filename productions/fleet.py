"""``TerminalFleetProcess``: one command on many IRIS servers, one traced request per server.

Message flow (every hop shows in the Visual Trace)::

                                              ┌─> Terminal Operation   ──> IRIS server A
    FleetCommandRequest ──> TerminalFleetProcess ─┼─> Terminal Operation 2 ──> IRIS server B
                           (policy once, fan-out) └─> ...                   (at most MaxConcurrency at once)

The IRIS way: one operation per server (its own job, settings and credentials), fanned out by a business
process. In the default production the services send fleet requests to the Terminal Process, which checks
them with its own settings (the policy, AllowedNamespaces, and every target against its AllowedTargets)
before handing them here (docs/security.md §10). This process applies its own policy settings once more
(``productions.terminal.policy_refusal``): they can only narrow what reaches it, never widen. Then it sends
one TerminalCommandRequest per target with SendRequestAsync, at most MaxConcurrency in flight; each reply
comes back in OnResponse, which starts the next target. Once MaxErrors targets have failed no new target
is started and the rest are ``skipped``. When nothing is pending any more, the process answers with one
FleetCommandResponse; IRIS then completes the request (docs/pyprod-runtime.md §9: a plain BusinessProcess
completes when no asynchronous call is pending after OnRequest or OnResponse).

pyprod gives every callback a fresh Python object (docs/pyprod-runtime.md §3), so the run's state is one
JSON string in the FleetState property of the persistent process object (productions.fleet_logic).
"""

iris_package_name = "LiteTerminal"

from typing import Any  # noqa: E402

from intersystems_pyprod import BusinessProcess, IRISLog, IRISProperty, Status  # noqa: E402

from adapters.iris_status import is_ok, status_text  # noqa: E402
from adapters.lite_terminal.contract import CommandRequest, InvalidRequest, server_identity  # noqa: E402
from adapters.lite_terminal.contract import Status as CommandStatus  # noqa: E402
from adapters.lite_terminal.fleet import FleetSchedule  # noqa: E402
from adapters.lite_terminal.lines import escape_controls  # noqa: E402
from adapters.settings import production_items  # noqa: E402
from messages.fleet import FleetCommandRequest, FleetCommandResponse  # noqa: E402,F401
from messages.terminal import TerminalCommandRequest, TerminalCommandResponse  # noqa: E402,F401
from productions.fleet_logic import (  # noqa: E402
    FleetRefusal,
    FleetRun,
    plan_limits,
    plan_targets,
    refusal_fields,
    result_from_response,
    same_server_problem,
)
from productions.terminal import field, host_settings, policy_refusal  # noqa: E402


def target_servers(targets: Any) -> dict:
    """The server each target operation reaches, for the targets whose ``Server`` the production definition
    sets (a value from System Default Settings or the class default is not read: such a target is not
    compared). ``Port`` and ``PathPrefix`` not set there are the adapter's defaults (52773, none). Read from
    the running production with adapters.settings.production_items; {} when that cannot be read (nothing is
    refused then). Not yet run on a real IRIS."""
    try:
        servers = {}
        for name, (_, settings) in production_items(targets).items():
            values = {setting: value for target, setting, value in settings if target == "Adapter"}
            if values.get("Server", "").strip():
                port = values.get("Port", "").strip()
                servers[name] = server_identity(values["Server"], int(port) if port.isdigit() else None,
                                                values.get("PathPrefix", ""))
        return servers
    except Exception:  # noqa: BLE001 - the production cannot be read here: no target is compared
        return {}


_TARGETS_SELECTOR = (
    "Basic:selector?multiSelect=1&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}"
)


class TerminalFleetProcess(BusinessProcess):
    """Runs a FleetCommandRequest on every target operation and answers with one FleetCommandResponse.

    Targets must be among the Targets and AllowedTargets settings; the command and namespace pass the
    policy again with this process's settings (AllowPatterns, DenyPatterns, AllowedNamespaces), after the
    Terminal Process has passed them with its own (docs/security.md §10). A refused request gets a
    ``denied`` response and an Event Log warning and reaches no server.
    """

    Targets = IRISProperty(
        "", "str", "Operations (one per IRIS server) a request without Targets runs on", _TARGETS_SELECTOR
    )
    AllowedTargets = IRISProperty(
        "", "str", "Further operations a request may name in its Targets field (comma-separated)",
        _TARGETS_SELECTOR,
    )
    MaxConcurrency = IRISProperty(
        "10", "str",
        "Most targets running at once: a number (10) or a percentage of the targets (25%, rounded up); "
        "a request's MaxConcurrency overrides it",
        "Basic",
    )
    MaxErrors = IRISProperty(
        "", "str",
        "After this many failed targets (a number, or a percentage of the targets) no new target starts and "
        "the rest are skipped; empty means no limit. A request's MaxErrors overrides it",
        "Basic",
    )
    FleetOutputChars = IRISProperty(
        10000, "int",
        "Most output characters of one target kept in the FleetCommandResponse (each target's own response "
        "in the trace keeps its output); 0 uses the largest share that fits",
        "Additional",
    )
    AllowPatterns = IRISProperty(
        "", "str",
        "Regular expressions, one per line; when set, every statement of a command must match one. "
        "Matched case-insensitively against the normalised command (full upper-case command names)",
        "Policy",
    )
    DenyPatterns = IRISProperty(
        r"^(ZNSPACE|HALT)\b", "str",
        "Regular expressions, one per line; a command with a statement matching any of them is denied. "
        "The default refuses namespace switches (zn, set $namespace) and HALT",
        "Policy",
    )
    AllowedNamespaces = IRISProperty(
        "", "str",
        "Namespaces a request may name in its Namespace field (comma-separated); empty allows any the "
        "IRIS user may use. A request without a Namespace always runs in each operation's Namespace",
        "Policy",
    )
    #: The run in progress (JSON), kept on the persistent process object between callbacks; not a setting.
    FleetState = IRISProperty("", "str", "Internal: state of the fleet run in progress (JSON)")

    def on_request(self, request):
        command = str(field(request, "Command"))
        try:
            targets = plan_targets(field(request, "Targets"), field(self, "Targets"),
                                   field(self, "AllowedTargets"))
            same = same_server_problem(target_servers(targets))
            if same:
                raise FleetRefusal(CommandStatus.INVALID, same, targets)
            reason = policy_refusal(self, request)
            if reason:
                raise FleetRefusal(CommandStatus.DENIED, reason, targets)
            concurrency, max_errors = plan_limits(
                targets, (field(request, "MaxConcurrency"), field(request, "MaxErrors")),
                (field(self, "MaxConcurrency"), field(self, "MaxErrors")),
            )
            problem = _request_problem(request)
            if problem:
                raise FleetRefusal(CommandStatus.INVALID, problem, targets)
            run = FleetRun(
                schedule=FleetSchedule(targets, concurrency, max_errors),
                command=command,
                output_chars=_output_chars_setting(self, targets),
            )
        except FleetRefusal as refusal:
            log = IRISLog.Warning if refusal.status is CommandStatus.DENIED else IRISLog.Error
            log(escape_controls(f"{refusal.status} fleet command {command[:200]!r}: {refusal.reason}"))
            return Status.OK(), FleetCommandResponse(**refusal_fields(command, refusal))
        return self._advance(run, request)

    def on_response(self, request, response, call_request, call_response, completion_key):
        state = str(field(self, "FleetState"))
        if not state:
            IRISLog.Error("a target answered but no fleet run is in progress: response ignored")
            return Status.OK()
        run = FleetRun.from_json(state)
        target = str(completion_key or field(call_request, "Target"))
        if target not in run.schedule.started or target in run.schedule.finished:
            IRISLog.Warning(escape_controls(
                f"unexpected reply from {target!r} (completion key {completion_key!r}): ignored"))
            return Status.OK()
        run.record(target, result_from_response(call_response, target))
        return self._advance(run, request)

    def _advance(self, run: FleetRun, request: Any):
        """Start every target the limits allow; answer once nothing runs and nothing more will start."""
        target = run.schedule.take()
        while target is not None:
            status = self.SendRequestAsync(target, _target_request(request, target), 1, target,
                                           _description(request, target))
            if not is_ok(status):  # e.g. the operation is not running: it never got the command
                run.record(target, {"Status": CommandStatus.UNREACHABLE.value, "Error": (
                    f"could not send to {target}: {status_text(status)}; the command was not sent")})
            target = run.schedule.take()  # a failure may free a slot, or reach MaxErrors and stop the run
        if run.schedule.done:
            self.FleetState = ""
            # the request's own Command: the state keeps only a bounded copy of it
            fields = dict(run.response_fields(), Command=str(field(request, "Command")))
            return Status.OK(), FleetCommandResponse(**fields)
        self.FleetState = run.to_json()
        return Status.OK()


def _target_request(request: Any, target: str) -> TerminalCommandRequest:
    lines = field(request, "InputLines", [])
    return TerminalCommandRequest(
        Command=str(field(request, "Command")),
        Namespace=str(field(request, "Namespace")),
        Timeout=field(request, "Timeout", 0),
        InputLines=[str(x) for x in lines] if isinstance(lines, (list, tuple)) else lines,
        Expect=str(field(request, "Expect")),
        FailuresInResponse=1,  # not an error %Status: docs/pyprod-runtime.md §9.2
        Description=_description(request, target),
        Target=target,
    )


def _description(request: Any, target: str) -> str:
    text = str(field(request, "Description")).strip()
    return escape_controls(f"fleet: {text}" if text else f"fleet command on {target}")  # a trace line


def _request_problem(request: Any) -> str:
    """What the operation would refuse on every target (``invalid``), said once here instead.

    The same check the operation applies (``CommandRequest.parse``), so nothing is sent.
    """
    fields = {name: field(request, name, None) for name in ("Command", "Namespace", "Timeout", "InputLines",
                                                             "Expect")}
    try:
        CommandRequest.parse({k: v for k, v in fields.items() if v is not None})
    except InvalidRequest as exc:
        return str(exc)
    return ""


def _output_chars_setting(host: Any, targets: Any) -> int:
    """FleetOutputChars read strictly; a process has no start hook (docs/pyprod-runtime.md §10.1), so a wrong
    value makes each request ``invalid`` instead of silently becoming the default."""
    reader = host_settings(host, ("FleetOutputChars",))
    fix = "set FleetOutputChars to a whole number of characters, 0 or more (0: the largest share that fits)"
    chars = reader.integer("FleetOutputChars", 0, None, fix)
    if chars is None:
        raise FleetRefusal(CommandStatus.INVALID, reader.problems[0].text(), targets)
    return chars

