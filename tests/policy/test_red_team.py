"""Red team, command policy: text IRIS reads one way and the policy another.

Each attack below was *allowed* by the policy on main (docs/security.md §3), so the server would have run a
namespace switch or a HALT past the default DenyPatterns, and some of them past an ``AllowPatterns=^WRITE\\b``
list too:

* JSON literals: any valid JSON is an ObjectScript expression (InterSystems, "Using JSON Literal
  Constructors"; "Using Dynamic Expressions and Dot Syntax" shows ``["\\u00E9",($CHAR(233))]``), so inside
  ``{...}`` and ``[...]`` a string follows JSON's rules: ``"\\""`` is one string holding a quote, where
  ObjectScript's rules end it after the backslash;
* embedded SQL: a quote inside an SQL comment (``/* ' */``) is no string for SQL;
* ``$XECUTE(("..."))``: the literal in parentheses, as the XECUTE command form already reads;
* ``$ETRAP``: its value is code that runs on the next error (``set $etrap="halt" write 1/0``);
* an argumentless command right before the ``}`` that closes its block: ``if 1 { h }`` was read as HANG with
  an empty argument, while IRIS (and the simulator) run HALT. This one the simulator runs, so it is also
  checked end to end, and a differential property test compares the policy with the simulator's interpreter
  on random commands: whatever the policy allows must not switch namespace or HALT there.

The simulator implements none of JSON literals, embedded SQL, ``$XECUTE`` and ``$ETRAP`` (they answer
``<SYNTAX>``), so those are shown against the policy itself; what IRIS does is from its documentation
(docs/policy.md).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from language_forms import run_in_the_simulator

from adapters.lite_terminal.lines import UnsafeCommandText, command_lines
from productions.policy import DEFAULT_DENY, check_command, normalize

ONLY_WRITE = r"^WRITE\b"


def decide(command: str, allow: str = ""):
    return check_command(command, allow_patterns=allow, deny_patterns=DEFAULT_DENY)


HIDDEN = [
    # JSON strings end at an unescaped quote: IRIS reads the object, then ZN, then a // comment
    r'set o={"a":"\""} zn "%SYS" //"}',
    r'set x=["\""] zn "%SYS" //"]',
    r'set o={"a\"":1} halt //"}',
    r'set o={"a":["\\\""]} zn "%SYS" //"]}',
    r'write {"a":"\""}.%ToJSON() halt //"}',
    # SQL comments: the quote is inside the comment for SQL
    "&sql(select 1 into :x from t /* ' */) zn \"%SYS\" //')",
    "&sql(select 1 into :x /* \" */) halt //\")",
    # $XECUTE of a literal in parentheses
    'write $xecute(("zn ""%SYS"" quit 1"))',
    'set x=$xecute((("(n) zn n quit 1")),"%SYS")',
    # $ETRAP is code, run at the next error
    'set $etrap="zn ""%SYS""" write 1/0',
    'set $ETRAP = "halt"',
    'set x=1,($etrap,y)="zn ""%SYS"""',
    'new $etrap set $etrap="x ""zn """"%SYS"""""""',
    # an argumentless HALT closed by its block's brace
    "if 1 { h }", "try { h } catch { }", "while 1 { h }", "for { h }", "if 1 { write 1 h }", "if 1 { h:1 }",
]


@pytest.mark.parametrize("command", HIDDEN)
def test_a_command_hidden_from_the_policy_is_denied(command):
    decision = decide(command)
    assert not decision.allowed, normalize(command)


@pytest.mark.parametrize("command", [
    r'write ["\""] halt //"]',
    'write $xecute(("zn ""%SYS"" quit 1"))',
])
def test_an_allow_list_of_write_does_not_let_the_hidden_command_through(command):
    assert not decide(command, ONLY_WRITE).allowed, normalize(command)


@pytest.mark.parametrize("command", [
    r'set o={"a":"\""}',  # a JSON string holding a quote
    r'set o={"path":"C:\\temp\\"} write o.path',
    'set o={"a":("x""y")} write o.a',  # an ObjectScript string inside a JSON literal
    'set dir="C:\\temp\\" write dir',  # a backslash ends an ObjectScript string: no JSON here
    'if x["abc" write 1',  # [ is also the contains operator
    "&sql(select a into :x from t where b='/* -- ;') write x",  # comment marks inside an SQL string
    "&sql(select a into :x from t where b='it''s') write x",
    'write $xecute(("quit 1"))',
    'set $etrap="write ""oops"""',
    'set x=$etrap write x',
])
def test_look_alikes_are_still_allowed(command):
    decision = decide(command)
    assert decision.allowed, decision.reason


