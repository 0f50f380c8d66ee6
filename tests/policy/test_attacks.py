"""The command policy reads what it claims and refuses what it cannot read (issue 8, item 2).

Each attack below got past the earlier policy, or would have: a ``$ZU(5,...)`` namespace switch in a
postconditional, XECUTE literals in the forms the earlier scanner did not follow (postconditional,
parentheses, the ``("(params) code",args)`` form, deeper nesting), an argument continued on the next line,
a command after ``&sql(...)``, ``$XECUTE("...")``, and comment tricks. Text the policy cannot read with
certainty (an unknown command, an unclosed string or parenthesis, text where a command should start, nesting
deeper than it follows) is denied with the reason, never allowed. The last tests are property tests over
random text: a namespace switch on a line of its own is denied whatever comes before it, and no text makes
the checker fail instead of answering.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.lines import UnsafeCommandText, command_lines
from productions.policy import DEFAULT_DENY, MAX_XECUTE_DEPTH, check_command, normalize

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def quoted(code: str) -> str:
    """``code`` as an ObjectScript string literal."""
    return '"' + code.replace('"', '""') + '"'


def decide(command: str, allow: str = ""):
    return check_command(command, allow_patterns=allow, deny_patterns=DEFAULT_DENY)


def nested_xecute(code: str, levels: int) -> str:
    for _ in range(levels):
        code = "xecute " + quoted(code)
    return code


# ---------------------------------------------------------------------------------------------------------
# Attacks: each is denied by the default DenyPatterns, with the statement that matched


@pytest.mark.parametrize(
    "command",
    [
        # $ZU(5) / $ZUTIL(5) anywhere: postconditional, argument postconditional, nested in an expression
        'write:$zu(5,"%SYS") 1', 'w:$ZUTIL(5,"%SYS") 1', 'if $zu(5,"%SYS") write 1', 'do:$zu(5,"%SYS") x',
        'xecute "write 1":$zu(5,"%SYS")', 'write $s($zu(5,"%SYS"):1,1:0)', 'write $zu(+5,"%SYS")',
        'write $zu(x,"%SYS")',  # a first argument it cannot evaluate counts as 5
        # every XECUTE literal form
        'x:1 "zn ""%SYS"""', 'xecute:$h>0 "zn ""%SYS"""', 'x "zn ""%SYS""":1', 'x ("zn ""%SYS""")',
        'x (("zn ""%SYS"""))', 'x ("(ns) zn ns","%SYS")', 'x ("(a,b) zn b",1,"%SYS"):1',
        'x "write 1","zn ""%SYS"""', 'x "write 1",("(n) zn n","%SYS")',
        nested_xecute('zn "%SYS"', 2), nested_xecute('zn "%SYS"', MAX_XECUTE_DEPTH),
        nested_xecute("halt", 3),
        # $XECUTE of a literal, with and without parameters
        'write $xecute("zn ""%SYS"" quit 1")', 'set x=$xecute("(n) zn n quit 1","%SYS")',
        # an argument continued on the next line, or around an operator at the break
        'set $namespace\n="%SYS"', 'set $namespace=\n"%SYS"', 'set $namespace\r\n = "%SYS"',
        'write $zu(5,\n"%SYS")', 'set x=1,\n$namespace="%SYS"',
        # a command after embedded SQL, also with ")" and quotes inside the SQL text
        '&sql(select 1 into :x from t) zn "%SYS"', "&sql(select ')' into :x from t) zn \"%SYS\"",
        '&SQL(select "a)" into :x from t)  halt', '&sql(select (1) into :x from t)\nzn "%SYS"',
        # comments that hide a command from one reading but not from IRIS
        'write 1 /*"*/ zn "%SYS" //"', 'write 1 /* a\n*/ zn "%SYS"', '/* x */zn "%SYS"',
        'set x=1/* c */ zn "%SYS"',
        # blocks and JSON literals
        'if 1 {\n zn "%SYS"\n}', 'set o={"a":1} zn "%SYS"', 'set o={"a":"}"} zn "%SYS"',
        # glued to garbage that a strict reading skips
        'write 1 = zn "%SYS"', 'write 1 _ zn "%SYS"',
    ],
)
def test_the_attack_is_denied_by_the_default_deny_patterns(command):
    decision = decide(command)
    assert not decision.allowed, normalize(command)
    assert "DenyPatterns" in decision.reason, decision.reason


@pytest.mark.parametrize("levels", [MAX_XECUTE_DEPTH + 1, MAX_XECUTE_DEPTH + 3])
def test_xecute_literals_nested_deeper_than_the_policy_follows_are_denied_not_allowed(levels):
    decision = decide(nested_xecute("write 1", levels))  # harmless at the bottom: denied all the same
    assert not decision.allowed
    assert f"nested more than {MAX_XECUTE_DEPTH} levels deep" in decision.reason


