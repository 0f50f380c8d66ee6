"""The ObjectScript subset the simulated terminal process runs (sans-IO).

``Session.run(source)`` is a generator: it yields events (``Output``, ``ReadRequest``, ``Hang``, ``Halt``,
``TICK``) and the driver (``simulator/terminal.py``) performs the I/O. Errors are rendered as IRIS renders
them (docs/protocol.md §8). Source tags: ``S<n>`` are numbered in docs/simulator-objectscript.md §12,
``G<n>`` in docs/objectscript-grammar.md §10.

Modules, lowest first; each imports only modules above it in this list (tests/simulator/test_sim_layout.py
checks there is no ring and no import inside a function):

* ``values``, ``errors``, ``events``  strings and decimals; ObjectScriptError and QUIT; what a run yields
* ``storage``, ``host``               local/global trees; what all sessions of one server share
* ``lists``                           the ``$LISTBUILD`` encoding
* ``status_values``                   ``%Status`` strings and the ERROR #n message catalogue
* ``objects``                         ``ClassDef`` and ``Oref``
* ``json_values``                     dynamic objects/arrays and JSON text
* ``operators``, ``expressions``      binary operators (left to right); the expression tree
* ``intrinsics``, ``list_functions``  ``$functions`` and special variables
* ``classes``                         the simulated system classes (an explicit registry)
* ``expression_parser``, ``grammar``, ``command_parser``  expressions; the whitespace rules; lines
* ``commands``                        the plain commands (WRITE, SET, ...)
* ``block_runner``                    ``run_block``, the commands that run blocks, the dispatch table
* ``session``                         per-process state and ``run``
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
