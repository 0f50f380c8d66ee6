"""Attribution when the server holds part of an answer back until the client's next message.

test_attribution.py's scripted server sends each answer in one go. A server (or a link) may also deliver
the rest of an answer only after the client has sent its next input: the next command, the
resynchronisation or an interrupt. Invariant: an ``ok`` result is exactly what the server wrote between
that command's own mark and the first prompt after it, whatever came before, after or late.

Found this way: a ``<SYNTAX>`` report and a prompt before the mark, with the real mark, output and prompt
held back until the next command was on the wire, made the protocol take the report as a refusal of the
input (``Unmarked``) *without* forgetting the mark counter; the next command then awaited the number
the held-back mark printed, and ``write "B"`` came back ``ok`` with ``A``, no warning. After an
``Unmarked`` the counter is unknown (docs/protocol.md §15.3), so the next command resynchronises first.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional

from hostile_peers import MARK, PASSWORD, SYNC, USER, FakeIris, PeerConn, server_frame, text_frame
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from adapters.lite_terminal import LiteTerminal

SYNTAX_REPORT = "\r\nw (\r\n^\r\n\x1b[31;1m<SYNTAX>\x1b[0m"
INTERRUPTED = "\r\n\x1b[31;1m<INTERRUPT>\x1b[0m\r\n"
PROMPT_FRAME = text_frame({"type": "prompt", "text": "\x1b[1mUSER>\x1b[0m", "ns": "USER"})
HOLD = b""  # in an answer: what follows is sent only after the client's next message


def out(text: str) -> bytes:
    return text_frame({"type": "output", "text": text})


class HoldingIris(FakeIris):
    """Answers each marked ``write "X"`` as planned (:meth:`plan`): events ``pre`` its mark, ``mid`` (after
    the mark), ``post`` (after its output) and ``after`` (after its prompt). Events: ``prompt``, ``ping``,
    ``read``, ``output:<text>``, ``syntax`` (a ``<SYNTAX>`` report and a prompt: what a refused input
    looks like), ``hold`` (the rest of the answer waits for the client's next message, and then comes before
    the answer to it: output held back until the next input, docs/protocol.md §12), ``drop`` (in
    ``post``: the prompt is withheld until an interrupt), ``refuse`` (in ``pre``: the input is refused
    unrun, as IRIS's syntax check would: a report and a prompt, no mark, the counter untouched)."""

    def __init__(self) -> None:
        super().__init__()
        self.plans: List[Dict[str, List[str]]] = []
        self.outputs: Dict[str, str] = {}  # command -> what it wrote after its mark up to its prompt

    def plan(self, events: Dict[str, List[str]]) -> None:
        self.plans.append(events)

    def on_terminal(self, conn: PeerConn) -> None:
        conn.send(text_frame({"type": "init", "protocol": 1, "version": "hold"}))
        if conn.read_message() is None:
            return
        conn.send(PROMPT_FRAME)
        held: List[List[bytes]] = []  # held back until the client's next message (docs/protocol.md §12)
        state = {"marks": 0, "running": False}
        while True:
            message = conn.read_message()
            if message is None:
                return
            for segment in held:  # the process ran the earlier inputs first: their frames come first
                for frame in segment:
                    conn.send(frame)
            held = []
            segments: List[List[bytes]] = [[]]
            for frame in self._answer(message, state):
                if frame is HOLD:
                    segments.append([])
                else:
                    segments[-1].append(frame)
            for frame in segments[0]:
                conn.send(frame)
            held.extend(segments[1:])

    def _answer(self, message: dict, state: dict) -> List[bytes]:
        kind = message.get("type")
        if kind == "interrupt":
            running, state["running"] = state["running"], False
            return [out(INTERRUPTED), PROMPT_FRAME] if running else [PROMPT_FRAME]
        if kind != "prompt":
            return []  # a READ answer
        text = message["input"]
        sync = SYNC.match(text)
        if sync:
            state["marks"] = 0
            self.executed.append(text)
            return [out("LT-SYNC-" + sync.group(1)), PROMPT_FRAME]
        mark = MARK.match(text)
        assert mark is not None, text
        command = text[mark.end():]
        script = self.plans.pop(0) if self.plans else {}
        frames = self._events(script.get("pre", []))
        if "refuse" in script.get("pre", []):
            return frames + [out(SYNTAX_REPORT), PROMPT_FRAME]
        self.executed.append(command)
        state["marks"] += 1
        frames.append(out(f"LT-{mark.group(1)}-{state['marks']}\r\n"))
        frames += self._events(script.get("mid", []))
        token = command[len('write "'):-1]
        frames.append(out(token))
        post = script.get("post", [])
        frames += self._events(post)
        if "drop" in post:
            state["running"] = True
        else:
            frames.append(PROMPT_FRAME)
        frames += self._events(script.get("after", []))
        window = token  # up to the first prompt after the mark (an interrupt's, when the prompt is withheld)
        for event in [e for e in post if e != "drop"] + ([] if "drop" in post else ["prompt"]) + \
                script.get("after", []) + ["prompt"]:
            if event in ("prompt", "syntax"):
                window += SYNTAX_REPORT if event == "syntax" else ""
                break
            window += event[len("output:"):] if event.startswith("output:") else ""
        self.outputs[command] = window
        return frames

    @staticmethod
    def _events(events: List[str]) -> List[bytes]:
        frames: List[bytes] = []
        for event in events:
            if event == "prompt":
                frames.append(PROMPT_FRAME)
            elif event == "ping":
                frames.append(server_frame(b"held", 0x9))
            elif event == "read":
                frames.append(text_frame({"type": "read"}))
            elif event == "syntax":
                frames += [out(SYNTAX_REPORT), PROMPT_FRAME]
            elif event == "hold":
                frames.append(HOLD)
            elif event.startswith("output:"):
                frames.append(out(event[len("output:"):]))
        return frames


def test_a_syntax_report_and_prompt_before_a_held_back_mark_do_not_shift_the_next_result():
    with HoldingIris() as peer, \
            LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=1, response_timeout=1) as term:
        peer.plan({"pre": ["syntax", "hold"]})
        first = term.execute('write "A"')
        second = term.execute('write "B"')
        third = term.execute('write "C"')
    assert first.status == "error"  # it took the stale report for a refusal: never ok, the next one syncs
    assert (second.status, second.output) == ("ok", "B"), second
    assert "brought back in step" in second.warning
    assert (third.status, third.output, third.warning) == ("ok", "C", "")
    assert peer.executed.count('write "A"') == 1 and peer.executed.count('write "B"') == 1


