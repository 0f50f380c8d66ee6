"""``TerminalHTTPService``: signed HTTP calls run named commands (or, when allowed, ad hoc ones).

A business service on IRIS's own ``EnsLib.HTTP.InboundAdapter`` (its Port, SSLConfig, AllowedIPAddresses,
ReadTimeout; docs/http-service.md §1). The adapter hands ``OnProcessInput`` the request body as a stream whose
attributes hold the method, URL and lower-cased headers; the service answers with a
``%Library.GlobalCharacterStream`` whose ``ResponseCode`` and ``Content-Type`` attributes the adapter writes
as the status line and header. Every decision before sending is :class:`productions.http_gate.Gate`'s; an
accepted call goes to the Terminal Process (the command policy), with Targets too (the Terminal Process checks
each target and hands the request to the fleet process: docs/security.md §10), as one new session whose first
request's description names the source address and the command or name.
"""

iris_package_name = "LiteTerminal"

import json  # noqa: E402
import time  # noqa: E402
from typing import Any, Dict, Optional, Tuple  # noqa: E402

import iris  # noqa: E402
from intersystems_pyprod import BusinessService, IRISLog, IRISParameter, IRISProperty, Status  # noqa: E402

from adapters.http_signing import MIN_SECRET_CHARS, secret_problem  # noqa: E402
from adapters.iris_status import is_ok  # noqa: E402
from adapters.lite_terminal.contract import Status as CommandStatus  # noqa: E402
from adapters.lite_terminal.lines import escape_controls  # noqa: E402
from productions.http_gate import (  # noqa: E402
    REASONS,
    Call,
    Gate,
    GateSettings,
    Refusal,
    adapter_problem,
    source_address,
)
from productions.terminal import (  # noqa: E402
    TARGET_FIX,
    field,
    host_settings,
    outcome,
    report_unknown_host_settings,
    request_from_input,
    send_to_target,
)

READ_CHUNK = 32000  # characters per stream Read (the %Stream default)


class TerminalHTTPService(BusinessService):
    """Runs a named command (``{"Run": name}``, looked up in the CommandTable lookup table) for each signed
    HTTP POST; ``{"Command": ..., "Namespace": ..., "Targets": [...], "Expect": ...}`` only with
    AllowCommands=1, and always through the Terminal Process's policy. The answer is the response message
    as JSON plus its SessionId. Refused (nothing sent, one Event Log warning naming the source address): 401
    signature, 403 not allowed or denied by the policy, 404 unknown name, 400 bad body, 405 not POST, 413 too
    long, 415 not JSON, 429 too many requests, 503 target not running (docs/http-service.md §2).
    """

    ADAPTER = IRISParameter("EnsLib.HTTP.InboundAdapter")
    Target = IRISProperty(
        "Terminal Process", "str", "Where requests go (normally the Terminal Process)",
        "Basic:selector?multiSelect=0&context={Ens.ContextSearch/ProductionItems?targets=1&productionName=@productionId}",
    )
    SigningCredentials = IRISProperty(
        "LiteTerminalSigning", "str",
        "Credentials entry whose password is the signing secret (at least 16 characters); the item does "
        "not start without it",
        "Basic:credentialsSelector",
    )
    CommandTable = IRISProperty(
        "LiteTerminal.HTTPCommands", "str",
        "Lookup table of named commands (key: the name a caller sends as Run, value: the command or a JSON "
        "request); edit it under Interoperability > Configure > Data Lookup Tables",
        "Basic",
    )
    AllowCommands = IRISProperty(
        0, "bool", "Also accept ad hoc commands ({\"Command\": ...}); they still pass the policy", "Basic",
    )
    MaxBodyBytes = IRISProperty(65536, "int", "Longest request body accepted, in bytes", "Additional")
    RequestsPerMinute = IRISProperty(
        60, "int", "Requests accepted per source address per minute (refused ones count); 0: no limit",
        "Additional",
    )

    def __init__(self, iris_host_object):
        """Runs when the item starts: settings and the signing secret checked; a problem stops it."""
        super().__init__(iris_host_object)
        report_unknown_host_settings(self)
        reader = host_settings(self, ("Target", "SigningCredentials", "CommandTable",
                                      "AllowCommands", "MaxBodyBytes", "RequestsPerMinute"))
        reader.text("Target", required=TARGET_FIX)
        reader.text("CommandTable",
                    required="set CommandTable to the name of a lookup table of named commands")
        allow = reader.flag("AllowCommands")
        limit = reader.integer("MaxBodyBytes", 2, 3000000,
                               "set MaxBodyBytes to the longest body accepted in bytes (2 to 3000000)")
        rate = reader.integer("RequestsPerMinute", 0, 100000,
                              "set RequestsPerMinute to a whole number (0 for no limit)")
        credentials = reader.text("SigningCredentials", required="set SigningCredentials to the credentials "
                                  "entry whose password is the signing secret")
        secret = None
        if credentials.strip():
            secret = _credentials_password(credentials.strip())
            problem = secret_problem(secret)
            if problem:
                reader.problem("SigningCredentials", problem,
                               f"create the credentials entry {credentials.strip()!r} with a random password "
                               f"of at least {MIN_SECRET_CHARS} characters (e.g. openssl rand -hex 32)")
        adapter = getattr(iris_host_object, "Adapter", None)
        # on IRIS the adapter may not exist yet (docs/pyprod-runtime.md §8.3): checked again per request
        if adapter is not None and adapter != "":
            problem = adapter_problem(adapter)
            if problem:
                reader.problem("Adapter", problem[0], problem[1], "")
        reader.check()
        self._gate = Gate(secret or "", GateSettings(int(limit), bool(allow), int(rate)))

    def on_process_input(self, pInput):
        source = source_address(str(getattr(self.ADAPTER, "IOAddr", "") or ""))
        problem = adapter_problem(self.ADAPTER)
        if problem:  # settings changed under a running job, or the host check could not see the adapter
            refusal = Refusal(503, f"adapter setting: {problem[0]}", "the service is misconfigured")
            return self._refuse(refusal, source)
        method = str(_attribute(pInput, "HttpRequest"))
        headers = {name: str(_attribute(pInput, name)) for name in HEADERS}
        body = read_body(pInput, self._gate.settings.max_body_bytes)
        decision = self._gate.check(method, headers, body, source, time.time(), self._lookup)
        if isinstance(decision, Refusal):
            return self._refuse(decision, source)
        return self._send(decision, source)

    # -- helpers (each a method: they need the host; kept few, docs/pyprod-runtime.md §7) ----------------
    def _lookup(self, name: str) -> Optional[str]:
        table = str(field(self, "CommandTable"))
        functions = iris.cls("Ens.Util.FunctionSet")
        if not int(functions.Exists(table, name) or 0):
            return None
        return str(functions.Lookup(table, name))

    def _refuse(self, refusal: Refusal, source: str):
        IRISLog.Warning(escape_controls(f"HTTP {refusal.code} to {source}: {refusal.log}"))
        return Status.OK(), answer_stream(refusal.code, {"Error": refusal.detail}, refusal.headers)

    def _send(self, call: Call, source: str):
        # a named command's table value is a command, or a JSON request (e.g. with Targets) read as one
        value = call.fields["Command"] if call.name else dict(call.fields)
        try:
            request = request_from_input(value)
        except ValueError as exc:  # a named command whose table value is not a usable request
            return self._refuse(Refusal(500, "named command is not a usable request",
                                        f"the named command is not a usable request: {exc}"), source)
        request.Description = f"HTTP {source}: {call.what}"
        # single and fleet requests alike go to Target, the Terminal Process: its policy is the one
        # enforcement point (docs/security.md §10)
        status, response = send_to_target(self, str(field(self, "Target")), request)
        code, body = answer_for(status, response)
        if code in (403, 400, 503):
            why = str(body.get("Status") or body.get("Error", ""))[:200]
            IRISLog.Warning(escape_controls(f"HTTP {code} to {source}: {call.what[:120]}: {why}"))
        body["SessionId"] = _session_id(self.iris_host_object)
        return Status.OK(), answer_stream(code, body)


