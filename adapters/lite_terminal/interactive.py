"""Interactive mode: a prompt on one kept session, as VS Code's Lite Terminal gives one (docs/cli.md §2).

* The prompt is the session's namespace as the server's last prompt gave it (``USER>``, ``%SYS>`` after
  ``zn "%SYS"``), bold with ``--color``.
* Line editing and history come from the standard library's ``readline`` where it exists. The history file
  (``~/.iris_lite_terminal_history`` or ``$IRIS_LITE_TERMINAL_HISTORY``) is private: written to a 0600
  temporary file and renamed into place; a symbolic link there is refused. READ answers never enter the
  history (they may be passwords), nor does a line that starts with a blank (as bash's ignorespace).
* A line with an unclosed ``{`` or ``(`` outside strings continues on the next (prompt ``... ``), and the
  block is sent as one input joined by CR LF, as VS Code does (docs/protocol.md §11).
* Ctrl-C while a command runs sets the ``stop`` event of ``LiteTerminal.execute``: the server interrupts it
  (``<INTERRUPT>``) and the prompt comes back on the same session. Ctrl-C while typing drops the line.
  Ctrl-D, ``halt`` or ``h`` alone ends the session (``h 5`` is HANG and is sent). Whatever the moment a
  Ctrl-C comes, it is never lost nor ends the session (``ctrl_c.CtrlC``).
* A READ asks the person for the line (``on_read``); Ctrl-C or Ctrl-D there interrupts the command.
"""

from __future__ import annotations

import os
import tempfile
import threading
from typing import Callable, Optional, TextIO

from . import errors
from .contract import Status, classify
from .ctrl_c import CtrlC
from .lines import escape_controls, one_line_problem
from .render import OutputStream, status_line

try:  # not on every platform (Windows): then plain input(), without history
    import readline
except ImportError:  # pragma: no cover - readline is there on Linux and macOS
    readline = None  # type: ignore[assignment]

__all__ = ["History", "block_is_open", "Interactive", "HISTORY_ENV", "DEFAULT_HISTORY"]

HISTORY_ENV = "IRIS_LITE_TERMINAL_HISTORY"
DEFAULT_HISTORY = "~/.iris_lite_terminal_history"
HISTORY_LENGTH = 1000
CONTINUATION = "... "
_HALT = ("h", "halt")


def block_is_open(text: str) -> bool:
    """True while ``{`` or ``(`` outnumber their closing partners outside string literals (``""`` inside a
    string is a quote), the rule VS Code uses to go on reading lines (docs/protocol.md §11)."""
    depth = 0
    in_string = False
    for char in text:
        if char == '"':
            in_string = not in_string  # "" toggles twice: still inside
        elif not in_string:
            if char in "{(":
                depth += 1
            elif char in "})":
                depth -= 1
    return depth > 0


class History:
    """The readline history in a private file; every failure is a warning, never the end of the session."""

    def __init__(self, path: str, warn: Callable[[str], None]) -> None:
        self.path = os.path.expanduser(path)
        self.warn = warn
        self.enabled = readline is not None

    def load(self) -> None:
        if not self.enabled:
            return
        readline.set_auto_history(False)  # lines are added here, never READ answers
        readline.set_history_length(HISTORY_LENGTH)
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._disable(f"cannot read it ({exc.strerror})")
            return
        if os.path.islink(self.path) or not os.path.isfile(self.path):
            self._disable("it is a symbolic link or not a regular file")
            return
        if info.st_mode & 0o077:
            os.chmod(self.path, 0o600)  # others could read what was typed: made private
        try:
            readline.read_history_file(self.path)
        except OSError as exc:
            self._disable(f"cannot read it ({exc.strerror})")

    def add(self, line: str) -> None:
        if not self.enabled or not line.strip() or line[:1].isspace():
            return
        last = readline.get_current_history_length()
        if last and readline.get_history_item(last) == line:
            return
        readline.add_history(line)

    def save(self) -> None:
        if not self.enabled:
            return
        folder = os.path.dirname(self.path) or "."
        try:
            handle, temporary = tempfile.mkstemp(prefix=".iris_lite_terminal_history.", dir=folder)
        except OSError as exc:
            self.warn(f"history not saved: {exc.strerror}")
            return
        os.close(handle)  # mode 0600 from mkstemp; readline rewrites it in place
        try:
            readline.write_history_file(temporary)
            os.replace(temporary, self.path)
        except OSError as exc:
            self.warn(f"history not saved: {exc.strerror}")
            try:
                os.unlink(temporary)
            except OSError:
                pass

    def _disable(self, why: str) -> None:
        self.enabled = False
        self.warn(f"history off: {escape_controls(self.path)}: {why}")


