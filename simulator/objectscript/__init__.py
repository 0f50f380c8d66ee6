"""The ObjectScript subset the simulated terminal process runs (sans-IO).

``Session.run(source)`` is a generator: it yields events (``Output``, ``ReadRequest``, ``Hang``, ``Halt``,
``TICK``) and the driver (``simulator/terminal.py``) performs the I/O. Errors are rendered as IRIS renders
them (docs/protocol.md §8).

Where things happen:

* ``events``            what a run asks its driver to do
* ``values``            strings and decimals, canonical forms
* ``operators``         binary operators (strictly left to right)
* ``expressions``       the expression tree
* ``intrinsics``        ``$functions`` and special variables
* ``expression_parser`` expressions; ``command_parser`` lines of commands
* ``command_runner``    what each command does
* ``session``           per-process state and ``run``
* ``errors``            ``ObjectScriptError`` and QUIT
"""

from .command_parser import parse_line
from .errors import ObjectScriptError
from .events import TICK, Event, Halt, Hang, Output, ReadRequest, Run
from .session import Session
from .values import Value, to_num, to_str

__all__ = [
    "TICK",
    "Event",
    "Halt",
    "Hang",
    "ObjectScriptError",
    "Output",
    "ReadRequest",
    "Run",
    "Session",
    "Value",
    "parse_line",
    "to_num",
    "to_str",
]
