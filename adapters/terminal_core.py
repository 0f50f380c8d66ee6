"""The logic behind ``TerminalOutboundAdapter``, kept out of the pyprod class on purpose.

pyprod turns *every* ``def`` of an OutboundAdapter into an ObjectScript method (docs/pyprod-runtime.md §1.4),
so the adapter class only holds settings and one entry point; everything else lives here, in plain Python
that tests drive without IRIS. The adapter passes JSON strings across the method boundary.

Credentials: the adapter's ``Credentials`` setting is an *ID* in the production credentials store, resolved
at connect time through ``Ens.Config.Credentials`` (docs/settings.md §6). The password only goes to
the client's login; it is never logged, stored on this object, or put in a response or error text.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal import errors as terminal_errors
from adapters.lite_terminal.checks import expect_problem, mismatch_reason
from adapters.lite_terminal.lines import one_line_problem
from adapters.sessions import SessionLimitError, SessionPool, SessionResetError
from adapters.settings import SettingsReader, namespace_problem, path_prefix_problem, server_problem

#: Bad arguments, refused before anything is sent (``invalid``): the client's InvalidArgument, and the
#: ValueErrors of plain checks on the way (request fields, session names).
INVALID = (terminal_errors.InvalidArgument, ValueError)
NOT_DELIVERED = terminal_errors.NOT_DELIVERED
#: Run on the default session before each request after its first (README "Sessions and namespaces"): an
#: argumentless KILL removes every local variable, so no request sees another's locals. Named sessions keep
#: theirs.
DEFAULT_SESSION_RESET = "kill"
LOST_DETAIL = terminal_errors.LOST_DETAIL
#: The client's words when it could not enter the request's namespace (the command was not run).
NAMESPACE_NOT_ENTERED = "could not switch to namespace"

#: Failure classes the operation tells apart (its FailOnCommandError setting only concerns "command").
COMMAND_FAILURE = "command"  # the command ran and IRIS reported an error
SESSION_FAILURE = "session"  # it could not run, timed out, was interrupted or its outcome is unknown


class CredentialsError(Exception):
    """The Credentials setting is empty or names no entry in the credentials store."""


def resolve_credentials(credentials_id: str) -> Tuple[str, str]:
    """Username and password for a production credentials ID (needs the embedded ``iris`` module)."""
    cid = (credentials_id or "").strip()
    if not cid:
        raise CredentialsError(
            "the Credentials setting is empty: set it to an ID from Interoperability > Credentials"
        )
    import iris  # embedded IRIS (or the offline runtime); imported here so plain tests need none

    creds = iris.cls("Ens.Config.Credentials")._OpenId(cid)
    if creds is None or creds == "":
        raise CredentialsError(f"no credentials {cid}")
    return str(creds.Username or ""), str(creds.Password or "")


def credentials_exist(credentials_id: str) -> bool:
    """True when the production credentials store has an entry with this ID (needs ``iris``)."""
    import iris

    creds = iris.cls("Ens.Config.Credentials")._OpenId(credentials_id)
    return creds is not None and creds != ""


#: Upper bounds of the numeric settings (a larger value is far more likely a typo than a wish).
MAX_CONNECT_TIMEOUT = 600
MAX_RESPONSE_TIMEOUT = 86400
MAX_IDLE_SECONDS = 7 * 86400
MAX_SESSIONS = 100


@dataclass
class AdapterSettings:
    """The adapter's settings, read strictly when the item starts (IRIS applies settings before OnInit)."""

    server: str = "localhost"
    port: int = 52773
    path_prefix: str = ""
    credentials: str = ""
    namespace: str = "USER"
    use_tls: bool = False
    ca_file: str = ""
    verify_tls: bool = True
    connect_timeout: float = 5.0
    response_timeout: float = 30.0
    stay_connected: float = -1
    max_sessions: int = 4
    session_idle_timeout: float = 300
    max_output_chars: int = 100000

    @classmethod
    def from_values(
        cls,
        values: Mapping[str, Any],
        *,
        item: str = "this item",
        credentials_exist: Optional[Callable[[str], bool]] = None,
    ) -> AdapterSettings:
        """Parse raw IRIS setting values; raise ``SettingsError`` naming every bad one (never a default).

        ``credentials_exist`` checks the Credentials ID against the store (IRIS); None skips that check.
        """
        r = SettingsReader(item, values)
        server = r.rule("Server", server_problem)
        port = r.integer("Port", 1, 65535, "set Port to the TCP port of the IRIS web server, 1-65535 "
                                           "(e.g. 52773, or 443 for https through a web server)")
        path_prefix = r.rule("PathPrefix", path_prefix_problem)
        credentials = r.text(
            "Credentials", required="set Credentials to the ID of an entry in Interoperability > Configure > "
            "Credentials that holds the IRIS user and password")
        if credentials.strip() and credentials_exist is not None and not credentials_exist(credentials):
            r.problem("Credentials", "names no entry in the credentials store",
                      "create that ID in Interoperability > Configure > Credentials, or pick an existing one")
        namespace = r.namespace("Namespace", required=True)
        use_tls = r.flag("UseTLS")
        verify_tls = r.flag("VerifyTLS")
        ca_file = r.readable_file("CAFile")
        if ca_file and use_tls is False:
            r.problem("CAFile", "is set but UseTLS=0, so it would be ignored",
                      "set UseTLS=1 to use it, or leave CAFile empty")
        connect_timeout = r.number(
            "ConnectTimeout",
            "set ConnectTimeout to the seconds allowed to log in, more than 0 and at most "
            f"{MAX_CONNECT_TIMEOUT} (e.g. 5)", 0, MAX_CONNECT_TIMEOUT, low_open=True)
        response_timeout = r.number(
            "ResponseTimeout",
            f"set ResponseTimeout to the seconds a command may run, more than 0 and at most "
            f"{MAX_RESPONSE_TIMEOUT} (e.g. 30), or -1 for no limit", 0, MAX_RESPONSE_TIMEOUT,
            low_open=True, also=(-1,))
        stay_connected = r.number(
            "StayConnected",
            f"set StayConnected to -1 (keep the session), 0 (one session per message) or the idle seconds "
            f"after which to close it (at most {MAX_IDLE_SECONDS})", 0, MAX_IDLE_SECONDS, also=(-1,))
        max_sessions = r.integer(
            "MaxSessions", 0, MAX_SESSIONS,
            f"set MaxSessions to how many named sessions may be open at once, 0-{MAX_SESSIONS} "
            "(0 allows none)")
        idle = r.number(
            "SessionIdleTimeout",
            "set SessionIdleTimeout to the idle seconds after which a named session closes, "
            f"0-{MAX_IDLE_SECONDS} (0 keeps them open)", 0, MAX_IDLE_SECONDS)
        max_output = r.integer(
            "MaxOutputChars", 0, None,
            "set MaxOutputChars to the most output characters kept in a response, a whole number >= 0 "
            "(0 means no limit)")
        r.check()
        if server.startswith("[") and server.endswith("]"):
            server = server[1:-1]  # an IPv6 address; the brackets are added back where a URL needs them
        return cls(
            server=server, port=int(port or 0), path_prefix=path_prefix, credentials=credentials.strip(),
            namespace=namespace, use_tls=bool(use_tls), ca_file=ca_file, verify_tls=bool(verify_tls),
            connect_timeout=float(connect_timeout or 0), response_timeout=float(response_timeout or 0),
            stay_connected=float(stay_connected or 0), max_sessions=int(max_sessions or 0),
            session_idle_timeout=float(idle or 0), max_output_chars=int(max_output or 0),
        )

    @property
    def authority(self) -> str:
        """``host:port`` (``[v6]:port``): the server as the response's Server column shows it."""
        host = self.server
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{self.port}"

    @property
    def endpoint(self) -> str:
        scheme = "wss" if self.use_tls else "ws"
        return f"{scheme}://{self.authority}{self.path_prefix}"


