"""The sans-IO state machine, driven frame by frame like the docs/protocol.md §6.3 captures."""

import json

import pytest

from adapters.lite_terminal.errors import LocalProtocolError, RemoteProtocolError
from adapters.lite_terminal.protocol import (
    Closed,
    CommandDone,
    Fatal,
    Initialized,
    Output,
    PromptRefreshed,
    ReadRequested,
    Ready,
    State,
    StrayOutput,
    TerminalProtocol,
)

INIT = '{"type":"init","protocol":1,"version":"IRIS for UNIX (Ubuntu) 2025.1"}'


def frame(**fields):
    return json.dumps(fields)


def prompt(ns="USER", with_ns=True):
    fields = {"type": "prompt", "text": f"\x1b[1m{ns}>\x1b[0m"}
    if with_ns:
        fields["ns"] = ns
    return json.dumps(fields)


def at_prompt(namespace="user"):
    proto = TerminalProtocol(namespace)
    proto.receive(INIT)
    proto.config()
    proto.receive(prompt())
    return proto


def test_handshake_init_config_prompt():
    proto = TerminalProtocol("user")
    assert proto.state is State.AWAIT_INIT
    assert proto.receive(INIT) == [Initialized(1, "IRIS for UNIX (Ubuntu) 2025.1")]
    assert proto.state is State.SEND_CONFIG
    assert json.loads(proto.config()) == {"type": "config", "namespace": "USER", "rawMode": False}
    assert proto.state is State.CONFIGURING
    assert proto.receive(prompt()) == [Ready("\x1b[1mUSER>\x1b[0m", "USER", "")]
    assert proto.state is State.PROMPT
    assert proto.server_version == "IRIS for UNIX (Ubuntu) 2025.1"
    assert proto.namespace == "USER"


def test_output_before_the_first_prompt_is_banner_not_command_output():
    proto = TerminalProtocol("USER")
    proto.receive(INIT)
    proto.config()
    assert proto.receive(frame(type="output", text="ZSTART says ")) == []
    assert proto.receive(frame(type="output", text="hello\r\n")) == []
    (ready,) = proto.receive(prompt())
    assert ready.banner_output == "ZSTART says hello\r\n"


def test_a_command_collects_output_until_exactly_one_prompt():
    proto = at_prompt()
    sent = json.loads(proto.start_command("write 42"))
    assert sent == {"type": "prompt", "input": "write 42"}
    assert proto.state is State.EVAL
    assert proto.receive(frame(type="output", text="4")) == [Output("4")]
    assert proto.receive(frame(type="output", text="2")) == [Output("2")]
    assert proto.receive(prompt("%SYS")) == [CommandDone("\x1b[1m%SYS>\x1b[0m", "%SYS")]
    assert proto.state is State.PROMPT
    assert proto.namespace == "%SYS"


def test_namespace_comes_from_prompt_text_when_ns_is_absent():
    proto = at_prompt()
    proto.start_command('zn "%SYS"')
    (done,) = proto.receive(prompt("%SYS", with_ns=False))
    assert done.ns == "%SYS"
    assert proto.namespace == "%SYS"


def test_read_cycle():
    proto = at_prompt()
    proto.start_command('read "Name: ",x')
    assert proto.receive(frame(type="output", text="Name: ")) == [Output("Name: ")]
    assert proto.receive(frame(type="read")) == [ReadRequested()]
    assert proto.state is State.READ
    assert json.loads(proto.answer_read("Alice")) == {"type": "read", "input": "Alice"}
    assert proto.state is State.EVAL
    assert proto.receive(prompt()) == [CommandDone("\x1b[1mUSER>\x1b[0m", "USER")]


@pytest.mark.parametrize("where", ["prompt", "eval", "read"])
def test_interrupt_is_allowed_in_prompt_eval_and_read_and_awaits_a_prompt(where):
    proto = at_prompt()
    if where != "prompt":
        proto.start_command("hang 100")
    if where == "read":
        proto.receive(frame(type="read"))
    assert json.loads(proto.interrupt()) == {"type": "interrupt"}
    assert proto.state is State.EVAL
    assert proto.receive(frame(type="output", text="\r\n\x1b[31;1m<INTERRUPT>\x1b[0m"))
    assert isinstance(proto.receive(prompt())[0], CommandDone)


