"""Business hosts and the default production for running ObjectScript commands from a production.

Message flow (every hop shows in the Visual Trace)::

    TerminalCommandService (adapterless) ─┐                          ┌─> TerminalCommandOperation ──> IRIS
    ScheduledCommandService (times/poll) ─┼─> TerminalCommandProcess ─┤   (TerminalOutboundAdapter)
    CommandFileService (EnsLib.File)     ─┘    (policy, routing)      └─> TerminalFleetProcess ──> operations
                                                                          (fleet requests, once allowed)

Every service sends every request, fleet requests included, to its Target, the Terminal Process, which
decides the policy with its settings; every operation decides it once more with its own settings for every
request, whoever sent it, so no route reaches a server without a policy decision (docs/security.md §10).

Component rules from docs/pyprod-runtime.md §7 kept here: module-mode loading, ``iris_package_name`` literal
first, the adapter module imported explicitly so ``self.ADAPTER`` is wrapped (docs/pyprod-runtime.md §7.5),
MessageMap keys are the message's IRIS name (docs/pyprod-runtime.md §7.4), the process keeps no Python state
between callbacks (docs/pyprod-runtime.md §3), callbacks always return a status (docs/pyprod-runtime.md §2.1),
and every refusal or failure says why.
"""

iris_package_name = "LiteTerminal"

import json  # noqa: E402
import re  # noqa: E402
from typing import Any, Dict, List, Optional, Tuple  # noqa: E402

from intersystems_pyprod import (  # noqa: E402
    BusinessOperation,
    BusinessProcess,
    BusinessService,
    Column,
    IRISLog,
    IRISParameter,
    IRISProperty,
    OperationItem,
    ProcessItem,
    Production,
    ServiceItem,
    Status,
)

import adapters.inbound  # noqa: E402,F401  registers the pyprod adapters in this job (docs/pyprod-runtime.md §7.5)
import adapters.terminal_outbound  # noqa: E402,F401
from adapters.iris_status import error_codes, is_ok, status_text  # noqa: E402
from adapters.iris_strings import IRIS_MAX_STRING, iris_length  # noqa: E402
from adapters.lite_terminal.contract import COMMAND_FAILURE  # noqa: E402
from adapters.lite_terminal.contract import Status as CommandStatus  # noqa: E402
from adapters.lite_terminal.lines import escape_controls  # noqa: E402
from adapters.settings import SettingsReader, config_name, report_unknown_settings  # noqa: E402
from messages.fleet import FleetCommandRequest, FleetCommandResponse  # noqa: E402,F401
from messages.terminal import TerminalCommandRequest, TerminalCommandResponse  # noqa: E402
from productions.command_files import ScriptFile, folder_trust_problem, read_command_file  # noqa: E402
from productions.fleet_logic import (  # noqa: E402
    WHOLE_CHECK,
    FleetRefusal,
    alert_changes,
    load_alert_state,
    refusal_fields,
    split_names,
)
from productions.policy import PolicyError, check_command, compile_patterns  # noqa: E402

MSG_PKG = "LiteTerminal"
# Setting arguments below are literals on purpose: the loader reads them from the AST and would write a name
# or an f-string verbatim (docs/pyprod-runtime.md §1.4, ``eval_node`` falls back to ``ast.unparse``). The
# DenyPatterns default repeats productions.policy.DEFAULT_DENY (a test checks they agree).


# ---------------------------------------------------------------------------------------------------------
# Plain helpers (module level, so the loader generates no ObjectScript for them)


def field(message: Any, name: str, default: Any = "") -> Any:
    """A message field, or ``default`` when unset (a message built on the IRIS side carries only Columns)."""
    value = getattr(message, name, default)
    if value is None or isinstance(value, Column):
        return default
    return value


def split_send_result(result: Any) -> Tuple[Any, Optional[Any]]:
    """pyprod's SendRequestSync returns ``status`` or ``(status, response)`` (docs/pyprod-runtime.md §2.2)."""
    if isinstance(result, (tuple, list)):
        return result[0], (result[1] if len(result) > 1 else None)
    return result, None


