"""Compiling an input line by line (so a line repeated in front of changing ones, like the client's mark, is
compiled once) gives exactly the program the whole input's parse gives: the same commands, the same
errors, and error reports pointing at the same line and column."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_sim_grammar import ROWS

from simulator.objectscript import command_parser
from simulator.objectscript.command_parser import Cmd, LineParser, compile_input

MARK = 'write "LT-0badc0de-",$increment(^||LiteTerminal),!'

# Lines that stand alone, and pieces of constructs that run across lines: a block's brace or continuation
# keyword on the next line, strings, comments and JSON literals that go on, a FOR body on the next line.
PIECES = [
    MARK, "write 1", "set x = 5", "if 1", "if x", "{", "}", "} else {", "else", "else {", "elseif 0 {",
    'write "a', 'b"', "/* c", "d */ write 2", "// note", "; note", 'write {"a":', '1}.%ToJSON()',
    "for i=1:1:2 {", "for i=1:1:2", "do {", "} while 0", "try {", "} catch e {", "catch e {",
    'x "write 3"', "", "  ", "\t", "write 1 }", "quit", "write undefined", "set ^||LiteTerminal=0",
    "while 0 {", "write $zversion,!", 'write "}"', "}}", "{{", "if 0 { write 1 }", "else { write 2 }",
    "elseif 1 { write 3 }", "try { write 4 }", "catch e { write 5 }", "do { write 6 }", "while 0",
    "for i=1:1:2 { write i }", "if 1 { write 7 } else { write 8 }",
] + [line for row in ROWS for line in row.form.split("\n")]

BREAKS = st.sampled_from(["\n", "\r\n", "\r"])


def located(source: str, at: int) -> tuple:
    """Where ``at`` is, as an error report shows it: the line's text and the column in it."""
    start = source.rfind("\n", 0, at) + 1
    end = source.find("\n", at)
    return source[start : len(source) if end < 0 else end], at - start


def shape(node: Any) -> Any:
    """A program as comparable data, with positions as (line text, column) rather than offsets."""
    if isinstance(node, Cmd):
        return ("Cmd", node.name, shape(node.cond), shape(node.args), shape(node.body),
                located(node.source, node.at))
    if isinstance(node, (list, tuple)):
        return tuple(shape(item) for item in node)
    if hasattr(node, "__dict__") and not callable(node):
        return (type(node).__name__,) + tuple((k, shape(v)) for k, v in sorted(vars(node).items()))
    return node


def error_shape(program: Any) -> Any:
    error = program.error
    if error is None:
        return None
    return error.name, error.detail, located(error.source, error.position)


def whole(text: str) -> Any:
    return LineParser(text.replace("\r\n", "\n").replace("\r", "\n")).program()


def join(lines: list, breaks: list) -> str:
    out = lines[0]
    for line, brk in zip(lines[1:], breaks):
        out += brk + line
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=2, max_size=6), st.lists(BREAKS, min_size=5, max_size=5))
def test_an_input_compiled_line_by_line_is_the_input_compiled_whole(lines: list, breaks: list) -> None:
    text = join(lines, breaks)
    expected = whole(text)
    command_parser._CACHE.clear()  # compile afresh (the line cache stays: lines are shared between inputs)
    got = compile_input(text)
    assert shape(got.lines) == shape(expected.lines)
    assert error_shape(got) == error_shape(expected)


def test_a_repeated_first_line_is_compiled_once() -> None:
    command_parser._LINES.pop(MARK, None)
    calls = []
    real = command_parser._standalone

    def counting(line: str) -> Any:
        calls.append(line)
        return real(line)

    command_parser._standalone = counting
    try:
        for i in range(5):
            compile_input(f"{MARK}\r\nwrite {1000 + i}")
    finally:
        command_parser._standalone = real
    assert calls.count(MARK) == 1
    assert [line for line in calls if line != MARK] == [f"write {1000 + i}" for i in range(5)]


def test_a_continuation_on_the_next_line_still_continues_the_block() -> None:
    program = compile_input("if 0 { write 1 }\nelse { write 2 }\nwrite 3")
    assert program.error is None
    assert [cmd.name for line in program.lines for cmd in line] == ["IFBLOCK", "WRITE"]