#: Headers the gate reads (the adapter lower-cases header names: %ToLowerHeaderVars=1).
HEADERS = ("content-type", "content-length", "x-liteterminal-timestamp", "x-liteterminal-signature")


def answer_for(status: Any, response: Any) -> Tuple[int, Dict[str, Any]]:
    """The HTTP status and JSON body for what the Terminal (or Fleet) Process sent back."""
    if response is None:
        word, detail = outcome(status, None)
        if word == CommandStatus.UNREACHABLE:  # outcome() reads Ens's not-registered code, not the text
            return 503, {"Status": CommandStatus.UNREACHABLE.value, "Error": detail}
        return 502, {"Status": str(word), "Error": detail}
    body = {name: _plain(field(response, name, None)) for name in type(response)._field_names}
    word = str(body.get("Status") or "")
    if word == CommandStatus.DENIED.value:
        return 403, body
    if word == CommandStatus.INVALID.value:
        return 400, body
    not_run = (CommandStatus.UNREACHABLE.value, CommandStatus.LOST.value)
    if word in not_run or (not is_ok(status) and not word):
        return 502, body  # the command did not run (unreachable) or may or may not have run (lost)
    return 200, body


def _plain(value: Any) -> Any:
    return "" if value is None else value


def answer_stream(code: int, body: Dict[str, Any], headers: Tuple[Tuple[str, str], ...] = ()) -> Any:
    """The stream the adapter writes back: JSON, with its status line and headers as attributes."""
    stream = iris.cls("%Library.GlobalCharacterStream")._New()
    stream.Write(json.dumps(body, ensure_ascii=True, default=str))
    stream.SetAttribute("ResponseCode", f"{code} {REASONS.get(code, '')}".strip())
    stream.SetAttribute("Content-Type", "application/json")
    for name, value in headers:
        stream.SetAttribute(name, value)
    return stream


def read_body(stream: Any, limit: int) -> bytes:
    """The body's raw bytes, at most ``limit + 1`` (enough to know it is too long).

    With the adapter's Charset set to Binary the stream holds the bytes as sent (IRIS strings of 8-bit
    characters); any character above 255 means the adapter decoded the body, which the signature does not
    cover: it is returned as UTF-8 so the signature fails rather than passing on a changed text.
    """
    chunks = []
    size = 0
    stream.Rewind()
    while not int(stream.AtEnd) and size <= limit:
        chunk = stream.Read(READ_CHUNK)
        if isinstance(chunk, str):
            try:
                data = chunk.encode("latin-1")
            except UnicodeEncodeError:
                data = chunk.encode("utf-8")
        else:
            data = bytes(chunk or b"")
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)[: limit + 1]


def _attribute(stream: Any, name: str) -> Any:
    """One attribute of the adapter's stream (``GetAttribute``), "" when it has none."""
    try:
        value = stream.GetAttribute(name, "")
    except Exception:  # noqa: BLE001  a stream without attributes: treat as absent
        return ""
    return "" if value is None else value


def _credentials_password(name: str) -> Optional[str]:
    creds = iris.cls("Ens.Config.Credentials")._OpenId(name)
    if creds is None or creds == "":
        return None
    return str(getattr(creds, "Password", "") or "")


def _session_id(host: Any) -> Any:
    try:
        value = host._SessionId
    except Exception:  # noqa: BLE001
        return ""
    return "" if value is None else value
