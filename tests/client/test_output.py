"""Output post-processing rules (docs/protocol.md §8, §11)."""

import pytest

from adapters.lite_terminal.output import (
    find_error,
    is_interrupted,
    namespace_from_prompt,
    strip_ansi,
    strip_leading_crlf,
)


def test_strip_ansi_removes_sgr_and_keeps_text_and_line_breaks():
    assert strip_ansi("\x1b[1mUSER>\x1b[0m") == "USER>"
    assert strip_ansi("a\r\n\x1b[31;1m<UNDEFINED>\x1b[0m *x") == "a\r\n<UNDEFINED> *x"


def test_strip_ansi_removes_cursor_osc_and_two_byte_escapes():
    assert strip_ansi("\x1b[2K\x1b[?25lx\x1b[10;5H") == "x"
    assert strip_ansi("\x1b]0;title\x07y\x1b]2;t\x1b\\z") == "yz"
    assert strip_ansi("\x1b7a\x1b8") == "a"


def test_at_most_one_leading_crlf_is_stripped():
    assert strip_leading_crlf("\r\n\r\nx") == "\r\nx"
    assert strip_leading_crlf("\nx") == "\nx"
    assert strip_leading_crlf("x\r\n") == "x\r\n"


@pytest.mark.parametrize(
    "raw, error",
    [
        ("\r\n\x1b[31;1m<UNDEFINED>\x1b[0m *x", "<UNDEFINED> *x"),
        ("1\r\n2\r\n\x1b[31;1m<DIVIDE>\x1b[0m zX+1^R\r\n", "<DIVIDE> zX+1^R"),
        ("\x1b[31;1m<SYNTAX>\x1b[0m", "<SYNTAX>"),
        ("plain output", None),
        ("<UNDEFINED> *x", None),  # not coloured: not an error unless in raw mode
    ],
)
def test_error_detection_follows_the_bold_red_rule(raw, error):
    assert find_error(raw) == error


def test_raw_mode_error_detection_looks_for_a_line_starting_with_a_name():
    assert find_error("ok\r\n<NOROUTINE> *Foo\r\n", raw_mode=True) == "<NOROUTINE> *Foo"
    assert find_error("x <b> not at line start", raw_mode=True) is None


def test_interrupt_detection():
    assert is_interrupted("\r\n\x1b[31;1m<INTERRUPT>\x1b[0m")
    assert not is_interrupted("<INTERRUPT>")
    assert is_interrupted("\r\n<INTERRUPT>", raw_mode=True)
    assert not is_interrupted("\x1b[31;1m<UNDEFINED>\x1b[0m")


@pytest.mark.parametrize(
    "prompt, ns",
    [
        ("\x1b[1mUSER>\x1b[0m", "USER"),
        ("%SYS>", "%SYS"),
        ("TL1:USER>", "USER"),
        ("\x1b[1mTL2:%SYS>\x1b[0m ", "%SYS"),
        ("no namespace here", None),
        ("", None),
    ],
)
def test_namespace_is_parsed_from_the_prompt_text(prompt, ns):
    assert namespace_from_prompt(prompt) == ns