def truncate(output: str, limit: int) -> Tuple[str, bool]:
    """Cut ``output`` to ``limit`` characters plus an explicit marker; ``limit <= 0`` means no limit."""
    if limit <= 0 or len(output) <= limit:
        return output, False
    marker = f"\n[output truncated by MaxOutputChars: first {limit} of {len(output)} characters shown]"
    return output[:limit] + marker, True


def new_terminal(
    s: AdapterSettings, resolver: Callable[[str], Tuple[str, str]], terminal_class: Callable[..., Any]
) -> Any:
    """A client for the adapter's server, logged in with the resolved credentials (at connect time)."""
    username, password = resolver(s.credentials)
    verify: Any = s.verify_tls
    if s.verify_tls and s.ca_file:
        verify = s.ca_file
    return terminal_class(
        s.server,
        s.port,
        username=username,
        password=password,
        namespace=s.namespace or "USER",
        tls=s.use_tls,
        verify=verify,
        path_prefix=s.path_prefix,
        connect_timeout=s.connect_timeout,
        response_timeout=s.response_timeout,
    )


@dataclass
class TerminalAdapterCore:
    """Runs requests (as JSON) through a SessionPool of LiteTerminal clients."""

    settings: AdapterSettings
    warn: Callable[[str], None] = print
    credentials_resolver: Callable[[str], Tuple[str, str]] = resolve_credentials
    terminal_class: Callable[..., Any] = LiteTerminal
    pool: SessionPool = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        # The factory must not refer back to this object: with no reference cycle, dropping the adapter's
        # Python object (the generated OnTearDown does) frees the pool at once, and its __del__ closes
        # the sessions deterministically instead of whenever the cycle collector runs.
        self.pool = SessionPool(
            functools.partial(new_terminal, s, self.credentials_resolver, self.terminal_class),
            stay_connected=s.stay_connected,
            max_sessions=s.max_sessions,
            session_idle_timeout=s.session_idle_timeout,
            reset_command=DEFAULT_SESSION_RESET,
        )
        # Logged once per job, when the adapter reads its settings (the item starts), before any connection.
        if s.use_tls and not s.verify_tls:
            self.warn(
                f"VerifyTLS=0: the TLS certificate of {s.authority} is NOT verified; "
                "anyone on the path can impersonate the server and capture the IRIS login"
            )
        if not s.use_tls and not is_loopback(s.server):
            self.warn(
                f"UseTLS=0: the IRIS login and every command to {s.authority} travel in clear text; "
                "set UseTLS=1 unless the network path is private"
            )

    def run(self, request_json: str) -> str:
        """Execute one request; returns ``{"response": {...}, "failure": None|"command"|"session"}``.

        Response Status (README "Statuses"): ok; error (the command ran, IRIS reported an error); timeout;
        interrupted; lost (may or may not have run); unreachable (never delivered); invalid (the request
        itself is wrong, nothing was sent).
        """
        req = json.loads(request_json) if request_json else {}
        if not isinstance(req, dict):
            req = {"Command": req}
        s = self.settings
        response: Dict[str, Any] = {
            "Command": str(req.get("Command") or ""),
            "Namespace": s.namespace,
            "Status": "invalid",
            "ElapsedMs": 0,
            "Output": "",
            "OutputTruncated": 0,
            "Error": "",
            "Session": str(req.get("Session") or ""),
            "ServerVersion": "",
            "Server": s.authority,
        }
        request, problem = read_request(req)
        if problem:
            response["Error"] = f"{problem}; nothing was sent"
            return _answer(response, SESSION_FAILURE)
        assert request is not None
        response["Namespace"] = request.namespace or s.namespace
        extra: Dict[str, Any] = {}
        if s.max_output_chars > 0 and accepts_keyword(self.terminal_class, "max_output_chars"):
            extra["max_output_chars"] = s.max_output_chars
        try:
            result = self.pool.execute(
                request.command, session=request.session, namespace=request.namespace or s.namespace,
                timeout=request.timeout, input_lines=request.input_lines, **extra,
            )
        except INVALID as exc:
            response["Error"] = f"{exc}; nothing was sent"
            return _answer(response, SESSION_FAILURE)
        except (CredentialsError, SessionLimitError, SessionResetError) as exc:
            return _answer(dict(response, Status="unreachable",
                                Error=f"{exc}; the command was not sent to {s.endpoint}"), SESSION_FAILURE)
        except NOT_DELIVERED as exc:
            return _answer(dict(response, Status="unreachable",
                                Error=f"{type(exc).__name__} from {s.endpoint}: {exc}{_tls_hint(exc)}; "
                                      "the command was not sent"), SESSION_FAILURE)
        except Exception as exc:  # noqa: BLE001  anything else may have happened after sending: in doubt
            return _answer(dict(response, Status="lost",
                                Error=f"{type(exc).__name__} from {s.endpoint}: {exc}; {LOST_DETAIL}"),
                           SESSION_FAILURE)
        return _answer(*self._from_result(response, result, request.expect))

    def _from_result(
        self, response: Dict[str, Any], result: Any, expect: str = ""
    ) -> Tuple[Dict[str, Any], Optional[str]]:
        """Fill the response from the client's CommandResult; returns it and its failure class.

        An ``ok`` whose output (as the client kept it, before MaxOutputChars cuts it here) does not match
        ``expect`` becomes ``mismatch``: it ran, but did not say what the caller expected.
        """
        output = str(result.output or "")
        mismatch = mismatch_reason(expect, output) if str(result.status) == "ok" else ""
        dropped = int(getattr(result, "output_dropped", 0) or 0)
        if dropped > 0:
            limit = self.settings.max_output_chars
            output += (f"\n[output truncated by MaxOutputChars={limit}: {dropped} of {len(output) + dropped} "
                       "characters dropped from the middle; the start and the end are shown]")
            truncated = True
        else:
            output, truncated = truncate(output, self.settings.max_output_chars)
        status = str(result.status)
        error = str(result.error or "")
        warning = str(getattr(result, "warning", "") or "")
        if status == "error" and NAMESPACE_NOT_ENTERED in error:
            status = "unreachable"  # the client could not switch namespace: the command never ran
        if status == "lost" and not error:
            error = LOST_DETAIL
        if mismatch:
            status, error = "mismatch", mismatch
        if warning:
            error = f"{error} (client warning: {warning})" if error else f"client warning: {warning}"
        response.update(
            Status=status,
            Output=output,
            OutputTruncated=1 if truncated else 0,
            Error=error,
            Namespace=str(result.namespace or response["Namespace"]),
            ElapsedMs=int(round(float(result.elapsed or 0) * 1000)),
            ServerVersion=str(result.server_version or ""),
        )
        if status == "ok":
            return response, None
        if status in ("error", "mismatch"):  # it ran; FailOnCommandError decides (README "Statuses")
            return response, COMMAND_FAILURE
        return response, SESSION_FAILURE

    def close(self) -> None:
        self.pool.close_all()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses, where clear text never leaves the machine."""
    name = (host or "").strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _tls_hint(exc: BaseException) -> str:
    """The client's TLS advice names its own parameters; say which adapter setting fixes it."""
    if "certificate verify failed" not in str(exc):
        return ""
    return ("; adapter settings: set CAFile to the PEM file of the CA that signed the server certificate "
            "(VerifyTLS=0 skips the check, with a warning)")


