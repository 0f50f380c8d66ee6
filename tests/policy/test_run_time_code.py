"""Code built at run time is treated as reaching anything (docs/policy.md §7).

The class: the command's own text builds code that IRIS then runs, so what runs is not spelled out where the
policy reads: ``xecute "z"_"n ..."``, ``x $reverse(...)``, ``x $c(104)``, ``set c=... x c``,
``$XECUTE`` of anything but one literal, ``$ETRAP`` set to anything but one literal, and ``@`` indirection
(``set @x=...``, ``write @x`` evaluates any expression, ``$ZU(5,...)`` included). The policy cannot read
them exactly, so under any pattern (DenyPatterns or AllowPatterns) it denies them, with the reason; with no
pattern at all there is nothing to refuse them with.

Also here, the two long-literal readings that were cut: a ``$ZU(5,...)`` namespace argument is read whole up
to 1,000 characters and a longer one counts as code built at run time (before, the first 200 characters
were matched as if they were the whole argument); and the %CD utility (``do ^%CD``), which InterSystems
documents as one of the ways to change namespace (docs/policy.md §7), yields the statement ``ZNSPACE``.

The generator builds a namespace switch or HALT with every string function the simulator's interpreter runs
(concatenation, ``$REVERSE``, ``$TRANSLATE``, ``$PIECE``, ``$EXTRACT``, ``$CHAR``, a variable) and runs it
with every runner (XECUTE in its forms, ``$ETRAP`` then an error); the simulator confirms the capability is
reached, and the policy must deny. Size: ``LITE_TERMINAL_FUZZ_EXAMPLES`` (300 by default).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from language_forms import reached_a_denied_capability

from productions.policy import DEFAULT_DENY, check_command, normalize

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALLOW_THEM_ALL = r"^(WRITE|SET|XECUTE|DO|KILL)\b"
CODE = ['zn "%SYS"', "halt", "h", 'set $namespace="%SYS"', 'znspace "%SYS"', 'x "zn ""%SYS"""']


def q(text: str) -> str:
    """``text`` as an ObjectScript string literal."""
    return '"' + text.replace('"', '""') + '"'


@st.composite
def built(draw, code: str) -> str:
    """An ObjectScript expression whose value is ``code``, built with one of the string functions."""
    kind = draw(st.sampled_from(["concat", "reverse", "translate", "piece", "extract", "char", "nested"]))
    if kind == "concat":
        cut = draw(st.integers(1, max(1, len(code) - 1)))
        return q(code[:cut]) + "_" + q(code[cut:])
    if kind == "reverse":
        return f"$reverse({q(code[::-1])})"
    if kind == "translate":
        return f"$translate({q(code.replace('h', '#').replace('z', '~'))},\"#~\",\"hz\")"
    if kind == "piece":
        return f"$piece({q('w 1|' + code + '|w 2')},\"|\",2)"
    if kind == "extract":
        pad = "x" * draw(st.integers(0, 300))  # a long literal around the code
        return f"$extract({q(pad + code)},{len(pad) + 1},{len(pad) + len(code)})"
    if kind == "char":
        return "$char(" + ",".join(str(ord(c)) for c in code) + ")"
    cut = draw(st.integers(1, max(1, len(code) - 1)))
    return f"$reverse($reverse({q(code[:cut])}))_{q(code[cut:])}"


def runners(expression: str):
    return [
        f"x {expression}",
        f"xecute {expression}",
        f"x:1 {expression}",
        f"x {expression}:1",
        f"set c={expression} x c",
        f"set c={expression} xecute:1 c",
        f"set $etrap={expression} write 1/0",
        f"set $et={expression} set x=1/0",
        f"set c={expression},$etrap=c write 1/0",
        f"set x=1,$etrap={expression} write 1/0",
        f'x "x "_{q(expression)}',
    ]


@FUZZ
@given(st.sampled_from(CODE).flatmap(built), st.integers(0, 10))
@example('"z"_"n ""%SYS"""', 0)
@example('$char(104)', 0)
@example('$reverse("""SYS%"" nz")', 6)
def test_code_built_at_run_time_is_denied_under_any_pattern(expression, which):
    runs = runners(expression)
    command = runs[which % len(runs)]
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed, (command, normalize(command))
    assert "not one string literal" in decision.reason or "DenyPatterns" in decision.reason, decision.reason
    assert not check_command(command, allow_patterns=ALLOW_THEM_ALL).allowed, (command, normalize(command))
    assert not check_command(command, deny_patterns=r"^KILL\b").allowed, (command, normalize(command))


@pytest.mark.parametrize("which", range(len(runners('"x"')) - 1))  # the last runner nests XECUTE in a
@pytest.mark.parametrize("code", CODE)                              # literal: the denial test covers it
def test_the_forms_do_reach_the_capability_in_the_simulator(code, which):
    """The class is real: the interpreter runs the built code."""
    command = runners(f"$reverse({q(code[::-1])})")[which]
    assert reached_a_denied_capability(command), command


