"""Hostile and careless inputs: every input ends in output or an error report, never a Python exception that
would leave a client waiting for a prompt (docs/simulator-objectscript.md §1, §11)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_interp import new_session, run

from simulator.objectscript import ReadRequest

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "300"))


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("w " + "(" * 5000 + "1" + ")" * 5000, "\r\n<SYNTAX>"),  # deeper than the compiler follows
        ("if 1 { " * 3000 + "w 1" + " }" * 3000, "\r\n<SYNTAX>"),
        ("try { " * 2000 + "w 1" + " } catch { }" * 2000, "\r\n<SYNTAX>"),
        ("w " + "-" * 50001 + "1", "-1"),  # a long prefix is a loop, not recursion
        ("w 1" + "+1" * 100000, "100001"),  # so is a long left-to-right expression
        ("s x(" + ",".join(["1"] * 5000) + ")=1 w $d(x)", "10"),
        ("w x" + ".a" * 5000, "\r\n<FRAMESTACK>"),  # too deep to evaluate: IRIS's frame stack error
        ('w "' + "a" * 100000 + '"', "a" * 100000),
    ],
    ids=["parens", "blocks", "try", "prefix", "long-expression", "subscripts", "members", "long-string"],
)
def test_deep_and_long_inputs_end_in_output_or_an_error(source, output):
    assert run(source) == output


def test_the_session_is_fine_after_a_too_deep_input():
    session = new_session()
    run("if 1 { " * 3000 + "w 1" + " }" * 3000, session)
    assert run("w 42", session) == "42"


def test_a_simulator_bug_is_an_error_report_not_an_exception(monkeypatch, caplog):
    from simulator.objectscript import block_runner

    def broken(s, cmd):
        raise TypeError("a bug")

    monkeypatch.setitem(block_runner.RUNNERS, "WRITE", broken)
    assert run("w 1") == "\r\n<SYSTEM> simulator TypeError"
    assert "interpreter failed" in caplog.text


TOKENS = [
    'w ', 's ', 'x=', '^G', '(', ')', '{', '}', '\r\n', '\n', ' ', '  ', 'if ', 'else ', 'elseif ',
    'for ', 'i=1:1:3', 'while ', 'do ', 'try ', 'catch ', 'e ', 'throw ', 'quit', 'continue', 'x ', '"',
    '""', '1', '0', ',', ':', '.', '$o(', '$d(', '$g(', '$s(', '##class(%Exception.General).%New(',
    '$system.Status.', 'e.Name', 'merge ', 'kill ', 'zw ', "'", '_', '+', '=', ';', '//', '/*', '*/',
    '$ze', 'r ', 'h ', '$c(', '%', '#', '!', '?', '^||', '^|"USER"|', 'return', 'm ',
    '$system.OBJ.Compile(', '.x',
    # issue 17's language: JSON, $LIST, NEW, LOCK, $ETRAP, indirection, blanks inside arguments
    '{"a":', '[', ']', '"\\"', 'true', 'null', '.%ToJSON()', '.%Get(', '.%Set(', '.%Push(',
    '##class(%DynamicObject).%FromJSON(', '$lb(', '$li(', '$ll(', '$lg(', '$lts(', '$lfs(', '$listnext(',
    'new ', 'n (', 'lock ', 'l +', 'l -', ':0', '$etrap=', '$ecode=', '$ztrap', '$q(', '@', '@(', ' = ',
    ', ', ' , ', '\t', 'set $namespace=', '$system.OBJ.CompileList(', '"Demo.*.cls"', 'x "',
]  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=16))
def test_any_token_soup_runs_to_an_end_without_a_python_exception(tokens):
    session = new_session()
    events = session.run("".join(tokens))
    reply = None
    for _ in range(3000):  # busy loops tick forever; a driver would interrupt them
        try:
            event = events.send(reply)
        except StopIteration:
            break
        reply = "a" if isinstance(event, ReadRequest) else None
        text = getattr(event, "text", "")
        assert "<SYSTEM>" not in text, text  # no interpreter bug behind an error report
    events.close()
