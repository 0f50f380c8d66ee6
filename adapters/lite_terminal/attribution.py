"""Which frames are a command's, and what its outcome is: the client's bookkeeping for one running command.

The state machine (protocol.py) decides what each frame *is* (the command's output, output or a prompt
from before its mark, its READ, its prompt); :class:`CommandRun` collects what belongs to the command, keeps
count of what was set aside, and says what the I/O layer must do next (:class:`Step`). No sockets, no
clocks: ``LiteTerminal._run`` owns those. :func:`classify` turns the facts into a status word.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from typing import Callable, Deque, Iterator, List, Optional, Sequence, Tuple

from .httpguard import seconds_text
from .lines import one_line_problem
from .output import INTERRUPT_MARK, find_error
from .protocol import (
    CommandDone,
    Event,
    Fatal,
    Output,
    ReadRequested,
    StalePrompt,
    StaleRead,
    StrayOutput,
    Unmarked,
)

__all__ = ["CommandRun", "Step", "Sink", "TAIL_CHARS", "CHECK_CHARS"]

TAIL_CHARS = 2000  # with max_output_chars, the last characters kept (IRIS prints its error last)
CHECK_CHARS = 1024  # with max_output_chars, the last raw characters the error check sees in any case


class Step(enum.Enum):
    """What the I/O layer does after feeding a frame's events."""

    DONE = "done"  # the command's prompt came: classify and return
    ANSWER_READ = "answer_read"  # its READ waits: send :meth:`CommandRun.next_line` (or interrupt)
    FATAL = "fatal"  # an ``error`` frame: the session is over (``lost``)
    STALE_READ = "stale_read"  # a READ before the mark: answer it empty, go on waiting for the mark


