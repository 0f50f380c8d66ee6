"""The one seam between the hosts and a server: :class:`Terminal`, opened by an :data:`Opener`.

Every host (the adapter core, :func:`run_on_servers`, the CLI) opens its sessions through an ``Opener``:
``opener(options, username, password) -> Terminal``. The real one is :func:`open_terminal`
(``LiteTerminal.from_options``); :class:`MemoryTerminal` is the in-memory one for tests of the hosts, as
httpx's ``MockTransport`` is for its client: no socket, no simulator, the answer chosen by a function.
"""

from __future__ import annotations

import time
from typing import Callable, List, Optional, Protocol, Sequence, Tuple

from .client import CommandResult, LiteTerminal
from .contract import ConnectOptions, Status
from .errors import SessionClosed

__all__ = ["Terminal", "Opener", "open_terminal", "MemoryTerminal", "Respond"]


class Terminal(Protocol):
    """What a host needs of a session: open it, run a command, and close."""

    def connect(self) -> None:
        ...  # pragma: no cover

    def execute(self, command: str, namespace: Optional[str] = None, timeout: Optional[float] = None,
                input_lines: Sequence[str] = (), max_output_chars: Optional[int] = None,
                keep_session: bool = False) -> CommandResult:
        ...  # pragma: no cover

    def close(self) -> None:
        ...  # pragma: no cover


Opener = Callable[[ConnectOptions, str, str], Terminal]


def open_terminal(options: ConnectOptions, username: str, password: str) -> LiteTerminal:
    """The real opener: a :class:`LiteTerminal` (it connects on its first ``execute``)."""
    return LiteTerminal.from_options(options, username=username, password=password)


#: ``respond(command, namespace, input_lines)`` -> a CommandResult, or raise a TerminalError.
Respond = Callable[[str, str, Tuple[str, ...]], CommandResult]


class MemoryTerminal:
    """An in-memory :class:`Terminal`. ``respond`` decides each result (default: ``ok`` echoing the command);
    ``log`` records ``(command, namespace, input_lines)`` in order; ``closed`` after ``close()``."""

    def __init__(self, options: ConnectOptions, username: str = "", password: str = "",
                 respond: Optional[Respond] = None) -> None:
        self.options = options
        self.username = username
        self.namespace = options.namespace.upper()
        self.respond = respond
        self.log: List[Tuple[str, str, Tuple[str, ...]]] = []
        self.closed = False

    @classmethod
    def opener(cls, respond: Optional[Respond] = None, opened: Optional[List[MemoryTerminal]] = None
               ) -> Opener:
        """An Opener that makes MemoryTerminals answering with ``respond``; each is appended to ``opened``."""
        def open_memory(options: ConnectOptions, username: str, password: str) -> MemoryTerminal:
            terminal = cls(options, username, password, respond)
            if opened is not None:
                opened.append(terminal)
            return terminal
        return open_memory

    def connect(self) -> None:
        if self.closed:
            raise SessionClosed("this terminal was closed")

    def execute(self, command: str, namespace: Optional[str] = None, timeout: Optional[float] = None,
                input_lines: Sequence[str] = (), max_output_chars: Optional[int] = None,
                keep_session: bool = False) -> CommandResult:
        if self.closed:
            raise SessionClosed("this terminal was closed")
        if namespace:
            self.namespace = namespace.upper()
        lines = tuple(input_lines)
        self.log.append((command, self.namespace, lines))
        if self.respond is not None:
            return self.respond(command, self.namespace, lines)
        began = time.monotonic()
        return CommandResult(command=command, output=command, raw_output=command, status=Status.OK.value,
                             error="", namespace=self.namespace, elapsed=time.monotonic() - began)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> MemoryTerminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