EVENTS = {
    "pre": st.lists(st.sampled_from(["prompt", "ping", "read", "output:STALE", "syntax", "hold", "refuse"]),
                    max_size=3),
    "mid": st.lists(st.sampled_from(["ping", "hold"]), max_size=1),
    "post": st.lists(st.sampled_from(["ping", "hold", "drop"]), max_size=2),
    "after": st.lists(st.sampled_from(["prompt", "ping", "output:LATE", "syntax", "hold"]), max_size=3),
}


class HeldAnswersModel(RuleBasedStateMachine):
    """Unique ``write`` commands against a server that may hold any part of any answer back."""

    @initialize()
    def start(self) -> None:
        self.peer = HoldingIris().__enter__()
        self.term = LiteTerminal(self.peer.host, self.peer.port, USER, PASSWORD, connect_timeout=2,
                                 response_timeout=0.1)
        self.count = 0
        self.last: Optional[object] = None

    @rule(script=st.fixed_dictionaries({}, optional=EVENTS))
    def command(self, script) -> None:  # noqa: ANN001
        self.count += 1
        command = f'write "T{self.count}x"'
        self.peer.plan(script)
        result = self.term.execute(command)
        self.last = (script, result)
        if result.status == "ok":  # exactly its own: nothing of an earlier or later answer
            assert result.output == self.peer.outputs[command], self.last
            return
        assert result.status in ("error", "timeout", "lost"), self.last
        if "<SYNTAX>" not in result.output:  # a refusal's report keeps what came before it (Unmarked)
            others = [f"T{i}x" for i in range(1, self.count + 3) if i != self.count]
            assert not any(other in result.output for other in others), self.last
            assert "STALE" not in result.output, self.last
            assert "LATE" not in result.output or "LATE" in self.peer.outputs[command], self.last

    @invariant()
    def no_command_ran_twice(self) -> None:
        ran = [c for c in self.peer.executed if c.startswith('write "T')]
        assert len(ran) == len(set(ran)), ran

    def teardown(self) -> None:
        self.term.close()
        self.peer.__exit__(None, None, None)


EXAMPLES = int(os.environ.get("LITE_TERMINAL_FUZZ_EXAMPLES", "6"))  # 400 x 6 steps passed (about 80 s)
HeldAnswersModel.TestCase.settings = settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])
test_held_answers_model = HeldAnswersModel.TestCase
