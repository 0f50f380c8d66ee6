"""Property tests for the protocol core: random/malformed frame sequences and random chunkings.

Example counts are modest by default; set LITE_TERMINAL_FUZZ_EXAMPLES to scale them (e.g. 5000).
"""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.errors import TerminalError
from adapters.lite_terminal.output import strip_ansi, strip_leading_crlf
from adapters.lite_terminal.protocol import CommandDone, Output, State, TerminalProtocol

EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INIT = '{"type":"init","protocol":1,"version":"IRIS 2025.1"}'

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
field_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=2))
frame_types = st.sampled_from(["init", "prompt", "output", "read", "color", "error", "readchar", ""])

well_formed = st.one_of(
    st.just(INIT),
    st.builds(lambda t, ns: json.dumps({"type": "prompt", "text": t + ">", "ns": ns}),
              st.text(max_size=6), st.one_of(st.none(), st.text(max_size=5))),
    st.builds(lambda t: json.dumps({"type": "output", "text": t}), st.text(max_size=20)),
    st.just('{"type":"read"}'),
    st.builds(lambda t: json.dumps({"type": "color", "text": t}), st.text(max_size=5)),
    st.builds(lambda t: json.dumps({"type": "error", "text": t}), st.text(max_size=5)),
)
odd_shapes = st.builds(
    lambda t, fields: json.dumps(dict(fields, type=t)),
    frame_types,
    st.dictionaries(st.sampled_from(["text", "ns", "protocol", "version"]), field_values, max_size=3),
)
garbage = st.one_of(st.text(max_size=30), st.binary(max_size=10),
                    st.just("[" * 5000), st.just("null"), st.just("{}"))
any_frame = st.one_of(well_formed, odd_shapes, garbage)

client_actions = st.sampled_from(["config", "command", "answer", "interrupt", "closed"])
steps = st.lists(st.one_of(any_frame.map(lambda f: ("recv", f)), client_actions.map(lambda a: ("send", a))),
                 max_size=40)


@FUZZ
@given(steps)
def test_random_frame_sequences_only_ever_raise_terminal_errors(sequence):
    proto = TerminalProtocol("USER")
    for kind, item in sequence:
        try:
            if kind == "recv":
                events = proto.receive(item)
                assert isinstance(events, list)
            elif item == "config":
                proto.config()
            elif item == "command":
                proto.start_command("write 1")
            elif item == "answer":
                proto.answer_read("")
            elif item == "interrupt":
                proto.interrupt()
            else:
                proto.connection_closed()
        except TerminalError:
            pass
        assert isinstance(proto.state, State)


# Real-looking output: text with CRLFs, ANSI codes, error reports and non-ASCII.
output_pieces = st.lists(
    st.one_of(
        st.text(max_size=15),
        st.sampled_from(["\r\n", "\x1b[1m", "\x1b[0m", "\x1b[31;1m<UNDEFINED>\x1b[0m *x", "Grüße €"]),
    ),
    max_size=12,
).map("".join)


@st.composite
def chunked(draw):
    text = draw(output_pieces)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=10)))
    bounds = [0] + cuts + [len(text)]
    return text, [text[a:b] for a, b in zip(bounds, bounds[1:])]


@FUZZ
@given(chunked())
def test_joined_output_always_equals_what_the_server_sent(case):
    text, chunks = case
    proto = TerminalProtocol("USER")
    proto.receive(INIT)
    proto.config()
    proto.receive('{"type":"prompt","text":"USER>"}')
    proto.start_command("do ^Report")
    received = []
    for chunk in chunks:
        for event in proto.receive(json.dumps({"type": "output", "text": chunk})):
            assert isinstance(event, Output)
            received.append(event.text)
    (done,) = proto.receive('{"type":"prompt","text":"\\u001b[1mUSER>\\u001b[0m"}')
    assert isinstance(done, CommandDone)
    assert "".join(received) == text
    # Post-processing never invents characters: stripping only removes.
    assert len(strip_ansi(strip_leading_crlf("".join(received)))) <= len(text)


@FUZZ
@given(st.lists(chunked(), min_size=1, max_size=4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_commands_with_reads_keep_each_commands_output_separate(cases, reads):
    proto = TerminalProtocol("USER")
    proto.receive(INIT)
    proto.config()
    proto.receive('{"type":"prompt","text":"USER>","ns":"USER"}')
    for (text, chunks), with_read in zip(cases, reads):
        proto.start_command("cmd")
        received = []
        for i, chunk in enumerate(chunks):
            received += [e.text for e in proto.receive(json.dumps({"type": "output", "text": chunk}))]
            if with_read and i == 0:
                proto.receive('{"type":"read"}')
                proto.answer_read("")
        proto.receive('{"type":"prompt","text":"USER>","ns":"USER"}')
        assert "".join(received) == text
        assert proto.state is State.PROMPT
