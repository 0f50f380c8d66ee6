"""Chunking and fault injection (docs/protocol.md §1, §4.5, §8, §12, §15.2)."""

from __future__ import annotations

import pytest
import websocket
from sim_wire import connect, cookie_header, eventually, login

RED = "\u001b[31;1m"
RESET = "\u001b[0m"
SAMPLE = 'for i=1:1:40 w "line ",i,!\r\nw x'  # two lines: a FOR takes the rest of its line


def frames_of(term, command):
    """All output frames of one command (up to its prompt)."""
    term.send(type="prompt", input=command)
    texts = []
    while True:
        frame = term.recv()
        if frame["type"] == "prompt":
            return texts
        texts.append(frame["text"])


def test_natural_chunking_sends_one_frame_per_write_batch(sim, open_terminal):
    assert frames_of(open_terminal(sim), 'w "a",!,"b"') == ["a\r\nb"]


def test_fixed_chunk_size_splits_and_reassembles(make_sim, open_terminal):
    term = open_terminal(make_sim(chunk_size=3))
    frames = frames_of(term, 'w "abcdefgh"')
    assert frames == ["abc", "def", "gh"]


def test_random_chunks_reassemble_to_the_natural_text(sim, open_terminal):
    natural = "".join(frames_of(open_terminal(sim), SAMPLE))
    sim.configure(random_chunks_seed=7)
    frames = frames_of(open_terminal(sim), SAMPLE)
    assert "".join(frames) == natural
    assert len(frames) > 20
    # boundaries are arbitrary: some fall inside \r\n and inside the ANSI error code
    assert any(f.endswith("\r") for f in frames)
    assert any(f.endswith(("\u001b", "\u001b[", "[3", "[31", "[31;", "[31;1", "[0")) for f in frames)
    assert natural.endswith(f"\r\n{RED}<UNDEFINED>{RESET} *x")


def test_large_output_is_split_into_several_natural_frames(make_sim, open_terminal):
    term = open_terminal(make_sim(natural_batch_chars=100))
    frames = frames_of(term, "for i=1:1:200 w i,!")
    assert len(frames) > 5
    assert "".join(frames) == "".join(f"{i}\r\n" for i in range(1, 201))


def test_frame_delay_still_delivers_everything(make_sim, open_terminal):
    term = open_terminal(make_sim(frame_delay=0.01, chunk_size=2))
    assert term.run('w "abcd"') == "abcd"


def test_close_mid_output_drops_tcp_without_a_close_frame(sim, open_terminal):
    term = open_terminal(sim)
    sim.configure(close_mid_output_on=r"^w \"0123456789\"$")
    term.send(type="prompt", input='w "0123456789"')
    first = term.recv()
    assert first == {"type": "output", "text": "01234"}
    assert term.close_frame() is None
    assert eventually(lambda: sim.open_terminals() == 0)


def test_fault_regex_targets_only_the_matching_command(make_sim, open_terminal):
    term = open_terminal(make_sim(close_mid_output_on="BOOM"))
    assert term.run("w 1") == "1"
    term.send(type="prompt", input='w "BOOM"')
    assert term.recv() == {"type": "output", "text": "BO"}
    assert term.close_frame() is None


def test_error_frame_on_sends_output_then_error_then_closes(make_sim, open_terminal):
    term = open_terminal(make_sim(error_frame_on="explode"))
    term.send(type="prompt", input='w "abcdef" ; explode')
    assert term.recv() == {"type": "output", "text": "abc"}
    error = term.recv()
    assert error["type"] == "error" and error["text"]
    assert term.close_frame() == 1011


def test_hang_on_sends_output_and_never_a_prompt_even_after_interrupt(make_sim, open_terminal):
    term = open_terminal(make_sim(hang_on="stuck"))
    term.send(type="prompt", input='w "partial" ; stuck')
    assert term.recv() == {"type": "output", "text": "partial"}
    term.send(type="interrupt")
    with pytest.raises(websocket.WebSocketTimeoutException):
        term.recv(timeout=0.3)


def test_trickle_sends_small_frames_until_interrupted(make_sim, open_terminal):
    term = open_terminal(make_sim(trickle_on="slow", trickle_interval=0.01))
    term.send(type="prompt", input='w "go" ; slow')
    assert term.recv() == {"type": "output", "text": "go"}
    for _ in range(5):
        assert term.recv() == {"type": "output", "text": "."}
    term.send(type="interrupt")
    output, prompt = term.until_prompt()
    assert output.endswith(f"\r\n{RED}<INTERRUPT>{RESET}")
    assert set(output[: -len(f"\r\n{RED}<INTERRUPT>{RESET}")]) <= {"."}
    assert term.run("w 2") == "2"


def test_unexpected_read_is_sent_then_the_command_runs_normally(make_sim, open_terminal):
    term = open_terminal(make_sim(unexpected_read_on="surprise"))
    term.send(type="prompt", input='w "ok" ; surprise')
    assert term.recv() == {"type": "read"}
    term.send(type="read", input="")
    output, _ = term.until_prompt()
    assert output == "ok"


def test_idle_close_closes_a_silent_terminal(make_sim, open_terminal):
    sim = make_sim(idle_close_after=0.2)
    term = open_terminal(sim)
    assert term.close_frame(timeout=3) == 1000


def test_idle_close_can_drop_tcp_instead(make_sim, open_terminal):
    sim = make_sim(idle_close_after=0.2, idle_close_code=None)
    term = open_terminal(sim)
    assert term.close_frame(timeout=3) is None


def test_drop_connections_emulates_a_gateway_restart(sim, open_terminal):
    session = login(sim)
    term = open_terminal(sim)
    term.run("set a=1")
    sim.drop_connections()
    assert sim.open_terminals() == 0
    assert term.close_frame(timeout=2) is None
    # the CSP sessions are gone too: the old cookie is refused, a fresh login works
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        connect(sim, cookie=cookie_header(session))
    assert info.value.status_code == 401
    fresh = connect(sim, cookie=cookie_header(login(sim)))
    assert fresh.recv()["type"] == "init"


def test_max_frame_bytes_closes_on_an_oversized_frame(make_sim, open_terminal):
    term = open_terminal(make_sim(max_frame_bytes=1000))
    assert term.run('w "small"') == "small"
    term.send(type="prompt", input='w "' + "x" * 2000 + '"')
    assert term.close_frame() == 1009


def test_configure_rejects_unknown_switches(sim):
    with pytest.raises(TypeError):
        sim.configure(no_such_switch=True)
