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
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple

from adapters.lite_terminal import LiteTerminal, TerminalError
from adapters.lite_terminal.lines import UnsafeCommandText
from adapters.sessions import SessionLimitError, SessionPool

try:  # the client may not export it; a lost connection is then whatever TerminalError it raises
    from adapters.lite_terminal import ConnectionLost
except ImportError:  # pragma: no cover
    ConnectionLost = ()  # type: ignore[assignment,misc]

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


def _as_int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _as_float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _as_bool(value: Any, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass
class AdapterSettings:
    """The adapter's settings, parsed once per job (IRIS applies settings before OnInit)."""

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
    def from_values(cls, values: Dict[str, Any]) -> AdapterSettings:
        """Build from raw IRIS property values (strings, ints or ``""`` for unset)."""
        d = cls()
        return cls(
            server=str(values.get("Server") or d.server).strip(),
            port=_as_int(values.get("Port"), d.port),
            path_prefix=str(values.get("PathPrefix") or "").strip(),
            credentials=str(values.get("Credentials") or "").strip(),
            namespace=str(values.get("Namespace") or d.namespace).strip(),
            use_tls=_as_bool(values.get("UseTLS"), d.use_tls),
            ca_file=str(values.get("CAFile") or "").strip(),
            verify_tls=_as_bool(values.get("VerifyTLS"), d.verify_tls),
            connect_timeout=_as_float(values.get("ConnectTimeout"), d.connect_timeout),
            response_timeout=_as_float(values.get("ResponseTimeout"), d.response_timeout),
            stay_connected=_as_float(values.get("StayConnected"), d.stay_connected),
            max_sessions=_as_int(values.get("MaxSessions"), d.max_sessions),
            session_idle_timeout=_as_float(values.get("SessionIdleTimeout"), d.session_idle_timeout),
            max_output_chars=_as_int(values.get("MaxOutputChars"), d.max_output_chars),
        )

    @property
    def endpoint(self) -> str:
        scheme = "wss" if self.use_tls else "ws"
        return f"{scheme}://{self.server}:{self.port}{self.path_prefix}"


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
        )
        # Logged once per job, when the adapter reads its settings (the first message), before any connection.
        if s.use_tls and not s.verify_tls:
            self.warn(
                f"VerifyTLS=0: the TLS certificate of {s.server}:{s.port} is NOT verified; "
                "anyone on the path can impersonate the server and capture the IRIS login"
            )
        if not s.use_tls and not is_loopback(s.server):
            self.warn(
                f"UseTLS=0: the IRIS login and every command to {s.server}:{s.port} travel in clear text; "
                "set UseTLS=1 unless the network path is private"
            )

    def run(self, request_json: str) -> str:
        """Execute one request; returns ``{"response": {...}, "failure": None|"command"|"session"}``."""
        req = json.loads(request_json) if request_json else {}
        command = str(req.get("Command") or "")
        session = str(req.get("Session") or "").strip()
        namespace = str(req.get("Namespace") or "").strip()
        timeout = _request_timeout(req.get("Timeout"))
        input_lines = [str(x) for x in (req.get("InputLines") or [])]
        response: Dict[str, Any] = {
            "Command": command,
            "Namespace": namespace or self.settings.namespace,
            "Status": "error",
            "ElapsedMs": 0,
            "Output": "",
            "OutputTruncated": 0,
            "Error": "",
            "Session": session,
            "ServerVersion": "",
        }
        failure: Optional[str] = SESSION_FAILURE
        if not command.strip():
            response["Error"] = "empty command: nothing was sent"
            return json.dumps({"response": response, "failure": failure})
        try:
            result = self.pool.execute(
                command, session=session, namespace=namespace or None, timeout=timeout,
                input_lines=input_lines,
            )
        except UnsafeCommandText as exc:  # a request sent straight to the operation, past the policy
            response["Status"] = "invalid"
            response["Error"] = f"not sent: {exc}"
        except CredentialsError as exc:
            response["Error"] = f"cannot log in to {self.settings.endpoint}: {exc}"
        except SessionLimitError as exc:
            response["Error"] = str(exc)
        except ConnectionLost as exc:  # type: ignore[misc]
            response["Status"] = "lost"
            response["Error"] = (
                f"connection to {self.settings.endpoint} lost ({exc}); the command may or may not have run "
                "and was not re-sent"
            )
        except TerminalError as exc:
            response["Error"] = f"{type(exc).__name__} for {self.settings.endpoint}: {exc}{_tls_hint(exc)}"
        else:
            output, truncated = truncate(str(result.output or ""), self.settings.max_output_chars)
            response.update(
                Status=str(result.status),
                Output=output,
                OutputTruncated=1 if truncated else 0,
                Error=str(result.error or ""),
                Namespace=str(result.namespace or response["Namespace"]),
                ElapsedMs=int(round(float(result.elapsed or 0) * 1000)),
                ServerVersion=str(result.server_version or ""),
            )
            if result.status == "ok":
                failure = None
            elif result.status == "error":
                failure = COMMAND_FAILURE
            if result.status == "lost" and not response["Error"]:
                response["Error"] = "connection lost; the command may or may not have run and was not re-sent"
        return json.dumps({"response": response, "failure": failure})

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


def _request_timeout(value: Any) -> Optional[float]:
    """Request Timeout: 0/empty = adapter default (None), negative = no limit (-1), else seconds."""
    t = _as_float(value, 0.0)
    if t == 0:
        return None
    return -1.0 if t < 0 else t
