"""Frame parsing and encoding, as catalogued in docs/protocol.md §6."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.errors import LocalProtocolError, ProtocolError
from adapters.lite_terminal.frames import (
    ColorFrame,
    ColorRequestFrame,
    ConfigFrame,
    DroppedFrame,
    ErrorFrame,
    InitFrame,
    InputFrame,
    InterruptFrame,
    OutputFrame,
    PromptFrame,
    ReadFrame,
    ReadReplyFrame,
    UnknownFrame,
    encode,
    parse_server_frame,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"type":"init","protocol":1,"version":"IRIS 2025.1"}', InitFrame(1, "IRIS 2025.1")),
        ('{"type":"prompt","text":"\\u001b[1mUSER>\\u001b[0m"}', PromptFrame("\x1b[1mUSER>\x1b[0m", None)),
        ('{"type":"prompt","text":"USER>","ns":"USER"}', PromptFrame("USER>", "USER")),
        ('{"type":"prompt","text":"USER>","ns":null}', PromptFrame("USER>", None)),
        ('{"type":"output","text":"42"}', OutputFrame("42")),
        ('{"type":"read"}', ReadFrame()),
        ('{"type":"color","text":"\\u001b[32mw\\u001b[0m"}', ColorFrame("\x1b[32mw\x1b[0m")),
        ('{"type":"error","text":"boom"}', ErrorFrame("boom")),
        ('{"type":"readchar"}', UnknownFrame("readchar")),
    ],
)
def test_server_frames_parse_as_catalogued(text, expected):
    assert parse_server_frame(text) == expected


def test_error_frame_without_text_is_still_an_error_frame():
    assert isinstance(parse_server_frame('{"type":"error"}'), ErrorFrame)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("not json", "not JSON"),
        ("", "not JSON"),
        ("[1,2]", "JSON list, not an object"),
        ('"init"', "JSON str, not an object"),
        ('{"protocol":1}', "no string 'type'"),
        ('{"type":7}', "no string 'type'"),
        ("[" * 100000 + "]" * 100000, "not JSON"),
    ],
)
def test_frames_vs_code_would_drop_are_dropped_not_fatal(text, reason):
    # docs/protocol.md §6.1 [C S1]: non-JSON frames are dropped and unknown types fall through VS Code's
    # switch
    frame = parse_server_frame(text)
    assert isinstance(frame, DroppedFrame)
    assert reason in frame.reason


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"init","version":"x"}',
        '{"type":"init","protocol":"1","version":"x"}',
        '{"type":"init","protocol":true,"version":"x"}',
        '{"type":"prompt"}',
        '{"type":"prompt","text":"USER>","ns":5}',
        '{"type":"output","text":null}',
        '{"type":"output","text":["a"]}',
        '{"type":"color"}',
        b'{"type":"output","text":"binary"}',
    ],
)
def test_malformed_frames_raise_protocol_error(text):
    with pytest.raises(ProtocolError):
        parse_server_frame(text)


@pytest.mark.parametrize(
    "frame, expected",
    [
        (ConfigFrame("USER"), {"type": "config", "namespace": "USER", "rawMode": False}),
        (ConfigFrame("%SYS", raw_mode=True), {"type": "config", "namespace": "%SYS", "rawMode": True}),
        (InputFrame('write "hi"\r\nwrite 2'), {"type": "prompt", "input": 'write "hi"\r\nwrite 2'}),
        (ReadReplyFrame("Alice"), {"type": "read", "input": "Alice"}),
        (InterruptFrame(), {"type": "interrupt"}),
        (ColorRequestFrame("w 1"), {"type": "color", "input": "w 1"}),
    ],
)
def test_client_frames_encode_to_the_wire_shape(frame, expected):
    assert json.loads(encode(frame)) == expected


def test_non_ascii_survives_encoding():
    assert json.loads(encode(InputFrame('write "Grüße €"')))["input"] == 'write "Grüße €"'


def test_encoding_a_non_frame_is_a_local_error():
    with pytest.raises(LocalProtocolError):
        encode("prompt")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_a_command_frame_is_the_json_the_generic_encoder_writes(text):
    from adapters.lite_terminal.frames import MarkedInputFrame, _encode_json

    for frame in (InputFrame(text), MarkedInputFrame(text)):
        wire = encode(frame)
        assert wire == _encode_json({"type": "prompt", "input": text})
        assert json.loads(wire) == {"type": "prompt", "input": text}