# ---------------------------------------------------------------------------------------------------------
# Unreadable text is denied with the reason


@pytest.mark.parametrize(
    "command, why",
    [
        ("foo 1", "'foo' is not an ObjectScript command this policy knows"),
        ("zmycmd 1", "'zmycmd' is not an ObjectScript command"),  # a user-defined Z command
        ('write "abc', "a string literal is not closed"),
        ('write (1 zn "%SYS"', "parenthesis or brace opened here is not closed"),
        ("write 1)", "')' closes no parenthesis"),
        ("1+1", "'1+1' is not a command"),
        ("write 1 /* never closed", "a /* comment is not closed"),
        ("&sql(select 1 into :x from t", "&sql( is not closed"),
        ("write\u00a0 1", "U+00A0, a blank other than space and tab"),
        ("write,1", "'write,1' is not a command"),
        ('x "write ""abc"', "in an XECUTE literal"),  # the literal holds an unclosed string
        ("write 1\nwrite (2", "line 2:"),
    ],
)
def test_text_the_policy_cannot_read_is_denied_with_the_reason(command, why):
    decision = decide(command)
    assert not decision.allowed
    assert decision.reason.startswith("cannot read the command, so it is not run") and why in decision.reason


def test_unsafe_text_is_denied_before_reading():
    decision = decide("write 1\x0czn \"%SYS\"")
    assert not decision.allowed and decision.reason.startswith("unsafe command text:")


# ---------------------------------------------------------------------------------------------------------
# What stays allowed


@pytest.mark.parametrize(
    "command",
    [
        'set o={"a":1} write o.%ToJSON()', "set a=[1,2,3]", 'write $zu(5)', 'write $zu(12,"x")',
        "if 1 {\n write 1\n}", "&sql(select 1 into :x from t)", 'x "write 1"', 'x ("(a) write a",1)',
        "write $lb(1,\n2)", 'write $xecute("quit 1")', "set x = 1 + 2", "for i=1:1:3 { write i }",
        'write "a" /* c */, "b"', "set x=1  // note", "kill ^X(1) ; done", "write 1 ##; zn", "w 1 #; h",
    ],
)
def test_ordinary_commands_are_still_allowed_by_the_default_list(command):
    decision = decide(command)
    assert decision.allowed, decision.reason


def test_an_allow_list_must_accept_every_reading_so_multi_line_arguments_need_one_line():
    # Read on its own, line 2 of ``write $lb(1,`` / ``2)`` is not a WRITE: the allow list refuses it.
    assert not decide("write $lb(1,\n2)", allow=r"^WRITE\b").allowed
    assert decide("write $lb(1,2)", allow=r"^WRITE\b").allowed


def test_readings_of_a_line_continued_by_an_operator():
    statements = normalize('set $namespace\n="%SYS"')
    assert "ZNSPACE \"%SYS\"" in statements and "SET $NAMESPACE" in statements


# ---------------------------------------------------------------------------------------------------------
# Properties over random text


_PIECES = st.sampled_from([
    " ", "  ", "\t", "\n", "\r\n", '"', '""', "(", ")", "{", "}", ",", ":", "=", "_", "+", "!", "#", ";",
    "//", "/*", "*/", "&sql(", "'", "$zu(5,", "$xecute(", "x ", "w ", "s ", "set ", "zn ", "h", "1", "x",
    "$namespace", "%SYS", ".", "@", "##class(A).B()", "\u00e9",
])
_TEXT = st.lists(_PIECES, max_size=30).map("".join)


@FUZZ
@given(prefix=_TEXT)
def test_a_namespace_switch_on_its_own_line_is_denied_whatever_comes_before(prefix):
    decision = decide(prefix + '\nzn "%SYS"')
    assert not decision.allowed


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_gets_an_answer_and_text_with_no_one_reading_is_never_allowed(text):
    decision = decide(text)
    try:
        command_lines(text)
    except UnsafeCommandText:
        assert not decision.allowed and decision.reason.startswith("unsafe command text:")


@FUZZ
@given(prefix=st.lists(st.sampled_from(["write 1", 'set x="a b"', "set y = 2", "if 1", "quit:0",
                                        'do ##class(A).B("x")', 'x "write 1"', "kill ^X",
                                        "for i=1:1:2 { write i }", "&sql(select 1 into :x from t)"]),
                       max_size=6))
def test_a_namespace_switch_after_any_sequence_of_commands_on_one_line_is_denied(prefix):
    # (after ``quit:0`` and one blank, IRIS reads ``zn`` as QUIT's argument and the rest is unreadable:
    # denied either way)
    decision = decide(" ".join(prefix + ['zn "%SYS"']))
    assert not decision.allowed
