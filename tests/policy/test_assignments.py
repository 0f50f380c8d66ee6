"""What a SET assigns is read the way IRIS reads it (docs/policy.md §8).

The class found: a SET argument was split at its first ``=`` and its target list at every comma, string
literals and subscripts included, so ``set (x("="),$namespace)="%SYS"`` and ``set (x(1=1),$namespace)=..``
were read as a SET of ``(X("`` and allowed under the default DenyPatterns, while the simulator's interpreter
switches namespace; the same hid ``$ETRAP`` (``set (x("="),$etrap)="h" write 1/0`` halts). Now the
assignment is split at the first ``=`` outside string literals and brackets, the target list at its
top-level commas, and a ``$LISTBUILD``/``$PIECE``/``$EXTRACT``/``$LIST`` target names its variables.
The generator puts ``$NAMESPACE`` or ``$ETRAP`` among targets whose subscripts hold ``=``, ``,``, ``)`` and
quotes; the interpreter confirms each switch it can run, and the policy must deny every one.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from language_forms import run_watching

from productions.policy import DEFAULT_DENY, check_command, normalize

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SUBSCRIPTS = ['"="', '","', '")"', '"("', "1=1", '"a"""', "(1)", '"=,)"', "$c(61)", '1,"="', "x=y"]


@st.composite
def target_lists(draw, variable: str) -> str:
    names = [f"{draw(st.sampled_from(['x', 'y', '^g']))}({draw(st.sampled_from(SUBSCRIPTS))})"
             for _ in range(draw(st.integers(0, 3)))]
    names.insert(draw(st.integers(0, len(names))), variable)
    return "(" + ",".join(names) + ")" if len(names) > 1 or draw(st.booleans()) else names[0]


@FUZZ
@given(st.sampled_from(["$namespace", "$NAMESPACE", "$zns", "$znspace"]).flatmap(target_lists),
       st.sampled_from(["", 'a("=")=1,', "b=2,"]))
@example('(x("="),$namespace)', "")
@example('(x(1=1),$namespace)', "")
def test_a_namespace_variable_among_the_targets_is_a_namespace_switch(targets, before):
    command = f'set x=1,y=1 set {before}{targets}="%SYS"'
    assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed, (command, normalize(command))
    entered, _, _ = run_watching(command)
    assert "%SYS" in entered or "$zns" in command.lower() or "^g(" in command, command


@FUZZ
@given(st.sampled_from(["$etrap", "$ET"]).flatmap(target_lists))
@example('(x("="),$etrap)')
def test_etrap_among_the_targets_holds_code(targets):
    command = f'set {targets}="zn ""%SYS""" write 1/0'
    assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed, (command, normalize(command))


@pytest.mark.parametrize("command", [
    'set $lb($namespace)=$lb("%SYS")', 'set $listbuild(a,$namespace)=$lb(1,"%SYS")',
    'set $piece($namespace,"|",1)="%SYS"', 'set $extract($namespace,1,99)="%SYS"',
    'set $list($namespace,1)="%SYS"', 'merge $namespace=x', "read $namespace", "read x,$namespace",
])
def test_functions_and_commands_that_assign_a_namespace_variable(command):
    """The interpreter runs none of these; IRIS may refuse some, but where it runs one it assigns
    $NAMESPACE, so each is read as a namespace switch (conservative)."""
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed and "ZNSPACE" in decision.reason, (command, decision.reason)


@pytest.mark.parametrize("command", [
    "set x=$namespace", "set ^log($namespace)=1", 'set x("=")=$namespace', "write $namespace",
    'set $piece(x,"|",1)=$namespace', 'set (a,b)=$namespace', 'set y=$etrap',
])
def test_reading_a_namespace_variable_is_not_assigning_it(command):
    assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command
