"""runner: a server's commands on one session, through the memory seam (no socket)."""

from __future__ import annotations

from adapters.lite_terminal.inventory import Target
from adapters.lite_terminal.memory import MemoryTerminal
from adapters.lite_terminal.runner import Settings, run_target


def test_the_runner_works_through_the_memory_seam_without_hooks():
    """run_target opens sessions through an Opener (memory.py): JSON runs need no streaming hook."""
    opened = []
    outcomes = run_target(Target("iris1", "iris1", namespace="APP"), "pw", ["set x=1", "write x"],
                          Settings(timeout=5, connect_timeout=5), opener=MemoryTerminal.opener(opened=opened))
    assert [(o.status, o.output, o.namespace) for o in outcomes] == [("ok", "set x=1", "APP"),
                                                                    ("ok", "write x", "APP")]
    (term,) = opened
    assert term.closed and term.options.namespace == "APP" and term.username == "_SYSTEM"