def request_from_input(value: Any, namespace: str = "", description: str = "") -> Any:
    """A request from a command string, a JSON object string, a dict, or a request message.

    JSON keys are the request's field names, case-insensitive, underscores ignored (``input_lines``). An
    object with a ``Targets`` key is a FleetCommandRequest (one command on several operations); anything
    else a TerminalCommandRequest.
    """
    if isinstance(value, (TerminalCommandRequest, FleetCommandRequest)):
        return value
    text = getattr(value, "StringValue", value)  # Ens.StringRequest from ObjectScript callers
    data: Dict[str, Any]
    if isinstance(text, dict):
        data = dict(text)
    elif isinstance(text, str):
        stripped = text.strip()
        if stripped.startswith("{"):
            try:
                data = json.loads(stripped)
            except ValueError as exc:
                raise ValueError(f"input starts with '{{' but is not a valid JSON request: {exc}") from None
            if not isinstance(data, dict):
                raise ValueError("a JSON request must be an object")
        else:
            data = {"Command": text}
    else:
        raise ValueError(
            f"cannot make a TerminalCommandRequest from {type(text).__name__}: pass a command string, "
            "a JSON request or a LiteTerminal.TerminalCommandRequest"
        )
    cls = TerminalCommandRequest
    if any(_key(k) == "targets" for k in data):
        cls = FleetCommandRequest
    known = {_key(name): name for name in cls._field_names}
    fields: Dict[str, Any] = {}
    unknown = []
    for key, val in data.items():
        name = known.get(_key(key))
        if name is None:
            unknown.append(str(key))
        else:
            fields[name] = val
    if unknown:
        raise ValueError(
            f"unknown request field(s) {', '.join(sorted(unknown))}; known {cls.__name__} fields: "
            f"{', '.join(cls._field_names)}"
        )
    for name, val in fields.items():  # each becomes an IRIS string (a Column property or a JSON value)
        if isinstance(val, str) and iris_length(val) > IRIS_MAX_STRING:
            raise ValueError(f"{name} is {iris_length(val):,} characters long; IRIS's longest string is "
                             f"{IRIS_MAX_STRING:,}: send a shorter one")
    if "InputLines" in fields:
        lines = fields["InputLines"]
        fields["InputLines"] = [lines] if isinstance(lines, str) else [str(x) for x in (lines or [])]
    fields.setdefault("Namespace", namespace or "")
    fields.setdefault("Description", description or "")
    return cls(**fields)


def _key(name: Any) -> str:
    return str(name).replace("_", "").lower()


def response_for(request: Any, status: str, error: str, target: str = "") -> TerminalCommandResponse:
    """A response for a request that did not (or may not have) run on a server."""
    return TerminalCommandResponse(
        Command=str(field(request, "Command")),
        Namespace=str(field(request, "Namespace")),
        Status=CommandStatus.of(status).value,
        Error=error,
        Session=str(field(request, "Session")),
        Target=target,
    )


def failures_in_response(request: Any) -> bool:
    """The request wants every outcome as an OK status and a response that carries it (FailuresInResponse)."""
    return str(field(request, "FailuresInResponse", 0)).strip().lower() in ("1", "true")


def outcome(status: Any, response: Any = None) -> Tuple[str, str]:
    """``(Status, detail)`` of a call to the Terminal Operation or Terminal Process, for your own hosts.

    ``status, response = split_send_result(self.SendRequestSync(target, request))`` then
    ``outcome(status, response)``. Read from facts, never from what an error says:

    * a response that carries a Status: that Status and its Error (a FleetCommandResponse's word as is);
    * an error %Status whose error code is Ens's "not registered" (the target is not running):
      ``unreachable``;
    * an error %Status the operation returned (IRIS may hand a synchronous caller no response body with
      it, docs/pyprod-runtime.md §9.2): the status the operation wrote in its fixed header
      (:func:`operation_status`);
    * anything else, or an OK status without a response: ``lost`` (in doubt).
    """
    if response is not None and str(field(response, "Status")):
        word = str(field(response, "Status"))
        try:
            word = CommandStatus.of(word)
        except ValueError:
            pass  # a FleetCommandResponse: ok, partial, failed (denied and invalid are Status words)
        return word, str(field(response, "Error"))
    if is_ok(status):
        return CommandStatus.LOST, "no response came back; the command may or may not have run"
    text = status_text(status)
    if NOT_RUNNING in error_codes(status):
        return CommandStatus.UNREACHABLE, text
    found = operation_status(status)
    if found is not None:
        return found
    return CommandStatus.LOST, f"{text}; the command may or may not have run"


def policy_refusal(host: Any, request: Any) -> str:
    """Why the command policy refuses ``request``, or "" when it is allowed.

    The one implementation of the policy for every process that applies it (TerminalCommandProcess and
    TerminalFleetProcess), read from the host's AllowedNamespaces, AllowPatterns and DenyPatterns settings.
    Targets are checked by each process (one target there, a list in the fleet).
    """
    namespace = str(field(request, "Namespace")).strip()
    spaces = {n.strip().upper() for n in str(field(host, "AllowedNamespaces")).split(",") if n.strip()}
    if namespace and spaces and namespace.upper() not in spaces:
        return f"namespace {namespace!r} is not one of AllowedNamespaces ({', '.join(sorted(spaces))})"
    command = str(field(request, "Command"))
    decision = check_command(command, str(field(host, "AllowPatterns")), str(field(host, "DenyPatterns")))
    return "" if decision.allowed else decision.reason


def scheduled_outcomes(response: Any, status: Any, target: str) -> List[Tuple[str, str, str]]:
    """``(target, status, reason)`` per target from a scheduled command's response, for alerts on change.

    A fleet response gives one per target; a refused fleet request (denied, invalid) or no response at
    all is one outcome for the check itself.
    """
    if response is None:
        reason = status_text(status) if not is_ok(status) else "no response"
        return [(WHOLE_CHECK, CommandStatus.ERROR.value, reason)]
    results = field(response, "Results", None)
    if isinstance(results, list):
        fleet = str(field(response, "Status"))
        if fleet in (CommandStatus.DENIED, CommandStatus.INVALID):
            return [(WHOLE_CHECK, fleet, str(field(response, "Error")))]
        return [(str(r.get("Target", "?")), str(r.get("Status", "")), str(r.get("Error", "")))
                for r in results]
    return [(str(field(response, "Target")) or target, str(field(response, "Status")),
             str(field(response, "Error")))]


def bounded_alert_state(state: Dict[str, Dict[str, str]], command: str) -> str:
    """The alert state as JSON that fits an IRIS string (AlertState is an IRISProperty): when every
    command's state does not fit, only this command's is kept (the others may alert once more)."""
    text = json.dumps(state)
    if len(text) <= ALERT_STATE_BUDGET:
        return text
    text = json.dumps({command: state[command]} if command in state else {})
    return text if len(text) <= ALERT_STATE_BUDGET else "{}"


#: Characters the ScheduledCommandService's AlertState may take (ASCII JSON; IRIS's limit is 3,641,144).
ALERT_STATE_BUDGET = 3_000_000


def send_to_target(host: Any, target: str, request: Any) -> Tuple[Any, Optional[Any]]:
    """SendRequestSync with an explanation when no target is configured."""
    if not (target or "").strip():
        return Status.ERROR("no Target configured: set this item's Target setting"), None
    description = escape_controls(str(field(request, "Description")))  # shown in the trace
    return split_send_result(host.SendRequestSync(target.strip(), request, -1, description))


#: The fixed start of every error %Status the operation returns: ``LiteTerminal <status>: <detail>``.
STATUS_HEADER = "LiteTerminal "
#: What GetErrorText puts before the text of a ``Status.ERROR`` (IRIS's general error, code 5001).
GENERAL_ERROR = "ERROR #5001: "
_OUR_NAME = re.compile("liteterminal", re.IGNORECASE)


def status_text_for(status: str, detail: str) -> str:
    """The operation's error %Status text: ``LiteTerminal <status>: <detail>`` (docs/user-guide.md §3).

    One stable header per response Status, so ReplyCodeActions can target each (``E*LiteTerminal
    unreachable:=R``). Safe to retry: ``unreachable`` (never delivered). Never retry ``lost``. The detail is
    text from IRIS or a user's command, so our name in it is written ``Lite-Terminal``: an IRIS error that
    says "LiteTerminal unreachable:" must not match an ``E*LiteTerminal unreachable:`` action (E* matches
    anywhere in the text). The response's Error keeps the detail exactly.
    """
    word = CommandStatus.of(status).value
    detail = _OUR_NAME.sub("Lite-Terminal", detail or "") or "no detail"
    return escape_controls(f"{STATUS_HEADER}{word}: {detail}")  # it lands in the Event Log


def error_status(status: str, detail: str) -> Any:
    """The error %Status the operation returns for a response that is not ok (:func:`status_text_for`)."""
    return Status.ERROR(status_text_for(status, detail))


def operation_status(status: Any) -> Optional[Tuple[str, str]]:
    """``(Status, detail)`` from an error %Status the operation returned, else None.

    The operation's %Status is IRIS's general error (5001) whose text *starts* with the fixed header
    ``LiteTerminal <status>: `` (:func:`status_text_for`); only that header is read, at its fixed place, and
    only a word of ``contract.Status`` counts. The detail after it never decides anything: it cannot hold
    another header at the start, and our name in it is neutralised.
    """
    if is_ok(status) or "5001" not in error_codes(status):
        return None
    text = status_text(status)
    if not text.startswith(GENERAL_ERROR + STATUS_HEADER):
        return None
    word, colon, detail = text[len(GENERAL_ERROR + STATUS_HEADER):].partition(": ")
    try:
        return (CommandStatus(word), detail) if colon else None
    except ValueError:
        return None


#: Ens's error code when a request names a config item that is not running (docs/offline-runtime.md §5).
NOT_RUNNING = "<Ens>ErrBusinessDispatchNameNotRegistered"

TARGET_FIX = "set Target to the config item name that receives the requests (e.g. Terminal Process)"


def host_settings(host: Any, names: Tuple[str, ...]) -> SettingsReader:
    """A reader over the host's own settings, named after its config item (checked when it starts)."""
    values = {name: field(host, name, "") for name in names}
    return SettingsReader(config_name(host.iris_host_object, type(host).__name__), values)


def report_unknown_host_settings(host: Any) -> None:
    """At a service's start: one Event Log warning per production setting of its item that names no setting
    of its host or adapter class (docs/settings.md §11). The operation's adapter does the same at its start;
    processes have no start hook (docs/pyprod-runtime.md §10), so their items are not checked."""
    name = config_name(host.iris_host_object, type(host).__name__)
    report_unknown_settings(name, lambda text: IRISLog.Warning(escape_controls(text)))


def check_target_and_namespace(host: Any) -> SettingsReader:
    """Target (required) and Namespace (empty or a namespace name): the services' common settings."""
    reader = host_settings(host, ("Target", "Namespace"))
    reader.text("Target", required=TARGET_FIX)
    reader.namespace("Namespace", required=False)
    return reader


# ---------------------------------------------------------------------------------------------------------
# Business operation


class TerminalCommandOperation(BusinessOperation):
    """Runs each TerminalCommandRequest on the configured IRIS server and returns its response.

    Anything but ``ok`` becomes an error %Status ``LiteTerminal <status>: <detail>`` (``LiteTerminal error:
    <UNDEFINED> *x``, ``LiteTerminal unreachable: ...``), so ReplyCodeActions (``E*LiteTerminal
    unreachable:=R``, ``E*<UNDEFINED>=W``), retries and AlertOnError behave as for any IRIS operation;
    FailOnCommandError=0 returns an IRIS ``error`` as a normal response instead. Only ``unreachable`` is
    safe to retry; a ``lost`` result may have run: never give it an ``R`` (retry) action.

    Every request first passes this operation's own policy settings (AllowPatterns, DenyPatterns,
    AllowedNamespaces; the Terminal Process's defaults), whoever sent it: a refused one is ``denied`` and
    nothing is sent (docs/security.md §10).
    """

    ADAPTER = IRISParameter("LiteTerminal.TerminalOutboundAdapter")
    FailOnCommandError = IRISProperty(
        1, "bool",
        "Treat an error raised by the command inside IRIS as a failure (error status, alerts, "
        "ReplyCodeActions); 0 returns it as a normal response with Status=error",
        "Additional",
    )
    AllowPatterns = IRISProperty(
        "", "str",
        "Regular expressions, one per line; when set, every statement of a command must match one. "
        "Checked here for every request, whoever sent it, after any process's policy (loosen both)",
        "Policy",
    )
    DenyPatterns = IRISProperty(
        r"^(ZNSPACE|HALT)\b", "str",
        "Regular expressions, one per line; a command with a statement matching any of them is denied. "
        "Checked here for every request, whoever sent it; the default refuses namespace switches and HALT",
        "Policy",
    )
    AllowedNamespaces = IRISProperty(
        "", "str",
        "Namespaces a request may name in its Namespace field (comma-separated); empty allows any the "
        "IRIS user may use. Checked here for every request, whoever sent it",
        "Policy",
    )
    MessageMap = {"LiteTerminal.TerminalCommandRequest": "execute_command"}

    def __init__(self, iris_host_object):
        """Runs when the item starts (pyprod's OnInit): a bad setting stops it (docs/settings.md §8)."""
        super().__init__(iris_host_object)
        reader = host_settings(self, ("FailOnCommandError",) + POLICY_SETTINGS)
        self._fail_on_command_error = reader.flag("FailOnCommandError")
        check_policy_patterns(reader)
        reader.check()

    def execute_command(self, request):
        me = config_name(self.iris_host_object, "")
        refused = operation_refusal(self, request, me)
        if refused is not None:
            return refused
        payload = {name: field(request, name, None) for name in TerminalCommandRequest._field_names}
        payload = {k: v for k, v in payload.items() if v is not None}
        status, result_json = self.ADAPTER.run_command(json.dumps(payload))
        if not is_ok(status) or not result_json:
            # The adapter failed in a way it did not report: the command may or may not have been sent.
            text = status_text(status) if not is_ok(status) else "the adapter returned no result"
            detail = f"adapter failure: {text}; the command may or may not have run and was not re-sent"
            lost = response_for(request, CommandStatus.LOST, detail, me)
            if failures_in_response(request):
                return Status.OK(), lost
            return error_status(CommandStatus.LOST, detail), lost
        data = json.loads(result_json)
        response = TerminalCommandResponse(**data["response"])
        if not str(field(response, "Target")):
            response.Target = me
        failure = data.get("failure")
        if failure is None or (failure == COMMAND_FAILURE and not self._fail_on_command_error):
            return Status.OK(), response
        if failures_in_response(request):
            return Status.OK(), response  # the caller reads the failure from the response (the fleet does)
        return error_status(response.Status, response.Error), response


#: The policy settings every item that applies the policy declares (process, fleet process, operation).
POLICY_SETTINGS = ("AllowPatterns", "DenyPatterns", "AllowedNamespaces")


def check_policy_patterns(reader: SettingsReader) -> None:
    """At an item's start: AllowPatterns and DenyPatterns must compile (the policy would deny everything)."""
    for name in ("AllowPatterns", "DenyPatterns"):
        try:
            compile_patterns(str(reader.raw(name)), name)
        except PolicyError as exc:
            reader.problem(name, f"holds an {str(exc).partition(': ')[2]}",
                           "write one Python regular expression per line (with this one the policy would "
                           "deny every command)")


