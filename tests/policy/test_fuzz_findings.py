"""Policy holes the policy-versus-interpreter differential found (tests/benchmarks/policy_fuzz.py, 200,000
examples, seed 17; docs/objectscript-grammar.md §2 for the whitespace rules the interpreter now follows).

Each is a command IRIS would run to a denied capability (here: a namespace switch) that the policy allows
under DEFAULT_DENY. productions/policy.py is owned elsewhere, so each is a strict xfail: it fails loudly
(XPASS) the day the policy denies it, and then the marker comes off.

The class: a JSON array literal (``[1]``) earlier on the line, then a SET whose arguments hold spaces
(``set x = 1, $namespace = "%SYS"``, which IRIS's syntax rules allow: any whitespace between arguments and
inside them). The policy's readings join the ``]`` with the next command word (``WRITE [1]SET``) or read
``=1,$NAMESPACE=...`` as a statement of its own, and none of them yields ``SET $NAMESPACE``.
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
    """The finding is real on the interpreter's side (this part passes), and the differential's skip
    pattern covers it (so the differential keeps looking for new classes)."""
    entered, halted, _ = language_forms.run_watching(command)
    assert "%SYS" in entered
    assert language_forms.known_hole(command)


def test_the_skip_pattern_leaves_every_plain_payload_to_the_differential():
    assert not [p for p in language_forms.PAYLOADS if language_forms.known_hole(p)]
    assert not language_forms.known_hole('set o = [1] set $namespace="%SYS"')  # denied: not skipped


@pytest.mark.xfail(strict=True, reason="policy hole: JSON array then a spaced SET $NAMESPACE (fuzz finding)")
@pytest.mark.parametrize("command", FOUND)
def test_the_policy_denies_it(command):
    assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed
