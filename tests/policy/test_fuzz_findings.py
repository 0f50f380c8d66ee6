"""Policy holes the policy-versus-interpreter differential found (tests/benchmarks/policy_fuzz.py, 200,000
examples, seed 17; docs/objectscript-grammar.md §2 for the whitespace rules the interpreter now follows).

Each is a command IRIS would run to a denied capability (here: a namespace switch) that the policy allowed
under DEFAULT_DENY; each is now denied.

The class: a JSON array literal (``[1]``) earlier on the line, then a SET whose arguments hold spaces
(``set x = 1, $namespace = "%SYS"``, which IRIS's syntax rules allow: any whitespace between arguments and
inside them). The lenient reading took the ``]`` that closes the array for the follows operator and joined
it with the next command word (``WRITE [1]SET``); the strict one read ``=1,$NAMESPACE=...`` as a statement
of its own; neither yielded ``SET $NAMESPACE``. A closed array is an operand: a blank after it ends the
argument unless an operator follows.
"""

from __future__ import annotations

import language_forms
import pytest

from productions.policy import DEFAULT_DENY, check_command

FOUND = [
    'write [1] set x = 1, $namespace = "%SYS"',  # minimal form
    'set o = [1] set x = 1,$namespace = "%SYS"',
    'set o  =  ["]", "\\\\"] set x = 1, $namespace  =  "%SYS"',  # as generated
    'write 1, 2  set o  =  ["]", "\\\\"] set x = 1, $namespace  =  "%SYS"',
    'if $lv($lb(1)) { set o  =  ["]", "\\\\"] set x = 1, $namespace  =  "%SYS" }',
    'xecute:1 "set o  =  [""]"", ""\\\\""] set x = 1, $namespace  =  ""%SYS"""',
]


@pytest.mark.parametrize("command", FOUND)
def test_the_interpreter_does_switch_namespace(command):
    """The finding is real on the interpreter's side, so the policy must deny it."""
    entered, halted, _ = language_forms.run_watching(command)
    assert "%SYS" in entered


def test_the_differential_skips_no_class_any_more():
    assert not [p for p in FOUND + language_forms.PAYLOADS if language_forms.known_hole(p)]


@pytest.mark.parametrize("command", FOUND)
def test_the_policy_denies_it(command):
    assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed
