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
import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from adapters.lite_terminal import errors as terminal_errors
from adapters.lite_terminal.contract import (
    CommandRequest,
    ConnectOptions,
    Status,
    Verdict,
    authority,
    classify,
)
from adapters.lite_terminal.errors import NotSent
from adapters.lite_terminal.memory import Opener, Terminal, open_terminal
from adapters.sessions import SessionPool
from adapters.settings import SettingsReader, path_prefix_problem, server_problem
from adapters.tls_config import NamedTLS, SSLConfigReader, named_tls

#: Run on the default session before each request after its first (docs/user-guide.md §4): an
#: argumentless KILL removes every local variable, so no request sees another's locals. Named sessions keep
#: theirs.
DEFAULT_SESSION_RESET = "kill"
LOST_DETAIL = terminal_errors.LOST_DETAIL


class CredentialsError(NotSent):
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


#: Per-process random key of the credential fingerprints: a fingerprint says nothing outside this process.
_STAMP_KEY = secrets.token_bytes(32)


def credential_fingerprint(username: str, password: str) -> str:
    """HMAC-SHA256 of user and password under a per-process random key: tells a changed entry from the one a
    session logged in with, without keeping the password (docs/security.md §12)."""
    data = json.dumps([username, password]).encode("ascii")  # unambiguous: ("a\0b", "") is not ("a", "b")
    return hmac.new(_STAMP_KEY, data, hashlib.sha256).hexdigest()


def credentials_stamp(credentials_id: str, resolver: Callable[[str], Tuple[str, str]]) -> str:
    """The fingerprint of the entry ``credentials_id`` now; the resolver's CredentialsError if it is gone."""
    username, password = resolver(credentials_id)
    return credential_fingerprint(username, password)


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
    ssl_config: str = ""  # the named SSL/TLS configuration TLS comes from ("" = UseTLS/CAFile/VerifyTLS)
    tls_warnings: Tuple[str, ...] = ()  # said once when the item starts (a configuration verifying nothing)
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
        ssl_configs: Optional[SSLConfigReader] = None,
    ) -> AdapterSettings:
        """Parse raw IRIS setting values; raise ``SettingsError`` naming every bad one (never a default).

        ``credentials_exist`` checks the Credentials ID against the store (IRIS); None skips that check.
        ``ssl_configs`` reads a named SSL/TLS configuration (IRIS: ``tls_config.read_ssl_config``); needed
        only when SSLConfig is set (docs/settings.md §10).
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
        ssl_config = str(r.raw("SSLConfig"))
        named: Optional[NamedTLS] = None
        if ssl_config:
            named = named_tls(ssl_config, ssl_configs, r.problem, ca_file_setting=str(r.raw("CAFile")),
                              verify_setting=verify_tls)
        elif ca_file and use_tls is False:
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
        tls = (True, named.ca_file, named.verify) if named else (bool(use_tls), ca_file, bool(verify_tls))
        return cls(
            server=server, port=int(port or 0), path_prefix=path_prefix, credentials=credentials.strip(),
            namespace=namespace, use_tls=tls[0], ca_file=tls[1], verify_tls=tls[2], ssl_config=ssl_config,
            tls_warnings=named.warnings if named is not None else (),
            connect_timeout=float(connect_timeout or 0), response_timeout=float(response_timeout or 0),
            stay_connected=float(stay_connected or 0), max_sessions=int(max_sessions or 0),
            session_idle_timeout=float(idle or 0), max_output_chars=int(max_output or 0),
        )

    @property
    def authority(self) -> str:
        """``host:port`` (``[v6]:port``): the server as the response's Server column shows it."""
        return authority(self.server, self.port)

    @property
    def endpoint(self) -> str:
        return self.connect_options().endpoint

    def connect_options(self) -> ConnectOptions:
        """The client's connection parameters from these settings (the password comes at connect time)."""
        verify: Any = self.verify_tls
        if self.verify_tls and self.ca_file:
            verify = self.ca_file
        return ConnectOptions(
            host=self.server, port=self.port, namespace=self.namespace or "USER", tls=self.use_tls,
            verify=verify, path_prefix=self.path_prefix, connect_timeout=self.connect_timeout,
            response_timeout=self.response_timeout,
            max_output_chars=self.max_output_chars if self.max_output_chars > 0 else None,
        )


def truncate(output: str, limit: int) -> Tuple[str, bool]:
    """Cut ``output`` to ``limit`` characters plus an explicit marker; ``limit <= 0`` means no limit."""
    if limit <= 0 or len(output) <= limit:
        return output, False
    marker = f"\n[output truncated by MaxOutputChars: first {limit} of {len(output)} characters shown]"
    return output[:limit] + marker, True


def truncated_chars(output: str, limit: int) -> int:
    """How many characters :func:`truncate` leaves out of ``output``."""
    return 0 if limit <= 0 or len(output) <= limit else len(output) - limit


def new_terminal(s: AdapterSettings, resolver: Callable[[str], Tuple[str, str]], opener: Opener) -> Terminal:
    """A client for the adapter's server, logged in with the resolved credentials (at connect time)."""
    username, password = resolver(s.credentials)
    return opener(s.connect_options(), username, password)