@dataclass(frozen=True)
class Request:
    """A request's fields, checked (README "Statuses": a wrong one is ``invalid``)."""

    command: str
    namespace: str  # upper case, or "" for the operation's Namespace
    session: str
    timeout: Optional[float]  # None: the operation's ResponseTimeout; -1: no limit
    input_lines: Tuple[str, ...]
    expect: str = ""  # regular expression an ok output must match (adapters/lite_terminal/checks.py)


#: A session name is shown in errors, the trace and the Event Log: printable text only.
_SESSION_NAME = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,128}")


def read_request(req: Mapping[str, Any]) -> Tuple[Optional[Request], str]:
    """``(Request, "")``, or ``(None, why)`` when the request itself is wrong (status ``invalid``)."""
    command = req.get("Command")
    if command is None or command == "":
        return None, "empty command"
    if not isinstance(command, str):
        return None, f"Command must be text, not {type(command).__name__}"
    if not command.strip():
        return None, "empty command (only blanks)"
    namespace = req.get("Namespace") or ""
    if not isinstance(namespace, str):
        return None, f"Namespace must be text, not {type(namespace).__name__}"
    if namespace:
        reason = namespace_problem(namespace)
        if reason:
            return None, f"Namespace {_quote(namespace)} is not a valid IRIS namespace name: it {reason}"
    session = req.get("Session") or ""
    if not isinstance(session, str):
        return None, f"Session must be text, not {type(session).__name__}"
    if session and (session != session.strip() or not _SESSION_NAME.fullmatch(session)
                    or one_line_problem(session)):
        return None, (f"Session {_quote(session)} is not a usable session name: 1-128 printable characters "
                      "without leading or trailing blanks or invisible characters")
    timeout, why = _request_timeout(req.get("Timeout"))
    if why:
        return None, why
    lines = req.get("InputLines") or []
    if isinstance(lines, str) or not isinstance(lines, (list, tuple)):
        return None, "InputLines must be a list of text lines"
    if not all(isinstance(line, str) for line in lines):
        return None, "every InputLines entry must be text"
    for number, line in enumerate(lines, 1):
        why = one_line_problem(line)
        if why:
            return None, (f"InputLines entry {number} is not one line: {why}; each entry answers one READ: "
                          "give several lines as several entries")
    expect = req.get("Expect") or ""
    if not isinstance(expect, str):
        return None, f"Expect must be text (a regular expression), not {type(expect).__name__}"
    problem = expect_problem(expect)
    if problem:
        return None, problem
    return Request(command, namespace.upper(), session, timeout, tuple(lines), expect), ""


