"""Every result carries only its own command's output, on slow links and with late or extra frames.

Before the fix: with 150 ms each way, a ``hang 0.5`` timed out at 0.65 s crossed the interrupt, whose
extra prompt ended the next command early; ``write "A"``..``"D"`` then gave ``['', 'A', 'B', 'C']``.
"""

from __future__ import annotations

import random

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, LatencyProxy

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.client import SYNC_COMMAND
from simulator import Simulator, SimulatorConfig

MARKER = SYNC_COMMAND.split("{", 1)[0]


def commands_run(sim: Simulator):
    return [e.input for e in sim.executed if not e.input.startswith(MARKER)]


def test_a_timeout_that_crosses_the_prompt_does_not_shift_later_results():
    config = SimulatorConfig(users={USER: PASSWORD}, latency_up=0.15, latency_down=0.15)
    with Simulator(config) as sim, LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        crossed = term.execute("hang 0.5", timeout=0.65)
        assert crossed.status == "timeout"
        results = [term.execute(f'write "{c}"') for c in "ABCD"]
    assert [r.output for r in results] == ["A", "B", "C", "D"]
    assert all(r.status == "ok" for r in results)
    assert "brought back in step" in results[0].warning  # the result right after the doubt says so
    assert [r.warning for r in results[1:]] == ["", "", ""]
    assert commands_run(sim) == ["hang 0.5", 'write "A"', 'write "B"', 'write "C"', 'write "D"']


@pytest.mark.parametrize("up,down", [(0.02, 0.0), (0.0, 0.02), (0.015, 0.015)])
def test_hundreds_of_commands_with_crossing_timeouts_keep_their_own_output(up, down):
    """Hangs whose timeouts land just before, on and after their end, between unique writes."""
    rng = random.Random(7)
    config = SimulatorConfig(users={USER: PASSWORD}, latency_up=up, latency_down=down)
    with Simulator(config) as sim, LiteTerminal(sim.host, sim.port, USER, PASSWORD) as term:
        rtt = up + down
        for i in range(120):
            if i % 5 == 4:
                hang = rng.choice([0.01, 0.02, 0.03])
                timeout = max(0.001, hang + rtt + rng.uniform(-0.01, 0.01))
                result = term.execute(f"hang {hang}", timeout=timeout)
                assert result.status in ("ok", "timeout"), result
                assert "<INTERRUPT>" in result.output or result.output == ""
                continue
            token = f"t{i}-{rng.randrange(10**6)}"
            result = term.execute(f'write "{token}"')
            assert (result.status, result.output) == ("ok", token), (i, result)
    assert len(commands_run(sim)) == 120  # every command ran exactly once


@pytest.mark.parametrize("late", ["output", "prompt"])
def test_late_frames_on_a_slow_link_do_not_join_the_next_result(late):
    """The server sends one more frame 5 ms after every prompt; with 100 ms each way it crosses the
    next command on the wire (frames sooner than half a round trip after sending are set aside)."""
    with FakeIris(late_frames=late, late_delay=0.005) as iris, \
            LatencyProxy(iris.host, iris.port, up=0.1, down=0.1) as link, \
            LiteTerminal(link.host, link.port, USER, PASSWORD) as term:
        outputs = []
        for i in range(40):
            result = term.execute(f'write "w{i}"')
            assert result.status == "ok", result
            outputs.append(result.output)
    assert outputs == [f"w{i}" for i in range(40)]
    assert [c for c in iris.executed if not c.startswith(MARKER)] == [f'write "w{i}"' for i in range(40)]


@pytest.mark.parametrize("late", ["output", "prompt"])
def test_late_frames_while_idle_are_consumed_before_the_next_command(late):
    """Frames that arrive while the session is idle: the next command first gets the session back in
    step (marker) and says so; its own output is exact."""
    with FakeIris(late_frames=late, late_delay=0.01) as iris, \
            LiteTerminal(iris.host, iris.port, USER, PASSWORD) as term:
        first = term.execute('write "one"')
        iris.wait_for_late_frames()  # the late frame arrives while idle
        second = term.execute('write "two"')
        iris.wait_for_late_frames()
        third = term.execute('write "three"')
    assert [first.output, second.output, third.output] == ["one", "two", "three"]
    assert "brought back in step" in second.warning
    assert "brought back in step" in third.warning


def test_an_interrupted_read_brings_the_session_back_in_step():
    with FakeIris() as iris, LiteTerminal(iris.host, iris.port, USER, PASSWORD) as term:
        asked = term.execute("read x")  # no input_lines: the client interrupts the READ
        after = term.execute('write "after"')
    assert asked.status in ("error", "interrupted")
    assert (after.status, after.output) == ("ok", "after")
