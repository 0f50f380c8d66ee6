"""What ``TerminalHTTPService`` decides about one HTTP request before anything is sent.

See docs/http-service.md §2.

Plain Python (no IRIS, no pyprod classes): the service reads the adapter's stream and hands the method,
the headers, the raw body and the source address to :meth:`Gate.check`, which returns either a
:class:`Refusal` (an HTTP status, a reason for the Event Log in our own words, a detail for the caller) or a
:class:`Call` (the request fields to send). Nothing is sent on a refusal. The checks run in this order, and
the first that fails answers:

==== =========================================================================================
429  more than RequestsPerMinute requests from this source address in the last 60 s (every
     request counts, refused ones too)
405  the method is not POST
413  the body is longer than MaxBodyBytes (declared Content-Length or bytes received)
415  the Content-Type is not application/json
401  no or a bad signature, a timestamp more than 300 s away, or a signature seen before
400  the body is not UTF-8 JSON, not one object, has a duplicated, unknown or ill-typed field
     (the answer names the field)
404  ``Run`` names no entry of the CommandTable
403  a ``Command`` when AllowCommands is 0
==== =========================================================================================

A signature is recorded in the replay window once it has passed the HMAC check, whatever follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from adapters.http_signing import (
    MAX_SKEW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    RateLimiter,
    ReplayWindow,
    verify,
)
from adapters.lite_terminal.contract import CommandRequest, InvalidRequest
from adapters.lite_terminal.errors import InternalSignal
from adapters.lite_terminal.lines import escape_controls, one_line_problem

#: Fields an ad hoc request may carry (AllowCommands=1); ``Run`` comes alone (but for ``Id``).
COMMAND_FIELDS = ("Command", "Namespace", "Targets", "Expect")
RUN_FIELD = "Run"
#: The caller's request id, optional in both forms: shown in the trace, and it makes two otherwise identical
#: requests in the same second two different signatures (the second would be a replay).
ID_FIELD = "Id"
MAX_ID_CHARS = 128
MAX_NAME_CHARS = 255  # Ens.Util.LookupTable's KeyName MAXLEN (docs/http-service.md §5)

REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 200: "OK",
}


@dataclass(frozen=True)
class Refusal:
    """Answer ``code``; ``log`` goes to the Event Log (our words only: never the body or a header value),
    ``detail`` to the caller (may name a field)."""

    code: int
    log: str
    detail: str
    headers: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Call:
    """An accepted request: the fields for ``request_from_input`` and what the trace shows (``what``)."""

    fields: Dict[str, Any]
    what: str
    name: str = ""  # the Run name, "" for an ad hoc command
    extra: Dict[str, Any] = field(default_factory=dict)


Decision = Union[Refusal, Call]
#: ``lookup(name) -> command`` or None when the table has no such key (Ens.Util.FunctionSet Exists/Lookup).
Lookup = Callable[[str], Optional[str]]


@dataclass(frozen=True)
class GateSettings:
    """The service's settings the checks use (checked when the item starts)."""

    max_body_bytes: int = 65536
    allow_commands: bool = False
    requests_per_minute: int = 60
    max_skew: int = MAX_SKEW


class Gate:
    """The checks, with the replay window and rate limiter that live as long as the service's job."""

    def __init__(self, secret: str, settings: GateSettings) -> None:
        self._secret = secret.encode("utf-8")
        self.settings = settings
        self.replays = ReplayWindow(settings.max_skew)
        self.rate = RateLimiter(settings.requests_per_minute)

    def __repr__(self) -> str:  # never the secret
        return f"<Gate {self.settings!r}>"

    def check(self, method: str, headers: Mapping[str, str], body: bytes, source: str, now: float,
              lookup: Lookup) -> Decision:
        """Every check in order; ``headers`` has lower-case names (as the adapter hands them)."""
        s = self.settings
        if not self.rate.allow(source, now):
            return Refusal(429, "over RequestsPerMinute for this source address",
                           f"more than {s.requests_per_minute} requests in a minute from {source}; wait",
                           (("Retry-After", "60"),))
        if method.upper() != "POST":
            return Refusal(405, "method is not POST", "only POST is accepted", (("Allow", "POST"),))
        declared = headers.get("content-length", "")
        too_long = len(body) > s.max_body_bytes or (declared.isdigit() and int(declared) > s.max_body_bytes)
        if too_long:
            return Refusal(413, f"body over MaxBodyBytes ({s.max_body_bytes})",
                           f"the body may have at most {s.max_body_bytes} bytes")
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return Refusal(415, "Content-Type is not application/json",
                           "send the body as JSON with Content-Type: application/json")
        verdict = verify(self._secret, headers.get(TIMESTAMP_HEADER.lower()),
                         headers.get(SIGNATURE_HEADER.lower()), body, now, s.max_skew)
        if not verdict.ok:
            return Refusal(401, f"signature refused: {verdict.reason}", verdict.reason)
        admitted = self.replays.admit(verdict.signature, verdict.timestamp, now)
        if admitted == "replay":
            return Refusal(401, "signature refused: seen before within the replay window",
                           "this signature was already used; sign each request anew")
        if admitted == "full":
            return Refusal(429, "replay window full", "too many signed requests in the last "
                           f"{s.max_skew} s; wait", (("Retry-After", "60"),))
        return self._read_body(body, lookup)

    def _read_body(self, body: bytes, lookup: Lookup) -> Decision:
        data, problem = parse_json_object(body)
        if data is None:
            return Refusal(400, "body is not one JSON object", problem)
        request_id = data.pop(ID_FIELD, "")
        if not isinstance(request_id, str) or len(request_id) > MAX_ID_CHARS or one_line_problem(request_id):
            return Refusal(400, "Id is not usable", f"Id must be one line of text of at most {MAX_ID_CHARS} "
                           "characters")
        decision = self._named(data, lookup) if RUN_FIELD in data else self._ad_hoc(data)
        if isinstance(decision, Call) and request_id:
            decision = Call(decision.fields, f"{decision.what} (Id {escape_controls(request_id)})",
                            decision.name)
        return decision

    def _ad_hoc(self, data: Dict[str, Any]) -> Decision:
        unknown = sorted(k for k in data if k not in COMMAND_FIELDS)
        if unknown:
            shown = ", ".join(repr(escape_controls(k)[:60]) for k in unknown[:5])
            return Refusal(400, "unknown request field",
                           f"unknown field(s) {shown}; send {{\"Run\": name}} or the fields "
                           f"{', '.join(COMMAND_FIELDS)} (and {ID_FIELD} in either)")
        if "Command" not in data:
            return Refusal(400, "no Run and no Command", "send {\"Run\": name} (a named command)")
        if not self.settings.allow_commands:
            return Refusal(403, "ad hoc command while AllowCommands=0",
                           "this endpoint runs named commands only: send {\"Run\": name}")
        fields, problem = command_fields(data)
        if fields is None:
            return Refusal(400, "ill-typed request field", problem)
        return Call(fields, "command " + escape_controls(str(fields["Command"]))[:200])

    def _named(self, data: Dict[str, Any], lookup: Lookup) -> Decision:
        others = sorted(k for k in data if k != RUN_FIELD)
        if others:
            shown = ", ".join(repr(escape_controls(k)[:60]) for k in others[:5])
            return Refusal(400, "Run with other fields",
                           f"Run comes alone (or with Id): the named command fixes everything else "
                           f"(found {shown})")
        name = data[RUN_FIELD]
        if not isinstance(name, str) or not name.strip():
            return Refusal(400, "Run is not a name", "Run must be the name of a command, as text")
        if len(name) > MAX_NAME_CHARS or one_line_problem(name) or name != name.strip():
            return Refusal(400, "Run is not a usable name",
                           f"Run must be one line of at most {MAX_NAME_CHARS} characters without blanks "
                           "around it")
        command = lookup(name)
        if command is None:
            return Refusal(404, "no such named command", f"no command named {escape_controls(name)!r}")
        return Call({"Command": command}, "run " + escape_controls(name), name=name)


def parse_json_object(body: bytes) -> Tuple[Optional[Dict[str, Any]], str]:
    """``(object, "")`` or ``(None, why)``: strict UTF-8, one JSON object, no key twice."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the body is not UTF-8 text"
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _Duplicate as exc:
        return None, f"field {exc.args[0]!r} appears twice"
    except (ValueError, RecursionError) as exc:
        return None, f"the body is not JSON: {str(exc)[:120]}"
    if not isinstance(data, dict):
        return None, "the body must be one JSON object"
    return data, ""


class _Duplicate(InternalSignal, ValueError):
    """A JSON object names a field twice (control flow of the body check)."""


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(escape_controls(key)[:60])
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def command_fields(data: Mapping[str, Any]) -> Tuple[Optional[Dict[str, Any]], str]:
    """The fields of an ad hoc request, checked by the contract (``CommandRequest.parse``), or why not."""
    fields: Dict[str, Any] = {name: data[name] for name in COMMAND_FIELDS if name in data}
    targets = fields.pop("Targets", None)
    try:
        CommandRequest.parse(fields)
    except InvalidRequest as exc:
        return None, str(exc)
    if targets is not None:
        names, problem = target_names(targets)
        if names is None:
            return None, problem
        fields["Targets"] = ",".join(names)
    return fields, ""


def target_names(value: Any) -> Tuple[Optional[List[str]], str]:
    """Targets as a list of config item names (text, one line, no comma), at least one."""
    if not isinstance(value, list) or not value:
        return None, "Targets must be a non-empty list of config item names"
    names = []
    for entry in value:
        if not isinstance(entry, str) or not entry.strip() or "," in entry or one_line_problem(entry):
            return None, "every Targets entry must be one config item name (text, one line, no comma)"
        names.append(entry.strip())
    return names, ""


def source_address(io_addr: str) -> str:
    """The remote address from the adapter's IOAddr, ``<port><-<address>:<port>``
    (IPv6: ``<address>|<port>``)."""
    remote = io_addr.split("<-", 1)[-1].split("/SSL=", 1)[0]
    if "|" in remote:
        remote = remote.rsplit("|", 1)[0]
    elif remote.count(":") == 1:
        remote = remote.rsplit(":", 1)[0]
    return escape_controls(remote)[:80] or "unknown"


def adapter_problem(adapter: Any) -> Optional[Tuple[str, str]]:
    """Why the adapter's settings would break signing or the replay window, with the fix; None if fine."""
    charset = str(getattr(adapter, "Charset", "") or "").strip().lower()
    if charset not in ("binary", "rawbytes"):
        return ("Charset is not Binary: the adapter would decode the body and the signature covers its bytes",
                "set the adapter's Charset to Binary")
    jobs = str(getattr(adapter, "JobPerConnection", "0")).strip()
    if jobs not in ("0", "", "False", "false"):
        return ("JobPerConnection is 1: each connection would get its own job, with its own replay window "
                "and rate limit, so neither would stop anything", "set the adapter's JobPerConnection to 0")
    return None