def test_with_no_pattern_at_all_there_is_nothing_to_refuse_it_with():
    assert check_command('x "z"_"n ""%SYS"""').allowed


@pytest.mark.parametrize("command", [
    'set x="$namespace" set @x="%SYS"',
    'set @("$name"_"space")="%SYS"',
    'set x="$zu(5,""%SYS"")" write @x',
    'write @"$zu(5,""%SYS"")"',
    "do @x", "goto @x", "set @x@(1)=2", "write $text(@x)", "kill @x", "write:@x 1", 'x "w @x"',
    'write ["a","\\"@"]',  # an @ outside a string under ObjectScript's string rule (inside under JSON's)
])
def test_indirection_is_code_built_at_run_time(command):
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed and "indirection (@)" in decision.reason, (command, decision.reason)
    assert not check_command(command, allow_patterns=ALLOW_THEM_ALL).allowed


@pytest.mark.parametrize("command", [
    'write "someone@example.com"', 'set x="@"', 'write $length("a@b")', "write 1 // @x", "write 1 ; @x",
    'set o={"mail":"a@b"}', 'x "write ""@"""', 'w $xecute("quit 1")', 'w $xecute(("quit 1"))',
    'x ("(a) write a","@")', 'set $etrap="write 1"',
])
def test_literal_code_and_at_signs_in_strings_are_read_as_before(command):
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert decision.allowed, (command, decision.reason)


@pytest.mark.parametrize("command", [
    'w $xecute("z"_"n ""%SYS""")', 'w $xecute(x)', 'w $xecute(("h")_"")', 'w 1+$xecute($c(104))',
    'w $xecute("quit 1")_$xecute(x)',
])
def test_xecute_function_of_anything_but_one_literal_is_denied(command):
    decision = check_command(command, deny_patterns=r"^KILL\b")
    assert not decision.allowed and "$XECUTE" in decision.reason, (command, decision.reason)


# --- long literals: a $ZU(5) namespace argument read whole, never cut ---------------------------------------

@pytest.mark.parametrize("pad", [150, 199, 200, 300, 999, 1000, 5000])
def test_a_long_zu_namespace_argument_is_never_read_cut(pad):
    """A deny pattern about the namespace sees the whole argument, or the command counts as code built at
    run time; before, only the first 200 characters were read and the pattern missed ``%SYS``."""
    command = 'w $zu(5,$select(0:"' + "a" * pad + '",1:"%SYS"))'
    assert not check_command(command, deny_patterns=r'^ZNSPACE .*"%SYS"\)$').allowed, pad
    switch = 'zn $select(0:"' + "a" * pad + '",1:"%SYS")'
    assert not check_command(switch, deny_patterns=r'^ZNSPACE .*"%SYS"\)$').allowed, pad


@pytest.mark.parametrize("digits", [41, 45, 100, 10_000])
def test_a_zu_first_argument_too_long_to_read_is_denied_under_any_pattern(digits):
    command = "w $zu(" + "0" * (digits - 1) + '5,"%SYS")'
    assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed
    assert not check_command(command, deny_patterns=r"^KILL\b").allowed


# --- the %CD utility --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["do ^%CD", "d ^%cd", "DO ^%CD", "do CD^%CD", "job ^%CD",
                                     "w $$^%CD()", "if 1 { do ^%CD }", 'x "do ^%CD"'])
def test_the_cd_utility_is_a_namespace_switch(command):
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed and "ZNSPACE" in decision.reason, (command, decision.reason)


@pytest.mark.parametrize("command", ['write "^%CD"', "do ^%CDX", "do ^%CD.X", "do ^MYCD"])
def test_other_routines_and_text_naming_cd_are_not(command):
    assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command


# --- JOB in another namespace -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ['job ^X:"%SYS"', 'job ^X:("%SYS")', 'j ^X:("%SYS":0)', "job ^X:ns:5",
                                     'job ^X(1,2):("%SYS")', 'job ##class(A).B(1):"%SYS"',
                                     'x "job ^X:""%SYS"""'])
def test_a_job_with_process_parameters_runs_in_the_namespace_they_name(command):
    """JOB's first process parameter is the namespace the job runs in (docs/policy.md §7)."""
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed and "ZNSPACE" in decision.reason, (command, decision.reason)


@pytest.mark.parametrize("command", ["job ^X", "job ^X::5", "job ^X:(:0)", "job:1 ^X", 'job ^X("[|")'])
def test_a_job_without_a_namespace_parameter_is_read_as_before(command):
    assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command


@pytest.mark.parametrize("command", ['job ^X["%SYS"]', 'job ^X|"%SYS"|', 'job X^Y(1)["%SYS"]:(:0)',
                                     'job ^|"%SYS"|X'])