def _request_timeout(value: Any) -> Tuple[Optional[float], str]:
    """Request Timeout: empty/0 = the operation's ResponseTimeout (None), -1 = no limit, else seconds."""
    fix = (f"Timeout must be the seconds the command may run (more than 0, at most {MAX_RESPONSE_TIMEOUT}), "
           "0 for the operation's ResponseTimeout, or -1 for no limit")
    if value is None or value == "":
        return None, ""
    if isinstance(value, bool):
        return None, f"Timeout {_quote(value)} is not a number; {fix}"
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", value.strip()):
        number = float(value)
    else:
        return None, f"Timeout {_quote(value)} is not a number; {fix}"
    if number == 0:
        return None, ""
    if number == -1:
        return -1.0, ""
    if not math.isfinite(number) or number < 0 or number > MAX_RESPONSE_TIMEOUT:
        return None, f"Timeout {_quote(value)} is out of range; {fix}"
    return number, ""


def _quote(value: Any) -> str:
    """A request value quoted for an error text: control characters escaped, long values cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii")
    return repr(text[:80] + ("..." if len(text) > 80 else ""))


def _answer(response: Dict[str, Any], failure: Optional[str]) -> str:
    return json.dumps({"response": response, "failure": failure})


def accepts_keyword(terminal_class: Any, name: str) -> bool:
    """Does ``terminal_class(...).execute`` take keyword ``name``? (MaxOutputChars needs a newer client.)"""
    try:
        params = inspect.signature(terminal_class.execute).parameters
    except (TypeError, ValueError, AttributeError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
