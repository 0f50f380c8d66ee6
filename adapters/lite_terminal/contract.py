"""The command contract: one typed vocabulary for a command, from the request to its status.

Every host of the product (the adapter core, the fleet process, :func:`run_on_servers`, the CLI, the HTTP
service) speaks it, so each decision is made here once:

* :class:`Status` is the only list of statuses (str-valued: messages and JSON keep their words);
* :class:`CommandRequest` parses and checks a request's fields once (``CommandRequest.parse``);
* :class:`ConnectOptions` holds the connection parameters once, frozen (as httpx's ``Timeout``);
* :func:`classify` turns a client result or an exception, and an ``Expect``, into a :class:`Verdict`;
* :func:`server_identity` says when two spellings name the same server.

A status is derived from facts (the client's status, ``CommandResult.ran``, the exception's class), never
from matching the text of an error: an IRIS error is ``error`` whatever it says.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Mapping, Optional, Tuple, Union

from . import errors
from .checks import expect_problem, mismatch_reason
from .lines import namespace_problem, one_line_problem

__all__ = [
    "Status", "FleetStatus", "CLIENT_STATUSES", "RESPONSE_STATUSES", "COMMAND_FAILURE", "SESSION_FAILURE",
    "CommandRequest", "ConnectOptions", "Verdict", "classify", "server_identity", "MAX_REQUEST_TIMEOUT",
]


class Status(str, Enum):
    """What became of one command. The values are the words of the trace, JSON and the CLI."""

    OK = "ok"  # it ran and IRIS reported no error
    ERROR = "error"  # it ran and IRIS reported an error
    TIMEOUT = "timeout"  # no prompt within the timeout; it was interrupted
    INTERRUPTED = "interrupted"  # it was interrupted (IRIS printed <INTERRUPT>)
    LOST = "lost"  # the session failed after sending: it may or may not have run
    UNREACHABLE = "unreachable"  # never delivered: connect, TLS, login, namespace, session limit
    INVALID = "invalid"  # the request itself is wrong; nothing was sent
    DENIED = "denied"  # the command policy refused it; nothing was sent
    MISMATCH = "mismatch"  # it ran ok, but its output did not match Expect
    SKIPPED = "skipped"  # fleet only: never started because MaxErrors was reached

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def ran(self) -> bool:
        """The command certainly ran on the server."""
        return self in (Status.OK, Status.ERROR, Status.MISMATCH)

    @property
    def sent(self) -> bool:
        """The command may have reached the server (so it must never be re-sent blindly)."""
        return self in (Status.OK, Status.ERROR, Status.MISMATCH, Status.TIMEOUT, Status.INTERRUPTED,
                        Status.LOST)

    @property
    def failure(self) -> Optional[str]:
        """None for ok; :data:`COMMAND_FAILURE` when it ran and failed (FailOnCommandError decides);
        :data:`SESSION_FAILURE` when it could not run, was stopped, or its outcome is unknown."""
        if self is Status.OK:
            return None
        if self in (Status.ERROR, Status.MISMATCH):
            return COMMAND_FAILURE
        return SESSION_FAILURE

    @classmethod
    def of(cls, value: Any) -> Status:
        """The Status named by ``value`` (a Status or its word); ValueError for anything else."""
        return value if isinstance(value, Status) else cls(str(value))


class FleetStatus(str, Enum):
    """A fleet run as a whole: every target ok, some, or none."""

    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


#: Failure classes of a response (the operation's FailOnCommandError setting only concerns "command").
COMMAND_FAILURE = "command"
SESSION_FAILURE = "session"

#: What ``LiteTerminal.execute`` itself can return; the rest are decided by the hosts around it.
CLIENT_STATUSES = (Status.OK, Status.ERROR, Status.TIMEOUT, Status.INTERRUPTED, Status.LOST)
#: What a TerminalCommandResponse may carry.
RESPONSE_STATUSES = tuple(s for s in Status if s is not Status.SKIPPED)


# ---------------------------------------------------------------------------------------------------------
# The request


#: A request's Timeout above this (a day) is far more likely a typo than a wish.
MAX_REQUEST_TIMEOUT = 86400
#: A session name is shown in errors, the trace and the Event Log: printable text only.
_SESSION_NAME = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,128}")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


class InvalidRequest(errors.InvalidArgument, ValueError):
    """A request field that cannot be used; the request is ``invalid`` and nothing is sent."""


@dataclass(frozen=True)
class CommandRequest:
    """One command as every host hands it on: checked once, by :meth:`parse`."""

    command: str
    namespace: str = ""  # upper case, or "" for the host's default namespace
    session: str = ""  # "" = the default session
    timeout: Optional[float] = None  # None: the host's default; -1: no limit
    input_lines: Tuple[str, ...] = ()
    expect: str = ""  # regular expression an ok output must match (checks.py)

    @classmethod
    def parse(cls, fields: Mapping[str, Any]) -> CommandRequest:
        """Read the request's fields (``Command``, ``Namespace``, ``Session``, ``Timeout``, ``InputLines``,
        ``Expect``; other keys are the caller's). Raises :class:`InvalidRequest` naming the field."""
        command = fields.get("Command")
        if command is None or command == "":
            raise InvalidRequest("empty command")
        if not isinstance(command, str):
            raise InvalidRequest(f"Command must be text, not {type(command).__name__}")
        if not command.strip():
            raise InvalidRequest("empty command (only blanks)")
        namespace = fields.get("Namespace") or ""
        if not isinstance(namespace, str):
            raise InvalidRequest(f"Namespace must be text, not {type(namespace).__name__}")
        if namespace:
            reason = namespace_problem(namespace)
            if reason:
                raise InvalidRequest(
                    f"Namespace {quote(namespace)} is not a valid IRIS namespace name: it {reason}")
        session = fields.get("Session") or ""
        if not isinstance(session, str):
            raise InvalidRequest(f"Session must be text, not {type(session).__name__}")
        if session and (session != session.strip() or not _SESSION_NAME.fullmatch(session)
                        or one_line_problem(session)):
            raise InvalidRequest(
                f"Session {quote(session)} is not a usable session name: 1-128 printable characters "
                "without leading or trailing blanks or invisible characters")
        timeout = _request_timeout(fields.get("Timeout"))
        lines = fields.get("InputLines") or []
        if isinstance(lines, str) or not isinstance(lines, (list, tuple)):
            raise InvalidRequest("InputLines must be a list of text lines")
        if not all(isinstance(line, str) for line in lines):
            raise InvalidRequest("every InputLines entry must be text")
        for number, line in enumerate(lines, 1):
            why = one_line_problem(line)
            if why:
                raise InvalidRequest(
                    f"InputLines entry {number} is not one line: {why}; each entry answers one READ: "
                    "give several lines as several entries")
        expect = fields.get("Expect") or ""
        if not isinstance(expect, str):
            raise InvalidRequest(f"Expect must be text (a regular expression), not {type(expect).__name__}")
        problem = expect_problem(expect)
        if problem:
            raise InvalidRequest(problem)
        return cls(command, namespace.upper(), session, timeout, tuple(lines), expect)