def operation_refusal(host: Any, request: Any, me: str) -> Optional[Tuple[Any, Any]]:
    """The operation's own policy decision (docs/security.md §10): None when allowed, else what
    ``execute_command`` returns, a ``denied`` response (an error %Status unless FailuresInResponse), with an
    Event Log warning. Nothing is sent. Every request to the operation passes here, whoever sent it."""
    reason = policy_refusal(host, request)
    if not reason:
        return None
    reason = f"{reason} (the policy settings of {me or 'this operation'})"
    command = str(field(request, "Command"))
    IRISLog.Warning(escape_controls(f"denied command {command[:200]!r}: {reason}"))
    denied = response_for(request, CommandStatus.DENIED, reason, me)
    if failures_in_response(request):
        return Status.OK(), denied
    return error_status(CommandStatus.DENIED, reason), denied


# ---------------------------------------------------------------------------------------------------------
# Business process


class TerminalCommandProcess(BusinessProcess):
    """Applies the command policy, then routes each request to its target operation, or a fleet request to
    FleetTarget.

    A request may name one of AllowedTargets (or the default Target) and, when AllowedNamespaces is set, one
    of those namespaces; any other target or namespace, and any command the policy refuses, gets a
    ``denied`` response and an Event Log warning, and never reaches a server. A fleet request
    (FleetCommandRequest) passes the same checks with the same settings, each of its Targets as a target,
    before it goes on to FleetTarget; so no service can reach the fleet past this process
    (docs/security.md §10). The policy (``productions.policy``) is defence in depth; the real control is a
    least-privilege IRIS user. A host of your own sending straight to an operation or the fleet process
    passes their own policy settings instead (same defaults); on a route through this process they can only
    narrow what this one admits.
    """

    Target = IRISProperty(
        "Terminal Operation", "str", "Operation that runs requests which name no Target",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}"
    )
    AllowedTargets = IRISProperty(
        "", "str", "Further operations a request may name in its Target field (comma-separated)",
        "Basic:selector?multiSelect=1&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
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
        "IRIS user may use. A request without a Namespace always runs in the operation's Namespace",
        "Policy",
    )
    FleetTarget = IRISProperty(
        "Terminal Fleet Process", "str",
        "Where a fleet request (with Targets) goes once this process has allowed it and every one of its "
        "Targets: the Terminal Fleet Process",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
    )

    def on_request(self, request):
        default_target = str(field(self, "Target")).strip()
        allowed = {t.strip() for t in str(field(self, "AllowedTargets")).split(",") if t.strip()}
        allowed.add(default_target)
        if is_fleet_request(request):
            return self._fleet(request, allowed)
        wanted = str(field(request, "Target")).strip()
        target = wanted or default_target
        command = str(field(request, "Command"))
        if wanted and wanted not in allowed:
            reason = f"target {wanted!r} is not one of AllowedTargets ({', '.join(sorted(allowed))})"
            IRISLog.Warning(escape_controls(f"denied command {command[:200]!r}: {reason}"))
            return Status.OK(), response_for(request, CommandStatus.DENIED, reason, wanted)
        reason = policy_refusal(self, request)
        if reason:
            IRISLog.Warning(escape_controls(f"denied command {command[:200]!r}: {reason}"))
            return Status.OK(), response_for(request, CommandStatus.DENIED, reason, target)
        status, response = send_to_target(self, target, request)
        if response is None:
            # no body: the operation's error %Status says what happened (IRIS may send none with an error,
            # docs/pyprod-runtime.md §9.2); a target that is not running never got the command
            state, detail = outcome(status)
            if NOT_RUNNING in error_codes(status):
                detail = f"{target}: {detail}"
            elif operation_status(status) is None:
                text = status_text(status) if not is_ok(status) else "no response"
                detail = f"{target} returned no response: {text}; the command may or may not have run"
            return Status.OK(), response_for(request, state, detail, target)
        response.Target = target
        return Status.OK(), response

    def _fleet(self, request, allowed):
        """A fleet request: every target allowed here, the same policy, then on to FleetTarget."""
        command = str(field(request, "Command"))
        targets = split_names(field(request, "Targets"))
        names = ", ".join(sorted(allowed))
        try:
            if not targets:
                raise FleetRefusal(CommandStatus.INVALID, "a fleet request through the Terminal Process "
                                                          f"names its Targets (any of {names})")
            refused = ", ".join(repr(t) for t in targets if t not in allowed)
            if refused:
                why = f"target(s) {refused} not one of Target or AllowedTargets ({names})"
                raise FleetRefusal(CommandStatus.DENIED, why, targets)
            reason = policy_refusal(self, request)
            if reason:
                raise FleetRefusal(CommandStatus.DENIED, reason, targets)
        except FleetRefusal as refusal:
            log = IRISLog.Warning if refusal.status is CommandStatus.DENIED else IRISLog.Error
            log(escape_controls(f"{refusal.status} fleet command {command[:200]!r}: {refusal.reason}"))
            return Status.OK(), FleetCommandResponse(**refusal_fields(command, refusal))
        fleet = str(field(self, "FleetTarget"))
        status, response = send_to_target(self, fleet, request)
        if response is None:  # facts: Ens's not-registered code, or no FleetTarget set (nothing was sent)
            text = status_text(status) if not is_ok(status) else "no response"
            sent = fleet.strip() and NOT_RUNNING not in error_codes(status)
            state = CommandStatus.LOST if sent else CommandStatus.UNREACHABLE
            why = f"{fleet or 'FleetTarget'}: {text}"
            why += "; the command may or may not have run" if sent else ""
            failed = FleetRefusal(state, why, targets)
            return Status.OK(), FleetCommandResponse(**refusal_fields(command, failed))
        return Status.OK(), response


