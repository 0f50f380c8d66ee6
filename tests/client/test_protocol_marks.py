"""The mark in the state machine (docs/protocol.md §15.3): what comes before a command's mark is not its,
wherever the frames are cut; a prompt ends it only after the mark, except after a <SYNTAX> refusal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.errors import LocalProtocolError
from adapters.lite_terminal.protocol import (
    CommandDone,
    InStep,
    Output,
    StalePrompt,
    StaleRead,
    State,
    StrayOutput,
    TerminalProtocol,
    Unmarked,
    unmark,
)

PROMPT = json.dumps({"type": "prompt", "text": "\x1b[1mUSER>\x1b[0m", "ns": "USER"})


def out(text):
    return json.dumps({"type": "output", "text": text})


def ready():
    proto = TerminalProtocol("USER")
    proto.receive('{"type":"init","protocol":1,"version":"v"}')
    proto.config()
    proto.receive(PROMPT)
    return proto


def mark_of(proto):
    return f"LT-{proto._tag}-{proto.sequence + 1}\r\n"


def test_a_marked_command_sends_its_mark_line_first_and_collects_only_what_follows_the_mark():
    proto = ready()
    sent = json.loads(proto.start_marked('write "x"'))
    first, command = sent["input"].split("\r\n", 1)
    assert first.startswith('write "LT-') and first.endswith('-",$increment(^||LiteTerminal),!')
    assert command == 'write "x"' and unmark(sent["input"]) == 'write "x"'
    assert proto.state is State.START
    mark = mark_of(proto)
    assert proto.receive(out("late")) == [StrayOutput("late")]
    assert proto.receive(PROMPT) == [StalePrompt("\x1b[1mUSER>\x1b[0m", "USER")]
    assert proto.state is State.START
    assert proto.receive(out(mark + "x")) == [Output("x")]
    assert proto.state is State.EVAL
    assert proto.receive(PROMPT) == [CommandDone("\x1b[1mUSER>\x1b[0m", "USER")]
    assert proto.sequence == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(min_size=0, max_size=30), st.data())
def test_whatever_the_chunking_the_command_gets_exactly_what_follows_its_mark(before, after, data):
    proto = ready()
    proto.start_marked("do ^X")
    stream = before + mark_of(proto) + after
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0] + cuts, cuts + [len(stream)])]
    mine, stray = [], []
    for chunk in chunks:
        for event in proto.receive(out(chunk)):
            (mine if isinstance(event, Output) else stray).append(event.text)
    assert proto.state is State.EVAL
    if before.endswith("\r\n") and not before.strip("\r\n"):  # a lone leading CR LF is the command's
        before, after = before[:-2], "\r\n" + after
    assert "".join(mine) == after and "".join(stray) == before


def test_an_earlier_marks_number_is_not_this_commands_mark():
    proto = ready()
    proto.start_marked("w 1")
    proto.receive(out(mark_of(proto) + "1"))
    proto.receive(PROMPT)
    old = f"LT-{proto._tag}-1\r\n"  # the first command's mark, arriving again (a duplicate)
    proto.start_marked("w 2")
    events = proto.receive(out(old + "1")) + proto.receive(out(mark_of(proto) + "2"))
    assert "".join(e.text for e in events if isinstance(e, Output)) == "2"
    assert "".join(e.text for e in events if isinstance(e, StrayOutput)) == old + "1"


def test_a_read_before_the_mark_is_stale_and_answered_empty():
    proto = ready()
    proto.start_marked("w 1")
    assert proto.receive('{"type":"read"}') == [StaleRead()]
    assert json.loads(proto.answer_stale_read()) == {"type": "read", "input": ""}
    assert proto.state is State.START
    with pytest.raises(LocalProtocolError):
        proto.answer_read("input for the command")  # not the command's READ


def test_a_syntax_refusal_without_a_mark_ends_the_command_and_makes_the_counter_unknown():
    proto = ready()
    proto.start_marked("w (")
    report = "\r\nw (\r\n^\r\n\x1b[31;1m<SYNTAX>\x1b[0m"
    assert not any(isinstance(e, Output) for e in proto.receive(out(report)))
    (refused,) = proto.receive(PROMPT)
    assert isinstance(refused, Unmarked) and refused.output == report
    assert proto.state is State.PROMPT
    assert proto.sequence is None  # the report may have been an earlier command's: resynchronise first


def test_a_prompt_after_other_errors_but_no_mark_is_stale():
    proto = ready()
    proto.start_marked("w 1")
    proto.receive(out("\x1b[31;1m<UNDEFINED>\x1b[0m *x"))  # an earlier command's error, not a refusal
    assert isinstance(proto.receive(PROMPT)[0], StalePrompt) and proto.state is State.START


def test_an_interrupt_before_the_mark_still_strips_it_and_any_prompt_then_ends_the_command():
    proto = ready()
    proto.start_marked("hang 9")
    proto.interrupt()
    assert proto.state is State.START_INT
    assert proto.receive(out(mark_of(proto) + "\r\n<INTERRUPT>")) == [Output("\r\n<INTERRUPT>")]
    assert proto.state is State.EVAL and proto.sequence == 1
    unstarted = ready()
    unstarted.start_marked("hang 9")
    unstarted.interrupt()
    assert isinstance(unstarted.receive(PROMPT)[0], CommandDone)
    assert unstarted.sequence is None  # the mark may or may not have run: resynchronise first
    with pytest.raises(LocalProtocolError):
        unstarted.start_marked("w 1")


def test_the_resynchronisation_ends_at_the_prompt_after_its_token_and_resets_the_counter():
    proto = ready()
    proto.start_marked("hang 9")
    sent = json.loads(proto.begin_sync("abc123"))
    assert sent["input"] == 'write "LT-SYNC-","abc123" set ^||LiteTerminal=0'
    assert proto.receive(PROMPT) == [StalePrompt("\x1b[1mUSER>\x1b[0m", "USER")]
    assert proto.receive(out("LT-SYNC-abc")) == [] and proto.state is State.SYNC
    assert proto.receive(out("123")) == [] and proto.state is State.SYNCED
    assert proto.receive(PROMPT) == [InStep("\x1b[1mUSER>\x1b[0m", "USER")]
    assert proto.state is State.PROMPT and proto.sequence == 0
    with pytest.raises(LocalProtocolError):
        proto.begin_sync("not a token!")
