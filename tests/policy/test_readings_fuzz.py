"""Exact or conservative reading (issue 21, item 2; docs/policy.md §1, §5): generated commands in the
three families the review found misread, each checked against an oracle written independently of the
policy, and (where the simulator's interpreter runs the text) against the simulator.

* long numeric literals: the first argument of ``$ZU(`` is exactly an integer other than 5 (allowed) or is
  treated as possibly 5 (denied), whatever its length, sign, decimal point or exponent;
* JSON/ObjectScript escape mixes: text before a capability (``$ZU(5,..)``, ``$XECUTE("zn ..")``) built
  from strings with ``\\"``, doubled quotes, brackets and braces. The oracle reads the text three ways
  (ObjectScript string rules everywhere, JSON's everywhere, JSON's inside ``[``/``{`` literals; the JSON
  ones only when the text holds a bracket): when any reading puts the capability outside a string literal,
  the policy must deny;
* literals nested in JSON: a capability inside arrays, objects, parentheses and ``$LB`` with
  ``\\"``-holding siblings is always denied.

Size: ``LITE_TERMINAL_FUZZ_EXAMPLES`` examples per property (300 by default; the one-off run in the closing
note used 100,000 each).
"""

from __future__ import annotations

import os
from typing import List

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from language_forms import run_in_the_simulator

from adapters.lite_terminal.lines import UnsafeCommandText, command_lines
from productions.policy import DEFAULT_DENY, check_command, normalize

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def denied(command: str, allow: str = "") -> bool:
    return not check_command(command, allow, DEFAULT_DENY).allowed


# --- long numeric literals --------------------------------------------------------------------------------

def _zu_first_argument():
    zeros = st.integers(0, 90).map(lambda k: "0" * k)
    plain_five = st.builds(lambda z: z + "5", zeros)
    other = st.integers(0, 10 ** 60).filter(lambda v: v != 5)
    plain_other = st.builds(lambda z, v: z + str(v), zeros, other)
    spelled_five = st.sampled_from([
        "5.0", "5.", "05.000", "5E0", "5e0", ".5E1", "50E-1", "+5", "--5", "-(-5)", '"5"', '"5abc"', "10/2",
        "2+3", "5.00000000000000000001", "4.99999999999999999999", "+0005", "$zu(68,1)*0+5", "(5)"])
    return st.one_of(plain_five, plain_other, spelled_five)


@FUZZ
@given(_zu_first_argument(), st.sampled_from(["$zu(", "$ZU(", "$zutil(", "$ZUtil("]),
       st.sampled_from(['w {}', 'set x={}', 'if {} ', 'w:{} 1', 'x "w {}"']))
@example("0" * 45 + "5", "$zu(", "w {}")
@example(str(2 ** 32 + 5), "$zu(", "w {}")
@example(str(2 ** 64 + 5), "$ZU(", "set x={}")
@example(str(2 ** 31 - 1), "$zu(", "w {}")
def test_the_first_argument_of_zu_is_read_exactly_or_taken_for_five(first, function, shape):
    command = shape.format(function + first + ',"%SYS")')
    if shape.startswith("x "):
        command = 'x "w ' + function + first.replace('"', '""') + ',""%SYS"")"'
    exact_other = first.isdigit() and int(first) != 5 and len(first) <= 40 and int(first) < 2 ** 31
    if not exact_other:
        assert denied(command), (command, normalize(command))
    elif shape.startswith(("w {}", "set")):
        assert not denied(command), (command, check_command(command, "", DEFAULT_DENY).reason)


# --- JSON/ObjectScript escape mixes -----------------------------------------------------------------------

def _outside_strings(text: str, target: int, json_where: str) -> bool:
    """Is ``text[target]`` outside every string literal when strings follow ObjectScript's rules
    (``json_where="never"``), JSON's (``"always"``) or JSON's inside ``[``/``{`` opened where a value starts
    (``"literals"``)? A deliberately small reader, independent of productions.policy."""
    stack: List[str] = []
    pos, before = 0, ""
    while pos < len(text):
        if pos == target:
            return True
        ch = text[pos]
        if ch == '"':
            json = json_where == "always" or (json_where == "literals" and stack and stack[-1] != "(")
            pos += 1
            while pos < len(text):
                if pos == target:
                    return False
                if json and text[pos] == "\\":
                    pos += 1
                    if pos == target:
                        return False
                elif text[pos] == '"':
                    if not json and text[pos + 1:pos + 2] == '"':
                        pos += 1
                        if pos == target:
                            return False
                    else:
                        break
                pos += 1
            pos += 1
            before = '"'
            continue
        if ch in "[{":
            if (stack and stack[-1] != "(") or before in ("", "=", ",", "(", "[", ":", "_", "+"):
                stack.append(ch)
            elif ch == "{":
                stack.append("(")
        elif ch == "(":
            stack.append("(")
        elif ch in ")]}" and stack:
            stack.pop()
        if ch != " ":
            before = ch
        pos += 1
    return False


PIECES = ['"\\""', '"\\"', '"\\\\"', '["\\""]', '{"a":"\\""}', '"a""b"', '""', '\\', '"', "[", "]", "{", "}",
          "(", ")", ",", ":", '"\\u0022"', "1", '$lb("\\"")', "'", "_"]
CAPABILITIES = ['$zu(5,"%SYS")', '$ZUTIL(5,"%SYS")', '$xecute("zn ""%SYS""")', '$XECUTE(("zn ""%SYS"""))']


@FUZZ
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.sampled_from(CAPABILITIES),
       st.lists(st.sampled_from(PIECES), max_size=4), st.sampled_from(["set x=", "w ", "set o=[", "d f("]))
@example(['["\\""]', ","], '$zu(5,"%SYS")', [")"], "set x=$lb(")
@example(['"\\""', ","], '$xecute("zn ""%SYS""")', ["]"], "set o=[")
@example(['"\\"', ",", "[", '"\\""', ","], '$zu(5,"%SYS")', ["]"], "w ")
def test_a_capability_outside_the_strings_of_any_reading_is_denied(before, capability, after, start):
    head = start + "".join(before)
    command = head + capability + "".join(after)
    try:
        command_lines(command)
    except UnsafeCommandText:
        return
    at = len(head)
    # JSON's rule can only apply where a JSON literal could be: with no bracket, ObjectScript's alone
    ways = ("never", "always", "literals") if ("[" in command or "{" in command) else ("never",)
    if any(_outside_strings(command, at, way) for way in ways):
        assert denied(command), (command, normalize(command))
        assert denied(command, r"^(SET|WRITE|DO)\b"), (command, normalize(command))


# --- literals nested in JSON --------------------------------------------------------------------------------

SIBLINGS = ['"\\""', '"\\\\"', '"a\\"b"', "1", '""', '"x"""', "[]", "{}", '{"k":"\\""}']


@st.composite
def nested(draw):
    value = draw(st.sampled_from(CAPABILITIES))
    for _ in range(draw(st.integers(1, 6))):
        left = draw(st.lists(st.sampled_from(SIBLINGS), max_size=2))
        right = draw(st.lists(st.sampled_from(SIBLINGS), max_size=2))
        items = ",".join(left + [value] + right)
        kind = draw(st.sampled_from(["array", "object", "paren", "lb"]))
        if kind == "array":
            value = f"[{items}]"
        elif kind == "object":
            key = draw(st.sampled_from(['"k"', '"\\""', '"a\\\\"', '"k""q"']))
            value = "{" + f"{key}:{value}" + "}"
        elif kind == "paren":
            value = f"({value})"
        else:
            value = f"$lb({items})"
    return draw(st.sampled_from(["set o=", "w ", "set o=1,p="])) + value


@FUZZ
@given(nested())
def test_a_capability_nested_in_json_literals_is_always_denied(command):
    assert denied(command), (command, normalize(command))
    assert denied(command, r"^(SET|WRITE)\b"), (command, normalize(command))


# --- differential: escape mixes the simulator runs ----------------------------------------------------------

SIM_PIECES = ['"\\"', '"\\""', '"a""b"', "\\", " ", '"', ",", "1", "(", ")", "_"]
SIM_TAILS = [' zn "%SYS"', ' x "zn ""%SYS"""', ' set $namespace="%SYS"', " halt"]


@FUZZ
@given(st.lists(st.sampled_from(SIM_PIECES), max_size=8), st.sampled_from(SIM_TAILS),
       st.sampled_from(["w ", "set x=", "if "]))
def test_what_the_policy_allows_with_backslashes_never_switches_namespace_in_simulator(pieces, tail, start):
    command = start + "".join(pieces) + tail
    try:
        lines = command_lines(command)
    except UnsafeCommandText:
        return
    if not denied(command):
        assert run_in_the_simulator("\r\n".join(lines)) == ("USER", False), (command, normalize(command))
