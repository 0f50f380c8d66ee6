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

A second race is in the terminal, not in Python: Ctrl-C makes the terminal discard the input not yet read
(termios NOFLSH off). If ``select()`` had just said "readable" for keys that the Ctrl-C then discards,
readline's ``read()`` blocks with nothing to read and retries on EINTR, so no nudge can end it (seen: 248
nudges in 5 s, no effect). So the session sets NOFLSH on its terminal (restored at the end): keys typed before
a Ctrl-C are kept and read; the Ctrl-C then drops that line or stops that command as below.

One handler decides what a Ctrl-C means, from the phase the loop is in:

* reading a line (the prompt, a READ): KeyboardInterrupt out of the read (the line is dropped);
* running a command: the command's ``stop`` event is set (the server interrupts it);
* in between (the result being printed, the loop going round): remembered, and given to the next phase:
  the next read raises at once, the next command is stopped at once. It never escapes from the loop.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

try:  # POSIX only: elsewhere no terminal setting is changed
    import termios
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]

__all__ = ["CtrlC", "NUDGE", "NUDGE_EVERY", "NUDGE_FOR"]

#: The signal that wakes the main thread: readline's C handler (a resize note), default action ignore.
NUDGE = getattr(signal, "SIGWINCH", None)
NUDGE_EVERY = 0.02  # seconds between nudges while a Ctrl-C waits for the main thread
NUDGE_FOR = 5.0  # seconds after which the watcher stops nudging (a Ctrl-C coalesced with an earlier one)
_STOP_WATCHER = b"\0"
_HANDLED = b"\xff"  # no signal has this number


class CtrlC:
    """Routes SIGINT for one interactive session; :meth:`installed` puts it in place and takes it away."""

    def __init__(self) -> None:
        self._reading = False
        self._running: Optional[threading.Event] = None
        self._pending = False
        self._acknowledge: Callable[[], None] = lambda: None  # tells the watcher the handler ran

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
        self._acknowledge()
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
        restore_terminal = _keep_input_on_interrupt()
        watcher = _Watcher(self) if NUDGE is not None and hasattr(signal, "pthread_kill") else None
        try:
            if watcher is not None:
                watcher.start()
                self._acknowledge = watcher.acknowledge
            yield
        finally:
            if watcher is not None:
                self._acknowledge = lambda: None
                watcher.stop()
            signal.signal(signal.SIGINT, previous_sigint)
            restore_terminal()


def _keep_input_on_interrupt() -> Callable[[], None]:
    """Set NOFLSH on stdin's terminal; returns what puts the old setting back (nothing if not a terminal)."""
    if termios is None:
        return lambda: None
    try:
        fd = sys.stdin.fileno()
        before = termios.tcgetattr(fd)
        after = list(before)
        after[3] = before[3] | termios.NOFLSH
        termios.tcsetattr(fd, termios.TCSANOW, after)
    except (OSError, ValueError, AttributeError, termios.error):  # not a terminal (or no fileno)
        return lambda: None

    def restore() -> None:
        try:
            current = termios.tcgetattr(fd)
            current[3] = (current[3] & ~termios.NOFLSH) | (before[3] & termios.NOFLSH)
            termios.tcsetattr(fd, termios.TCSANOW, current)
        except (OSError, termios.error):
            pass

    return restore


class _Watcher:
    """Reads the wakeup pipe; after a SIGINT, nudges the main thread while it is inside a read, until the
    handler has acknowledged it. The acknowledgement goes through the same pipe, so it is read after the
    SIGINT it answers (a handler run consumes every SIGINT that came before it)."""

    def __init__(self, router: CtrlC) -> None:
        self.router = router
        self.main = threading.main_thread().ident
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.write_end, False)  # the C-level handler must never block on it
        self.previous_fd = -1
        self.thread = threading.Thread(target=self._watch, name="lite-terminal-ctrl-c", daemon=True)

    def start(self) -> None:
        self.previous_fd = signal.set_wakeup_fd(self.write_end, warn_on_full_buffer=False)
        self.thread.start()

    def acknowledge(self) -> None:
        try:
            os.write(self.write_end, _HANDLED)
        except OSError:  # pipe full: the watcher is far behind; its NUDGE_FOR bound still ends the nudges
            pass

    def stop(self) -> None:
        signal.set_wakeup_fd(self.previous_fd)
        try:
            os.write(self.write_end, _STOP_WATCHER)
        except OSError:
            pass
        self.thread.join(1.0)
        os.close(self.write_end)

    def _watch(self) -> None:
        outstanding_since: Optional[float] = None
        try:
            while True:
                waiting = outstanding_since is not None
                ready, _, _ = select.select([self.read_end], [], [], NUDGE_EVERY if waiting else None)
                if ready:
                    arrived = os.read(self.read_end, 256)
                    if not arrived or _STOP_WATCHER[0] in arrived:
                        return
                    for byte in arrived:  # in the order written
                        if byte == signal.SIGINT and outstanding_since is None:
                            outstanding_since = time.monotonic()
                        elif byte == _HANDLED[0]:
                            outstanding_since = None
                if outstanding_since is None:
                    continue
                if time.monotonic() - outstanding_since > NUDGE_FOR:
                    outstanding_since = None
                elif self.router._reading:  # elsewhere the main thread runs Python code: it sees the flag
                    signal.pthread_kill(self.main, NUDGE)
        finally:
            os.close(self.read_end)