def test_a_job_location_is_a_namespace_too(command):
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed and "ZNSPACE" in decision.reason, (command, decision.reason)


# --- ZINSERT: a line of routine code a later DO runs --------------------------------------------------------

@pytest.mark.parametrize("command", ['zi " zn ""%SYS""":+1', 'zinsert "t zn ""%SYS"""', 'ZI " h":+0',
                                     'zi "t(a) set $namespace=a"', 'zi " x ""h"""'])
def test_a_zinsert_line_is_read_as_code(command):
    """ZINSERT puts a line into the routine buffer that ZSAVE then DO runs: its literal is code, read like an
    XECUTE literal (a leading label skipped); anything but a literal is code built at run time."""
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed, (command, decision.reason)


def test_a_zinsert_of_anything_but_a_literal_is_code_built_at_run_time():
    decision = check_command('zi x', deny_patterns=r"^KILL\b")
    assert not decision.allowed and "ZINSERT of an expression" in decision.reason


@pytest.mark.parametrize("command", ['zinsert " write 1"', 'zi "t write 1":+1', 'zi "t(a) write a"'])
def test_a_harmless_zinsert_line_is_allowed(command):
    assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command


# --- %SYSTEM.Process.SetNamespace, and methods chosen at run time -------------------------------------------

@pytest.mark.parametrize("command", [
    'do ##class(%SYSTEM.Process).SetNamespace("%SYS")', 'do $system.Process.SetNamespace("%SYS")',
    'w $SYSTEM.Process.SetNamespace("%SYS")', 'set p=1 do p.SetNamespace("%SYS")',
    'w $classmethod("%SYSTEM.Process","SetNamespace","%SYS")',
    'w $CLASSMETHOD("%SYSTEM.Process","setnamespace",1)',
    'w $zobjclassmethod("A","SetNamespace",1)', 'x "do $system.Process.SetNamespace(""%SYS"")"',
    'do ##class(%SYSTEM.Process).SetNamespace ("%SYS")',
])
def test_set_namespace_methods_are_namespace_switches(command):
    """%SYSTEM.Process.SetNamespace switches the process's namespace (the adapter's own SSLConfig reader uses
    it, docs/settings.md §10): any method of that name yields ZNSPACE (docs/policy.md §7)."""
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed, (command, decision.reason)


@pytest.mark.parametrize("command", ['w $classmethod(c,m,"%SYS")', "w $method(o,m)",
                                     'w $classmethod("A",$c(83))',
                                     'do $classmethod("%SYSTEM.Process","Set"_"Namespace","%SYS")'])
def test_a_method_chosen_at_run_time_could_be_any(command):
    decision = check_command(command, deny_patterns=r"^KILL\b")
    assert not decision.allowed and "method chosen at run time" in decision.reason, (command, decision.reason)


@pytest.mark.parametrize("command", ['w $classmethod("A","B")', 'w $method(o,"B")', 'write "x.SetNamespace("',
                                     "w $system.Process.NameSpace()",
                                     'do $classmethod("%SYSTEM.Process","X")'])
def test_other_methods_are_read_as_before(command):
    assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command


# --- every capability in every position an expression can stand ---------------------------------------------

#: (expression, is it code built at run time?) — each reaches a namespace switch, or anything.
REACHING = [
    ('$zu(5,"%SYS")', False), ('$system.Process.SetNamespace("%SYS")', False), ("$$^%CD()", False),
    ('$xecute("zn ""%SYS""")', False), ("$xecute(x)", True), ("@x", True), ("$classmethod(c,m)", True),
    ('$xecute("z"_"n ""%SYS""")', True), ('$classmethod("%SYSTEM.Process","SetNamespace","%SYS")', False),
]
POSITIONS = [
    "write:{E} 1", "write {E}", "set x={E}", "do:{E} x", 'x:{E} "w 1"', 'x "w 1":{E}', "w 1,{E}",
    "if {E} {{ }}", "for i=1:1:{E} {{ }}", "set x($lb({E}))=1", "w $s({E}:1)", "quit:{E}", "hang:{E} 0",
    "job:{E} ^X", 'w {{"a":({E})}}', "w [({E})]", "set ({E})=1", "w:(1 = {E}) 1", "if 1 {{ w {E} }}",
    'x "w {Q}"',
]


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("expression, opaque", REACHING, ids=[e for e, _ in REACHING])
def test_every_capability_is_seen_in_every_position(expression, opaque, position):
    """A postconditional, an argument, an argument postconditional, a subscript, a JSON value: the same
    checks read every expression (before, a postconditional skipped the SetNamespace, %CD and method
    checks: ``write:$system.Process.SetNamespace("%SYS") 1`` was allowed)."""
    command = position.format(E=expression, Q=expression.replace('"', '""'))
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed, (command, normalize(command))
    if opaque:
        assert not check_command(command, deny_patterns=r"^KILL\b").allowed, (command, normalize(command))
