"""``{ }`` blocks: IF/ELSEIF/ELSE, FOR, WHILE, DO/WHILE, with QUIT and CONTINUE inside, on one line and across
the lines of a multi-line input (docs/simulator-objectscript.md §2)."""

from __future__ import annotations

import pytest
from sim_interp import new_session, run

from simulator.objectscript import TICK

# A block typed over several lines; the client joins the lines with CRLF (VS Code) or LF (other clients).
MULTI_LINE = [
    "for i=1:1:3 {",
    "  if i=2 {",
    "    write \"two\"",
    "  } elseif i=3 {",
    "    write \"three\"",
    "  } else {",
    "    write \"one\"",
    "  }",
    "  write \",\"",
    "}",
]


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("for i=1:1:3 { write i }", "123"),
        ("for i=1:1:3 {write i}", "123"),
        ('for x="a","b" { w x }', "ab"),
        ("set i=0 for { set i=i+1 quit:i>3  w i }", "123"),
        ('if 1 { w "y" } else { w "n" }', "y"),
        ('if 0 { w "y" } else { w "n" }', "n"),
        ('if 0 { w 1 } elseif 0 { w 2 } elseif 1 { w 3 } else { w 4 }', "3"),
        ('if 0 { w 1 } elseif 0 { w 2 }', ""),
        ('if 1,0 { w "both" } else { w "not both" }', "not both"),
        ('IF 1 { W "y" } ELSE { W "n" }', "y"),
        ('if 0 { w "y" } e { w "n" }', "n"),
        ("set i=0 while i<3 { set i=i+1 w i }", "123"),
        ("set i=0 while (i<3) { set i=i+1 w i }", "123"),
        ("set i=5 while i<3 { w i }", ""),
        ("set i=0 do { set i=i+1 w i } while i<3", "123"),
        ("set i=5 do { w i } while i<3", "5"),  # the body runs once before the test
        ("for i=1:1:3 { for j=1:1:2 { w i,j,\" \" } }", "11 12 21 22 31 32 "),
        ("if 1 { for i=1:1:2 { w i } } w \"!\"", "12!"),
        ("if 1 { } w 1", "1"),
        ("for i=1:1:3 { w i } w \"end\"", "123end"),
        ("if 1 { w 1 } w 2", "12"),
    ],
)
def test_blocks_on_one_line(source, output):
    assert run(source) == output


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("for i=1:1:5 { quit:i=3  w i }", "12"),
        ("for i=1:1:5 { if i=3 { quit } w i } w \"after\"", "12after"),  # QUIT leaves the loop, not the IF
        ("set i=0 while 1 { set i=i+1 quit:i>2  w i } w \"after\"", "12after"),
        ("set i=0 do { set i=i+1 quit:i=2  w i } while i<5  w \"after\"", "1after"),
        ("for i=1:1:5 { continue:i#2  w i }", "24"),
        ("for i=1:1:4 { if i=2 { continue } w i }", "134"),
        ("set i=0 while i<4 { set i=i+1 continue:i=2  w i }", "134"),
        ("set i=0 do { set i=i+1 continue:i=2  w i } while i<4", "134"),
        ("for i=1:1:2 { for j=1:1:3 { quit:j=2  w i,j } w \";\" }", "11;21;"),  # QUIT: innermost loop
        ("if 1 { w 1 quit  w 2 } w 3", "1"),  # not in a loop: QUIT ends the line
        ("for i=1:1:3 { w i return:i=2 } w \"never\"", "12"),
    ],
)
def test_quit_continue_and_return_inside_blocks(source, output):
    assert run(source) == output


def test_continue_outside_a_loop_is_an_error():
    assert run("continue") == "\r\n<COMMAND>"


@pytest.mark.parametrize("separator", ["\r\n", "\n"], ids=["CRLF as VS Code sends it", "LF"])
def test_a_block_across_the_lines_of_a_multi_line_input(separator):
    assert run(separator.join(MULTI_LINE)) == "one,two,three,"


@pytest.mark.parametrize("separator", ["\r\n", "\n"], ids=["CRLF", "LF"])
def test_else_and_catch_may_start_the_next_line(separator):
    source = separator.join(["if 0 {", ' w "y"', "}", "else {", ' w "n"', "}"])
    assert run(source) == "n"
    lines = ["try {", " w 1/0", "}", "// a comment between the blocks", "catch e {", " w e.Name", "}"]
    source = separator.join(lines)
    assert run(source) == "<DIVIDE>"


@pytest.mark.parametrize("separator", ["\r\n", "\n"], ids=["CRLF", "LF"])
def test_lines_before_and_after_a_block_run_in_order(separator):
    source = separator.join(["set total=0", "for i=1:1:4 {", " set total=total+i", "}", "write total"])
    assert run(source) == "10"


def test_comments_inside_blocks():
    source = "for i=1:1:2 {\r\n  ; a comment\r\n  w i // trailing\r\n  /* block\r\n comment */ w \"-\"\r\n}"
    assert run(source) == "1-2-"


def test_a_legacy_else_after_a_block_if_is_still_legacy():
    assert run("if 0 { w 1 }\r\ne  w 2") == "2"  # the ELSE on its own line reads $TEST, not the block


def test_a_loop_body_that_fails_stops_the_input_with_the_error():
    assert run("for i=1:1:3 { w i w:i=2 nope }\r\nw \"never\"") == "12\r\n<UNDEFINED> *nope"


@pytest.mark.parametrize(
    "source",
    [
        "for i=1:1:3 { w i",  # never closed
        "w 1 }",  # closed but never opened
        "if 1 { w 1 } else",  # ELSE without its block
        "while 1",  # WHILE needs a block
        "do { w 1 }",  # DO block without its WHILE
        "try { w 1 }",  # TRY without CATCH
        "if 1 { w 1 } elseif { w 2 }",  # ELSEIF without a condition
    ],
)
def test_malformed_blocks_are_syntax_errors_before_anything_runs(source):
    out = run(source)
    assert out.endswith("<SYNTAX>") and "1" not in out.split("\r\n")[-1]
    assert not out.startswith("1")


def test_a_syntax_error_in_a_later_block_line_names_that_line():
    out = run("for i=1:1:2 {\r\n  w i\r\n  w (\r\n}")
    assert out == "\r\nW (\r\n^\r\n<SYNTAX>"  # nothing ran: the block is one unit


def test_busy_block_loops_tick_so_a_driver_can_interrupt():
    for source in ("for { set x=1 }", "while 1 { set x=1 }", "do { set x=1 } while 1"):
        events = new_session().run(source)
        assert next(events) is TICK
        events.close()


def test_a_deeply_nested_block():
    depth = 30
    source = "".join("if 1 { " for _ in range(depth)) + "w 42" + " }" * depth
    assert run(source) == "42"


def test_block_if_leaves_dollar_test_alone():
    session = new_session()
    assert run("if 0  w 1", session) == ""  # legacy IF sets $TEST to 0
    assert run("if 1 { w $test }", session) == "0"