def _request_timeout(value: Any) -> Optional[float]:
    """Request Timeout: empty/0 = the host's default (None), -1 = no limit, else seconds."""
    fix = (f"Timeout must be the seconds the command may run (more than 0, at most {MAX_REQUEST_TIMEOUT}), "
           "0 for the operation's ResponseTimeout, or -1 for no limit")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidRequest(f"Timeout {quote(value)} is not a number; {fix}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value)
    else:
        raise InvalidRequest(f"Timeout {quote(value)} is not a number; {fix}")
    if number == 0:
        return None
    if number == -1:
        return -1.0
    if not math.isfinite(number) or number < 0 or number > MAX_REQUEST_TIMEOUT:
        raise InvalidRequest(f"Timeout {quote(value)} is out of range; {fix}")
    return number


def quote(value: Any) -> str:
    """A value quoted for an error text: control characters escaped, long values cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii")
    return repr(text[:80] + ("..." if len(text) > 80 else ""))


# ---------------------------------------------------------------------------------------------------------
# Connection parameters


DEFAULT_PORT = 52773


@dataclass(frozen=True)
class ConnectOptions:
    """Where and how to open a Lite Terminal session; the password is never part of it (see
    ``LiteTerminal.from_options``). Timeouts are seconds; None means no limit."""

    host: str
    port: int = DEFAULT_PORT
    namespace: str = "USER"
    tls: bool = False
    verify: Union[bool, str] = True  # True, False, or the path of a CA bundle
    path_prefix: str = ""
    connect_timeout: Optional[float] = 5.0
    response_timeout: Optional[float] = 30.0
    max_output_chars: Optional[int] = None  # head and tail of a longer output kept (None: all)

    @property
    def authority(self) -> str:
        """``host:port``, ``[v6]:port`` for an IPv6 address: the server as results and the trace show it."""
        return authority(self.host, self.port)

    @property
    def endpoint(self) -> str:
        """``ws(s)://host:port/prefix``: where the session goes, for error texts."""
        return f"{'wss' if self.tls else 'ws'}://{self.authority}{self.path_prefix}"

    @property
    def identity(self) -> Tuple[str, int, str]:
        """The server as a comparable value: two options with the same identity reach the same server."""
        return server_identity(self.host, self.port, self.path_prefix)

    def replace(self, **changes: Any) -> ConnectOptions:
        return replace(self, **changes)


def authority(host: str, port: int) -> str:
    """``host:port``; an IPv6 address in brackets."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"


#: The numeric IPv4 spellings getaddrinfo also accepts (inet_aton: 1 to 4 parts, decimal, octal or hex).
_LEGACY_IPV4 = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}")


def server_identity(
    host: str, port: Union[int, str, None] = None, path_prefix: str = ""
) -> Tuple[str, int, str]:
    """One identity per server: host names compare case-insensitively (a trailing dot dropped), IP
    addresses in their canonical form (``[::0001]`` is ``::1``; ``::ffff:127.0.0.1``, ``127.1``,
    ``2130706433`` and ``0x7f.1`` are ``127.0.0.1``, as the resolver reads them), the port as a number
    (default 52773), the path prefix without a trailing slash. Used wherever duplicates are refused."""
    name = (host or "").strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    name = name.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:a.b.c.d reaches a.b.c.d
        name = str(mapped) if mapped is not None else str(address) + (
            "%" + name.split("%", 1)[1] if "%" in name else "")
    except ValueError:
        if _LEGACY_IPV4.fullmatch(name):  # 127.1, 2130706433, 0x7f.1, 0177.0.0.1: the resolver's inet_aton
            try:
                name = socket.inet_ntoa(socket.inet_aton(name))
            except OSError:
                pass
    number = DEFAULT_PORT if port in (None, "") else int(port)  # type: ignore[arg-type]
    return name, number, (path_prefix or "").rstrip("/")


# ---------------------------------------------------------------------------------------------------------
# Classification


@dataclass(frozen=True)
class Verdict:
    """A status and the words that go with it (the IRIS error, or why it failed)."""

    status: Status
    error: str = ""

    @property
    def failure(self) -> Optional[str]:
        return self.status.failure


#: Added to the error text of a ``lost`` outcome.
LOST_DETAIL = errors.LOST_DETAIL


def classify(outcome: Any, expect: str = "") -> Verdict:
    """The one rule from what happened to a status.

    ``outcome`` is a ``CommandResult`` or the exception ``execute`` (or a host around it) raised:

    * an exception: ``errors.Refused`` -> its own status (``denied`` or ``invalid``);
      :class:`InvalidRequest`/``InvalidArgument``/``ValueError`` -> ``invalid`` (refused before sending);
      a failure that means it never reached the server (``errors.NOT_DELIVERED``) -> ``unreachable``;
      anything else -> ``lost`` (it may have come after the command was sent);
    * a result whose command was not run (``ran`` is false: the namespace switch failed) -> ``unreachable``;
    * an ``ok`` result whose output does not match ``expect`` -> ``mismatch``;
    * otherwise the client's own status (``ok``, ``error``, ``timeout``, ``interrupted``, ``lost``).
    """
    if isinstance(outcome, BaseException):
        if isinstance(outcome, errors.Refused):
            return Verdict(Status.of(outcome.status), f"{outcome}; nothing was sent")
        if isinstance(outcome, (errors.InvalidArgument, ValueError)):
            return Verdict(Status.INVALID, f"{outcome}; nothing was sent")
        if isinstance(outcome, errors.NOT_DELIVERED):
            return Verdict(Status.UNREACHABLE, f"{outcome}; the command was not sent")
        return Verdict(Status.LOST, f"{type(outcome).__name__}: {outcome}; {LOST_DETAIL}")
    status = Status.of(outcome.status)
    error = str(outcome.error or "")
    if not outcome.ran and status in (Status.OK, Status.ERROR):
        return Verdict(Status.UNREACHABLE, error)
    if status is Status.LOST and not error:
        error = LOST_DETAIL
    if status is Status.OK and expect:
        reason = mismatch_reason(expect, str(outcome.output or ""))
        if reason:
            return Verdict(Status.MISMATCH, reason)
    return Verdict(status, error)