class Sink:
    """Collects a command's raw output: all of it, or the head and a short tail of ``limit`` characters,
    dropping the middle as it arrives (so memory follows the limit, not the peer). ``on_output`` sees every
    chunk as it arrives, raw and whole, whatever the limit keeps."""

    __slots__ = ("limit", "head", "head_room", "tail", "tail_len", "tail_limit", "dropped", "window",
                 "on_output")

    def __init__(self, limit: Optional[int], on_output: Optional[Callable[[str], None]] = None) -> None:
        self.limit = limit
        self.on_output = on_output
        self.head: List[str] = []
        self.tail: Deque[str] = deque()
        self.tail_len = 0
        self.dropped = 0
        self.tail_limit = 0 if limit is None else min(TAIL_CHARS, limit // 4)
        self.head_room = 0 if limit is None else limit - self.tail_limit
        self.window = ""  # the last CHECK_CHARS raw characters, kept for the error check whatever the limit

    def add(self, text: str) -> None:
        if self.on_output is not None:
            self.on_output(text)
        if self.limit is None:
            self.head.append(text)
            return
        self.window = (self.window + text)[-CHECK_CHARS:]
        if self.head_room > 0:
            if len(text) <= self.head_room:
                self.head.append(text)
                self.head_room -= len(text)
                return
            self.head.append(text[: self.head_room])
            text = text[self.head_room :]
            self.head_room = 0
        tail = self.tail
        tail.append(text)
        self.tail_len += len(text)
        while tail and self.tail_len - len(tail[0]) >= self.tail_limit:
            gone = tail.popleft()
            self.tail_len -= len(gone)
            self.dropped += len(gone)
        excess = self.tail_len - self.tail_limit
        if excess > 0:
            tail[0] = tail[0][excess:]
            self.tail_len -= excess
            self.dropped += excess

    def raw(self) -> str:
        head = "".join(self.head) if len(self.head) != 1 else self.head[0]
        return head + "".join(self.tail) if self.tail else head

    def checked(self, raw: str) -> str:
        """What the error check reads: all of it, or (when some was dropped) the head and the last
        CHECK_CHARS characters, so an error IRIS printed last is seen even past a small limit."""
        if not self.dropped:
            return raw
        return "".join(self.head) + "\r\n" + self.window


class CommandRun:
    """One running command: its output, its READ answers, what was set aside, and its facts."""

    __slots__ = ("sink", "lines", "timed_out", "input_missing", "stray_chars", "stale_prompts", "stale_reads",
                 "prompt_ns", "unmarked", "fatal", "on_read", "stop", "stopped", "stop_deadline")

    def __init__(self, max_chars: Optional[int], input_lines: Sequence[str],
                 on_output: Optional[Callable[[str], None]] = None,
                 on_read: Optional[Callable[[], Optional[str]]] = None,
                 stop: Optional[threading.Event] = None) -> None:
        self.sink = Sink(max_chars, on_output)
        self.lines: Iterator[str] = iter(input_lines)
        self.on_read = on_read  # asked for a READ answer once input_lines are used up
        self.stop = stop  # set by the caller (e.g. on Ctrl-C): interrupt the command
        self.stopped = False  # the interrupt for ``stop`` was sent
        self.stop_deadline: Optional[float] = None  # until then the prompt is awaited after it
        self.timed_out = False  # the timeout passed and the command was interrupted
        self.input_missing = False  # a READ came with no input line left; it was interrupted
        self.stray_chars = 0  # output before the mark, set aside as earlier commands'
        self.stale_prompts = 0  # prompts before the mark, set aside
        self.stale_reads = 0  # READs before the mark, answered with an empty line
        self.prompt_ns: Optional[str] = None  # the namespace of the prompt that ended the command
        self.unmarked = False  # the server refused the input before running any of it (no mark)
        self.fatal = ""  # the text of an ``error`` frame

    def feed(self, events: List[Event]) -> Optional[Step]:
        """Take the events of one frame; a Step when the I/O layer has to act, else None."""
        for event in events:
            kind = type(event)
            if kind is Output:
                self.sink.add(event.text)  # type: ignore[attr-defined]
            elif kind is CommandDone:
                self.prompt_ns = event.ns  # type: ignore[attr-defined]
                return Step.DONE
            elif kind is StrayOutput:
                text = event.text  # type: ignore[attr-defined]
                if text.strip("\r\n"):  # a line break before the mark is the command's own (leading CR LF)
                    self.stray_chars += len(text)
            elif kind is StalePrompt:
                self.stale_prompts += 1
            elif kind is ReadRequested:
                return Step.ANSWER_READ
            elif kind is Unmarked:
                self.unmarked = True
                self.sink.add(event.output)  # type: ignore[attr-defined]
                self.prompt_ns = event.ns  # type: ignore[attr-defined]
                return Step.DONE
            elif kind is StaleRead:
                self.stale_reads += 1
                return Step.STALE_READ
            elif kind is Fatal:
                self.fatal = event.text  # type: ignore[attr-defined]
                return Step.FATAL
        return None

    def next_line(self) -> Optional[str]:
        """The answer for a READ: the next input line, else ``on_read``'s (not one line: refused); None
        (interrupt) when there is none, or ``stop`` was set. After a timeout, a missing line or a stop,
        every further READ gets ""."""
        if self.timed_out or self.input_missing or self.stopped:
            return ""
        line = next(self.lines, None)
        if line is None and self.on_read is not None and not self.stopping:
            line = self.on_read()
            if line is not None and (not isinstance(line, str) or one_line_problem(line)):
                line = None  # not exactly one line: the READ is interrupted, the text never sent
        if line is None and not self.stopping:
            self.input_missing = True
        return line

    @property
    def stopping(self) -> bool:
        """The caller set ``stop`` (the interrupt may not be sent yet)."""
        return self.stop is not None and self.stop.is_set()

    def set_aside_note(self) -> str:
        """What a warning says about frames that were not this command's ("" when there were none)."""
        if not (self.stale_prompts or self.stray_chars or self.stale_reads):
            return ""
        parts = []
        if self.stale_prompts:
            parts.append(f"{self.stale_prompts} prompt(s)")
        if self.stray_chars:
            parts.append(f"{self.stray_chars} character(s) of output")
        note = ""
        if parts:
            note = (" and ".join(parts) + " that came before this command's mark were set aside as an "
                    "earlier command's")
        if self.stale_reads:
            note = (note + "; " if note else "") + (f"{self.stale_reads} READ(s) before this command's mark "
                                                     "were answered with an empty line")
        return note

    def verdict(self, raw: str, limit: Optional[float]) -> Tuple[str, str]:
        """(status, error) of a command whose prompt came, from the facts: timed out, READ without input,
        IRIS's error mark in the output (docs/protocol.md §8)."""
        if self.timed_out:
            return "timeout", f"no prompt within {seconds_text(limit)} s; the command was interrupted"
        if self.input_missing:
            return "error", ("the command asked for input (READ) but no input_lines were left; "
                             "it was interrupted")
        if self.stopped and INTERRUPT_MARK not in raw and (self.unmarked or self.stray_chars):
            # the caller's interrupt was answered before the command's mark: its report was set aside
            return "interrupted", ("stopped before the command's output began; it may not have run "
                                   "(IRIS's <INTERRUPT> came before the command's mark)")
        error = find_error(raw)
        if error is None:
            return "ok", ""
        if INTERRUPT_MARK in raw:
            return "interrupted", error
        return "error", error
