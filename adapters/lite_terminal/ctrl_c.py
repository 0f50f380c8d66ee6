"""Ctrl-C in the interactive mode, whatever the moment it comes (docs/cli.md §2).

Why a module: CPython's readline-backed ``input()`` looks at signals only when its ``select()`` on stdin
fails with EINTR (``readline_until_enter_or_signal`` in CPython's ``Modules/readline.c``; it sets
``rl_catch_signals = 0``, so readline itself takes no part, and ``select()`` has no timeout). A SIGINT that
comes while the main thread is anywhere else (drawing the echo inside ``rl_callback_read_char``, between two
``select()`` calls, on its way into ``input()``, or that the kernel hands to another thread) only sets
Python's flag: ``select()`` then sleeps until the next key and the prompt never comes back. Under load that
window is wide enough to be hit.

The fix: every SIGINT is also written to a wakeup pipe (``signal.set_wakeup_fd``; the C-level handler does
it in whatever thread got the signal). A watcher thread reads it and nudges the main thread with
:data:`NUDGE`, again and again until the main thread has run the SIGINT handler or left the read. Each nudge
interrupts ``select()``; readline then runs the pending handler and ``input()`` raises KeyboardInterrupt.

The nudge is SIGWINCH, whose handler is the readline module's own C function (it only notes a resize), on
purpose: a nudge with a *Python* handler breaks Python 3.9, whose ``input()`` checks signals once more after
KeyboardInterrupt; a Python handler called then, with the exception already set, ends in SystemError
("returned a result with an error set") and the session dies. We saw it happen; hence this choice.

One handler decides what a Ctrl-C means, from the phase the loop is in:

* reading a line (the prompt, a READ): KeyboardInterrupt out of the read (the line is dropped);
* running a command: the command's ``stop`` event is set (the server interrupts it);
* in between (the result being printed, the loop going round): remembered, and given to the next phase:
  the next read raises at once, the next command is stopped at once. It never escapes from the loop.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

__all__ = ["CtrlC", "NUDGE", "NUDGE_EVERY", "NUDGE_FOR"]

#: The signal that wakes the main thread: readline's C handler (a resize note), default action ignore.
NUDGE = getattr(signal, "SIGWINCH", None)
NUDGE_EVERY = 0.02  # seconds between nudges while a Ctrl-C waits for the main thread
NUDGE_FOR = 5.0  # seconds after which the watcher stops nudging (a Ctrl-C coalesced with an earlier one)
_STOP_WATCHER = b"\0"


class CtrlC:
    """Routes SIGINT for one interactive session; :meth:`installed` puts it in place and takes it away."""

    def __init__(self) -> None:
        self._reading = False
        self._running: Optional[threading.Event] = None
        self._pending = False
        self._handled = threading.Event()  # the SIGINT handler ran (the watcher stops nudging)

    # --------------------------------------------------------------------------- the phases

    def read(self, read_line: Callable[[str], str], prompt: str) -> str:
        """``read_line(prompt)``; KeyboardInterrupt if Ctrl-C comes during it or came just before."""
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt
        self._reading = True
        try:
            return read_line(prompt)
        finally:
            self._reading = False
            self._handled.set()  # the read is over: no more nudges for it

    @contextmanager
    def running(self, stop: threading.Event) -> Iterator[None]:
        """While a command runs, Ctrl-C sets ``stop`` (at once if one came just before)."""
        outer = self._running
        self._running = stop
        if self._pending:
            self._pending = False
            stop.set()
        try:
            yield
        finally:
            self._running = outer

    def on_sigint(self, signum: int, frame: object) -> None:  # noqa: ARG002 - signal handler signature
        self._handled.set()
        if self._reading:
            raise KeyboardInterrupt
        if self._running is not None:
            self._running.set()
        else:
            self._pending = True

    # --------------------------------------------------------------------------- installing

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The handler and the watcher for the duration of the session (main thread only: elsewhere Python
        lets no one set a signal handler, and nothing is installed)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous_sigint = signal.signal(signal.SIGINT, self.on_sigint)
        watcher = _Watcher(self._handled) if NUDGE is not None and hasattr(signal, "pthread_kill") else None
        try:
            if watcher is not None:
                watcher.start()
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            signal.signal(signal.SIGINT, previous_sigint)


class _Watcher:
    """Reads the wakeup pipe; after each SIGINT, nudges the main thread until its handler has run."""

    def __init__(self, handled: threading.Event) -> None:
        self.handled = handled
        self.main = threading.main_thread().ident
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.write_end, False)  # the C-level handler must never block on it
        self.previous_fd = -1
        self.thread = threading.Thread(target=self._watch, name="lite-terminal-ctrl-c", daemon=True)

    def start(self) -> None:
        self.previous_fd = signal.set_wakeup_fd(self.write_end, warn_on_full_buffer=False)
        self.thread.start()

    def stop(self) -> None:
        signal.set_wakeup_fd(self.previous_fd)
        os.write(self.write_end, _STOP_WATCHER)
        self.thread.join(1.0)
        os.close(self.write_end)

    def _watch(self) -> None:
        try:
            while True:
                arrived = os.read(self.read_end, 64)
                if not arrived or _STOP_WATCHER in arrived:
                    return
                if bytes([signal.SIGINT]) in arrived:
                    self._nudge_until_handled()
        finally:
            os.close(self.read_end)

    def _nudge_until_handled(self) -> None:
        for _ in range(int(NUDGE_FOR / NUDGE_EVERY)):
            if self.handled.is_set():
                break
            signal.pthread_kill(self.main, NUDGE)
            self.handled.wait(NUDGE_EVERY)
        self.handled.clear()
