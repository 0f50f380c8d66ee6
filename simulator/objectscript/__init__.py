"""The ObjectScript subset the simulated terminal process runs (sans-IO).

``Session.run(source)`` is a generator: it yields events (``Output``, ``ReadRequest``, ``Hang``, ``Halt``,
``TICK``) and the driver (``simulator/terminal.py``) performs the I/O. Errors are rendered as IRIS renders
them (docs/protocol.md §8). Source tags: ``S<n>`` are numbered in docs/simulator-objectscript.md §12,
``G<n>`` in docs/objectscript-grammar.md §10.

Modules, lowest first; each imports only modules above it in this list (tests/simulator/test_sim_layout.py
checks there is no ring and no import inside a function):

* ``values``, ``errors``, ``events``, ``render``  strings and decimals; ObjectScriptError and QUIT; what a run
  yields; how IRIS draws prompts, errors and colour
* ``lists``, ``objects``, ``operators``, ``storage``  the $LISTBUILD encoding; ClassDef and Oref; binary
  operators (left to right); local/global trees
* ``host``, ``json_values``, ``status_values``  what all sessions of one server share; dynamic objects and
  JSON text; %Status strings and the ERROR #n catalogue
* ``expressions``                     the expression tree
* ``list_functions``, ``intrinsics``  the $LIST family; the other $functions and special variables
* ``classes``                         the simulated system classes (an explicit registry)
* ``expression_parser``, ``command_parser``  expressions (and the blank rules); lines of commands
* ``commands``, ``process_commands``  the plain commands (WRITE, SET...); NEW and LOCK
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