def is_fleet_request(request: Any) -> bool:
    """A FleetCommandRequest (as the Python message, or as it arrives from IRIS by class name)."""
    if isinstance(request, FleetCommandRequest):
        return True
    return type(request).__name__ == "FleetCommandRequest" or str(
        getattr(request, "_IsA", lambda _n: 0)("LiteTerminal.FleetCommandRequest")) == "1"


# ---------------------------------------------------------------------------------------------------------
# Business services


class TerminalCommandService(BusinessService):
    """Adapterless entry point: call it from ObjectScript or ``director.create_business_service``.

    Input: a command string, a JSON request (``{"Command": ..., "Namespace": ..., "InputLines": [...]}``),
    or a LiteTerminal.TerminalCommandRequest; output: the TerminalCommandResponse. A JSON request with
    ``Targets`` (or a LiteTerminal.FleetCommandRequest) goes to Target too, where the Terminal Process checks
    it and hands it to the fleet process; output: the FleetCommandResponse.
    """

    Target = IRISProperty(
        "Terminal Process", "str", "Where requests go (normally the Terminal Process)",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}"
    )

    def __init__(self, iris_host_object):
        """Runs when the service is created (CreateBusinessService's OnInit): Target must be set."""
        super().__init__(iris_host_object)
        report_unknown_host_settings(self)
        reader = host_settings(self, ("Target",))
        reader.text("Target", required=TARGET_FIX)
        reader.check()

    def on_process_input(self, pInput):
        message = self._createmessage(pInput) if _is_iris_object(pInput) else pInput
        try:
            request = request_from_input(message, description="adapterless call")
        except ValueError as exc:
            return Status.ERROR(escape_controls(f"TerminalCommandService: {exc}"))
        status, response = send_to_target(self, str(field(self, "Target")), request)
        if response is None:
            return status
        return status, response


class ScheduledCommandService(BusinessService):
    """Sends each command its ScheduledCommandAdapter hands over (CallInterval or TimesOfDay) and alerts
    when a target goes bad or recovers.

    With Targets set, each command runs on all of them: a fleet request to Target (the Terminal Process,
    which checks it and hands it to the fleet process), so a schedule checks a whole fleet; otherwise a
    single request to Target. Expect makes an ok command whose output
    does not match a ``mismatch``. A target whose result is not ok raises one IRIS alert (IRISLog.Alert,
    which reaches Ens.Alert when the production has one) naming it and the reason; it is not raised again
    while the target stays bad, and one more alert says when it is ok again. The last known state lives in
    this job (AlertState): after a restart a target still bad is alerted once more.
    """

    ADAPTER = IRISParameter("LiteTerminal.ScheduledCommandAdapter")
    Target = IRISProperty(
        "Terminal Process", "str", "Where scheduled commands go (normally the Terminal Process)",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
    )
    Namespace = IRISProperty(
        "", "str", "Namespace for the commands; empty uses the operation's Namespace", "Basic"
    )
    Expect = IRISProperty(
        "", "str",
        "Regular expression the output of each command must match (Python re.search, multi-line); an ok "
        "command whose output does not match is a mismatch and raises an alert. Empty: no check",
        "Basic",
    )
    Targets = IRISProperty(
        "", "str",
        "Operations (one per IRIS server) to run every command on, as one fleet request; empty sends each "
        "command to Target only",
        "Basic:selector?multiSelect=1&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
    )
    #: Last known bad status per command and target (JSON); kept by this job between cycles, not a setting.
    AlertState = IRISProperty("", "str", "Internal: last known bad status per command and target (JSON)")

    def __init__(self, iris_host_object):
        """Runs when the item starts (pyprod's OnInit): a bad setting stops it (docs/settings.md §8)."""
        super().__init__(iris_host_object)
        report_unknown_host_settings(self)
        reader = check_target_and_namespace(self)
        reader.values = dict(reader.values, Expect=field(self, "Expect"), Targets=field(self, "Targets"))
        expect = str(reader.raw("Expect"))
        if expect:
            try:
                re.compile(expect)
            except re.error as exc:
                reader.problem("Expect", f"is not a regular expression ({exc})",
                               "write a Python regular expression the output must match, or leave it empty")
        reader.check()

    def on_process_input(self, pInput):
        command = str(pInput)
        namespace = str(field(self, "Namespace"))
        expect = str(field(self, "Expect"))
        targets = split_names(field(self, "Targets"))
        if targets:
            request = FleetCommandRequest(Command=command, Namespace=namespace, Targets=",".join(targets),
                                          Expect=expect, Description="scheduled command")
            status, response = send_to_target(self, str(field(self, "Target")), request)
        else:
            request = TerminalCommandRequest(Command=command, Namespace=namespace, Expect=expect,
                                             Description="scheduled command")
            status, response = send_to_target(self, str(field(self, "Target")), request)
        self._alert_on_change(command, scheduled_outcomes(response, status, str(field(self, "Target"))))
        return status

    def _alert_on_change(self, command, outcomes):
        state = load_alert_state(str(field(self, "AlertState")))
        what = f"scheduled command {command[:100]!r}"
        state[command], alerts = alert_changes(state.get(command, {}), outcomes, what)
        if not state[command]:
            del state[command]
        for text in alerts:
            IRISLog.Alert(escape_controls(text))
        self.AlertState = bounded_alert_state(state, command)