@dataclass
class TerminalAdapterCore:
    """Runs requests (as JSON) through a SessionPool of LiteTerminal clients."""

    settings: AdapterSettings
    warn: Callable[[str], None] = print
    credentials_resolver: Callable[[str], Tuple[str, str]] = resolve_credentials
    opener: Opener = open_terminal
    pool: SessionPool = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        # The factory must not refer back to this object: with no reference cycle, dropping the adapter's
        # Python object (the generated OnTearDown does) frees the pool at once, and its __del__ closes
        # the sessions deterministically instead of whenever the cycle collector runs.
        self.pool = SessionPool(
            functools.partial(new_terminal, s, self.credentials_resolver, self.opener),
            stay_connected=s.stay_connected,
            max_sessions=s.max_sessions,
            session_idle_timeout=s.session_idle_timeout,
            reset_command=DEFAULT_SESSION_RESET,
            credential_stamp=functools.partial(credentials_stamp, s.credentials, self.credentials_resolver),
        )
        # Logged once per job, when the adapter reads its settings (the item starts), before any connection.
        for text in s.tls_warnings:
            self.warn(text)
        if s.use_tls and not s.verify_tls and not s.ssl_config:
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

        The request is parsed once (``CommandRequest.parse``) and the outcome classified once
        (``contract.classify``); see docs/user-guide.md §3.
        """
        req = json.loads(request_json) if request_json else {}
        if not isinstance(req, dict):
            req = {"Command": req}
        s = self.settings
        response: Dict[str, Any] = {
            "Command": str(req.get("Command") or ""),
            "Namespace": s.namespace,
            "Status": Status.INVALID.value,
            "ElapsedMs": 0,
            "Output": "",
            "OutputTruncated": 0,
            "OutputDropped": 0,
            "Error": "",
            "Session": str(req.get("Session") or ""),
            "ServerVersion": "",
            "Server": s.authority,
        }
        try:
            request = CommandRequest.parse(req)
            response["Namespace"] = request.namespace or s.namespace
            result = self.pool.execute(
                request.command, session=request.session, namespace=request.namespace or s.namespace,
                timeout=request.timeout, input_lines=request.input_lines,
                max_output_chars=s.max_output_chars if s.max_output_chars > 0 else None,
            )
        except Exception as exc:  # noqa: BLE001  classify() decides: invalid, unreachable or lost
            return _answer(response, self._failed(classify(exc), exc))
        return _answer(*self._from_result(response, result, request.expect))

    def _failed(self, verdict: Verdict, exc: BaseException) -> Verdict:
        """The verdict's words for the Error field: where it was going, and a TLS hint."""
        if verdict.status is Status.INVALID:
            return verdict
        if verdict.status is Status.UNREACHABLE:
            if not isinstance(exc, terminal_errors.NotSent):
                return Verdict(verdict.status, f"{type(exc).__name__} from {self.settings.endpoint}: {exc}"
                                               f"{_tls_hint(exc)}; the command was not sent")
            return Verdict(verdict.status, f"{exc}; the command was not sent to {self.settings.endpoint}")
        return Verdict(verdict.status, f"{type(exc).__name__} from {self.settings.endpoint}: {exc}; "
                                       f"{LOST_DETAIL}")

    def _from_result(
        self, response: Dict[str, Any], result: Any, expect: str = ""
    ) -> Tuple[Dict[str, Any], Optional[str]]:
        """Fill the response from the client's CommandResult; returns it and its failure class.

        The output is compared with ``expect`` as the client kept it, before MaxOutputChars cuts it here.
        """
        verdict = classify(result, expect)
        output = str(result.output or "")
        dropped = int(result.output_dropped or 0)
        if dropped > 0:
            limit = self.settings.max_output_chars
            output += (f"\n[output truncated by MaxOutputChars={limit}: {dropped} of {len(output) + dropped} "
                       "characters dropped from the middle; the start and the end are shown]")
            truncated = True
        else:
            dropped = truncated_chars(output, self.settings.max_output_chars)
            output, truncated = truncate(output, self.settings.max_output_chars)
        error = verdict.error
        warning = str(result.warning or "")
        if warning:
            error = f"{error} (client warning: {warning})" if error else f"client warning: {warning}"
        response.update(
            Status=verdict.status.value,
            Output=output,
            OutputTruncated=1 if truncated else 0,
            OutputDropped=dropped,
            Error=error,
            Namespace=str(result.namespace or response["Namespace"]),
            ElapsedMs=int(round(float(result.elapsed or 0) * 1000)),
            ServerVersion=str(result.server_version or ""),
        )
        return response, verdict.failure

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


def _answer(response: Dict[str, Any], failure: Any) -> str:
    """The JSON the adapter hands back: ``failure`` is a failure class, or a Verdict to put in."""
    if isinstance(failure, Verdict):
        response = dict(response, Status=failure.status.value, Error=failure.error)
        failure = failure.failure
    return json.dumps({"response": response, "failure": failure})