class Interactive:
    """The read-run-print loop on one ``LiteTerminal``. Returns the exit status from :meth:`run`."""

    def __init__(self, term: object, out: TextIO, err: TextIO, color: bool, history: History,
                 read_line: Callable[[str], str] = input) -> None:
        self.term = term
        self.out = out
        self.err = err
        self.color = color
        self.history = history
        self.read_line = read_line
        self.stop = threading.Event()
        self.ctrl_c = CtrlC()
        self.stream = OutputStream(self._write, color=color, escape=True, drop_errors=False)

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def prompt(self) -> str:
        text = f"{escape_controls(self.term.namespace)}>"  # type: ignore[attr-defined]
        if self.color:  # \001 \002 tell readline the escapes take no room on the line
            return f"\001\x1b[1m\002{text}\001\x1b[0m\002"
        return text

    def read_command(self) -> Optional[str]:
        """One command: a line, or a block over several; None for a blank line. EOFError on Ctrl-D,
        KeyboardInterrupt on Ctrl-C (the lines typed so far are dropped)."""
        lines = [self.ctrl_c.read(self.read_line, self.prompt())]
        while block_is_open("\n".join(lines)):
            lines.append(self.ctrl_c.read(self.read_line, CONTINUATION))
        command = "\r\n".join(lines)
        for line in lines:
            self.history.add(line)
        return command if command.strip() else None

    def ask(self) -> Optional[str]:
        """A READ: the person types the line (the READ's prompt text is already on the screen). Ctrl-C or
        Ctrl-D there, or a Ctrl-C that came just before, interrupts the command (None)."""
        self.stream.flush_partial()
        try:
            while not self.stop.is_set():
                line = self.ctrl_c.read(self.read_line, "")  # Ctrl-C ends it (KeyboardInterrupt)
                problem = one_line_problem(line)
                if not problem:
                    self.stream.at_line_start = True  # the terminal echoed the Enter:
                    self.stream.after_answer = True  # IRIS's own new line after a READ is not shown again
                    return line
                self.err.write(f"that line cannot be sent: {escape_controls(problem)}; type it again\n")
                self.err.flush()
            return None
        except (KeyboardInterrupt, EOFError):
            self.stop.set()
            self._write("\n")
            return None

    def run(self) -> int:
        self.history.load()
        with self.ctrl_c.installed():
            return self._loop()

    def _loop(self) -> int:
        try:
            while True:
                try:
                    command = self.read_command()
                except EOFError:
                    self._write("\n")
                    return 0
                except KeyboardInterrupt:
                    self._write("\n")
                    continue
                if command is None:
                    continue
                if command.strip().lower() in _HALT:
                    return 0
                self.execute(command)
        finally:
            self.history.save()

    def execute(self, command: str) -> None:
        self.stop.clear()
        try:
            with self.ctrl_c.running(self.stop):
                result = self.term.execute(command, on_output=self.stream.feed,  # type: ignore[attr-defined]
                                           on_read=self.ask, stop=self.stop)
        except errors.TerminalError as exc:
            verdict = classify(exc)
            self.err.write(status_line(verdict.status.value, verdict.error))
            self.err.flush()
            return
        finally:
            self.stream.finish()
        verdict = classify(result)
        status = verdict.status
        if status in (Status.OK, Status.ERROR, Status.INTERRUPTED) and result.raw_output:
            return  # IRIS's own lines (<UNDEFINED>, <INTERRUPT>) are on the screen already
        if status is not Status.OK:
            self.err.write(status_line(status.value, verdict.error))
            if status is Status.LOST:
                self.err.write("note: that session is gone; the next command opens a new one (its locals "
                               "are lost)\n")
            self.err.flush()