class CommandFileService(BusinessService):
    """Runs each file IRIS's EnsLib.File.InboundAdapter picks up as one script (one request per file).

    The file is opened once, relative to its folder (WorkPath when set, else FilePath) and without following
    links, checked through the open descriptor and read from it (``productions.command_files``). Refused,
    reported in the Event Log (file name escaped) and not sent: a symbolic link (wherever it points) or a
    linked subfolder, a FIFO, device or folder, a file with other hard links, one that is too large, cannot
    be read, is binary, holds bytes invalid in the adapter's Charset, or whose lines could be read two ways
    (``adapters.lite_terminal.lines``). The service still returns OK, so the file adapter archives or
    deletes the file instead of retrying it forever. A file of 0 bytes (maybe not written yet) gets an error
    status instead, so the adapter leaves it and hands it over again once it has been modified.
    """

    ADAPTER = IRISParameter("EnsLib.File.InboundAdapter")
    Target = IRISProperty(
        "Terminal Process", "str", "Where file scripts go (normally the Terminal Process)",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
    )
    Namespace = IRISProperty(
        "", "str", "Namespace for the scripts; empty uses the operation's Namespace", "Basic"
    )
    MaxFileChars = IRISProperty(
        1000000, "int", "Largest script accepted, in characters; larger files are reported and skipped",
        "Basic",
    )

    def __init__(self, iris_host_object):
        """Runs when the item starts (pyprod's OnInit): settings and folders checked (docs/settings.md §8)."""
        super().__init__(iris_host_object)
        report_unknown_host_settings(self)
        check_file_service_settings(self)

    def on_process_input(self, pInput):
        filename = str(getattr(pInput, "Filename", "") or "(unnamed file)")
        name = escape_controls(filename)  # a name with a line break must not forge Event Log lines
        limit = int(field(self, "MaxFileChars", 1000000) or 1000000)
        try:
            found = read_command_file(
                filename, _adapter_setting(self, "FilePath"), _adapter_setting(self, "WorkPath"), limit,
                _adapter_setting(self, "Charset") or "Default",
            )
        except Exception as exc:  # noqa: BLE001  report any failure instead of crashing the service
            found = ScriptFile(refusal=f"cannot read it: {escape_controls(exc)}")
        if found.refusal:
            IRISLog.Error(escape_controls(f"file {name} not run: {found.refusal}"))
            return Status.OK()
        if found.script == "":
            # 0 bytes: maybe created and not written yet. An error status makes EnsLib.File leave the file
            # and take it again once it is modified (docs/offline-runtime.md §8.1).
            return Status.ERROR(escape_controls(
                f"file {name} is empty (0 bytes): left in place, it runs once it has content"))
        if not found.script.strip():
            IRISLog.Warning(escape_controls(f"file {name} is empty: nothing to run"))
            return Status.OK()
        request = TerminalCommandRequest(
            Command=found.script, Namespace=str(field(self, "Namespace")), Description=f"file {name}"
        )
        status, _response = send_to_target(self, str(field(self, "Target")), request)
        if not is_ok(status):
            why = status_text(status)
            IRISLog.Warning(escape_controls(f"file {name}: the script did not complete: {why}"))
        return Status.OK()