def test_color_and_unknown_frames_are_ignored_in_any_live_state():
    proto = at_prompt()
    proto.start_command("w 1")
    assert proto.receive(frame(type="color", text="\x1b[32mw\x1b[0m 1")) == []
    assert proto.receive(frame(type="readchar")) == []
    assert proto.state is State.EVAL


def test_error_frame_is_fatal():
    proto = at_prompt()
    proto.start_command("w 1")
    assert proto.receive(frame(type="error", text="agent died")) == [Fatal("agent died")]
    assert proto.state is State.FAILED
    assert proto.receive(frame(type="output", text="late")) == []
    with pytest.raises(LocalProtocolError):
        proto.start_command("w 2")


def test_idle_output_and_extra_prompts_are_tolerated():
    proto = at_prompt()
    assert proto.receive(frame(type="output", text="late")) == [StrayOutput("late")]
    assert proto.receive(prompt("%SYS")) == [PromptRefreshed("\x1b[1m%SYS>\x1b[0m", "%SYS")]
    assert proto.state is State.PROMPT
    assert proto.namespace == "%SYS"


@pytest.mark.parametrize(
    "setup, bad",
    [
        ("await_init", prompt()),
        ("await_init", frame(type="read")),
        ("await_init", frame(type="output", text="x")),
        ("configuring", INIT),
        ("configuring", frame(type="read")),
        ("prompt", frame(type="read")),
        ("prompt", INIT),
        ("eval", INIT),
        ("read", frame(type="read")),
        ("eval", frame(type="output")),
    ],
)
def test_out_of_order_or_malformed_frames_fail_the_session(setup, bad):
    proto = TerminalProtocol("USER")
    if setup != "await_init":
        proto.receive(INIT)
        proto.config()
    if setup in ("prompt", "eval", "read"):
        proto.receive(prompt())
    if setup in ("eval", "read"):
        proto.start_command("x")
    if setup == "read":
        proto.receive(frame(type="read"))
    with pytest.raises(RemoteProtocolError):
        proto.receive(bad)
    assert proto.state is State.FAILED


def test_a_frame_that_is_not_json_is_dropped_and_the_command_goes_on():
    # docs/protocol.md §6.1 [C S1]: VS Code drops non-JSON frames; so do we, mid-command included
    proto = TerminalProtocol("USER")
    proto.receive(INIT)
    proto.config()
    proto.receive(prompt())
    proto.start_command("x")
    assert proto.receive("{not json") == []
    assert proto.state is State.EVAL
    assert proto.receive(frame(type="output", text="still here")) == [Output("still here")]


@pytest.mark.parametrize(
    "state_setup, action",
    [
        ("await_init", lambda p: p.config()),
        ("await_init", lambda p: p.start_command("w 1")),
        ("configuring", lambda p: p.start_command("w 1")),
        ("configuring", lambda p: p.config()),
        ("prompt", lambda p: p.answer_read("x")),
        ("eval", lambda p: p.start_command("w 1")),
        ("eval", lambda p: p.answer_read("x")),
        ("await_init", lambda p: p.interrupt()),
    ],
)
def test_illegal_sends_are_refused_locally_and_leave_the_state_alone(state_setup, action):
    proto = TerminalProtocol("USER")
    if state_setup != "await_init":
        proto.receive(INIT)
        proto.config()
    if state_setup in ("prompt", "eval"):
        proto.receive(prompt())
    if state_setup == "eval":
        proto.start_command("hang 1")
    before = proto.state
    with pytest.raises(LocalProtocolError):
        action(proto)
    assert proto.state is before


def test_non_string_command_is_refused():
    proto = at_prompt()
    with pytest.raises(LocalProtocolError):
        proto.start_command(42)  # type: ignore[arg-type]
    assert proto.state is State.PROMPT


def test_connection_closed_reports_whether_a_command_was_in_flight():
    idle = at_prompt()
    assert idle.connection_closed() == [Closed(during_command=False)]
    busy = at_prompt()
    busy.start_command("hang 10")
    assert busy.connection_closed() == [Closed(during_command=True)]
    assert busy.state is State.CLOSED
    assert busy.connection_closed() == []
    assert busy.receive(prompt()) == []
