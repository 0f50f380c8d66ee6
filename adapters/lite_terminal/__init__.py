"""Run ObjectScript on InterSystems IRIS through the Lite Terminal WebSocket (IRIS 2023.2+).

Public API::

    from adapters.lite_terminal import LiteTerminal, CommandResult, TerminalError
    with LiteTerminal("localhost", 52773, username="_SYSTEM", password="SYS", namespace="USER") as term:
        result = term.execute('write "hi"', namespace=None, timeout=None, input_lines=())
        result.status   # "ok" | "error" | "timeout" | "interrupted" | "lost"

Layers (each module one job): ``frames`` (JSON frames), ``protocol`` (sans-IO state machine),
``output`` (ANSI/error/namespace helpers), ``login`` (Atelier REST),
``transport`` (websocket-client on our socket, deadlines), ``guarded`` (the socket it reads through),
``httpguard`` (wall-clock bound for requests),
``client`` (LiteTerminal), ``errors`` (the exception tree), ``__main__`` (the CLI).
"""

from .client import CommandResult, LiteTerminal
from .errors import (
    AuthError,
    ConnectError,
    ConnectionLost,
    InvalidArgument,
    LocalProtocolError,
    NamespaceError,
    ProtocolError,
    RemoteError,
    RemoteProtocolError,
    ServerUnavailable,
    SessionClosed,
    TerminalError,
    UnsupportedServer,
)
from .login import ServerInfo

__all__ = [
    "LiteTerminal",
    "CommandResult",
    "ServerInfo",
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
]