def test_sql_holding_a_comment_is_denied_as_unreadable():
    """Which comment forms embedded SQL accepts on a terminal line is not documented (docs/policy.md §2)."""
    decision = decide("&sql(select 1 into :x from t /* note */) write x")
    assert not decision.allowed and "SQL holds a comment" in decision.reason


def test_the_json_string_is_read_with_json_rules_and_the_command_after_it_is_seen():
    assert 'ZNSPACE "%SYS"' in normalize(r'set o={"a":"\""} zn "%SYS" //"}')


@pytest.mark.parametrize("command, statement", [("if 1 { h }", "HALT"), ("if 1 { h 1 }", "HANG 1"),
                                                ("if 1 { quit }", "QUIT"), ("if 1 { h  }", "HALT")])
def test_an_argumentless_command_before_its_closing_brace_has_no_argument(command, statement):
    assert statement in normalize(command)


# ---------------------------------------------------------------------------------------------------------
# Differential: the policy against the simulator's interpreter

ATOMS = ['zn "%SYS"', 'set $namespace="%SYS"', "halt", "h", "h:1", 'x "zn ""%SYS"""', 'write $zu(5,"%SYS")',
         "write 1", 'w "a""b"', "set x = 2", "if 1", "else", "for i=1:1:1", "quit", "kill", 'write "}"',
         'write "/*"', "if 1 {", "}", "try {", "} catch {", "while 0 {", "do {", "} while 0", "for {", "w !"]
SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", " ; c ", " // c ", " /* c */ ", " { ", " } ", "{", "}", " . ",
              ":1 ", ",", '"', "(", ")", "=", " }\n", "\n} "]


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(SEPARATORS)), min_size=1, max_size=6))
@example([("if 1 {", " "), ("h", " }")])
@example([("try {", " "), ("h", " } catch { }")])
def test_what_the_policy_allows_never_switches_namespace_or_halts_in_the_simulator(parts):
    command = "".join(atom + sep for atom, sep in parts)
    try:
        lines = command_lines(command)
    except UnsafeCommandText:
        return
    if check_command(command, deny_patterns=DEFAULT_DENY).allowed:
        assert run_in_the_simulator("\r\n".join(lines)) == ("USER", False), (command, normalize(command))


# ---------------------------------------------------------------------------------------------------------
# Differential over the language issue 17 added (generators in language_forms.py, kept apart so the
# generators above and below merge independently). POLICY_FUZZ_EXAMPLES sets the size; the one-off long
# run is tests/benchmarks/policy_fuzz.py.

import os  # noqa: E402

import language_forms  # noqa: E402


@settings(max_examples=int(os.environ.get("POLICY_FUZZ_EXAMPLES", "300")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(language_forms.commands(), language_forms.soups()))
def test_language_forms_the_policy_allows_never_switch_namespace_or_halt(command):
    try:
        lines = command_lines(command)
    except UnsafeCommandText:
        return
    if check_command(command, deny_patterns=DEFAULT_DENY).allowed and not language_forms.known_hole(command):
        reached = language_forms.reached_a_denied_capability("\r\n".join(lines))
        assert not reached, (command, normalize(command))


def test_the_language_generator_reaches_the_capabilities_it_is_meant_to():
    """The differential is only as good as its forms: most of them, run as written, do switch namespace
    or halt in the interpreter (a generator the interpreter refuses would prove nothing)."""
    import random

    rng = random.Random(17)
    forms = [language_forms.random_command(rng) for _ in range(400)]
    reached = sum(language_forms.reached_a_denied_capability(form) for form in forms)
    assert reached >= 0.6 * len(forms), reached


@pytest.mark.parametrize("payload", language_forms.PAYLOADS)
def test_every_payload_reaches_a_denied_capability_and_is_denied(payload):
    assert language_forms.reached_a_denied_capability(payload), payload
    assert not decide(payload).allowed, normalize(payload)


@pytest.mark.parametrize("command", language_forms.RUNTIME_ONLY)
def test_code_built_at_run_time_does_reach_the_capability_and_is_denied(command):
    """Code built at run time is real: these do switch namespace in the interpreter; the policy cannot read
    them without running them, so it denies them under any pattern (docs/policy.md §7)."""
    assert language_forms.reached_a_denied_capability(command)
    assert not decide(command).allowed, normalize(command)
    assert not check_command(command, deny_patterns=r"^KILL\b").allowed, normalize(command)
