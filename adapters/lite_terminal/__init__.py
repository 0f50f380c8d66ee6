"""Run ObjectScript on InterSystems IRIS through the Lite Terminal WebSocket.

Public API::

    from adapters.lite_terminal import LiteTerminal, CommandResult, TerminalError
"""

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
]
