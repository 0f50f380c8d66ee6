"""A command's result holds only its own output, whatever extra, missing, duplicated or late prompts, stray
output, pings or READs the server sends around it (docs/protocol.md §15.3).

Before the mark: after a timeout, a server that answered the resynchronisation command and then, 0.15 s
later, sent one more prompt (an interrupt that reached IRIS after the command ended) shifted every later
result by one: ``B..F`` came back ``'', 'B', 'C', 'D', 'E'``, all ``ok`` and without a warning.

The model test drives a scripted server (hostile_peers.ScriptedIris) with hypothesis' stateful testing: any
event at any of four points of any command, and checks after every command that an ``ok`` result is the
command's own output (never another's), that every result names frames it set aside, and that the session
goes on working.
"""

from __future__ import annotations

import os
import threading

from hostile_peers import MARK, PASSWORD, SYNC, USER, FakeIris, LatencyProxy, PeerConn, ScriptedIris
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from adapters.lite_terminal import LiteTerminal


class LatePromptAfterSync(FakeIris):
    """Answers the resynchronisation command, then sends one more prompt: ``delay`` seconds later, or (None)
    right before the mark of the next command, the worst moment."""

    def __init__(self, delay):  # noqa: ANN001
        super().__init__()
        self.delay = delay
        self.owed = False
        self.sent_late = False

    def on_command(self, conn: PeerConn, text: str, inbox) -> None:  # noqa: ANN001
        super().on_command(conn, text, inbox)
        if SYNC.match(text):
            if self.delay is None:
                self.owed = True
            else:
                timer = threading.Timer(self.delay, self._late_prompt, (conn,))
                timer.daemon = True
                timer.start()

    def _late_prompt(self, conn: PeerConn) -> None:
        try:
            conn.prompt()
        except OSError:
            pass
        self.sent_late = True

    def run_mark(self, conn: PeerConn, text: str) -> str:
        if self.owed and MARK.match(text):
            self.owed = False
            conn.prompt()
        return super().run_mark(conn, text)


def test_the_issue_example_an_extra_prompt_after_the_resynchronisation_shifts_nothing():
    for delay in (None, 0.15):  # right before B's mark; or 0.15 s later, on a 50 ms link: during C or D
        with LatePromptAfterSync(delay) as peer, LatencyProxy(peer.host, peer.port, 0.025, 0.025) as link, \
                LiteTerminal(link.host, link.port, USER, PASSWORD, connect_timeout=2) as term:
            assert term.execute("hang 2", timeout=0.2).status == "timeout"
            results = [term.execute(f'write "{c}"') for c in "BCDEF"]
            assert peer.sent_late or delay is None
        assert [(r.status, r.output) for r in results] == [("ok", c) for c in "BCDEF"], (delay, results)
        # the extra prompt is said once: set aside before a command's mark, or (when a loaded machine lets it
        # land between two commands) seen while idle, which brings the session back in step first
        said = ("1 prompt(s) that came before this command's mark",
                "a prompt arrived while the session was idle")
        assert sum(any(s in r.warning for s in said) for r in results) == 1, results
        assert "brought back in step" in results[0].warning
        assert peer.executed.count('write "B"') == 1


def test_stray_output_and_prompts_before_the_mark_are_set_aside_and_said():
    with ScriptedIris() as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD) as term:
        peer.plan({"pre": ["output:OLD", "prompt", "ping", "prompt"]})
        result = term.execute('write "mine"')
    assert (result.status, result.output) == ("ok", "mine")
    assert "2 prompt(s) and 3 character(s) of output that came before this command's mark" in result.warning


def test_a_read_before_the_mark_is_answered_empty_and_the_command_still_gets_its_own_output():
    with ScriptedIris() as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD) as term:
        peer.plan({"pre": ["read"]})
        result = term.execute('write "mine"', input_lines=["not for a stale READ"])
    assert (result.status, result.output) == ("ok", "mine")
    assert "1 READ(s) before this command's mark were answered with an empty line" in result.warning


EVENTS = st.sampled_from(["prompt", "ping", "read", "output:STALE"])
POINT_EVENTS = {
    "pre": st.lists(EVENTS, max_size=3),
    "mid": st.lists(st.sampled_from(["prompt", "ping"]), max_size=1),  # the server cutting its own command
    "post": st.lists(st.sampled_from(["prompt", "ping", "drop"]), max_size=2),
    "after": st.lists(st.sampled_from(["prompt", "ping", "output:LATE"]), max_size=3),
}
SCRIPTS = st.fixed_dictionaries({}, optional=POINT_EVENTS)


class HostileServerModel(RuleBasedStateMachine):
    """Commands with unique outputs against a server that may inject any event at any point of each."""

    @initialize()
    def start(self) -> None:
        self.peer = ScriptedIris().__enter__()
        self.term = LiteTerminal(self.peer.host, self.peer.port, USER, PASSWORD, connect_timeout=1,
                                 response_timeout=0.3)
        self.count = 0

    @rule(script=SCRIPTS)
    def command(self, script) -> None:  # noqa: ANN001
        self.count += 1
        token = f"T{self.count}x"
        self.peer.plan(script)
        result = self.term.execute(f'write "{token}"')
        others = [f"T{i}x" for i in range(1, self.count + 3) if i != self.count]
        assert not any(other in result.output for other in others), (script, result)
        window = token  # what the server wrote between this command's mark and the first prompt after it
        post = script.get("post", [])
        sequence = [e for e in post if e != "drop"] + ([] if "drop" in post else ["prompt"]) + \
            script.get("after", [])
        for event in sequence:
            if event == "prompt":
                break
            window += event[len("output:"):] if event.startswith("output:") else ""
        if result.status == "ok":  # its own output only: nothing sent before its mark or after its prompt
            assert "STALE" not in result.output, (script, result)
            cut = "prompt" in script.get("mid", [])  # a server prompting inside its own command's output
            assert result.output == window or (cut and window.startswith(result.output)), (script, result)
        else:  # a withheld prompt: whatever came after the mark is the command's, as the status says doubt
            assert result.status in ("timeout", "lost"), (script, result)
        if script.get("pre") and any(e in ("prompt", "output:STALE") for e in script["pre"]) \
                and result.status == "ok":
            assert "set aside" in result.warning or "brought back in step" in result.warning, (script, result)

    @rule()
    def plain_command(self) -> None:
        self.command({})

    @invariant()
    def no_command_ran_twice(self) -> None:
        ran = [c for c in self.peer.executed if c.startswith('write "T')]
        assert len(ran) == len(set(ran)), ran  # the client never re-sends a command on its own

    def teardown(self) -> None:
        self.term.close()
        self.peer.__exit__(None, None, None)


EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "40"))  # 400 x 10 steps passed (about 1 min)
HostileServerModel.TestCase.settings = settings(max_examples=EXAMPLES, stateful_step_count=10, deadline=None,
                                                suppress_health_check=[HealthCheck.too_slow])
test_hostile_server_model = HostileServerModel.TestCase
