"""OutputStream: what is written does not depend on how the server cut its output into frames; lines that
carry a server name never hold a control character; IRIS's error line stays off stdout."""

from __future__ import annotations

from typing import List

from hypothesis import given
from hypothesis import strategies as st

from adapters.lite_terminal.output import ERROR_MARK
from adapters.lite_terminal.render import OutputStream, group_block

PIECES = st.sampled_from(["a", "b c", "\r\n", "\r", "\n", "\t", "\x1b[1m", "\x1b[0m", "\x1b]0;title\x07",
                          ERROR_MARK + "<UNDEFINED>\x1b[0m *x", "\x07", "\u2028", "\x85", "é", "<x>"])


def written(chunks: List[str], **options) -> str:
    out: List[str] = []
    stream = OutputStream(out.append, **options)
    for chunk in chunks:
        stream.feed(chunk)
    stream.finish()
    return "".join(out)


@given(st.lists(PIECES, max_size=30), st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_what_is_written_does_not_depend_on_how_the_output_was_cut(pieces, cuts):
    raw = "".join(pieces)
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0] + points, points + [len(raw)])]
    for options in ({}, {"escape": True}, {"color": True}, {"prefix": "iris1: "}, {"drop_errors": False}):
        assert written(chunks, **options) == written([raw], **options), options


@given(st.lists(PIECES, max_size=30))
def test_every_prefixed_line_is_one_printable_line(pieces):
    text = written(["".join(pieces)], prefix="iris1: ")
    for line in text.split("\n")[:-1]:
        assert line.startswith("iris1: ")
        assert not any(ord(ch) < 0x20 and ch != "\t" or 0x7f <= ord(ch) <= 0x9f or ch in "\u2028\u2029"
                       for ch in line), repr(line)


def test_cr_lf_split_across_frames_is_one_line_end():
    assert written(["a\r", "\nb"]) == "a\nb\n"
    assert written(["\r", "\nfirst"]) == "first\n"  # the leading CR LF of a command's output is dropped


def test_the_error_line_and_its_fresh_line_stay_off_stdout_and_real_blank_lines_stay():
    assert written(["1\r\n2\r\n", "\r\n" + ERROR_MARK + "<DIVIDE>\x1b[0m"]) == "1\n2\n"
    assert written(["1\r\n\r\n2\r\n\r\n"]) == "1\n\n2\n\n"
    assert written(["x\r\n" + ERROR_MARK + "<INTERRUPT>\x1b[0m"], drop_errors=False) == "x\n<INTERRUPT>\n"


def test_colours_only_when_asked_and_other_escapes_never():
    raw = "\x1b[1mbold\x1b[0m \x1b]0;pwned\x07title \x1b[2Jclear"
    assert written([raw]) == "bold title clear\n"
    assert written([raw], color=True) == "\x1b[1mbold\x1b[0m title clear\n"
    assert written(["bell\x07 tab\tend"], escape=True) == "bell\\x07 tab\tend\n"


def test_a_line_without_an_escape_is_shown_before_its_end_arrives():
    out: List[str] = []
    stream = OutputStream(out.append)
    stream.feed("Name? ")
    assert out == ["Name? "]  # a READ prompt is on the screen at once
    stream.feed("\x1b[31")
    assert out == ["Name? "]  # may become IRIS's error mark: held


def test_a_group_block_indents_output_so_it_cannot_pass_for_a_header():
    block = group_block("iris[1-2]", "error", "----------------\niris9\n----------------")
    lines = block.splitlines()
    assert lines[:3] == ["-" * 16, "iris[1-2] (error)", "-" * 16]
    assert all(line.startswith("  ") for line in lines[3:])
