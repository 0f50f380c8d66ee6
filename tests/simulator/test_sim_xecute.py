"""XECUTE of strings, nested (docs/simulator-objectscript.md §5)."""

from __future__ import annotations

import pytest
from sim_interp import new_session, run


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ('xecute "write 1"', "1"),
        ('x "w 1","w 2"', "12"),
        ('x "x ""w 2"""', "2"),  # nested
        ('x "x ""x """"w 3"""""""', "3"),  # nested twice
        ('set code="w 4" x code', "4"),
        ('x "for i=1:1:3 { w i }"', "123"),
        ('x "w 1 q  w 2" w 3', "13"),  # QUIT ends the xecuted string only
        ('x:0 "w 1" x:1 "w 2"', "2"),
        ('x "w 1":0,"w 2":1', "2"),
        ('x "set y=5" w y', "5"),  # the string runs in the same process
        ('x ""', ""),
    ],
)
def test_xecute(source, output):
    assert run(source) == output


def test_errors_inside_xecute_propagate():
    assert run('x "w nope" w "never"') == "\r\n<UNDEFINED> *nope"
    assert run('try { x "w 1/0" } catch e { w e.Name }') == "<DIVIDE>"


def test_a_syntax_error_in_an_xecuted_string_is_raised_when_it_runs():
    assert run('w "ran" x "w ("').endswith("<SYNTAX>")
    assert run('w "ran" x "w ("').startswith("ran")


def test_a_string_that_xecutes_itself_ends_in_framestack():
    session = new_session()
    assert run('set s="x s" x s', session) == "\r\n<FRAMESTACK>"
    assert run("w 1", session) == "1"  # the process is fine afterwards
