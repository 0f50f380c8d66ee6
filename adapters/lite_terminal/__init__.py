"""Run ObjectScript on InterSystems IRIS through the Lite Terminal WebSocket.

Public API::

    from adapters.lite_terminal import LiteTerminal, CommandResult, TerminalError
"""

from .client import CommandResult, LiteTerminal
from .errors import (
    AuthError,
    ConnectError,
    ConnectionLost,
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
]
