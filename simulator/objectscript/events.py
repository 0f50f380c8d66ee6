"""What a running input asks its driver to do (the sans-IO boundary of the interpreter).

``Session.run`` yields these; the driver (the WebSocket side, ``simulator/terminal.py``) performs the I/O and
answers a ``ReadRequest`` with ``generator.send(text)`` (``None`` on a READ timeout). Interrupting is the
driver's business: it simply stops resuming the generator.
"""

from __future__ import annotations

from typing import Generator, NamedTuple, Optional, Union


class Output(NamedTuple):
    """Terminal output (already rendered: CRLF line breaks, ANSI unless rawMode)."""

    text: str


class ReadRequest(NamedTuple):
    """The process executes READ on the principal device (docs/protocol.md §9); ``timeout`` from ``read
    x:t``."""

    timeout: Optional[float]


class Hang(NamedTuple):
    """HANG n: the driver sleeps (interruptibly) instead of the interpreter blocking its thread."""

    seconds: float


class Halt(NamedTuple):
    """HALT: the process ends, the server closes the socket (docs/protocol.md §11)."""


class _Tick:
    def __repr__(self) -> str:
        return "TICK"


TICK = _Tick()  # "still busy, no output": lets the driver breathe and honour an interrupt
Event = Union[Output, ReadRequest, Hang, Halt, _Tick]
Run = Generator[Event, Optional[str], None]
