"""The one exception tree of the Lite Terminal client.

Every failure of the *session itself* surfaces as a subclass of :class:`TerminalError`; a command that
fails inside IRIS is not an exception but a ``CommandResult`` with ``status="error"``. Nothing from
``requests``, ``websocket``, ``ssl``, ``socket`` or ``json`` escapes the public API: the I/O modules
translate those at their boundary (the httpx ``map_httpcore_exceptions`` pattern, docs/settings.md §9).

::

    TerminalError                       root: anything wrong with the terminal session
    ├── ConnectError                    could not open the session: refused, DNS, TLS, bad upgrade,
    │   │                               handshake timeout, close before ``init``
    │   ├── AuthError                   HTTP 401 (login or upgrade)                   docs/protocol.md §4.4
    │   ├── ServerUnavailable           HTTP 503: licence exhausted / server busy      docs/protocol.md §3.1
    │   └── UnsupportedServer           Atelier API < 7 or 404 on the terminal route   docs/protocol.md §2
    ├── NamespaceError                  namespace not offered by the server / ``zn`` failed at config
    ├── ProtocolError                   malformed or out-of-order frames
    │   ├── RemoteProtocolError         ... received from the server
    │   └── LocalProtocolError          ... this client was asked to send a frame the state forbids
    ├── RemoteError                     the server sent an ``error`` frame (fatal)      docs/protocol.md §6.1
    ├── ConnectionLost                  the socket closed or went silent mid-session
    ├── SessionClosed                   the terminal was used after ``close()``
    ├── InvalidArgument                 a bad argument (e.g. credentials Basic auth cannot carry), refused
    │   │                               before anything is sent
    │   ├── contract.InvalidRequest     a request field that cannot be used
    │   ├── checks.ExpectError          an Expect that is not a usable regular expression
    │   └── lines.UnsafeCommandText     text the server could read as more (or other) lines than we mean
    └── NotSent                         a host around the client refused before any server was asked:
        │                               credentials missing, session limit, default-session reset failed
        ├── terminal_core.CredentialsError
        ├── sessions.SessionLimitError
        └── sessions.SessionResetError

    Refused                             a host refused the request itself before any server was asked;
    │                                   ``status`` (denied or invalid) says which
    └── fleet_logic.FleetRefusal        the fleet process refused a request (targets, policy, limits)

    ConfigurationError (ValueError)     a setting that cannot be used: the item does not start, or a
    │                                   process answers invalid
    ├── settings.SettingsError          the settings of an item, each bad one named with its fix
    └── schedule.ScheduleError          TimesOfDay / CallInterval

    UsageProblem                        the command line's arguments or their input cannot be used
    └── cli_args.UsageError             (the CLI prints it and exits with its usage status)

    InternalSignal                      control flow inside the client's I/O layer, caught there and turned
                                        into one of the errors above; never leaves the package
                                        (guarded.DeadlineExpired, BudgetExceeded; httpguard.BodyTooLarge;
                                        login._Refused; client._ClosedBeforeInit; inventory._Problem)

``contract.classify`` is the one place a failure becomes a status. The offline IRIS runtime, a stand-in for
IRIS and not part of the product, keeps its own tree in ``offline_iris/errors.py``.

Messages say what went wrong in words an operator can act on; none ever contains a password
(callers pass only host, port, path and status codes into them).
"""

from __future__ import annotations

__all__ = [
    "TerminalError",
    "ConnectError",
    "AuthError",
    "ServerUnavailable",
    "UnsupportedServer",
    "NamespaceError",
    "ProtocolError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "RemoteError",
    "ConnectionLost",
    "SessionClosed",
    "InvalidArgument",
    "NotSent",
    "Refused",
    "ConfigurationError",
    "InternalSignal",
    "UsageProblem",
]


class TerminalError(Exception):
    """Root of every error raised by ``adapters.lite_terminal``."""


class ConnectError(TerminalError):
    """The session could not be opened (network, TLS, HTTP upgrade, handshake)."""


class AuthError(ConnectError):
    """The server rejected the credentials or the session cookie (HTTP 401)."""


class ServerUnavailable(ConnectError):
    """HTTP 503: IRIS is up but refuses work, most often because no licence slot is free."""


class UnsupportedServer(ConnectError):
    """The server has no Lite Terminal: Atelier API below v7 (IRIS before 2023.2) or a 404 route."""


class NamespaceError(TerminalError):
    """The requested namespace does not exist on the server or cannot be entered."""


class ProtocolError(TerminalError):
    """A frame broke the protocol (docs/protocol.md §6/§7)."""


class RemoteProtocolError(ProtocolError):
    """The server sent something malformed or out of order."""


class LocalProtocolError(ProtocolError):
    """This client tried to send a frame that the current state does not allow (a programming error)."""


class RemoteError(TerminalError):
    """The server reported a fatal problem with an ``error`` frame; the session is over."""


class ConnectionLost(TerminalError):
    """The connection dropped (closed, reset or silent past the deadline) after it was established."""


class SessionClosed(TerminalError):
    """The terminal was used after ``close()``."""


class InvalidArgument(TerminalError):
    """An argument the client cannot use; raised before anything is sent or connected."""


class NotSent(TerminalError):
    """A host around the client (the adapter, the session pool) refused before the command was sent."""


class Refused(Exception):
    """A host refused the request itself (the policy denied it, or it or a setting is invalid) before any
    server was asked. ``status`` is the contract's word for it (``denied`` or ``invalid``)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = str(status)
        self.reason = reason


class ConfigurationError(ValueError):
    """A setting that cannot be used (the item does not start; a process answers ``invalid``)."""


class UsageProblem(Exception):
    """The command line's arguments or their input cannot be used; nothing was sent for them."""


class InternalSignal(Exception):
    """Control flow inside the client's I/O layer; always caught there and never raised to a caller."""


#: Failures that mean the command never reached the server: could not connect, log in or upgrade, unknown
#: namespace, the terminal was already closed, or a host refused before sending.
NOT_DELIVERED = (ConnectError, NamespaceError, SessionClosed, NotSent)
#: Added to the error text of a ``lost`` outcome.
LOST_DETAIL = "the command may or may not have run and was not re-sent"