def check_file_service_settings(host: Any) -> None:
    """CommandFileService's settings and its EnsLib.File adapter's folders; SettingsError if any is bad.

    FilePath must be a folder the job can read and change (the adapter deletes or moves each file),
    ArchivePath and WorkPath, when set, folders it can write.
    """
    reader = check_target_and_namespace(host)
    values = dict(reader.values)
    values["MaxFileChars"] = field(host, "MaxFileChars", "")
    adapter = getattr(host.iris_host_object, "Adapter", None)
    if adapter is not None and adapter != "":  # IRIS sets the adapter and its settings up before OnInit
        for name in ("FilePath", "ArchivePath", "WorkPath"):
            values[name] = getattr(adapter, name, "") or ""
    reader.values = values
    reader.integer("MaxFileChars", 1, IRIS_MAX_STRING // 2,
                   "set MaxFileChars to the largest script accepted, in characters (a whole number from 1 to "
                   f"{IRIS_MAX_STRING // 2}: a script travels as one IRIS string)")
    if adapter is not None and adapter != "":
        reader.folder("FilePath", required=True, write=True)
        reader.folder("ArchivePath", required=False, write=True)
        reader.folder("WorkPath", required=False, write=True)
        for name in ("FilePath", "WorkPath"):  # where the scripts that run are read from
            path = str(values.get(name) or "")
            if path.strip() and not any(p.setting == name for p in reader.problems):
                trust = folder_trust_problem(path)
                if trust:
                    reader.problem(name, *trust)
    reader.check()


def _adapter_setting(host: Any, name: str) -> str:
    """A setting of the host's adapter (e.g. EnsLib.File's FilePath), or "" when it cannot be read."""
    try:
        value = getattr(host.ADAPTER, name, "")
    except Exception:  # noqa: BLE001  no adapter object (e.g. a unit test): skip the folder check
        return ""
    return "" if value is None else str(value)


def _is_iris_object(value: Any) -> bool:
    return type(value).__module__.startswith("iris.")


# ---------------------------------------------------------------------------------------------------------
# Production


class TerminalProduction(Production):
    """A working default: four services (Terminal HTTP Service disabled), the policy process, the fleet
    process and two operations (localhost:52773 and localhost:52774)."""

    description = (
        "Runs ObjectScript commands on IRIS through the Lite Terminal WebSocket. Create the credentials "
        "ID LiteTerminal first; command files are read from /tmp/liteterminal/in, which must be private to "
        "the IRIS user: mkdir -m 0700 -p /tmp/liteterminal/in /tmp/liteterminal/done"
    )
    services = [
        ServiceItem(
            "Terminal Command Service", "LiteTerminal.TerminalCommandService", pool_size=0,
            host_settings={"Target": "Terminal Process"},
            comment="Adapterless: call it from ObjectScript or director.create_business_service",
        ),
        ServiceItem(
            "Scheduled Commands", "LiteTerminal.ScheduledCommandService",
            host_settings={"Target": "Terminal Process"},
            adapter_settings={"Commands": "write $zversion", "CallInterval": 300, "TimesOfDay": ""},
            comment="Runs the Commands setting every CallInterval seconds or at TimesOfDay",
        ),
        ServiceItem(
            "Command Files", "LiteTerminal.CommandFileService",
            host_settings={"Target": "Terminal Process"},
            adapter_settings={
                "FilePath": "/tmp/liteterminal/in/",
                "FileSpec": "*.cos",
                "ArchivePath": "/tmp/liteterminal/done/",
                # Size: a file must keep its size for FileAccessTimeout (2 s) before it is run, so a 0-byte
                # file the service left is changed in a later second (docs/offline-runtime.md §8.1)
                "ConfirmComplete": 1,
            },
            comment="Each *.cos file dropped in FilePath runs as one script",
        ),
        # productions/http_service.py; disabled until a signing secret exists (docs/http-service.md §4)
        ServiceItem(
            "Terminal HTTP Service", "LiteTerminal.TerminalHTTPService", enabled=False,
            host_settings={"Target": "Terminal Process", "SigningCredentials": "LiteTerminalSigning",
                           "CommandTable": "LiteTerminal.HTTPCommands"},
            adapter_settings={"Port": 9980, "Charset": "Binary", "JobPerConnection": 0},
            comment="Signed HTTP POSTs run named commands from the CommandTable lookup table",
        ),
    ]
    processes = [
        ProcessItem(
            "Terminal Process", "LiteTerminal.TerminalCommandProcess", pool_size=1,
            host_settings={"Target": "Terminal Operation",
                           "AllowedTargets": "Terminal Operation,Terminal Operation 2"},
            comment="The command policy for every request, single or fleet, and routing",
        ),
        ProcessItem(
            "Terminal Fleet Process", "LiteTerminal.TerminalFleetProcess", pool_size=1,
            host_settings={"Targets": "Terminal Operation,Terminal Operation 2", "MaxConcurrency": "10"},
            comment="One command on every target operation, behind the Terminal Process",
        ),
    ]
    operations = [
        OperationItem(
            "Terminal Operation", "LiteTerminal.TerminalCommandOperation",
            adapter_settings={
                "Server": "localhost", "Port": 52773, "Credentials": "LiteTerminal", "Namespace": "USER",
            },
            comment="Runs commands on the IRIS server at Server:Port",
        ),
        OperationItem(
            "Terminal Operation 2", "LiteTerminal.TerminalCommandOperation",
            adapter_settings={
                "Server": "localhost", "Port": 52774, "Credentials": "LiteTerminal", "Namespace": "USER",
            },
            comment="A second IRIS server (set Server and Port); the fleet process runs on both",
        ),
    ]
